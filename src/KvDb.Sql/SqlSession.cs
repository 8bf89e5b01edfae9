using KvDb.Sql.Execution;

namespace KvDb.Sql;

/// <summary>
/// A connection-like scope for BEGIN / COMMIT / ROLLBACK. Between BEGIN and COMMIT, the rows that INSERT, UPDATE and
/// DELETE change are held in the session and applied at COMMIT as one atomic Core transaction (all or nothing, up to
/// 1,000,000 changed rows). Statements of the session see its own pending changes (read-your-writes); other sessions
/// see none of them until COMMIT, and ROLLBACK discards them. COMMIT fails, changing nothing, when a row the
/// transaction inserted was inserted by another writer meanwhile, or a row it updated or deleted was deleted meanwhile;
/// a row it updated is written as a whole, so another writer's concurrent change to that row is overwritten (last
/// writer wins). DDL, generated ids and materialized-join upkeep are not transactional. Not thread-safe: use one
/// session per logical connection.
/// </summary>
public sealed class SqlSession
{
    private readonly SqlEngine _engine;

    internal SqlSession(SqlEngine engine) => _engine = engine;

    /// <summary>Whether BEGIN has run without COMMIT or ROLLBACK.</summary>
    public bool InTransaction => Pending is not null;

    /// <summary>The open transaction's changes, or null outside a transaction.</summary>
    internal PendingWrites? Pending { get; private set; }

    /// <summary>Runs SQL text in this session; the result is the last statement's.</summary>
    /// <param name="text">One or more statements separated by ';'.</param>
    /// <param name="parameters">Parameter values, or null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The last statement's result.</returns>
    public ValueTask<SqlResult> ExecuteAsync(string text, object? parameters = null, CancellationToken cancellationToken = default) =>
        _engine.ExecuteAsync(this, text, parameters, cancellationToken);

    internal void Begin()
    {
        if (Pending is not null)
        {
            ThrowHelper.Error(SqlErrorCode.TransactionState, "BEGIN inside a transaction: COMMIT or ROLLBACK first");
        }

        Pending = new PendingWrites();
    }

    internal void Rollback()
    {
        if (Pending is null)
        {
            ThrowHelper.Error(SqlErrorCode.TransactionState, "ROLLBACK without BEGIN");
        }

        Pending = null;
    }

    /// <summary>Takes the pending writes and ends the transaction.</summary>
    internal PendingWrites TakeForCommit()
    {
        var pending = Pending ?? ThrowHelper.Error<PendingWrites>(SqlErrorCode.TransactionState, "COMMIT without BEGIN");
        Pending = null;
        return pending;
    }
}
