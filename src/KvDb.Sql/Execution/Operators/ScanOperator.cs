using System.Runtime.CompilerServices;
using KvDb.Sql.Planning;
using KvDb.Storage;

namespace KvDb.Sql.Execution.Operators;

/// <summary>Runs a <see cref="LogicalScan"/> against Core in pages, so that a consumer that stops early stops the scan.</summary>
internal static class ScanOperator
{
    private const int PageSize = 512;

    public static IAsyncEnumerable<AttributeValue?[]> RunAsync(LogicalScan scan, ExecContext ctx)
    {
        var pk = scan.PartitionKey;
        var sk = scan.SortKey;
        if (scan.PartitionKeyParameter is { } pkParameter)
        {
            // A key taken from the outer row of a correlated subquery: NULL or a value of another type than the key
            // column equals no key, as the SQL filter above would decide.
            var column = scan.Access == AccessKind.IndexQuery ? scan.Table.Indexes.First(i => i.Name == scan.IndexName).PartitionKey : scan.Table.PartitionKey;
            pk = pkParameter.Eval([], ctx);
            if (pk is null || !Optimization.Rules.KeyAccessRule.KeyTyped(scan.Table, column, pk))
            {
                return EmptyAsync();
            }
        }

        if (scan.SortKeyParameter is { } skParameter)
        {
            sk = skParameter.Eval([], ctx);
            if (sk is null || !Optimization.Rules.KeyAccessRule.KeyTyped(scan.Table, scan.Table.SortKey!, sk))
            {
                return EmptyAsync();
            }
        }

        return ctx.Pending is { } pending && pending.Touches(scan.Table.Name) ? OverlaidAsync(scan, pk, sk, ctx, pending) : StoreAsync(scan, pk, sk, ctx);
    }

    private static async IAsyncEnumerable<AttributeValue?[]> EmptyAsync()
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    private static async IAsyncEnumerable<AttributeValue?[]> StoreAsync(
        LogicalScan scan, AttributeValue? pk, AttributeValue? sk, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = scan.Table.Name;
        if (scan.Access == AccessKind.PointRead)
        {
            // No projection: the whole item is read either way, and projecting it would copy it.
            var key = new ItemKey(pk!, sk);
            var item = await ctx.Store.GetItemAsync(new GetItemRequest(table, key), ctx.CancellationToken).ConfigureAwait(false);
            if (item is not null && (scan.Filter is null || scan.Filter.Evaluate(item)))
            {
                yield return Row(scan, item);
            }

            yield break;
        }

        var produced = 0;
        ItemKey? start = null;
        do
        {
            var pageLimit = scan.Limit is { } l && scan.Filter is null ? Math.Min(PageSize, l - produced) : PageSize;
            var page = await PageAsync(scan, pk, ctx, pageLimit, start).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return Row(scan, item);
                if (scan.Limit is { } limit && ++produced >= limit)
                {
                    yield break;
                }
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);
    }

    private static async ValueTask<QueryResult> PageAsync(LogicalScan scan, AttributeValue? pk, ExecContext ctx, int pageLimit, ItemKey? start) => scan.Access switch
    {
        AccessKind.PartitionQuery or AccessKind.IndexQuery or AccessKind.PartitionRange => await ctx.Store.QueryAsync(new QueryRequest(scan.Table.Name)
        {
            PartitionKey = pk,
            PartitionKeyCondition = scan.PartitionKeyCondition,
            SortKeyCondition = scan.SortKeyCondition,
            IndexName = scan.IndexName,
            Filter = scan.Filter,
            Projection = scan.Projection,
            Limit = pageLimit,
            ExclusiveStartKey = start,
        }, ctx.CancellationToken).ConfigureAwait(false),
        _ => await ctx.Store.ScanAsync(new ScanRequest(scan.Table.Name)
        {
            Filter = scan.Filter,
            Projection = scan.Projection,
            Limit = pageLimit,
            ExclusiveStartKey = start,
        }, ctx.CancellationToken).ConfigureAwait(false),
    };

