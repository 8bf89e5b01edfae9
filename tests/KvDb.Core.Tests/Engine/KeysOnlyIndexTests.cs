namespace KvDb.Core.Tests.Engine;

/// <summary>
/// Indexes projecting KEYS_ONLY: entries hold the table's and the index's key attributes only, are maintained like
/// ALL entries, keep their projection across a reopen (log replay and snapshot) and take less memory.
/// </summary>
public sealed class KeysOnlyIndexTests
{
    private static TableSchema Schema() =>
        new("orders", new KeyAttribute("customer", ScalarType.String), new KeyAttribute("id", ScalarType.Number))
        {
            Indexes =
            [
                IndexSchema.Global("byStatus", new KeyAttribute("status", ScalarType.String), new KeyAttribute("total", ScalarType.Number)) with { Projection = IndexProjection.KeysOnly },
                IndexSchema.Global("byStatusAll", new KeyAttribute("status", ScalarType.String)),
            ],
        };

    private static Item Order(string customer, int id, string status, int total) =>
        Item.Create().Set("customer", customer).Set("id", id).Set("status", status).Set("total", total).Set("note", new string('n', 100)).Build();

    private static async Task<List<Item>> ByStatusAsync(KvDatabase db, string index, string status) =>
        [.. (await db.Store.QueryAsync(new QueryRequest("orders") { IndexName = index, PartitionKey = status })).Items];

    [Fact]
    public async Task Query_ReturnsOnlyTheKeys_AllStillReturnsWholeItems_AndChangesAreFollowed()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync(Schema());
        await t.PutAsync(Order("ann", 1, "open", 30));
        await t.PutAsync(Order("bob", 2, "open", 10));
        await t.PutAsync(Item.Create().Set("customer", "cy").Set("id", 3).Set("status", "open").Build()); // no total: not in byStatus

        var keys = await ByStatusAsync(db, "byStatus", "open");
        Assert.Equal(["bob", "ann"], keys.Select(i => i["customer"].AsString()));
        Assert.All(keys, i => Assert.Equal(["customer", "id", "status", "total"], i.Select(a => a.Key).Order(StringComparer.Ordinal)));
        Assert.Equal(3, (await ByStatusAsync(db, "byStatusAll", "open")).Count);
        Assert.All(await ByStatusAsync(db, "byStatusAll", "open"), i => Assert.NotNull(i.Get("customer")));
        Assert.Contains(await ByStatusAsync(db, "byStatusAll", "open"), i => i.Get("note") is not null);

        // Moving an item within the index, out of it, and changing an attribute the entry does not hold.
        await t.PutAsync(Order("bob", 2, "open", 50));
        await t.PutAsync(Order("ann", 1, "closed", 30));
        await t.UpdateAsync(new ItemKey("bob", 2), KvDb.Expressions.Update.Set("note", "changed"));
        var open = Assert.Single(await ByStatusAsync(db, "byStatus", "open"));
        Assert.Equal(50, open["total"].AsNumber().ToInt64());
        Assert.Null(open.Get("note"));
        Assert.Equal("ann", Assert.Single(await ByStatusAsync(db, "byStatus", "closed"))["customer"].AsString());

        var description = (await db.Store.DescribeTableAsync("orders"))!;
        Assert.Equal(IndexProjection.KeysOnly, description.Schema.Indexes.Single(i => i.Name == "byStatus").Projection);
        Assert.Equal(IndexProjection.All, description.Schema.Indexes.Single(i => i.Name == "byStatusAll").Projection);
    }

    [Fact]
    public async Task CreatedOnAFilledTable_KeysOnlyEntries_SmallerThanAll()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync(new TableSchema("orders", new KeyAttribute("customer", ScalarType.String), new KeyAttribute("id", ScalarType.Number)));
        for (var i = 0; i < 200; i++)
        {
            await t.PutAsync(Order("c" + (i % 10), i, i % 2 == 0 ? "open" : "closed", i));
        }

        await db.Store.CreateIndexAsync("orders", IndexSchema.Global("keys", new KeyAttribute("status", ScalarType.String)) with { Projection = IndexProjection.KeysOnly });
        await db.Store.CreateIndexAsync("orders", IndexSchema.Global("all", new KeyAttribute("status", ScalarType.String)));
        var keys = await ByStatusAsync(db, "keys", "open");
        Assert.Equal(100, keys.Count);
        Assert.All(keys, i => Assert.Equal(3, i.Count()));
        var engine = db.LocalEngine!;
        var table = engine.Table("orders");
        var keysBytes = table.FindIndex("keys")!.Entries.SizeBytes;
        var allBytes = table.FindIndex("all")!.Entries.SizeBytes;
        Assert.True(keysBytes * 2 < allBytes, $"keys-only {keysBytes} bytes, all {allBytes} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Projection_SurvivesReopen_FromTheLogAndFromASnapshot(bool checkpoint)
    {
        using var dir = new TempDirectory();
        await using (var db = KvDatabase.Open(dir.Path))
        {
            var t = await db.CreateTableAsync(Schema());
            await t.PutAsync(Order("ann", 1, "open", 30));
            await db.Store.CreateIndexAsync("orders", IndexSchema.Global("later", new KeyAttribute("total", ScalarType.Number)) with { Projection = IndexProjection.KeysOnly });
            if (checkpoint)
            {
                await db.CheckpointAsync();
            }

            await t.PutAsync(Order("bob", 2, "open", 10));
        }

        await using (var db = KvDatabase.Open(dir.Path))
        {
            var schema = (await db.Store.DescribeTableAsync("orders"))!.Schema;
            Assert.Equal([IndexProjection.KeysOnly, IndexProjection.All, IndexProjection.KeysOnly], schema.Indexes.Select(i => i.Projection));
            Assert.All(await ByStatusAsync(db, "byStatus", "open"), i => Assert.Null(i.Get("note")));
            Assert.Equal(2, (await ByStatusAsync(db, "byStatus", "open")).Count);
            var later = (await db.Store.QueryAsync(new QueryRequest("orders") { IndexName = "later", PartitionKey = 10 })).Items;
            Assert.Equal(["customer", "id", "total"], Assert.Single(later).Select(a => a.Key).Order(StringComparer.Ordinal));
        }
    }
}
