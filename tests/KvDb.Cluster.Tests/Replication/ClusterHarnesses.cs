using System.Text;
using KvDb.Cluster.Node;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Tests.Transport;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>A running cluster as the functional suite sees it: logical node ids n1..nN.</summary>
public interface IClusterHarness
{
    IReadOnlyList<NodeId> Ids { get; }

    Task<T> On<T>(NodeId id, Func<IKvStore, Task<T>> work);

    Task On(NodeId id, Func<IKvStore, Task> work);

    /// <summary>How many nodes' local stores hold a live copy of the item.</summary>
    int CopiesOf(string table, ItemKey key);
}

/// <summary>The functional suite on the deterministic simulated network.</summary>
public sealed class SimulatedClusterTests : ClusterFunctionalTests
{
    protected override Task RunAsync(int nodes, int seed, Func<IClusterHarness, Task> scenario)
    {
        var c = new SimCluster(seed, nodes);
        c.Run(() => scenario(c));
        return Task.CompletedTask;
    }
}

/// <summary>The functional suite with nodes in this process calling each other directly.</summary>
public sealed class InProcessClusterTests : ClusterFunctionalTests
{
    protected override async Task RunAsync(int nodes, int seed, Func<IClusterHarness, Task> scenario)
    {
        var network = new InProcessNetwork();
        await using var cluster = await RealCluster.StartAsync(nodes, id => id, network.CreateTransport);
        await scenario(cluster);
    }
}

/// <summary>The functional suite over HTTP/2 with signed requests, every node mounted on Kestrel at 127.0.0.1.</summary>
public sealed class HttpClusterTests(ClusterHttpServerFixture server) : ClusterFunctionalTests, IClassFixture<ClusterHttpServerFixture>
{
    private static readonly byte[] s_secret = Encoding.UTF8.GetBytes("functional-suite cluster secret");
    private static int s_run;

    protected override async Task RunAsync(int nodes, int seed, Func<IClusterHarness, Task> scenario)
    {
        var run = Interlocked.Increment(ref s_run);
        await using var cluster = await RealCluster.StartAsync(nodes, id => new NodeId($"r{run}-{id}"), self =>
        {
            var transport = new HttpClusterTransport(self, n => server.Endpoints.ContainsKey(n.Value) ? server.NodeAddress(n) : null, s_secret, ClusterRuntime.System);
            server.Endpoints[self.Value] = transport.CreateEndpoint();
            return transport;
        });
        await scenario(cluster);
    }
}

/// <summary>Nodes on real time and threads (in-process or HTTP transports).</summary>
internal sealed class RealCluster : IClusterHarness, IAsyncDisposable
{
    private readonly Dictionary<NodeId, NodeId> _actual = [];
    private readonly Dictionary<NodeId, ClusterNode> _nodes = [];
    private readonly Dictionary<NodeId, KvDatabase> _disks = [];

    public IReadOnlyList<NodeId> Ids => [.. _actual.Keys];

    public static async Task<RealCluster> StartAsync(int count, Func<NodeId, NodeId> name, Func<NodeId, IClusterTransport> transport)
    {
        var cluster = new RealCluster();
        var logical = Enumerable.Range(1, count).Select(i => new NodeId($"n{i}")).ToArray();
        var actual = logical.Select(name).ToArray();
        var options = new ClusterOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            HeartbeatInterval = TimeSpan.FromMilliseconds(250),
            DeadAfter = TimeSpan.Zero,
            AntiEntropyInterval = TimeSpan.Zero,
            VirtualNodesPerNode = 32,
        };
        for (var i = 0; i < count; i++)
        {
            var disk = KvDatabase.OpenInMemory();
            var node = new ClusterNode(actual[i], disk, transport(actual[i]), actual, options);
            cluster._actual[logical[i]] = actual[i];
            cluster._nodes[logical[i]] = node;
            cluster._disks[logical[i]] = disk;
        }

        foreach (var node in cluster._nodes.Values)
        {
            await node.StartAsync();
        }

        return cluster;
    }

    public Task<T> On<T>(NodeId id, Func<IKvStore, Task<T>> work) => work(_nodes[id].Store);

    public Task On(NodeId id, Func<IKvStore, Task> work) => work(_nodes[id].Store);

    public int CopiesOf(string table, ItemKey key) =>
        _disks.Values.Count(d => d.Store.GetItemAsync(new GetItemRequest(table, key)).AsTask().GetAwaiter().GetResult() is not null);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        foreach (var disk in _disks.Values)
        {
            await disk.DisposeAsync();
        }
    }
}