    /// <summary>
    /// A scan inside a transaction that changed the table: stored items the transaction changed are replaced by their
    /// pending images (deleted ones are skipped), and the pending rows that match the scan's key access and pushed-down
    /// filter follow. Sort-key and range conditions are not re-checked here: the SQL filter above every keyed scan
    /// (see <c>KeyAccessRule</c>) decides, as it does for stored items.
    /// </summary>
    private static async IAsyncEnumerable<AttributeValue?[]> OverlaidAsync(
        LogicalScan scan, AttributeValue? pk, AttributeValue? sk, ExecContext ctx, PendingWrites pending, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = scan.Table;
        if (scan.Access == AccessKind.PointRead)
        {
            var key = new ItemKey(pk!, sk);
            var item = pending.TryGet(table.Name, key, out var current)
                ? current
                : await ctx.Store.GetItemAsync(new GetItemRequest(table.Name, key), ctx.CancellationToken).ConfigureAwait(false);
            if (item is not null && (scan.Filter is null || scan.Filter.Evaluate(item)))
            {
                yield return Row(scan, item);
            }

            yield break;
        }

        var rows = pending.Snapshot(table.Name);
        var produced = 0;
        ItemKey? start = null;
        do
        {
            var page = await PageAsync(scan, pk, ctx, PageSize, start).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                if (pending.TryGet(table.Name, KeyOf(table, item), out _))
                {
                    continue;
                }

                yield return Row(scan, item);
                if (scan.Limit is { } limit && ++produced >= limit)
                {
                    yield break;
                }
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        foreach (var (_, item) in rows)
        {
            if (item is not null && MatchesAccess(scan, pk, item) && (scan.Filter is null || scan.Filter.Evaluate(item)))
            {
                yield return Row(scan, item);
                if (scan.Limit is { } limit && ++produced >= limit)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>The key of a stored item (its key attributes are always read, even under a projection).</summary>
    public static ItemKey KeyOf(Binding.TableInfo table, Item item) =>
        new(item[table.PartitionKey], table.SortKey is null ? null : item[table.SortKey]);

    /// <summary>Whether a pending item has the scan's partition key (or index key); other key conditions are left to the SQL filter.</summary>
    private static bool MatchesAccess(LogicalScan scan, AttributeValue? pk, Item item)
    {
        switch (scan.Access)
        {
            case AccessKind.PartitionQuery:
                return Equals(item.Get(scan.Table.PartitionKey), pk);
            case AccessKind.IndexQuery:
                foreach (var (name, indexPk, _) in scan.Table.Indexes)
                {
                    if (name == scan.IndexName)
                    {
                        return Equals(item.Get(indexPk), pk);
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// Reads a materialized join's stored rows: per joined table either the attributes the query reads (one slot each,
    /// NULL when missing) or the whole item as a map. See <see cref="Materialization.MaterializedJoin"/> for the two
    /// storage formats.
    /// </summary>
    public static async IAsyncEnumerable<AttributeValue?[]> MaterializedAsync(LogicalMaterializedScan scan, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var join = scan.Join;
        var width = scan.Width;
        var sources = join.Sources.Count;
        var columns = scan.Columns ?? new string[]?[sources];
        if (join.Rows is { } cache && await cache.OpenAsync(ctx.CancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            // The in-memory copy: no record read or decoded.
            var ids = MaterializedColumns(scan, snapshot);
            var wholeSources = WholeSources(scan, snapshot);
            for (var slot = 0; slot < snapshot.Slots; slot++)
            {
                if (snapshot.Row(slot) is not { } copy)
                {
                    continue;
                }

                if ((slot & 1023) == 0)
                {
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                }

                var row = new AttributeValue?[width];
                for (var i = 0; i < ids.Length; i++)
                {
                    row[i] = ids[i] >= 0 ? Materialization.JoinRowCache.Snapshot.Get(copy, ids[i]) : WholeSource(copy, wholeSources[-1 - ids[i]]);
                }

                yield return row;
            }

            yield break;
        }

        // Per joined table: the stored attribute names of the columns read (flat format), or of the whole item (first format).
        var stored = new string[]?[sources];
        var prefixes = new string[sources];
        for (var i = 0; i < sources; i++)
        {
            prefixes[i] = join.Flat ? Materialization.MaterializedJoin.FlatPrefix(i) : "s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (join.Flat && columns[i] is { } wanted)
            {
                stored[i] = [.. wanted.Select(c => Materialization.MaterializedJoin.FlatName(i, c))];
            }
        }

        var selectors = new AttributeSelector?[sources];
        for (var i = 0; i < sources; i++)
        {
            selectors[i] = stored[i] is { } names ? new AttributeSelector(names) : null;
        }

        // The common case, named columns of every joined table: all read in one walk of the stored row.
        var all = stored.All(s => s is not null) ? new AttributeSelector([.. stored.SelectMany(s => s!)]) : null;

        ItemKey? start = null;
        do
        {
            var page = await ctx.Store.ScanAsync(new ScanRequest(join.StorageTable) { Limit = PageSize, ExclusiveStartKey = start }, ctx.CancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var row = new AttributeValue?[width];
                if (all is not null)
                {
                    item.Select(all, row, 0);
                    yield return row;
                    continue;
                }

                var at = 0;
                for (var i = 0; i < sources; i++)
                {
                    if (selectors[i] is { } selector)
                    {
                        item.Select(selector, row, at);
                        at += selector.Names.Length;
                    }
                    else if (join.Flat)
                    {
                        row[at++] = FlatSource(item, prefixes[i]);
                    }
                    else if (columns[i] is { } wanted)
                    {
                        var map = item.Get(prefixes[i]) is { Kind: AttributeKind.Map } source ? source.AsMap() : null;
                        foreach (var name in wanted)
                        {
                            row[at++] = map is not null && map.TryGetValue(name, out var value) ? value : null;
                        }
                    }
                    else
                    {
                        row[at++] = item.Get(prefixes[i]);
                    }
                }

                yield return row;
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);
    }

    /// <summary>
    /// For each slot of a materialized scan's rows, the column of the in-memory copy it reads, or -1 - i for the whole
    /// item of source i (<see cref="WholeSources"/>). A column no stored row has is <see cref="int.MaxValue"/>, past
    /// every row's width, so it reads as NULL.
    /// </summary>
    public static int[] MaterializedColumns(LogicalMaterializedScan scan, Materialization.JoinRowCache.Snapshot snapshot)
    {
        var ids = new int[scan.Width];
        var at = 0;
        for (var i = 0; i < scan.Join.Sources.Count; i++)
        {
            if (scan.Columns?[i] is { } wanted)
            {
                foreach (var name in wanted)
                {
                    ids[at++] = snapshot.Column(Materialization.MaterializedJoin.FlatName(i, name)) is var id and >= 0 ? id : int.MaxValue;
                }
            }
            else
            {
                ids[at++] = -1 - i;
            }
        }

        return ids;
    }

    /// <summary>Per source: its attributes in the in-memory copy, as (column, name without the source prefix).</summary>
    private static (int Column, string Name)[][] WholeSources(LogicalMaterializedScan scan, Materialization.JoinRowCache.Snapshot snapshot)
    {
        var sources = new (int, string)[scan.Join.Sources.Count][];
        for (var i = 0; i < sources.Length; i++)
        {
            var prefix = Materialization.MaterializedJoin.FlatPrefix(i);
            sources[i] = [.. snapshot.Names.Select((name, column) => (column, name)).Where(c => c.name.StartsWith(prefix, StringComparison.Ordinal)).Select(c => (c.column, c.name[prefix.Length..]))];
        }

        return sources;
    }

    /// <summary>One joined table's whole item, from a row of the in-memory copy.</summary>
    private static AttributeValue WholeSource(AttributeValue?[] stored, (int Column, string Name)[] attributes)
    {
        var entries = new List<KeyValuePair<string, AttributeValue>>(attributes.Length);
        foreach (var (column, name) in attributes)
        {
            if (Materialization.JoinRowCache.Snapshot.Get(stored, column) is { } value)
            {
                entries.Add(new(name, value));
            }
        }

        return AttributeValue.FromMap(entries);
    }

    /// <summary>One joined table's whole item, gathered from a flat stored row's attributes with its prefix.</summary>
    private static AttributeValue FlatSource(Item item, string prefix)
    {
        var attributes = new List<KeyValuePair<string, AttributeValue>>();
        foreach (var (name, value) in item)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                attributes.Add(new(name[prefix.Length..], value));
            }
        }

        return AttributeValue.FromMap(attributes);
    }

    public static AttributeValue ToValue(Item item) => AttributeValue.FromMap(item.ToMap());

    /// <summary>
    /// The row of one item: the attributes <see cref="LogicalScan.Columns"/> names, one slot each (NULL when missing),
    /// or the whole item as a map in one slot.
    /// </summary>
    public static AttributeValue?[] Row(LogicalScan scan, Item item)
    {
        if (scan.Columns is not { } columns)
        {
            return [ToValue(item)];
        }

        if (columns.Length == 0)
        {
            return [];
        }

        var row = new AttributeValue?[columns.Length];
        if (columns.Length == 1)
        {
            row[0] = item.Get(columns[0]);
        }
        else
        {
            item.Select(SelectorOf(columns), row, 0);
        }

        return row;
    }

    // One selector per column list of a plan (plans are cached and shared; selectors are immutable).
    private static readonly ConditionalWeakTable<string[], AttributeSelector> s_selectors = [];

    /// <summary>The selector reading <paramref name="names"/> from an item in one walk.</summary>
    public static AttributeSelector SelectorOf(string[] names) =>
        s_selectors.TryGetValue(names, out var selector) ? selector : s_selectors.GetValue(names, n => new AttributeSelector(n));
}
