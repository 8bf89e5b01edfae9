using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

public sealed class IndexTests : IAsyncLifetime
{
    private KvDatabase _db = null!;
    private KvTable _t = null!;
    private TableSchema _schema = null!;

    public async Task InitializeAsync()
    {
        _db = KvDatabase.OpenInMemory();
        _schema = new TableSchema("orders", new KeyAttribute("customer", ScalarType.String), new KeyAttribute("id", ScalarType.Number))
        {
            Indexes =
            [
                IndexSchema.Global("byStatus", new KeyAttribute("status", ScalarType.String), new KeyAttribute("total", ScalarType.Number)),
                IndexSchema.Global("byEmail", new KeyAttribute("email", ScalarType.String)),
            ],
        };
        _schema = _schema with { Indexes = [.. _schema.Indexes, IndexSchema.Local("byDate", _schema, new KeyAttribute("date", ScalarType.String))] };
        _t = await _db.CreateTableAsync(_schema);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Task Order(string customer, int id, string? status, int total, string? date = null, string? email = null)
    {
        var b = Item.Create().Set("customer", customer).Set("id", id).Set("total", total);
        if (status is not null)
        {
            b.Set("status", status);
        }

        if (date is not null)
        {
            b.Set("date", date);
        }

        if (email is not null)
        {
            b.Set("email", email);
        }

        return _t.PutAsync(b.Build()).AsTask();
    }

    /// <summary>
    /// A count-only query of a whole index partition is answered from the partition's size (no entry visited) and
    /// equals the entries a full query returns, as items move between partitions, leave the sparse index or go away.
    /// </summary>
    [Fact]
    public async Task CountOnlyIndexQuery_WholePartition_EqualsTheEntries()
    {
        QueryRequest Count(string status) => new("orders") { IndexName = "byStatus", PartitionKey = AttributeValue.FromString(status), CountOnly = true };
        async Task<int> Entries(string status) =>
            (await _db.Store.QueryAsync(new QueryRequest("orders") { IndexName = "byStatus", PartitionKey = AttributeValue.FromString(status) })).Items.Count;

        for (var i = 0; i < 30; i++)
        {
            await Order("c" + (i % 4), i, i % 3 == 0 ? "open" : "shipped", i);
        }

        Assert.Equal((10, 10), ((await _db.Store.QueryAsync(Count("open"))).Count, await Entries("open")));
        Assert.Equal((20, 20), ((await _db.Store.QueryAsync(Count("shipped"))).Count, await Entries("shipped")));
        Assert.Equal(0, (await _db.Store.QueryAsync(Count("lost"))).Count);

        await Order("c1", 1, "open", 1);                                                       // moves to "open"
        await Order("c2", 2, null, 2);                                                         // leaves the sparse index
        await _t.DeleteAsync(new ItemKey(AttributeValue.FromString("c0"), AttributeValue.FromNumber(KvNumber.FromInt64(0))));  // was "open"
        Assert.Equal((await Entries("open"), await Entries("shipped")), ((await _db.Store.QueryAsync(Count("open"))).Count, (await _db.Store.QueryAsync(Count("shipped"))).Count));
        Assert.Equal(10, await Entries("open"));

        // With a limit below the count the count pages like any query; with a sort-key condition it still counts right.
        var page = await _db.Store.QueryAsync(Count("shipped") with { Limit = 5 });
        Assert.Equal(5, page.Count);
        Assert.NotNull(page.LastEvaluatedKey);
        var between = await _db.Store.QueryAsync(Count("shipped") with { SortKeyCondition = KeyCondition.Between(AttributeValue.FromNumber(KvNumber.FromInt64(10)), AttributeValue.FromNumber(KvNumber.FromInt64(20))) });
        Assert.Equal(Enumerable.Range(10, 11).Count(i => i % 3 != 0 && i != 2), between.Count);
    }

    [Fact]
    public async Task DeleteIndex_RemovesIt_AndWritesStopMaintainingIt()
    {
        await Order("ann", 1, "open", 50, email: "a@x");
        var described = await _db.DeleteIndexAsync("orders", "byStatus");
        Assert.Equal(["byEmail", "byDate"], described.Schema.Indexes.Select(i => i.Name));
        await Order("bob", 2, "open", 20);
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.QueryIndex("byStatus", "open").ToListAsync());
        Assert.Contains("byStatus", e.Message, StringComparison.Ordinal);
        Assert.Single(await _t.QueryIndex("byEmail", "a@x").ToListAsync());

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.DeleteIndexAsync("orders", "byStatus"));
        Assert.Equal(KvErrorCode.InvalidQuery, e.Code);
        Assert.Equal("Table \"orders\" has no index named \"byStatus\".", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.DeleteIndexAsync("nope", "byStatus"));
        Assert.Equal(KvErrorCode.TableNotFound, e.Code);

