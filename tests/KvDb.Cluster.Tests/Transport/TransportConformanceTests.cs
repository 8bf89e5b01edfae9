using System.Diagnostics;
using KvDb.Cluster.Replication;
using KvDb.Cluster.Tests.Messages;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Transport;

/// <summary>
/// The behaviour every <see cref="IClusterTransport"/> shares. A sealed subclass per implementation supplies
/// connected transports and a way to take a node down; every test disposes what it created.
/// </summary>
public abstract class TransportConformanceTests
{
    /// <summary>Creates <paramref name="count"/> transports of distinct nodes that can reach each other (no handlers yet).</summary>
    protected abstract Task<IReadOnlyList<IClusterTransport>> CreateAsync(int count);

    /// <summary>Makes <paramref name="node"/> unreachable (or reachable again) for the other nodes.</summary>
    protected abstract Task SetDownAsync(IClusterTransport node, bool down);

    /// <summary>A timeout no healthy request comes near.</summary>
    protected virtual TimeSpan Generous => TimeSpan.FromSeconds(10);

    /// <summary>A timeout short enough to wait for in a test.</summary>
    protected virtual TimeSpan Short => TimeSpan.FromMilliseconds(300);

    /// <summary>Waits (a hook for transports with virtual time).</summary>
    protected virtual Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);

    [Fact]
    public async Task SendAsync_SeveralMessageTypes_ReturnsTheHandlersReplies()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var item = Item.Create().Set("pk", "a").Set("n", 5).Set("tags", AttributeValue.FromStringSet(["x", "y"])).Build();
        var handler = TestHandler.Replying(request => request switch
        {
            HeartbeatRequest h => new HeartbeatReply(h.Epoch + 1),
            PrepareRequest p => new PrepareReply(ReplyStatus.Ok, p.Epoch, p.Ballot, new Ballot(1, 2, 3), new CellState(item, new Ballot(1, 2, 3))),
            ReadRequest r => new ReadReply(ReplyStatus.Ok, r.Epoch, [.. r.Keys.Select(k => new CellEntry(k, Ballot.Zero, CellState.Empty))]),
            KeyQueryRequest q => new KeyQueryReply(ReplyStatus.StaleEpoch, q.Epoch + 1, [], q.Query.ExclusiveStartKey),
            _ => new ErrorReply("unexpected " + request.GetType().Name),
        });
        nodes[1].Listen(handler);
        var target = nodes[1].Self;

        var heartbeat = Assert.IsType<HeartbeatReply>(await nodes[0].SendAsync(target, new HeartbeatRequest(41), Generous));
        Assert.Equal(42, heartbeat.Epoch);

        var prepare = Assert.IsType<PrepareReply>(await nodes[0].SendAsync(target, new PrepareRequest(7, "t", new ItemKey("a"), new Ballot(9, 0, 1)), Generous));
        Assert.Equal(new Ballot(9, 0, 1), prepare.Promised);
        Assert.Equal(item, prepare.State.Item);

        ItemKey[] keys = [new("a"), new("b", 2), new(AttributeValue.FromBinary([1, 2]))];
        var read = Assert.IsType<ReadReply>(await nodes[0].SendAsync(target, new ReadRequest(3, "t", keys), Generous));
        Assert.Equal(keys, read.Cells.Select(c => c.Key));

        var query = new QueryRequest("t") { PartitionKey = "a", ExclusiveStartKey = new ItemKey("a", 3), Limit = 10 };
        var queried = Assert.IsType<KeyQueryReply>(await nodes[0].SendAsync(target, new KeyQueryRequest(5, query), Generous));
        Assert.Equal(ReplyStatus.StaleEpoch, queried.Status);
        Assert.Equal(new ItemKey("a", 3), queried.LastEvaluatedKey);

        Assert.Equal(4, handler.Received.Count);
        Assert.All(handler.Received, r => Assert.Equal(nodes[0].Self, r.Sender));
        MessageAssert.Equal(new KeyQueryRequest(5, query), handler.Received[3].Request);
    }

    [Fact]
    public async Task SendAsync_ToItself_ReachesOwnHandler()
    {
        var nodes = await CreateAsync(1);
        await using var _ = Disposer(nodes);
        nodes[0].Listen(TestHandler.Replying(r => new HeartbeatReply(((HeartbeatRequest)r).Epoch)));
        var reply = Assert.IsType<HeartbeatReply>(await nodes[0].SendAsync(nodes[0].Self, new HeartbeatRequest(8), Generous));
        Assert.Equal(8, reply.Epoch);
    }

    [Fact]
    public async Task SendAsync_HandlerThrows_ReturnsErrorReply()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        nodes[1].Listen(new TestHandler((_, _, _) => throw new InvalidOperationException("the store is closed")));
        var reply = Assert.IsType<ErrorReply>(await nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous));
        Assert.Equal("The handler failed: InvalidOperationException: the store is closed", reply.Message);
    }

    [Fact]
    public async Task SendAsync_ToUnknownNode_ThrowsNodeUnreachable()
    {
        var nodes = await CreateAsync(1);
        await using var _ = Disposer(nodes);
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(new NodeId("no-such-node"), new HeartbeatRequest(1), Generous));
        Assert.Equal(new NodeId("no-such-node"), e.Node);
    }

    [Fact]
    public async Task SendAsync_ToNodeNotListening_ThrowsNodeUnreachable()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous));
        Assert.Equal(nodes[1].Self, e.Node);
    }

    [Fact]
    public async Task SendAsync_ToDownNode_ThrowsNodeUnreachableUntilItIsUp()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var handler = TestHandler.Replying(r => new HeartbeatReply(((HeartbeatRequest)r).Epoch));
        nodes[1].Listen(handler);
        await SetDownAsync(nodes[1], true);
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous));
        Assert.Equal(nodes[1].Self, e.Node);
        Assert.True(watch.Elapsed < Generous / 2, $"took {watch.Elapsed}");
        Assert.Empty(handler.Received);

        await SetDownAsync(nodes[1], false);
        var reply = Assert.IsType<HeartbeatReply>(await nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(2), Generous));
        Assert.Equal(2, reply.Epoch);
    }

    [Fact]
    public async Task SendAsync_HandlerNeverAnswers_TimesOutAndCancelsTheHandler()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes[1].Listen(new TestHandler(async (_, _, ct) =>
        {
            try
            {
                await DelayAsync(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                handlerCancelled.TrySetResult();
                throw;
            }

            return new HeartbeatReply(0);
        }));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Short));
        Assert.Equal(nodes[1].Self, e.Node);
        Assert.True(watch.Elapsed >= Short - TimeSpan.FromMilliseconds(20) && watch.Elapsed < Short + TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SendAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        nodes[1].Listen(new TestHandler(async (_, _, ct) =>
        {
            await DelayAsync(Timeout.InfiniteTimeSpan, ct);
            return new HeartbeatReply(0);
        }));
        using var cancellation = new CancellationTokenSource(Short);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => nodes[0].SendAsync(nodes[1].Self, new HeartbeatRequest(1), Generous, cancellation.Token));
    }

    [Fact]
    public async Task SendAsync_FiftyConcurrentRequests_EachGetsItsOwnReply()
    {
        var nodes = await CreateAsync(3);
        await using var _ = Disposer(nodes);
        var inFlight = 0;
        var maxInFlight = 0;
        nodes[2].Listen(new TestHandler(async (sender, request, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await DelayAsync(TimeSpan.FromMilliseconds(50), ct);
            Interlocked.Decrement(ref inFlight);
            var read = (ReadRequest)request;
            return new StoreReply(ReplyStatus.Ok, read.Epoch, sender == nodes[0].Self ? 0 : 1);
        }));
        var sends = Enumerable.Range(0, 50).Select(async i =>
        {
            var from = nodes[i % 2];
            var reply = Assert.IsType<StoreReply>(await from.SendAsync(nodes[2].Self, new ReadRequest(i, "t", [new ItemKey(i)]), Generous));
            Assert.Equal(i, reply.Epoch);
            Assert.Equal(i % 2, reply.Stored);
        }).ToArray();
        await Task.WhenAll(sends);
        Assert.True(maxInFlight > 1, $"requests ran one at a time (max in flight {maxInFlight})");
    }

    [Fact]
    public async Task SendAsync_LargeStoreRequest_ArrivesWhole()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        nodes[1].Listen(TestHandler.Replying(r => new StoreReply(ReplyStatus.Ok, 1, ((StoreRequest)r).Cells.Count)));
        var request = LargeStoreRequest(2 * 1024 * 1024);
        var reply = Assert.IsType<StoreReply>(await nodes[0].SendAsync(nodes[1].Self, request, Generous));
        Assert.Equal(request.Cells.Count, reply.Stored);
    }

    [Fact]
    public async Task SendAsync_LargeReply_ArrivesWhole()
    {
        var nodes = await CreateAsync(2);
        await using var _ = Disposer(nodes);
        var reply = new RangeFetchReply(ReplyStatus.Ok, 1, LargeStoreRequest(1024 * 1024).Cells, More: true);
        nodes[1].Listen(TestHandler.Replying(_ => reply));
        var received = await nodes[0].SendAsync(nodes[1].Self, new RangeFetchRequest(1, "t", 0, ulong.MaxValue, null, 1000), Generous);
        MessageAssert.Equal(reply, received);
    }

    /// <summary>A store request of about <paramref name="bytes"/> bytes in 64 KiB items.</summary>
    protected static StoreRequest LargeStoreRequest(int bytes)
    {
        var cells = Enumerable.Range(0, bytes / (64 * 1024))
            .Select(i => new CellEntry(new ItemKey("p", i), new Ballot(i + 1, 0, 1),
                new CellState(Item.Create().Set("pk", "p").Set("sk", i).Set("blob", Enumerable.Range(0, 64 * 1024).Select(b => (byte)(b * i)).ToArray()).Build(), new Ballot(i + 1, 0, 1))))
            .ToArray();
        return new StoreRequest(1, "big", cells);
    }

    /// <summary>Disposes every transport at the end of a test.</summary>
    protected static IAsyncDisposable Disposer(IReadOnlyList<IClusterTransport> nodes) => new AllDisposer(nodes);

    private static void InterlockedMax(ref int location, int value)
    {
        for (var current = Volatile.Read(ref location); value > current; current = Volatile.Read(ref location))
        {
            if (Interlocked.CompareExchange(ref location, value, current) == current)
            {
                return;
            }
        }
    }

    private sealed class AllDisposer(IReadOnlyList<IClusterTransport> nodes) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
