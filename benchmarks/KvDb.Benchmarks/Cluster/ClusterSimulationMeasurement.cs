using System.Diagnostics;
using System.Globalization;
using KvDb.Benchmarks.Core;
using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Simulated;

namespace KvDb.Benchmarks.Cluster;

/// <summary>
/// A large cluster on the deterministic simulation (<c>dotnet run -c Release -- cluster-sim100 [nodes] [items]</c>,
/// default 100 nodes and 20,000 items): seed 1, one-way latency 1-5 ms, no loss; nodes with 256 vnodes, 1 s
/// heartbeats, no anti-entropy, no failure detection. A table is created and filled through the cluster, then one
/// more node is added and the simulation runs until every node (the new one included) knows the same epoch and that
/// configuration is not in transition. Reports virtual time, requests sent and wall-clock time per phase, and an idle
/// phase (heartbeats only) that shows what the background traffic alone costs.
/// </summary>
public static class ClusterSimulationMeasurement
{
    private const string TableName = "users";

    public static void Run(TextWriter output, int nodeCount, int itemCount)
    {
        var options = new ClusterOptions
        {
            VirtualNodesPerNode = 256,
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            AntiEntropyInterval = TimeSpan.Zero,
            DeadAfter = TimeSpan.Zero,
        };
        var sim = new Simulation(1, new SimulationOptions
        {
            MinLatency = TimeSpan.FromMilliseconds(1),
            MaxLatency = TimeSpan.FromMilliseconds(5),
            RecordTrace = false,
            MaxEventsPerRun = long.MaxValue,
        });
        var ids = Enumerable.Range(1, nodeCount).Select(i => new NodeId(string.Create(CultureInfo.InvariantCulture, $"n{i:D3}"))).ToArray();
        var nodes = new Dictionary<NodeId, ClusterNode>();
        var databases = new List<KvDatabase>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        output.WriteLine($"Cluster simulation: {nodeCount} nodes + 1, {itemCount:N0} items, seed 1, latency 1-5 ms, no loss, " +
                         $"{options.VirtualNodesPerNode} vnodes/node, heartbeat {options.HeartbeatInterval.TotalSeconds} s ({Environment.Version})");
        output.WriteLine();
        output.WriteLine("| Phase | Virtual time (s) | Requests sent | Requests / virtual s | Wall clock (s) |");
        output.WriteLine("|---|---|---|---|---|");
        var total = Stopwatch.StartNew();

        Phase(output, sim, "start nodes", () => sim.Run(async () =>
        {
            foreach (var id in ids)
            {
                await StartNodeAsync(sim, id, ids, options, nodes, databases, counts);
            }
        }, TimeSpan.FromMinutes(10)));

        Phase(output, sim, "idle (heartbeats only), 10 virtual s", () => sim.RunFor(TimeSpan.FromSeconds(10)));

        var learned = new EpochLog(sim);
        var createCounts = new Dictionary<string, long>(counts, StringComparer.Ordinal);
        Phase(output, sim, "create table, every node learns it", () => sim.Run(async () =>
        {
            learned.Start();
            await sim.RunOnNodeAsync(ids[0], () => nodes[ids[0]].Store.CreateTableAsync(ClusterThroughputBenchmarks.Schema(TableName)).AsTask());
            await WaitUntilAsync(sim, () =>
            {
                learned.Observe(nodes.Values);
                return nodes.Values.All(n => n.Config.FindTable(TableName) is not null);
            }, "every node knows the table");
        }, TimeSpan.FromHours(1)));
        createCounts = Diff(counts, createCounts);

        Phase(output, sim, $"write {itemCount:N0} items (100 concurrent clients)", () => sim.Run(async () =>
        {
            const int Clients = 100;
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => sim.RunOnNodeAsync(ids[c % ids.Length], async () =>
            {
                var store = nodes[ids[c % ids.Length]].Store;
                var random = new Random(c);
                for (var i = c; i < itemCount; i += Clients)
                {
                    var item = Item.Create().Set("pk", string.Create(CultureInfo.InvariantCulture, $"user#{i:D7}")).Set(DataShape.BodyAttribute, DataShape.Body(random)).Build();
                    await store.PutItemAsync(new PutItemRequest(TableName, item));
                }
            })));
        }, TimeSpan.FromHours(1)));

        var joiner = new NodeId(string.Create(CultureInfo.InvariantCulture, $"n{nodeCount + 1:D3}"));
        var epochBefore = nodes[ids[0]].Config.Epoch;
        var requestsBefore = sim.Network.RequestsSent;
        var virtualBefore = sim.Elapsed;
        var wallBefore = total.Elapsed;
        TimeSpan? addedAt = null;
        TimeSpan? streamedAt = null;
        var joinLearned = new EpochLog(sim);
        var joinCounts = new Dictionary<string, long>(counts, StringComparer.Ordinal);
        Phase(output, sim, $"add node {nodeCount + 1} until converged", () => sim.Run(async () =>
        {
            await StartNodeAsync(sim, joiner, [], options, nodes, databases, counts);
            joinLearned.Start();
            await sim.RunOnNodeAsync(ids[0], () => nodes[ids[0]].AddNodeAsync(joiner));
            addedAt = sim.Elapsed - virtualBefore;
            var n = nodes[joiner];
            await WaitUntilAsync(sim, () =>
            {
                if (streamedAt is null && n.Progress.RangesTotal > 0 && n.Progress.RangesLeft == 0)
                {
                    streamedAt = sim.Elapsed - virtualBefore;
                }

                joinLearned.Observe(nodes.Values);
                var epoch = nodes[ids[0]].Config.Epoch;
                return n.IsMember && nodes.Values.All(x => x.Config.Epoch == epoch && !x.Config.InTransition);
            }, "convergence after the join");
        }, TimeSpan.FromHours(2)));

        var joined = nodes[joiner];
        var joinRequests = sim.Network.RequestsSent - requestsBefore;
        var joinVirtual = sim.Elapsed - virtualBefore;
        output.WriteLine();
        output.WriteLine($"join: epoch {epochBefore} -> {nodes[ids[0]].Config.Epoch}; AddNodeAsync returned at +{addedAt?.TotalSeconds:F3} s, " +
                         $"streaming finished at +{streamedAt?.TotalSeconds:F3} s, converged at +{joinVirtual.TotalSeconds:F3} s virtual; " +
                         $"{joinRequests:N0} requests; {(total.Elapsed - wallBefore).TotalSeconds:F1} s wall clock");
        output.WriteLine($"new node streamed {joined.Progress.ItemsMoved:N0} cells ({joined.Progress.BytesMoved / 1e3:F0} kB) in {joined.Progress.RangesTotal} ranges; " +
                         $"delivered {sim.Network.MessagesDelivered:N0}, dropped {sim.Network.MessagesDropped:N0} messages in total; unobserved errors {sim.UnobservedErrors.Count}");
        output.WriteLine($"total wall clock {total.Elapsed.TotalSeconds:F1} s, {sim.Elapsed.TotalSeconds:F1} virtual s");
        output.WriteLine();
        output.WriteLine("When the nodes adopted each epoch (virtual seconds after the change started; polled every 100 ms):");
        learned.Print(output, "create table");
        joinLearned.Print(output, "join");
        output.WriteLine();
        PrintCounts(output, "Requests sent while every node learned the new table", createCounts);
        PrintCounts(output, "Requests sent during the join", Diff(counts, joinCounts));
        RingCosts(output, options, nodeCount);
        foreach (var db in databases)
        {
            db.Dispose();
        }
    }

    private static Dictionary<string, long> Diff(Dictionary<string, long> now, Dictionary<string, long> before) =>
        now.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal);

    private static void PrintCounts(TextWriter output, string title, Dictionary<string, long> counts)
    {
        output.WriteLine($"{title}:");
        output.WriteLine();
        output.WriteLine("| Request -> reply | Count |");
        output.WriteLine("|---|---|");
        foreach (var (key, value) in counts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value))
        {
            output.WriteLine($"| {key} | {value:N0} |");
        }

        output.WriteLine();
    }

    /// <summary>Wall-clock cost of what every node computes per configuration: its placement (rings) and the gaining nodes.</summary>
    private static void RingCosts(TextWriter output, ClusterOptions options, int nodeCount)
    {
        var members = Enumerable.Range(1, nodeCount + 1).Select(i => new NodeId(string.Create(CultureInfo.InvariantCulture, $"n{i:D3}"))).ToArray();
        var config = new KvDb.Cluster.Membership.ClusterConfig
        {
            Epoch = 3,
            Members = [.. members.Select((m, i) => new KvDb.Cluster.Membership.MemberInfo(m, i + 1, i == nodeCount ? KvDb.Cluster.Membership.MemberState.Joining : KvDb.Cluster.Membership.MemberState.Normal))],
            Tables = [],
        };
        const int Rounds = 20;
        var watch = Stopwatch.StartNew();
        KvDb.Cluster.Membership.ClusterPlacement? placement = null;
        for (var r = 0; r < Rounds; r++)
        {
            placement = new KvDb.Cluster.Membership.ClusterPlacement(config, options.ReplicationFactor, options.VirtualNodesPerNode);
        }

        var build = watch.Elapsed.TotalMilliseconds / Rounds;
        watch.Restart();
        var gaining = 0;
        for (var r = 0; r < Rounds; r++)
        {
            gaining += ClusterNode.GainingNodes(placement!).Count;
        }

        var diff = watch.Elapsed.TotalMilliseconds / Rounds;
        output.WriteLine($"Per-node CPU per configuration at {nodeCount + 1} nodes x {options.VirtualNodesPerNode} vnodes: ClusterPlacement (old + new ring) {build:F1} ms; " +
                         $"GainingNodes (HashRing.Diff, run on every heartbeat tick of every member during a transition) {diff:F1} ms; " +
                         $"x {nodeCount + 1} nodes = {build * (nodeCount + 1) / 1000:F2} s and {diff * (nodeCount + 1) / 1000:F2} s per tick of wall clock");
    }

    private static void Phase(TextWriter output, Simulation sim, string name, Action run)
    {
        var requests = sim.Network.RequestsSent;
        var virtualStart = sim.Elapsed;
        var wall = Stopwatch.StartNew();
        run();
        wall.Stop();
        var virtualSeconds = (sim.Elapsed - virtualStart).TotalSeconds;
        var sent = sim.Network.RequestsSent - requests;
        output.WriteLine($"| {name} | {virtualSeconds:F3} | {sent:N0} | {(virtualSeconds > 0 ? sent / virtualSeconds : 0):N0} | {wall.Elapsed.TotalSeconds:F1} |");
        output.Flush();
    }

    private static Task StartNodeAsync(
        Simulation sim, NodeId id, NodeId[] members, ClusterOptions options, Dictionary<NodeId, ClusterNode> nodes, List<KvDatabase> databases, Dictionary<string, long> counts)
    {
        // No background TTL sweeper: it runs on a real timer thread, which the single-threaded simulation forbids.
        var db = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        databases.Add(db);
        return sim.RunOnNodeAsync(id, async () =>
        {
            var node = new ClusterNode(id, db, new CountingTransport(sim.Network.CreateTransport(id), counts), members, options, sim.CreateRuntime(id));
            nodes[id] = node;
            await node.StartAsync();
        });
    }

    /// <summary>When each node first knew each epoch, relative to <see cref="Start"/>.</summary>
    private sealed class EpochLog(Simulation sim)
    {
        private readonly Dictionary<long, List<double>> _firstSeen = [];
        private readonly Dictionary<NodeId, long> _last = [];
        private TimeSpan _start;

        public void Start() => _start = sim.Elapsed;

        public void Observe(IEnumerable<ClusterNode> nodes)
        {
            foreach (var node in nodes)
            {
                var epoch = node.Config.Epoch;
                if (_last.GetValueOrDefault(node.Id) < epoch)
                {
                    _last[node.Id] = epoch;
                    if (!_firstSeen.TryGetValue(epoch, out var list))
                    {
                        _firstSeen[epoch] = list = [];
                    }

                    list.Add((sim.Elapsed - _start).TotalSeconds);
                }
            }
        }

        public void Print(TextWriter output, string name)
        {
            foreach (var (epoch, times) in _firstSeen.OrderBy(kv => kv.Key))
            {
                times.Sort();
                output.WriteLine($"  {name}: epoch {epoch} reached by {times.Count} nodes: first +{times[0]:F1} s, median +{times[times.Count / 2]:F1} s, last +{times[^1]:F1} s");
            }
        }
    }

    private static async Task WaitUntilAsync(Simulation sim, Func<bool> condition, string what)
    {
        var deadline = sim.Elapsed + TimeSpan.FromMinutes(30);
        while (!condition())
        {
            if (sim.Elapsed > deadline)
            {
                throw new TimeoutException($"{what} did not happen within 30 virtual minutes.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), sim.Time);
        }
    }
}