        // The name can be reused for a new definition.
        await _db.CreateIndexAsync("orders", IndexSchema.Global("byStatus", new KeyAttribute("status", ScalarType.String)));
        Assert.Equal(2, await _t.QueryIndex("byStatus", "open").CountAsync());
    }

    [Fact]
    public async Task GlobalIndex_QueriesByOtherKey_WithSortKeyConditions()
    {
        await Order("ann", 1, "open", 50);
        await Order("bob", 2, "open", 20);
        await Order("ann", 3, "shipped", 70);
        await Order("cy", 4, "open", 50);
        await Order("cy", 5, null, 10); // no status: not in byStatus
        var open = await _t.QueryIndex("byStatus", "open").ToListAsync();
        Assert.Equal([2, 1, 4], open.Select(i => (int)i["id"].AsNumber().ToInt64()));
        var big = await _t.QueryIndex("byStatus", "open").Where(k => k.GreaterThanOrEqual(50)).Descending().ToListAsync();
        Assert.Equal([4, 1], big.Select(i => (int)i["id"].AsNumber().ToInt64()));
        Assert.Single(await _t.QueryIndex("byStatus", "open").Where(k => k.LessThan(50)).ToListAsync());
        Assert.Equal(2, await _t.QueryIndex("byStatus", "open").Where(k => k.Equal(50)).CountAsync());
        Assert.Equal(3, await _t.QueryIndex("byStatus", "open").Where(k => k.Between(20, 50)).CountAsync());
        Assert.Equal(1, await _t.QueryIndex("byStatus", "open").Where(k => k.GreaterThan(20)).Where(k => k.LessThanOrEqual(50)).Filter(Condition.Path("customer").Equal("cy")).CountAsync());
        Assert.Equal(4, await _t.ScanIndex("byStatus").CountAsync());
    }

    [Fact]
    public async Task Index_IsMaintainedOnUpdateAndDelete()
    {
        await Order("ann", 1, "open", 50);
        await _t.UpdateAsync(new ItemKey("ann", 1), Update.Set("status", "shipped"));
        Assert.Empty(await _t.QueryIndex("byStatus", "open").ToListAsync());
        Assert.Single(await _t.QueryIndex("byStatus", "shipped").ToListAsync());
        await _t.UpdateAsync(new ItemKey("ann", 1), Update.Remove("status"));
        Assert.Equal(0, await _t.ScanIndex("byStatus").CountAsync());
        await _t.UpdateAsync(new ItemKey("ann", 1), Update.Set("status", "open"));
        await _t.DeleteAsync("ann", 1);
        Assert.Equal(0, await _t.ScanIndex("byStatus").CountAsync());
    }

    [Fact]
    public async Task Index_WithoutSortKey_HoldsManyItemsPerKey_AndPaginates()
    {
        for (var i = 0; i < 7; i++)
        {
            await Order($"c{i}", i, "open", i, email: "same@example.com");
        }

        await Order("other", 99, "open", 1, email: "x@example.com");
        var seen = new List<string>();
        var request = new QueryRequest("orders") { IndexName = "byEmail", PartitionKey = "same@example.com", Limit = 3 };
        while (true)
        {
            var page = await _db.Store.QueryAsync(request);
            seen.AddRange(page.Items.Select(i => i["customer"].AsString()));
            if (page.LastEvaluatedKey is null)
            {
                break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"c{i}"), seen);
    }

    [Fact]
    public async Task LocalIndex_OrdersWithinThePartition()
    {
        await Order("ann", 1, "open", 5, date: "2024-03-01");
        await Order("ann", 2, "open", 5, date: "2024-01-15");
        await Order("ann", 3, "open", 5, date: "2024-02-10");
        await Order("bob", 4, "open", 5, date: "2024-01-01");
        var byDate = await _t.QueryIndex("byDate", "ann").Where(k => k.BeginsWith("2024-0")).ToListAsync();
        Assert.Equal([2, 3, 1], byDate.Select(i => (int)i["id"].AsNumber().ToInt64()));
    }

    [Fact]
    public async Task CreateIndex_OnExistingItems_BuildsWithProgress()
    {
        for (var i = 0; i < 3000; i++)
        {
            await _t.PutAsync(Item.Create().Set("customer", $"c{i % 30}").Set("id", i).Set("region", i % 3 == 0 ? "eu" : "us").Build());
        }

        var reports = new List<IndexBuildProgress>();
        var progress = new SynchronousProgress(reports.Add);
        var d = await _db.CreateIndexAsync("orders", IndexSchema.Global("byRegion", new KeyAttribute("region", ScalarType.String), new KeyAttribute("id", ScalarType.Number)), progress);
        Assert.Contains(d.Schema.Indexes, i => i.Name == "byRegion");
        Assert.Equal(1000, await _t.QueryIndex("byRegion", "eu").CountAsync());
        Assert.NotEmpty(reports);
        Assert.Equal(3000, reports[^1].ItemsIndexed);
        await _t.PutAsync(Item.Create().Set("customer", "new").Set("id", 1).Set("region", "eu").Build());
        Assert.Equal(1001, await _t.QueryIndex("byRegion", "eu").CountAsync());
    }

    [Fact]
    public async Task Index_Errors_AreClear()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.QueryIndex("nope", "x").ToListAsync());
        Assert.Equal("Table \"orders\" has no index named \"nope\".", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.QueryIndex("byStatus", 5).ToListAsync());
        Assert.Equal(KvErrorCode.InvalidKey, e.Code);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.CreateIndexAsync("orders", IndexSchema.Global("byStatus", new KeyAttribute("x", ScalarType.String))));
        Assert.Equal("Table \"orders\" already has an index named \"byStatus\".", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.CreateTableAsync(new TableSchema("t2", new KeyAttribute("id", ScalarType.String))
        {
            Indexes = [new IndexSchema("l", IndexKind.Local, new KeyAttribute("id", ScalarType.String), new KeyAttribute("x", ScalarType.String))],
        }));
        Assert.Equal("Table \"t2\": local index \"l\" needs a table with a sort key.", e.Message);
    }

    private sealed class SynchronousProgress(Action<IndexBuildProgress> report) : IProgress<IndexBuildProgress>
    {
        public void Report(IndexBuildProgress value) => report(value);
    }
}
