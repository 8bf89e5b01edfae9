namespace KvDb.Sql;

/// <summary>
/// The result of the last statement of a SQL text: column names and rows for queries (streamed: the rows are read
/// from the store while <see cref="Rows"/> is enumerated, once), the affected-row count for INSERT, UPDATE and DELETE.
/// </summary>
public sealed class SqlResult
{
    private readonly IAsyncEnumerable<SqlRow> _rows;
    private int _enumerated;

    internal SqlResult(IReadOnlyList<string> columns, IAsyncEnumerable<SqlRow> rows, long rowsAffected)
    {
        Columns = columns;
        _rows = rows;
        RowsAffected = rowsAffected;
    }

    internal static SqlResult Affected(long count) => new([], NoRows.Instance, count);

    /// <summary>Output column names (empty for statements that return no rows).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows inserted, updated or deleted; -1 for queries and DDL.</summary>
    public long RowsAffected { get; }

    /// <summary>The rows; may be enumerated once.</summary>
    public IAsyncEnumerable<SqlRow> Rows =>
        Interlocked.Exchange(ref _enumerated, 1) == 0 ? _rows : throw new InvalidOperationException("The rows of a SqlResult can be enumerated only once.");

    /// <summary>Reads all rows into a list.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rows.</returns>
    public ValueTask<IReadOnlyList<SqlRow>> ToListAsync(CancellationToken cancellationToken = default)
    {
        // A cached point read: at most one row, usually available at once; no async enumeration machinery.
        if (_rows is SqlEngine.PointReadRows point && Volatile.Read(ref _enumerated) == 0 && Interlocked.Exchange(ref _enumerated, 1) == 0)
        {
            _ = point.GetAsyncEnumerator(cancellationToken);
            var next = point.MoveNextAsync();
            return next.IsCompletedSuccessfully ? new(ListOf(point, next.Result)) : AwaitPointAsync(point, next);
        }

        return ToListSlowAsync(cancellationToken);
    }

    private static List<SqlRow> ListOf(SqlEngine.PointReadRows point, bool found) => found ? new List<SqlRow>(1) { point.Current } : [];

    private static async ValueTask<IReadOnlyList<SqlRow>> AwaitPointAsync(SqlEngine.PointReadRows point, ValueTask<bool> next) =>
        ListOf(point, await next.ConfigureAwait(false));

    private async ValueTask<IReadOnlyList<SqlRow>> ToListSlowAsync(CancellationToken cancellationToken)
    {
        var list = new List<SqlRow>();
        await foreach (var row in Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>No rows: one shared, stateless instance (a DML statement's result has no rows to stream).</summary>
    private sealed class NoRows : IAsyncEnumerable<SqlRow>, IAsyncEnumerator<SqlRow>
    {
        public static readonly NoRows Instance = new();

        public SqlRow Current => throw new InvalidOperationException("There are no rows.");

        public IAsyncEnumerator<SqlRow> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return this;
        }

        public ValueTask<bool> MoveNextAsync() => ValueTask.FromResult(false);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
