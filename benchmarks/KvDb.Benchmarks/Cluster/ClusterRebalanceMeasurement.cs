using System.Diagnostics;
using System.Globalization;
using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Replication;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;

namespace KvDb.Benchmarks.Cluster;

/// <summary>
/// Rebalancing rate, measured outside BenchmarkDotNet (<c>dotnet run -c Release -- cluster-rebalance [items]</c>):
/// three in-process nodes (real time and threads, N = 3, so every node holds every item) hold
/// <c>items</c> items (default 1,000,000; pk = "user#0000042", an 84-character body: 100 bytes of raw key + value),
/// then a fourth, empty node is added through node 1 and the clock runs until the configuration is no longer in
/// transition and the new node is a member. Reports what the new node streamed
/// (<see cref="RebalanceProgress.ItemsMoved"/>, <see cref="RebalanceProgress.BytesMoved"/>) and the rate.
/// </summary>
/// <remarks>
/// The items are loaded straight into each node's replicas with the acceptor's store path
/// (<c>ReplicaStore.AcceptAsync(isStore: true)</c>, one ballot for all, the state a completed Paxos write leaves),
/// not through Paxos rounds, so that loading takes seconds rather than minutes; what is measured is only the
/// rebalancing. The heartbeat interval is 100 ms, so detecting the new epoch adds at most a few ticks.
/// </remarks>
public static class ClusterRebalanceMeasurement
{
    private const string TableName = "users";
    private const int BodyLength = 84;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    private static readonly TimeSpan s_heartbeat = TimeSpan.FromMilliseconds(100);

    public static void Run(TextWriter output, int itemCount) => RunAsync(output, itemCount).GetAwaiter().GetResult();

    private static string Pk(int i) => string.Create(CultureInfo.InvariantCulture, $"user#{i:D7}");

    private static Item MakeItem(int i)
    {
        var random = new Random(i);
        var body = string.Create(BodyLength, random, static (span, rng) =>
        {
            for (var c = 0; c < span.Length; c++)
            {
                span[c] = Alphabet[rng.Next(Alphabet.Length)];
            }
        });
        return Item.Create().Set("pk", Pk(i)).Set("body", body).Build();
    }

