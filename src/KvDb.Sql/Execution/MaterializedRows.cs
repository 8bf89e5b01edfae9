using KvDb.Sql.Binding;
using KvDb.Sql.Materialization;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution;

/// <summary>
/// The result rows of a query that reads only columns of a materialized join (a projection of plain columns over its
/// scan), straight from the join's in-memory copy (<see cref="JoinRowCache"/>): each result row reads its values from
/// the stored row it wraps, so a row costs one small object and no operator pipeline. When the copy cannot be used
/// (too large, or it names a column the query reads as a whole item) the rows come from <c>fallback</c> instead.
/// One object is both the sequence and its enumerator: a <see cref="SqlResult"/> is enumerated once.
/// </summary>
internal sealed class MaterializedRows(
    JoinRowCache cache, LogicalMaterializedScan scan, int[] slots, IReadOnlyList<string> columns, Func<IAsyncEnumerable<SqlRow>> fallback, CancellationToken ct)
    : IAsyncEnumerable<SqlRow>, IAsyncEnumerator<SqlRow>
{
    private CancellationToken _enumeratorToken;
    private JoinRowCache.Snapshot? _snapshot;
    private int[]? _columnIds;
    private IAsyncEnumerator<SqlRow>? _fallback;
    private int _slot;
    private bool _started;

    public SqlRow Current { get; private set; } = null!;

    /// <summary>The input slots of a projection that only reads whole columns (no path, no computation), or null.</summary>
    public static int[]? DirectSlots(IReadOnlyList<BoundExpr> exprs)
    {
        var slots = new int[exprs.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            if (exprs[i] is not BoundColumn { Path.Length: 0 } column)
            {
                return null;
            }

            slots[i] = column.Slot;
        }

        return slots;
    }

    public IAsyncEnumerator<SqlRow> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        _enumeratorToken = cancellationToken;
        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        if (_fallback is not null)
        {
            return _fallback.MoveNextAsync();
        }

        if (_started)
        {
            return new(Next());
        }

        _started = true;
        ValueTask<JoinRowCache.Snapshot?> open;
        try
        {
            ct.ThrowIfCancellationRequested();
            _enumeratorToken.ThrowIfCancellationRequested();
            open = cache.OpenAsync(ct);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<bool>(Translate(ex));
        }

        return open.IsCompletedSuccessfully ? Start(open.Result) : StartAsync(open);
    }

    private async ValueTask<bool> StartAsync(ValueTask<JoinRowCache.Snapshot?> open)
    {
        JoinRowCache.Snapshot? snapshot;
        try
        {
            snapshot = await open.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Translate(ex);
        }

        return await Start(snapshot).ConfigureAwait(false);
    }

    private ValueTask<bool> Start(JoinRowCache.Snapshot? snapshot)
    {
        if (snapshot is not null)
        {
            var ids = Operators.ScanOperator.MaterializedColumns(scan, snapshot);
            var columnIds = new int[slots.Length];
            var direct = true;
            for (var i = 0; i < slots.Length && direct; i++)
            {
                columnIds[i] = ids[slots[i]];
                direct = columnIds[i] >= 0;
            }

            if (direct)
            {
                (_snapshot, _columnIds) = (snapshot, columnIds);
                return new(Next());
            }
        }

        _fallback = fallback().GetAsyncEnumerator(_enumeratorToken);
        return _fallback.MoveNextAsync();
    }

    private bool Next()
    {
        var snapshot = _snapshot!;
        while (_slot < snapshot.Slots)
        {
            var slot = _slot++;
            if ((slot & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
                _enumeratorToken.ThrowIfCancellationRequested();
            }

            if (snapshot.Row(slot) is { } stored)
            {
                Current = new SqlRow(columns, stored, _columnIds!);
                return true;
            }
        }

        return false;
    }

    private static Exception Translate(Exception ex) => ex is KvDbException core and not SqlException ? SqlEngine.Wrap(core) : ex;

    public ValueTask DisposeAsync() => _fallback?.DisposeAsync() ?? default;
}
