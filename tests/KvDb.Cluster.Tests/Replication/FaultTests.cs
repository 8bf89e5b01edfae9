using KvDb.Cluster.Membership;
using KvDb.Cluster.Tests.Checking;
using KvDb.Cluster.Transport;
using KvDb.Expressions;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>
/// Simulation tests with faults (message loss, duplication, latency, partitions, crashes and restarts) and
/// membership changes. Each failure message names its seed; <c>Category=Soak</c> runs many more seeds.
/// </summary>
public sealed class FaultTests
{
    internal static int[] Seeds(int quick, int soak) =>
        Enumerable.Range(1, Environment.GetEnvironmentVariable("KVDB_SOAK") is { Length: > 0 } ? soak : quick).ToArray();

    private static Item Row(string pk, string value) => Item.Create().Set("pk", pk).Set("sk", 0).Set("v", value).Build();

    private static SimCluster Faulty(int seed, int nodes, Action<ClusterOptions>? configure = null) =>
        new(seed, nodes, configure, o =>
        {
            o.LossProbability = 0.03;
            o.DuplicationProbability = 0.03;
            o.MinLatency = TimeSpan.FromMilliseconds(1);
            o.MaxLatency = TimeSpan.FromMilliseconds(15);
        });

    [Fact]
    public void ConditionalWritesAndReads_AreLinearizable_UnderFaults() => RunLinearizability(Seeds(quick: 6, soak: 200));

    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_Linearizability_ManySeeds() => RunLinearizability(Enumerable.Range(1000, 60).ToArray());

    private static void RunLinearizability(int[] seeds)
    {
        foreach (var seed in seeds)
        {
            var c = Faulty(seed, 5);
            var recorder = new HistoryRecorder();
            c.Run(async () =>
            {
                await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
                var rnd = new Random(seed);
                var work = Enumerable.Range(0, 6).Select(client => ClientAsync(c, recorder, client, seed)).ToList();
                // Faults while the clients run.
                await Task.Delay(TimeSpan.FromMilliseconds(300), c.Sim.Time);
                var victim = c.Ids[rnd.Next(5)];
                c.Sim.Network.Isolate(victim);
                await Task.Delay(TimeSpan.FromMilliseconds(700), c.Sim.Time);
                c.Sim.Network.Heal();
                var crashed = c.Ids[rnd.Next(5)];
                c.Crash(crashed);
                await Task.Delay(TimeSpan.FromMilliseconds(800), c.Sim.Time);
                await c.RestartAsync(crashed);
                if (seed % 2 == 0)
                {
                    // A membership change while the clients run: n6 joins and ranges stream to it.
                    await c.StartNewAsync("n6");
                    await c.OnNode("n1", n => n.AddNodeAsync("n6"));
                }

                await Task.WhenAll(work);
            }, maxVirtualSeconds: 900);
            var result = LinearizabilityChecker.Check(recorder.ToHistory());
            Assert.True(result.IsLinearizable, $"seed {seed}: {result.Explanation}");
        }
    }

