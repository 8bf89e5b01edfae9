using KvDb.Expressions;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>
/// Functional behaviour of the clustered store, one suite run on every transport: the simulated network
/// (<see cref="SimulatedClusterTests"/>), in-process calls and HTTP/2 through Kestrel on 127.0.0.1.
/// </summary>
public abstract class ClusterFunctionalTests
{
    /// <summary>Starts <paramref name="nodes"/> nodes on this suite's transport and runs the scenario against them.</summary>
    protected abstract Task RunAsync(int nodes, int seed, Func<IClusterHarness, Task> scenario);

    private static Item Row(string pk, int sk, string value) => Item.Create().Set("pk", pk).Set("sk", sk).Set("v", value).Build();

    [Fact]
    public Task WritesThroughOneNode_AreReadThroughEveryNode_AndStoredOnNReplicas() => RunAsync(5, 1, async c =>
    {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 20; i++)
            {
                var coordinator = c.Ids[i % 5];
                await c.On(coordinator, s => s.PutItemAsync(new PutItemRequest("kv", Row($"p{i % 4}", i, $"v{i}"))).AsTask());
            }

            foreach (var id in c.Ids)
            {
                var item = await c.On(id, s => s.GetItemAsync(new GetItemRequest("kv", new ItemKey("p3", 7))).AsTask());
                Assert.Equal("v7", item!["v"].AsString());
            }

            Assert.Equal(3, c.CopiesOf("kv", new ItemKey("p3", 7)));
            var page = await c.On("n4", s => s.QueryAsync(new QueryRequest("kv") { PartitionKey = "p1", Descending = true }).AsTask());
            Assert.Equal([17, 13, 9, 5, 1], page.Items.Select(i => (int)i["sk"].AsNumber().ToInt64()));
            var scan = await c.On("n2", s => s.ScanAsync(new ScanRequest("kv")).AsTask());
            Assert.Equal(20, scan.Count);
            Assert.Equal(20, scan.Items.Select(i => i["v"].AsString()).Distinct().Count());

            // Sizes are estimated from the members' local copies (each item is on 3 of the 5 nodes).
            var described = await c.On("n3", s => s.DescribeTableAsync("kv").AsTask());
            Assert.Equal((20L, 4L), (described!.ItemCount, described.PartitionCount));
            Assert.True(described.SizeBytes > 0);
    });

    [Fact]
    public Task ConditionalWrites_UpdatesAndDeletes_BehaveLikeTheLocalEngine() => RunAsync(3, 2, async c =>
    {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            var first = await c.On("n1", s => s.PutItemAsync(new PutItemRequest("kv", Row("a", 1, "x")) { Condition = Condition.AttributeNotExists("pk") }).AsTask());
            var second = await c.On("n2", s => s.PutItemAsync(new PutItemRequest("kv", Row("a", 1, "y")) { Condition = Condition.AttributeNotExists("pk") }).AsTask());
            Assert.True(first.Succeeded);
            Assert.False(second.Succeeded);

            var updated = await c.On("n3", s => s.UpdateItemAsync(new UpdateItemRequest("kv", new ItemKey("a", 1), Update.Add("n", 5)) { ReturnValues = ReturnValues.AllNew }).AsTask());
            Assert.Equal(5, updated.Attributes!["n"].AsNumber().ToInt64());
            Assert.Equal("x", updated.Attributes["v"].AsString());

            var deleted = await c.On("n2", s => s.DeleteItemAsync(new DeleteItemRequest("kv", new ItemKey("a", 1)) { Condition = Condition.Path("n").Equal(5), ReturnValues = ReturnValues.AllOld }).AsTask());
            Assert.True(deleted.Succeeded);
            Assert.Null(await c.On("n1", s => s.GetItemAsync(new GetItemRequest("kv", new ItemKey("a", 1))).AsTask()));
            Assert.Equal(0, c.CopiesOf("kv", new ItemKey("a", 1)));

            var bad = await Assert.ThrowsAsync<KvDbException>(() => c.On("n1", s => s.PutItemAsync(new PutItemRequest("kv", Item.Create().Set("pk", 1).Set("sk", 1).Build())).AsTask()));
            Assert.Equal(KvErrorCode.InvalidKey, bad.Code);
            var missing = await Assert.ThrowsAsync<KvDbException>(() => c.On("n1", s => s.GetItemAsync(new GetItemRequest("nope", new ItemKey("a"))).AsTask()));
            Assert.Equal(KvErrorCode.TableNotFound, missing.Code);
    });

    [Fact]
    public Task QueriesAndScans_PaginateInOrder_WithLimits() => RunAsync(4, 3, async c =>
    {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 60; i++)
            {
                await c.On(c.Ids[i % 4], s => s.PutItemAsync(new PutItemRequest("kv", Row($"user#{i % 6:D2}", i, "v"))).AsTask());
            }

            // Key query pages.
            var seen = new List<int>();
            ItemKey? start = null;
            do
            {
                var page = await c.On("n2", s => s.QueryAsync(new QueryRequest("kv") { PartitionKey = "user#03", Limit = 3, ExclusiveStartKey = start }).AsTask());
                seen.AddRange(page.Items.Select(i => (int)i["sk"].AsNumber().ToInt64()));
                start = page.LastEvaluatedKey;
            }
            while (start is not null);
            Assert.Equal(Enumerable.Range(0, 60).Where(i => i % 6 == 3), seen);

            // Partition-key prefix query, ordered by (pk, sk) across nodes, paged.
            var keys = new List<string>();
            start = null;
            do
            {
                var page = await c.On("n3", s => s.QueryAsync(new QueryRequest("kv")
                {
                    PartitionKeyCondition = new KeyCondition(KeyOperator.Between, "user#01", "user#02"),
                    Limit = 7,
                    ExclusiveStartKey = start,
                }).AsTask());
                keys.AddRange(page.Items.Select(i => $"{i["pk"].AsString()}/{i["sk"].AsNumber().ToInt64()}"));
                start = page.LastEvaluatedKey;
            }
            while (start is not null);
            var expected = Enumerable.Range(0, 60).Where(i => i % 6 is 1 or 2).OrderBy(i => i % 6).ThenBy(i => i).Select(i => $"user#{i % 6:D2}/{i}");
            Assert.Equal(expected, keys);

            // Scan in pages and segments: every item exactly once.
            var scanned = new List<string>();
            for (var segment = 0; segment < 3; segment++)
            {
                start = null;
                do
                {
                    var page = await c.On("n4", s => s.ScanAsync(new ScanRequest("kv") { Limit = 8, Segment = segment, TotalSegments = 3, ExclusiveStartKey = start }).AsTask());
                    scanned.AddRange(page.Items.Select(i => $"{i["pk"].AsString()}/{i["sk"].AsNumber().ToInt64()}"));
                    start = page.LastEvaluatedKey;
                }
                while (start is not null);
            }

            Assert.Equal(60, scanned.Count);
            Assert.Equal(60, scanned.Distinct().Count());
    });

    [Fact]
    public Task Transactions_SpanNodes_AllOrNothing() => RunAsync(5, 4, async c =>
    {
            await c.On("n1", s => s.CreateTableAsync(new TableSchema("accounts", new KeyAttribute("id", ScalarType.String))).AsTask());
            for (var i = 0; i < 10; i++)
            {
                await c.On("n1", s => s.PutItemAsync(new PutItemRequest("accounts", Item.Create().Set("id", $"a{i}").Set("balance", 100).Build())).AsTask());
            }

            var ok = await c.On("n2", s => s.TransactWriteItemsAsync(
            [
                new TransactUpdate("accounts", new ItemKey("a1"), Update.Add("balance", -30), Condition.Path("balance").GreaterThanOrEqual(30)),
                new TransactUpdate("accounts", new ItemKey("a7"), Update.Add("balance", 30)),
            ]).AsTask());
            Assert.True(ok.Succeeded);

            var failed = await c.On("n3", s => s.TransactWriteItemsAsync(
            [
                new TransactUpdate("accounts", new ItemKey("a2"), Update.Add("balance", -500), Condition.Path("balance").GreaterThanOrEqual(500)),
                new TransactUpdate("accounts", new ItemKey("a3"), Update.Add("balance", 500)),
            ]).AsTask());
            Assert.False(failed.Succeeded);
            Assert.Equal("ConditionalCheckFailed", failed.CancellationReasons[0].Code);

            var balances = await c.On("n4", s => s.TransactGetItemsAsync(Enumerable.Range(0, 10).Select(i => new TransactGetItem("accounts", new ItemKey($"a{i}"))).ToArray()).AsTask());
            Assert.Equal(1000, balances.Sum(b => b!["balance"].AsNumber().ToInt64()));
            Assert.Equal(70, balances[1]!["balance"].AsNumber().ToInt64());
            Assert.Equal(130, balances[7]!["balance"].AsNumber().ToInt64());
            Assert.Equal(100, balances[3]!["balance"].AsNumber().ToInt64());

            // Concurrent transfers from several coordinators conserve the total.
            var tasks = Enumerable.Range(0, 12).Select(t => c.On(c.Ids[t % 5], async s =>
            {
                var from = $"a{t % 10}";
                var to = $"a{(t * 3 + 1) % 10}";
                if (from == to)
                {
                    return;
                }

                for (var attempt = 0; attempt < 20; attempt++)
                {
                    var r = await s.TransactWriteItemsAsync(
                    [
                        new TransactUpdate("accounts", new ItemKey(from), Update.Add("balance", -1), Condition.Path("balance").GreaterThanOrEqual(1)),
                        new TransactUpdate("accounts", new ItemKey(to), Update.Add("balance", 1)),
                    ]);
                    if (r.Succeeded || r.CancellationReasons.Any(x => x.Code == "ConditionalCheckFailed"))
                    {
                        return;
                    }
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            var after = await c.On("n5", s => s.TransactGetItemsAsync(Enumerable.Range(0, 10).Select(i => new TransactGetItem("accounts", new ItemKey($"a{i}"))).ToArray()).AsTask());
            Assert.Equal(1000, after.Sum(b => b!["balance"].AsNumber().ToInt64()));
    });
}
