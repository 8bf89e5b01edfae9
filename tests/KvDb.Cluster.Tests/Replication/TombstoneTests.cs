using KvDb.Cluster.Node;
using KvDb.Cluster.Tests.Checking;
using KvDb.Expressions;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>
/// Tombstone collection: a delete's Paxos state is forgotten only once it is older than the grace period and every
/// replica of the item agrees, after which the key behaves as never written, and nothing deleted comes back.
/// </summary>
public sealed class TombstoneTests
{
    private static Item Row(string pk, string value) => Item.Create().Set("pk", pk).Set("sk", 0).Set("v", value).Build();

    private static ItemKey Key(int i) => new($"p{i}", 0);

    private static async Task<long> MetaItemsAsync(SimCluster c)
    {
        long total = 0;
        foreach (var id in c.Ids)
        {
            total += await c.Node(id).Replicas.CountMetaAsync("kv", CancellationToken.None);
        }

        return total;
    }

    private static async Task<long> CollectEverywhereAsync(SimCluster c)
    {
        long dropped = 0;
        foreach (var id in c.Ids)
        {
            dropped += await c.OnNode(id, n => n.CollectTombstonesAsync());
        }

        return dropped;
    }

    [Fact]
    public void Tombstones_OlderThanTheGracePeriod_AreCollectedOnEveryReplica_AndTheKeyStaysDeleted()
    {
        var c = new SimCluster(seed: 21, nodes: 4, o =>
        {
            o.AntiEntropyInterval = TimeSpan.Zero;
            o.TombstoneGracePeriod = TimeSpan.FromSeconds(10);
        });
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 30; i++)
            {
                await c.On(c.Ids[i % 4], s => s.PutItemAsync(new PutItemRequest("kv", Row($"p{i}", "v"))).AsTask());
            }

            for (var i = 0; i < 30; i += 3)
            {
                await c.On(c.Ids[i % 4], s => s.DeleteItemAsync(new DeleteItemRequest("kv", Key(i))).AsTask());
            }

            Assert.Equal(90, await MetaItemsAsync(c)); // 30 cells on 3 replicas each, tombstones included

            // Too young: nothing is collected.
            Assert.Equal(0, await CollectEverywhereAsync(c));
            await Task.Delay(TimeSpan.FromSeconds(11), c.Sim.Time);
            Assert.Equal(30, await CollectEverywhereAsync(c)); // 10 tombstones on 3 replicas each
            Assert.Equal(60, await MetaItemsAsync(c));
            Assert.Equal(0, await CollectEverywhereAsync(c));

            for (var i = 0; i < 30; i++)
            {
                var item = await c.On(c.Ids[(i + 1) % 4], s => s.GetItemAsync(new GetItemRequest("kv", Key(i))).AsTask());
                Assert.Equal(i % 3 == 0, item is null);
            }

