namespace KvDb.Sql;

/// <summary>
/// A connection-like scope for BEGIN / COMMIT / ROLLBACK. Between BEGIN and COMMIT, the rows that INSERT, UPDATE and
/// DELETE compute are held back and applied at COMMIT as one Core transaction: all or nothing, and invisible to
/// everyone (this session included) until then. Statements inside a transaction therefore read the committed state;
/// a transaction may change each row once and at most 100 rows (Core's transaction limit, #4). DDL, generated ids and
/// materialized-join upkeep are not transactional. Not thread-safe: use one session per logical connection.
/// </summary>
public sealed class SqlSession
{
    private readonly SqlEngine _engine;
    private List<TransactWriteItem>? _pending;
    private HashSet<(string Table, ItemKey Key)>? _keys;

    internal SqlSession(SqlEngine engine) => _engine = engine;

    /// <summary>Whether BEGIN has run without COMMIT or ROLLBACK.</summary>
    public bool InTransaction => _pending is not null;

    /// <summary>Runs SQL text in this session; the result is the last statement's.</summary>
    /// <param name="text">One or more statements separated by ';'.</param>
    /// <param name="parameters">Parameter values, or null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The last statement's result.</returns>
    public ValueTask<SqlResult> ExecuteAsync(string text, object? parameters = null, CancellationToken cancellationToken = default) =>
        _engine.ExecuteAsync(this, text, parameters, cancellationToken);

    internal void Begin()
    {
        if (_pending is not null)
        {
            ThrowHelper.Error(SqlErrorCode.TransactionState, "BEGIN inside a transaction: COMMIT or ROLLBACK first");
        }

        _pending = [];
        _keys = [];
    }

    internal void Rollback()
    {
        if (_pending is null)
        {
            ThrowHelper.Error(SqlErrorCode.TransactionState, "ROLLBACK without BEGIN");
        }

        _pending = null;
        _keys = null;
    }

    /// <summary>Takes the pending writes and ends the transaction.</summary>
    internal List<TransactWriteItem> TakeForCommit()
    {
        var pending = _pending ?? ThrowHelper.Error<List<TransactWriteItem>>(SqlErrorCode.TransactionState, "COMMIT without BEGIN");
        _pending = null;
        _keys = null;
        return pending;
    }

    /// <summary>Holds a statement's writes until COMMIT.</summary>
    internal void Defer(IReadOnlyList<TransactWriteItem> actions, IReadOnlyList<ItemKey> keys)
    {
        for (var i = 0; i < actions.Count; i++)
        {
            if (!_keys!.Add((actions[i].TableName, keys[i])))
            {
                ThrowHelper.Error(SqlErrorCode.TransactionState, $"This transaction already changes row {keys[i]} of {actions[i].TableName}; a transaction may change each row once (#4)");
            }
        }

        if (_pending!.Count + actions.Count > 100)
        {
            ThrowHelper.Error(SqlErrorCode.LimitExceeded, "A transaction may change at most 100 rows (KvDb.Core's transaction limit)");
        }

        _pending.AddRange(actions);
    }
}
