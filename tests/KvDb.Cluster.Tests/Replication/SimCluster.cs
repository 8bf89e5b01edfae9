using KvDb.Cluster.Node;
using KvDb.Cluster.Simulated;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>
/// A cluster of nodes on the deterministic simulation: every node has an in-memory local database (its
/// "disk", kept across crashes), a ClusterNode created on the node's own simulated context, and the
/// simulated network with every message passed through the binary codec.
/// </summary>
internal sealed class SimCluster : IClusterHarness
{
    private readonly Dictionary<NodeId, KvDatabase> _disks = [];
    private readonly Dictionary<NodeId, ClusterNode> _nodes = [];
    private readonly NodeId[] _initial;

    public SimCluster(int seed, int nodes, Action<ClusterOptions>? configure = null, Action<SimulationOptions>? simulation = null)
    {
        var simOptions = new SimulationOptions { MessageCopier = m => MessageCodec.Decode(MessageCodec.Encode(m)) };
        simulation?.Invoke(simOptions);
        Sim = new Simulation(seed, simOptions);
        Options = new ClusterOptions
        {
            RequestTimeout = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            DeadAfter = TimeSpan.Zero,
            AntiEntropyInterval = TimeSpan.FromSeconds(10),
            VirtualNodesPerNode = 32,
        };
        configure?.Invoke(Options);
        _initial = Enumerable.Range(1, nodes).Select(i => new NodeId($"n{i}")).ToArray();
        Sim.Run(async () =>
        {
            foreach (var id in _initial)
            {
                await StartNodeAsync(id, _initial);
            }
        }, TimeSpan.FromMinutes(1));
    }

    public Simulation Sim { get; }

    public ClusterOptions Options { get; }

    public IReadOnlyList<NodeId> Ids => [.. _nodes.Keys];

    public ClusterNode Node(NodeId id) => _nodes[id];

    public KvDatabase Disk(NodeId id) => _disks[id];

    private Task StartNodeAsync(NodeId id, IReadOnlyList<NodeId> members)
    {
        if (!_disks.TryGetValue(id, out var disk))
        {
            // No background TTL sweeper: it runs on a real timer thread, which the single-threaded simulation forbids.
            _disks[id] = disk = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        }

        return Sim.RunOnNodeAsync(id, async () =>
        {
            var node = new ClusterNode(id, disk, Sim.Network.CreateTransport(id), members, Options, Sim.CreateRuntime(id));
            _nodes[id] = node;
            await node.StartAsync();
        });
    }

    /// <summary>Runs client work against a node (as a client connected to it would).</summary>
    public Task<T> On<T>(NodeId id, Func<IKvStore, Task<T>> work) => Sim.RunOnNodeAsync(id, () => work(_nodes[id].Store));

    public Task On(NodeId id, Func<IKvStore, Task> work) => Sim.RunOnNodeAsync(id, () => work(_nodes[id].Store));

    public Task<T> OnNode<T>(NodeId id, Func<ClusterNode, Task<T>> work) => Sim.RunOnNodeAsync(id, () => work(_nodes[id]));

    public void Run(Func<Task> main, double maxVirtualSeconds = 600) => Sim.Run(main, TimeSpan.FromSeconds(maxVirtualSeconds));

    public T Run<T>(Func<Task<T>> main, double maxVirtualSeconds = 600) => Sim.Run(main, TimeSpan.FromSeconds(maxVirtualSeconds));

    public void Crash(NodeId id) => Sim.Crash(id);

    /// <summary>Restarts a crashed node from its disk (its local database), as a new process would.</summary>
    public Task RestartAsync(NodeId id)
    {
        Sim.Restart(id);
        return StartNodeAsync(id, _initial);
    }

    /// <summary>Starts a brand-new node (empty disk) that is not a member yet.</summary>
    public Task StartNewAsync(NodeId id) => StartNodeAsync(id, []);

    /// <summary>Waits (virtual time) until a condition holds, checking every 100 ms.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, double maxSeconds, string what)
    {
        var deadline = Sim.Elapsed + TimeSpan.FromSeconds(maxSeconds);
        while (!condition())
        {
            if (Sim.Elapsed > deadline)
            {
                var recent = Sim.Trace.Where(t => !t.Contains("Heartbeat", StringComparison.Ordinal) && !t.Contains("deliver", StringComparison.Ordinal) && !t.Contains("send ", StringComparison.Ordinal)).TakeLast(25);
                throw new TimeoutException($"{what} did not happen within {maxSeconds} virtual seconds (seed {Sim.Seed}). Recent events:\n{string.Join("\n", recent)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Sim.Time);
        }
    }

    /// <summary>How many nodes' local stores hold the item (live copy).</summary>
    public int CopiesOf(string table, ItemKey key) =>
        _disks.Values.Count(d => d.Store.GetItemAsync(new GetItemRequest(table, key)).AsTask().GetAwaiter().GetResult() is not null);

    public static TableSchema KvSchema(string name = "kv") => new(name, new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
}