    /// <summary>
    /// One client of a register workload on three keys: reads, blind writes, put-if-absent and compare-and-set (and
    /// deletes with <paramref name="deletes"/>), each recorded for the linearizability checker; an operation whose
    /// outcome is unknown stays open.
    /// </summary>
    internal static async Task ClientAsync(SimCluster c, HistoryRecorder recorder, int client, int seed,
        int operations = 25, bool deletes = false, int maxPauseMs = 40, int seedFactor = 31)
    {
        var rnd = new Random(seed * seedFactor + client);
        for (var i = 0; i < operations; i++)
        {
            var key = $"k{rnd.Next(3)}";
            var coordinator = c.Ids[rnd.Next(c.Ids.Count)];
            var value = $"c{client}-{i}";
            var kind = rnd.Next(deletes ? 5 : 4);
            var op = kind switch
            {
                0 => RegisterOp.Read,
                1 => RegisterOp.Write(value),
                2 => RegisterOp.PutIfAbsent(value),
                3 => RegisterOp.CompareAndSet(rnd.Next(2) == 0 ? null : $"c{rnd.Next(6)}-{rnd.Next(Math.Max(1, i))}", value),
                _ => RegisterOp.Delete,
            };
            var id = recorder.Invoke(client, key, op, (long)c.Sim.Elapsed.TotalMilliseconds);
            try
            {
                RegisterResult result;
                switch (kind)
                {
                    case 0:
                        var item = await c.On(coordinator, s => s.GetItemAsync(new GetItemRequest("kv", new ItemKey(key, 0))).AsTask());
                        result = RegisterResult.Read(item?["v"].AsString());
                        break;
                    case 1:
                        await c.On(coordinator, s => s.PutItemAsync(new PutItemRequest("kv", Row(key, value))).AsTask());
                        result = RegisterResult.Ok;
                        break;
                    case 2:
                        var put = await c.On(coordinator, s => s.PutItemAsync(new PutItemRequest("kv", Row(key, value)) { Condition = Condition.AttributeNotExists("pk") }).AsTask());
                        result = put.Succeeded ? RegisterResult.Succeeded : RegisterResult.Failed;
                        break;
                    case 3:
                        var condition = op.Expected is null ? Condition.AttributeNotExists("pk") : Condition.Path("v").Equal(op.Expected);
                        var cas = await c.On(coordinator, s => s.PutItemAsync(new PutItemRequest("kv", Row(key, value)) { Condition = condition }).AsTask());
                        result = cas.Succeeded ? RegisterResult.Succeeded : RegisterResult.Failed;
                        break;
                    default:
                        await c.On(coordinator, s => s.DeleteItemAsync(new DeleteItemRequest("kv", new ItemKey(key, 0))).AsTask());
                        result = RegisterResult.Ok;
                        break;
                }

                recorder.Complete(id, result, (long)c.Sim.Elapsed.TotalMilliseconds);
            }
            catch (Exception e) when (e is KvDbException or NodeUnreachableException)
            {
                // Unknown outcome: the operation stays open in the history.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(rnd.Next(1, maxPauseMs)), c.Sim.Time);
        }
    }

    [Fact]
    public void NoAcknowledgedWriteIsLost_WhileAtMostNMinusWReplicasAreDown()
    {
        foreach (var seed in Seeds(quick: 3, soak: 50))
        {
            var c = Faulty(seed, 5);
            var acked = new Dictionary<string, string>();
            c.Run(async () =>
            {
                await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
                var rnd = new Random(seed);
                for (var round = 0; round < 3; round++)
                {
                    var down = c.Ids[rnd.Next(5)];
                    c.Crash(down); // one node of five: at most one replica (N - W = 1) of any partition is down
                    for (var i = 0; i < 40; i++)
                    {
                        var key = $"r{round}-{i}";
                        var coordinator = c.Ids.Where(id => id != down).ElementAt(rnd.Next(4));
                        try
                        {
                            await c.On(coordinator, s => s.PutItemAsync(new PutItemRequest("kv", Row(key, $"v{round}"))).AsTask());
                            acked[key] = $"v{round}";
                        }
                        catch (Exception e) when (e is KvDbException or NodeUnreachableException)
                        {
                        }
                    }

                    await c.RestartAsync(down);
                }

                foreach (var (key, value) in acked)
                {
                    var item = await c.On(c.Ids[rnd.Next(5)], s => s.GetItemAsync(new GetItemRequest("kv", new ItemKey(key, 0))).AsTask());
                    Assert.True(item is not null && item["v"].AsString() == value, $"seed {seed}: acknowledged write {key} was lost");
                }
            });
            Assert.True(acked.Count >= 100, $"seed {seed}: only {acked.Count} writes were acknowledged");
        }
    }

    [Fact]
    public void ReplicasConverge_AfterAPartitionHeals_ThroughAntiEntropy()
    {
        var c = new SimCluster(seed: 11, nodes: 4, o => o.AntiEntropyInterval = TimeSpan.Zero);
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            c.Sim.Network.Isolate("n4");
            for (var i = 0; i < 60; i++)
            {
                await c.On(c.Ids[i % 3], s => s.PutItemAsync(new PutItemRequest("kv", Row($"p{i}", "v"))).AsTask());
            }

            for (var i = 0; i < 60; i += 3)
            {
                await c.On("n2", s => s.DeleteItemAsync(new DeleteItemRequest("kv", new ItemKey($"p{i}", 0))).AsTask());
            }

            c.Sim.Network.Heal();
            foreach (var id in c.Ids)
            {
                c.Node(id).Hints.Forget("n4"); // only anti-entropy may repair n4
            }

            long repaired = 0;
            foreach (var id in c.Ids)
            {
                repaired += await c.OnNode(id, n => n.RunAntiEntropyAsync());
            }

            Assert.True(repaired > 0);
            var ring = c.Node("n1").Placement.Final;
            for (var i = 0; i < 60; i++)
            {
                var key = new ItemKey($"p{i}", 0);
                var replicas = ring.ReplicasFor(KvDb.Cluster.Placement.PartitionToken.Of(key.PartitionKey));
                var copies = replicas.Count(r => c.Disk(r).Store.GetItemAsync(new GetItemRequest("kv", key)).AsTask().Result is not null);
                Assert.Equal(i % 3 == 0 ? 0 : replicas.Count, copies);
            }

            // A second pass finds nothing left to repair.
            long again = 0;
            foreach (var id in c.Ids)
            {
                again += await c.OnNode(id, n => n.RunAntiEntropyAsync());
            }

            Assert.Equal(0, again);
        });
    }

    [Fact]
    public void AddingANode_UnderConcurrentWrites_LosesAndDuplicatesNothing_AndScansSeeEveryItemOnce()
    {
        foreach (var seed in Seeds(quick: 2, soak: 30))
        {
            var c = Faulty(seed, 3);
            var acked = new HashSet<string>();
            c.Run(async () =>
            {
                await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
                for (var i = 0; i < 150; i++)
                {
                    await c.On(c.Ids[i % 3], s => s.PutItemAsync(new PutItemRequest("kv", Row($"a{i}", "v"))).AsTask());
                    acked.Add($"a{i}");
                }

                await c.StartNewAsync("n4");
                await c.OnNode("n1", n => n.AddNodeAsync("n4"));
                var writes = WriteDuringAsync(c, acked, "b", 150);
                var scanned = await ScanAllAsync(c, "n2", pageSize: 17);
                await writes;
                await c.WaitUntilAsync(() => !c.Node("n1").Config.InTransition && c.Node("n4").IsMember, 120, "the join of n4");
                Assert.True(c.Node("n4").Progress.ItemsMoved > 0, $"seed {seed}: nothing was streamed to n4");
                Assert.Equal(scanned.Count, scanned.Distinct().Count());
                Assert.True(acked.Where(k => k.StartsWith('a')).All(scanned.Contains), $"seed {seed}: a scan during rebalancing missed items");

                var all = await ScanAllAsync(c, "n4", pageSize: 50);
                Assert.Equal(all.Count, all.Distinct().Count());
                Assert.True(acked.IsSubsetOf(all), $"seed {seed}: acknowledged writes missing after the join: {string.Join(",", acked.Except(all).Take(5))}");
                Assert.Equal(4, c.Node("n3").Config.Members.Count(m => m.State == MemberState.Normal));
            });
        }
    }

    private static async Task WriteDuringAsync(SimCluster c, HashSet<string> acked, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            try
            {
                await c.On(c.Ids[i % c.Ids.Count], s => s.PutItemAsync(new PutItemRequest("kv", Row($"{prefix}{i}", "v"))).AsTask());
                acked.Add($"{prefix}{i}");
            }
            catch (Exception e) when (e is KvDbException or NodeUnreachableException)
            {
            }
        }
    }

    internal static async Task<List<string>> ScanAllAsync(SimCluster c, NodeId via, int pageSize)
    {
        var keys = new List<string>();
        ItemKey? start = null;
        do
        {
            var page = await c.On(via, s => s.ScanAsync(new ScanRequest("kv") { Limit = pageSize, ExclusiveStartKey = start }).AsTask());
            keys.AddRange(page.Items.Select(i => i["pk"].AsString()));
            start = page.LastEvaluatedKey;
        }
        while (start is not null);
        return keys;
    }

    [Fact]
    public void ADeadNode_IsDetected_AndItsReplicasAreRestored()
    {
        var c = new SimCluster(seed: 21, nodes: 4, o => o.DeadAfter = TimeSpan.FromSeconds(3));
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 80; i++)
            {
                await c.On(c.Ids[i % 4], s => s.PutItemAsync(new PutItemRequest("kv", Row($"d{i}", "v"))).AsTask());
            }

            c.Crash("n4");
            await c.WaitUntilAsync(() => c.Node("n1").Config.Find("n4") is null && !c.Node("n1").Config.InTransition, 120, "the removal of dead n4");
            var ring = c.Node("n1").Placement.Current;
            for (var i = 0; i < 80; i++)
            {
                var key = new ItemKey($"d{i}", 0);
                Assert.NotNull(await c.On("n2", s => s.GetItemAsync(new GetItemRequest("kv", key)).AsTask()));
                var replicas = ring.ReplicasFor(KvDb.Cluster.Placement.PartitionToken.Of(key.PartitionKey));
                Assert.Equal(3, replicas.Count);
                Assert.DoesNotContain(new NodeId("n4"), replicas);
                // At least a write quorum of the new replica set holds the item (streaming copies every acknowledged item).
                var copies = replicas.Count(r => c.Disk(r).Store.GetItemAsync(new GetItemRequest("kv", key)).AsTask().Result is not null);
                Assert.True(copies >= 2, $"item d{i} has {copies} copies on its new replicas");
            }
        });
    }

    [Fact]
    public void Decommissioning_StreamsRangesAway_ThenTheNodeLeaves()
    {
        var c = new SimCluster(seed: 31, nodes: 4);
        c.Run(async () =>
        {
            await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
            for (var i = 0; i < 80; i++)
            {
                await c.On(c.Ids[i % 4], s => s.PutItemAsync(new PutItemRequest("kv", Row($"x{i}", "v"))).AsTask());
            }

            await c.OnNode("n1", n => n.DecommissionAsync("n2"));
            await c.WaitUntilAsync(() => c.Node("n1").Config.Find("n2") is null, 120, "the decommission of n2");
            Assert.False(c.Node("n1").Config.InTransition);
            c.Crash("n2");
            var all = await ScanAllAsync(c, "n3", 25);
            Assert.Equal(80, all.Distinct().Count());
            Assert.Equal(80, all.Count);
        });
    }

    [Fact]
    public void SameSeed_GivesTheSameRun()
    {
        ulong RunOnce(int seed)
        {
            var c = Faulty(seed, 4);
            c.Run(async () =>
            {
                await c.On("n1", s => s.CreateTableAsync(SimCluster.KvSchema()).AsTask());
                var writes = Enumerable.Range(0, 30).Select(i => c.On(c.Ids[i % 4], s => s.PutItemAsync(new PutItemRequest("kv", Row($"p{i % 7}", $"v{i}")) { Condition = i % 2 == 0 ? null : Condition.AttributeNotExists("pk") }).AsTask()));
                c.Sim.Network.Isolate("n3");
                try
                {
                    await Task.WhenAll(writes);
                }
                catch (KvDbException)
                {
                }

                c.Sim.Network.Heal();
                await Task.Delay(TimeSpan.FromSeconds(3), c.Sim.Time);
            });
            return c.Sim.TraceHash;
        }

        Assert.Equal(RunOnce(7), RunOnce(7));
        Assert.NotEqual(RunOnce(7), RunOnce(8));
    }
}