    private static async Task RunAsync(TextWriter output, int itemCount)
    {
        var options = ClusterThroughputBenchmarks.NodeOptions();
        options.HeartbeatInterval = s_heartbeat;
        output.WriteLine($"Cluster rebalancing: 3 in-process nodes -> 4, {itemCount:N0} items, N = {options.ReplicationFactor}, " +
                         $"{options.VirtualNodesPerNode} vnodes/node, heartbeat {s_heartbeat.TotalMilliseconds} ms, stream page {options.StreamPageSize} ({Environment.Version}, {Environment.ProcessorCount} cores)");

        var network = new InProcessNetwork();
        var ids = new NodeId[] { "n1", "n2", "n3" };
        var nodes = new List<ClusterNode>();
        var databases = new List<KvDatabase>();
        for (var i = 0; i < ids.Length; i++)
        {
            var db = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
            databases.Add(db);
            nodes.Add(new ClusterNode(ids[i], db, network.CreateTransport(ids[i]), ids, options, ClusterRuntime.System));
        }

        foreach (var node in nodes)
        {
            await node.StartAsync();
        }

        await ClusterThroughputBenchmarks.CreateTableEverywhereAsync(nodes, ClusterThroughputBenchmarks.Schema(TableName));

        // ---- load: the acceptor's store path on every replica, in parallel
        var load = Stopwatch.StartNew();
        var ballot = new Ballot(ClusterRuntime.System.NowMilliseconds, 0, 1);
        var workers = Math.Max(2, Environment.ProcessorCount * 2);
        long rawBytes = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            long raw = 0;
            for (var i = w; i < itemCount; i += workers)
            {
                var item = MakeItem(i);
                raw += 12 + 4 + BodyLength;
                var state = new CellState(item, ballot);
                var key = new ItemKey(item["pk"]);
                foreach (var node in nodes)
                {
                    var (ok, _) = await node.Replicas.AcceptAsync(TableName, key, ballot, state, isStore: true, CancellationToken.None);
                    if (!ok)
                    {
                        throw new InvalidOperationException($"Load: {node.Id} refused item {i}.");
                    }
                }
            }

            Interlocked.Add(ref rawBytes, raw);
        })));
        load.Stop();
        foreach (var node in nodes)
        {
            var count = await node.Replicas.CountAsync(TableName, CancellationToken.None);
            if (count != itemCount)
            {
                throw new InvalidOperationException($"Load check: {node.Id} holds {count} items, expected {itemCount}.");
            }
        }

        output.WriteLine($"load: {itemCount:N0} items x 3 replicas in {load.Elapsed.TotalSeconds:F1} s ({itemCount * 3 / load.Elapsed.TotalSeconds:N0} replica writes/s), {rawBytes / 1e6:F1} MB raw");
        await CheckReadsAsync(nodes[0].Store, itemCount, "before the join");

        // ---- join a fourth node
        var db4 = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        databases.Add(db4);
        var n4 = new ClusterNode("n4", db4, network.CreateTransport("n4"), [], options, ClusterRuntime.System);
        await n4.StartAsync();
        nodes.Add(n4);
        var heapBefore = GC.GetTotalMemory(false);

        var clock = Stopwatch.StartNew();
        var added = await nodes[0].AddNodeAsync("n4");
        var addedAt = clock.Elapsed;
        TimeSpan? streamingStarted = null;
        TimeSpan? streamingDone = null;
        var lastReport = TimeSpan.Zero;
        while (nodes[0].Config.InTransition || !n4.IsMember || nodes.Any(n => n.Config.Epoch != nodes[0].Config.Epoch))
        {
            var p = n4.Progress;
            if (streamingStarted is null && p.Epoch != 0)
            {
                streamingStarted = clock.Elapsed;
            }

            if (streamingDone is null && p.RangesTotal > 0 && p.RangesLeft == 0)
            {
                streamingDone = clock.Elapsed;
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                output.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s: epoch {nodes[0].Config.Epoch}, n4 ranges {p.RangesDone}/{p.RangesTotal}, cells {p.ItemsMoved:N0}");
                output.Flush();
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(30))
            {
                throw new TimeoutException("The join did not finish within 30 minutes.");
            }

            await Task.Delay(10);
        }

        clock.Stop();
        var progress = n4.Progress;
        var n4Items = await n4.Replicas.CountAsync(TableName, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine();
        output.WriteLine($"| Items | Added at epoch | Final epoch | Ranges streamed | Cells moved | Bytes moved | n4 live items | Join total (s) | Cells/s | n4 items/s |");
        output.WriteLine($"|---|---|---|---|---|---|---|---|---|---|");
        output.WriteLine($"| {itemCount:N0} | {added.Epoch} | {nodes[0].Config.Epoch} | {progress.RangesTotal} | {progress.ItemsMoved:N0} | {progress.BytesMoved / 1e6:F1} MB | {n4Items:N0} | {seconds:F1} | {progress.ItemsMoved / seconds:N0} | {n4Items / seconds:N0} |");
        output.WriteLine();
        output.WriteLine($"phases: AddNodeAsync returned after {addedAt.TotalMilliseconds:F0} ms; n4 began streaming at {Ms(streamingStarted)}; " +
                         $"finished streaming at {Ms(streamingDone)}; configuration final at {clock.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine($"streaming rate (cells moved / streaming time): {(streamingStarted is { } s0 && streamingDone is { } s1 ? (progress.ItemsMoved / (s1 - s0).TotalSeconds).ToString("N0", CultureInfo.InvariantCulture) : "?")} cells/s; " +
                         $"managed heap grew {(GC.GetTotalMemory(false) - heapBefore) / 1e6:F0} MB during the join");
        output.WriteLine($"expected share of n4 with N = 3 of 4 nodes: ~{itemCount * 3 / 4:N0} items; it streamed each gained range from every old replica");
        await CheckReadsAsync(n4.Store, itemCount, "after the join (coordinated by n4)");

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var db in databases)
        {
            await db.DisposeAsync();
        }
    }

    private static string Ms(TimeSpan? t) => t is { } v ? $"{v.TotalMilliseconds:F0} ms" : "?";

    private static async Task CheckReadsAsync(IKvStore store, int itemCount, string when)
    {
        var random = new Random(7);
        for (var k = 0; k < 200; k++)
        {
            var i = random.Next(itemCount);
            var item = await store.GetItemAsync(new GetItemRequest(TableName, new ItemKey(Pk(i))));
            if (item is null || item["body"].AsString() != MakeItem(i)["body"].AsString())
            {
                throw new InvalidOperationException($"Read check {when}: item {i} is {(item is null ? "missing" : "different")}.");
            }
        }
    }
}
