using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Transport;

public sealed class InProcessTransportTests : TransportConformanceTests
{
    private readonly InProcessNetwork _network = new();
    private int _next;

    protected override Task<IReadOnlyList<IClusterTransport>> CreateAsync(int count) =>
        Task.FromResult<IReadOnlyList<IClusterTransport>>(
            [.. Enumerable.Range(0, count).Select(_ => _network.CreateTransport(new NodeId($"node-{Interlocked.Increment(ref _next)}")))]);

    protected override Task SetDownAsync(IClusterTransport node, bool down)
    {
        _network.SetDown(node.Self, down);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SendAsync_PassesTheRequestObjectItself()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var reply = new HeartbeatReply(1);
        var handler = TestHandler.Replying(_ => reply);
        nodes[1].Listen(handler);
        var request = new HeartbeatRequest(1);
        Assert.Same(reply, await nodes[0].SendAsync(nodes[1].Self, request, Generous));
        Assert.Same(request, handler.Received.Single().Request);
    }

    [Fact]
    public async Task SendAsync_FromDownNode_ThrowsNodeUnreachable()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        nodes[1].Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        _network.SetDown(nodes[0].Self, true);
        Assert.True(_network.IsDown(nodes[0].Self));
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous));
        Assert.Equal($"Node {nodes[1].Self} is unreachable: the sending node {nodes[0].Self} is down", e.Message);
    }

    [Fact]
    public async Task CreateTransport_SameNodeTwice_Throws_AndDisposeFreesTheName()
    {
        var first = _network.CreateTransport("dup");
        Assert.Throws<InvalidOperationException>(() => _network.CreateTransport("dup"));
        await first.DisposeAsync();
        await using var second = _network.CreateTransport("dup");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.SendAsync("dup", new HeartbeatRequest(1), Generous));
    }

    [Fact]
    public async Task SendAsync_AfterTargetDisposed_ThrowsNodeUnreachable()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer([nodes[0]]);
        nodes[1].Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        await nodes[1].DisposeAsync();
        await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous));
    }

    [Fact]
    public async Task Listen_Twice_Throws()
    {
        var nodes = await CreateAsync(1);
        await using var _ = Disposer(nodes);
        nodes[0].Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        Assert.Throws<InvalidOperationException>(() => nodes[0].Listen(TestHandler.Replying(_ => new HeartbeatReply(2))));
    }

    [Fact]
    public async Task SendAsync_NonPositiveTimeout_ThrowsArgumentOutOfRange()
    {
        var nodes = await CreateAsync(1);
        await using var _ = Disposer(nodes);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => nodes[0].SendAsync(nodes[0].Self, new HeartbeatRequest(1), TimeSpan.Zero));
    }
}
