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
    public IAsyncEnumerator<SqlRow> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(this, cancellationToken);

    /// <summary>Runs the statements on the first step, then hands every step to the result's own enumerator (no extra asynchronous layer per row).</summary>
    private sealed class Enumerator(SqlCommand command, CancellationToken cancellationToken) : IAsyncEnumerator<SqlRow>
    {
        private IAsyncEnumerator<SqlRow>? _rows;

        public SqlRow Current => _rows is { } rows ? rows.Current : throw new InvalidOperationException("MoveNextAsync has not been called.");

        public ValueTask<bool> MoveNextAsync()
        {
            if (_rows is { } rows)
            {
                return rows.MoveNextAsync();
            }

            ValueTask<SqlResult> execute;
            try
            {
                execute = command.ExecuteAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<bool>(ex);
            }

            return execute.IsCompletedSuccessfully ? Start(execute.Result) : StartAsync(execute);
        }

        private ValueTask<bool> Start(SqlResult result)
        {
            _rows = result.Rows.GetAsyncEnumerator(cancellationToken);
            return _rows.MoveNextAsync();
        }

        private async ValueTask<bool> StartAsync(ValueTask<SqlResult> execute) =>
            await Start(await execute.ConfigureAwait(false)).ConfigureAwait(false);

        public ValueTask DisposeAsync() => _rows?.DisposeAsync() ?? default;
    }
}
