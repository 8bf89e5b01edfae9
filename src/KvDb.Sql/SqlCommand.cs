namespace KvDb.Sql;

/// <summary>
/// SQL text with its parameters, ready to run: <c>await db.Sql("SELECT ...").ToListAsync()</c>,
/// <c>await foreach (var row in db.Sql("SELECT ..."))</c> or <c>await db.Sql("INSERT ...").ExecuteAsync()</c>.
/// </summary>
public sealed class SqlCommand : IAsyncEnumerable<SqlRow>
{
    private readonly SqlEngine _engine;
    private readonly string _text;
    private readonly object? _parameters;

    internal SqlCommand(SqlEngine engine, string text, object? parameters)
    {
        _engine = engine;
        _text = text;
        _parameters = parameters;
    }

    /// <summary>Runs every statement; the result is the last statement's.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The result.</returns>
    public ValueTask<SqlResult> ExecuteAsync(CancellationToken cancellationToken = default) =>
        _engine.ExecuteAsync(_text, _parameters, cancellationToken);

    /// <summary>Runs the statements and reads the last one's rows.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The rows.</returns>
    public ValueTask<IReadOnlyList<SqlRow>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var execute = ExecuteAsync(cancellationToken);
        return execute.IsCompletedSuccessfully ? execute.Result.ToListAsync(cancellationToken) : ToListSlowAsync(execute, cancellationToken);
    }

    private static async ValueTask<IReadOnlyList<SqlRow>> ToListSlowAsync(ValueTask<SqlResult> execute, CancellationToken cancellationToken) =>
        await (await execute.ConfigureAwait(false)).ToListAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Runs the statements and returns the last one's affected-row count.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The count (-1 for queries).</returns>
    public async ValueTask<long> ExecuteNonQueryAsync(CancellationToken cancellationToken = default) =>
        (await ExecuteAsync(cancellationToken).ConfigureAwait(false)).RowsAffected;

    /// <inheritdoc />
    public async IAsyncEnumerator<SqlRow> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var row in result.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }
}
