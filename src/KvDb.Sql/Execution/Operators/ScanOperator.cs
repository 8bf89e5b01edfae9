using System.Runtime.CompilerServices;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution.Operators;

/// <summary>Runs a <see cref="LogicalScan"/> against Core in pages, so that a consumer that stops early stops the scan.</summary>
internal static class ScanOperator
{
    private const int PageSize = 512;

    public static async IAsyncEnumerable<AttributeValue?[]> RunAsync(LogicalScan scan, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = scan.Table.Name;
        if (scan.Access == AccessKind.PointRead)
        {
            var key = new ItemKey(scan.PartitionKey!, scan.SortKey);
            var item = await ctx.Store.GetItemAsync(new GetItemRequest(table, key) { Projection = scan.Projection }, ctx.CancellationToken).ConfigureAwait(false);
            if (item is not null && (scan.Filter is null || scan.Filter.Evaluate(item)))
            {
                yield return [ToValue(item)];
            }

            yield break;
        }

        var produced = 0;
        ItemKey? start = null;
        do
        {
            var pageLimit = scan.Limit is { } l && scan.Filter is null ? Math.Min(PageSize, l - produced) : PageSize;
            QueryResult page = scan.Access switch
            {
                AccessKind.PartitionQuery or AccessKind.IndexQuery or AccessKind.PartitionRange => await ctx.Store.QueryAsync(new QueryRequest(table)
                {
                    PartitionKey = scan.PartitionKey,
                    PartitionKeyCondition = scan.PartitionKeyCondition,
                    SortKeyCondition = scan.SortKeyCondition,
                    IndexName = scan.IndexName,
                    Filter = scan.Filter,
                    Projection = scan.Projection,
                    Limit = pageLimit,
                    ExclusiveStartKey = start,
                }, ctx.CancellationToken).ConfigureAwait(false),
                _ => await ctx.Store.ScanAsync(new ScanRequest(table)
                {
                    Filter = scan.Filter,
                    Projection = scan.Projection,
                    Limit = pageLimit,
                    ExclusiveStartKey = start,
                }, ctx.CancellationToken).ConfigureAwait(false),
            };
            foreach (var item in page.Items)
            {
                yield return [ToValue(item)];
                if (scan.Limit is { } limit && ++produced >= limit)
                {
                    yield break;
                }
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);
    }

    public static async IAsyncEnumerable<AttributeValue?[]> MaterializedAsync(LogicalMaterializedScan scan, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var width = scan.Width;
        ItemKey? start = null;
        do
        {
            var page = await ctx.Store.ScanAsync(new ScanRequest(scan.Join.StorageTable) { Limit = PageSize, ExclusiveStartKey = start }, ctx.CancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var row = new AttributeValue?[width];
                for (var i = 0; i < width; i++)
                {
                    row[i] = item.Get("s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                yield return row;
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);
    }

    public static AttributeValue ToValue(Item item) => AttributeValue.FromMap(item.ToMap());
}