            // A collected key is a fresh cell: a conditional create succeeds once, then fails.
            var created = await c.On("n2", s => s.PutItemAsync(new PutItemRequest("kv", Row("p0", "again")) { Condition = Condition.AttributeNotExists("pk") }).AsTask());
            var twice = await c.On("n3", s => s.PutItemAsync(new PutItemRequest("kv", Row("p0", "twice")) { Condition = Condition.AttributeNotExists("pk") }).AsTask());
            Assert.True(created.Succeeded);
            Assert.False(twice.Succeeded);
            Assert.Equal("again", (await c.On("n4", s => s.GetItemAsync(new GetItemRequest("kv", Key(0))).AsTask()))!["v"].AsString());
        });
    }

    [Fact]
    public void Tombstones_AreKept_WhileAReplicaStillHoldsTheDeletedValue()
    {
        var c = new SimCluster(seed: 22, nodes: 4, o =>
        {
            o.AntiEntropyInterval = TimeSpan.Zero;
            o.TombstoneGracePeriod = TimeSpan.FromSeconds(10);
        });
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 40; i++)
            {
                await c.On(c.Ids[i % 3], s => s.PutItemAsync(new PutItemRequest("kv", Row($"p{i}", "v"))).AsTask());
            }

            // Every replica holds every value (anti-entropy brings any replica a write quorum left out); then n4 misses
            // every delete and gets no hints: it keeps the old values.
            foreach (var id in c.Ids)
            {
                await c.OnNode(id, n => n.RunAntiEntropyAsync());
            }

            c.Sim.Network.Isolate("n4");
            for (var i = 0; i < 40; i++)
            {
                await c.On(c.Ids[i % 3], s => s.DeleteItemAsync(new DeleteItemRequest("kv", Key(i))).AsTask());
            }

            await Task.Delay(TimeSpan.FromSeconds(3), c.Sim.Time); // the accepts sent to n4 time out and become hints
            c.Sim.Network.Heal();
            foreach (var id in c.Ids)
            {
                c.Node(id).Hints.Forget("n4");
            }

            await Task.Delay(TimeSpan.FromSeconds(11), c.Sim.Time);
            var ring = c.Node("n1").Placement.Final;
            var onN4 = Enumerable.Range(0, 40).Count(i => ring.ReplicasFor(CellKeys.TokenOf(Key(i))).Contains("n4"));
            Assert.InRange(onN4, 1, 39);

            // Only the items n4 does not replicate lose their tombstones; n4's stale copies block the others.
            Assert.Equal(onN4, Enumerable.Range(0, 40).Count(i => c.CopiesOf("kv", Key(i)) == 1)); // only n4's stale copies are left
            Assert.Equal((40 - onN4) * 3, await CollectEverywhereAsync(c));
            for (var i = 0; i < 40; i++)
            {
                foreach (var coordinator in c.Ids)
                {
                    Assert.Null(await c.On(coordinator, s => s.GetItemAsync(new GetItemRequest("kv", Key(i))).AsTask()));
                }
            }

            // Once anti-entropy has brought n4 up to date (the reads above may have repaired some already), the rest go.
            foreach (var id in c.Ids)
            {
                await c.OnNode(id, n => n.RunAntiEntropyAsync());
            }

            Assert.Equal(await MetaItemsAsync(c), await SettledTombstonesAsync(c));
            await Task.Delay(TimeSpan.FromSeconds(11), c.Sim.Time); // the repairs' tombstones age too
            Assert.True(await CollectEverywhereAsync(c) > 0);
            Assert.Equal(0, await MetaItemsAsync(c)); // no replica holds a deleted value any more
            for (var i = 0; i < 40; i++)
            {
                Assert.Null(await c.On(c.Ids[i % 4], s => s.GetItemAsync(new GetItemRequest("kv", Key(i))).AsTask()));
            }
        });
    }

    /// <summary>Metadata items that are tombstones of any age (the repairing reads leave young ones).</summary>
    private static async Task<long> SettledTombstonesAsync(SimCluster c)
    {
        long total = 0;
        foreach (var id in c.Ids)
        {
            var (young, _) = await c.Node(id).Replicas.FindTombstonesAsync("kv", new KvDb.Cluster.Replication.Ballot(long.MaxValue, 0, 0), null, 10_000, CancellationToken.None);
            total += young.Count;
        }

        return total;
    }

    [Fact]
    public void ConditionalWritesReadsAndDeletes_StayLinearizable_WhileTombstonesAreCollected() =>
        RunLinearizability(FaultTests.Seeds(quick: 4, soak: 100));

    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_LinearizabilityWithTombstoneCollection_ManySeeds() => RunLinearizability(Enumerable.Range(2000, 40).ToArray());

    private static void RunLinearizability(int[] seeds)
    {
        long totalCollected = 0;
        foreach (var seed in seeds)
        {
            // Background anti-entropy and collection every 100 ms with a 50 ms grace period (messages take at most
            // 15 ms): tombstones are collected while the clients keep writing and deleting the same keys through faults.
            var c = new SimCluster(seed, 5, o =>
            {
                o.AntiEntropyInterval = TimeSpan.FromMilliseconds(100);
                o.TombstoneGracePeriod = TimeSpan.FromMilliseconds(50);
            }, o =>
            {
                o.LossProbability = 0.03;
                o.DuplicationProbability = 0.03;
                o.MinLatency = TimeSpan.FromMilliseconds(1);
                o.MaxLatency = TimeSpan.FromMilliseconds(15);
            });
            var recorder = new HistoryRecorder();
            long collected = 0;
            c.Run(async () =>
            {
                await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
                var rnd = new Random(seed);
                // Pauses long enough that tombstones often age past the grace period between a key's operations.
                var work = Enumerable.Range(0, 6)
                    .Select(client => FaultTests.ClientAsync(c, recorder, client, seed, operations: 30, deletes: true, maxPauseMs: 150, seedFactor: 37)).ToList();
                await Task.Delay(TimeSpan.FromMilliseconds(400), c.Sim.Time);
                var victim = c.Ids[rnd.Next(5)];
                c.Sim.Network.Isolate(victim);
                await Task.Delay(TimeSpan.FromMilliseconds(600), c.Sim.Time);
                c.Sim.Network.Heal();
                await Task.WhenAll(work);
                foreach (var id in c.Ids)
                {
                    collected += await c.OnNode(id, n => n.CollectTombstonesAsync());
                }
            }, maxVirtualSeconds: 900);
            var result = LinearizabilityChecker.Check(recorder.ToHistory());
            Assert.True(result.IsLinearizable, $"seed {seed}: {result.Explanation}");
            collected += c.Ids.Sum(id => c.Node(id).TombstonesCollected);
            totalCollected += collected;
        }

        Assert.True(totalCollected > 0, "no tombstone was collected: the runs did not exercise collection");
    }
}
