using KvDb.Expressions;

namespace KvDb.Core.Tests.Query;

public sealed class ScanTests
{
    private static async Task<(KvDatabase, KvTable)> Seed(int partitions, int perPartition)
    {
        var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        var items = new List<Item>();
        for (var p = 0; p < partitions; p++)
        {
            for (var s = 0; s < perPartition; s++)
            {
                items.Add(Item.Create().Set("pk", $"p{p:D3}").Set("sk", s).Set("even", s % 2 == 0).Build());
            }
        }

        await t.BatchWriteAsync(items);
        return (db, t);
    }

    [Fact]
    public async Task Scan_ReturnsEverythingInKeyOrder()
    {
        var (db, t) = await Seed(20, 5);
        await using var _ = db;
        var items = await t.Scan().ToListAsync();
        Assert.Equal(100, items.Count);
        var keys = items.Select(i => (i["pk"].AsString(), i["sk"].AsNumber().ToInt64())).ToList();
        Assert.Equal(keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2), keys);
    }

    [Fact]
    public async Task Scan_WithFilterAndProjectionAndPaging()
    {
        var (db, t) = await Seed(10, 10);
        await using var _ = db;
        var request = new ScanRequest("t") { Filter = Condition.Path("even").Equal(true), Projection = Projection.Of("sk"), Limit = 7 };
        var seen = 0;
        var pages = 0;
        while (true)
        {
            var page = await db.Store.ScanAsync(request);
            pages++;
            seen += page.Count;
            Assert.All(page.Items, i => Assert.Equal(["sk"], i.Keys));
            if (page.LastEvaluatedKey is null)
            {
                break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }

        Assert.Equal(50, seen);
        Assert.Equal(15, pages); // ceil(100 / 7)
        Assert.Equal(50, await t.Scan().Filter("even = :t", new Dictionary<string, AttributeValue> { [":t"] = true }).CountAsync());
    }

    [Fact]
    public async Task Scan_Segments_AreDisjointAndCoverTheTable()
    {
        var (db, t) = await Seed(50, 3);
        await using var _ = db;
        var all = new List<string>();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async s =>
            (await t.Scan().Segment(s, 4).ToListAsync()).Select(i => $"{i["pk"].AsString()}/{i["sk"].AsNumber()}").ToList()));
        foreach (var r in results)
        {
            Assert.NotEmpty(r);
            all.AddRange(r);
        }

        Assert.Equal(150, all.Count);
        Assert.Equal(150, all.Distinct().Count());
    }

    [Fact]
    public async Task Scan_BadSegments_Throw()
    {
        var (db, t) = await Seed(1, 1);
        await using var _ = db;
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await t.Scan().Segment(4, 4).ToListAsync());
        Assert.Equal("Scan on table \"t\": Segment must be between 0 and TotalSegments - 1 (3), not 4.", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await t.Scan().Segment(0, 0).ToListAsync());
        Assert.Equal("Scan on table \"t\": TotalSegments must be between 1 and 1000000, not 0.", e.Message);
    }

    [Fact]
    public async Task Scan_TableWithoutSortKey_Paginates()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("kv", new KeyAttribute("id", ScalarType.String));
        await t.BatchWriteAsync(Enumerable.Range(0, 25).Select(i => Item.Create().Set("id", $"k{i:D2}").Build()));
        var ids = new List<string>();
        var request = new ScanRequest("kv") { Limit = 4 };
        while (true)
        {
            var page = await db.Store.ScanAsync(request);
            ids.AddRange(page.Items.Select(i => i["id"].AsString()));
            if (page.LastEvaluatedKey is null)
            {
                break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"k{i:D2}"), ids);
    }
}
