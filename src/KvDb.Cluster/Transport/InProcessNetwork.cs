using System.Collections.Concurrent;
using KvDb.Cluster.Runtime;

namespace KvDb.Cluster.Transport;

/// <summary>
/// Connects several nodes living in one process by direct calls: <see cref="IClusterTransport.SendAsync"/> invokes
/// the target node's handler with the request object itself (no serialization, no copying). Nodes can be marked
/// down to exercise failure handling.
/// </summary>
/// <remarks>
/// The handler runs on the caller's thread until its first asynchronous wait, and continuations keep the caller's
/// synchronization context. A handler that throws produces an <see cref="ErrorReply"/>, as over HTTP.
/// </remarks>
public sealed class InProcessNetwork
{
    private readonly ConcurrentDictionary<NodeId, InProcessTransport> _nodes = new();
    private readonly ConcurrentDictionary<NodeId, bool> _down = new();
    private readonly ClusterRuntime _runtime;

    /// <summary>Creates a network whose timeouts run on <paramref name="runtime"/>'s clock (the system clock by default).</summary>
    public InProcessNetwork(ClusterRuntime? runtime = null)
    {
        _runtime = runtime ?? ClusterRuntime.System;
    }

    /// <summary>Creates the transport of node <paramref name="self"/>; disposing it removes the node from the network.</summary>
    /// <exception cref="InvalidOperationException">The node already has a transport on this network.</exception>
    public IClusterTransport CreateTransport(NodeId self)
    {
        var transport = new InProcessTransport(this, self);
        return _nodes.TryAdd(self, transport)
            ? transport
            : throw new InvalidOperationException($"Node {self} already has a transport on this network.");
    }

    /// <summary>Marks a node down (requests to and from it fail with <see cref="NodeUnreachableException"/>) or up again.</summary>
    public void SetDown(NodeId node, bool down)
    {
        if (down)
        {
            _down[node] = true;
        }
        else
        {
            _down.TryRemove(node, out _);
        }
    }

    /// <summary>True when <paramref name="node"/> is marked down.</summary>
    public bool IsDown(NodeId node) => _down.ContainsKey(node);

    private void Remove(InProcessTransport transport) =>
        _nodes.TryRemove(new KeyValuePair<NodeId, InProcessTransport>(transport.Self, transport));

    private async Task<ClusterMessage> SendAsync(NodeId sender, NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TransportRules.Validate(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        if (IsDown(sender))
        {
            throw new NodeUnreachableException(target, $"the sending node {sender} is down");
        }

        if (IsDown(target))
        {
            throw new NodeUnreachableException(target, "the node is down");
        }

        if (!_nodes.TryGetValue(target, out var transport))
        {
            throw new NodeUnreachableException(target, "no such node on this in-process network");
        }

        var handler = transport.Handler ?? throw new NodeUnreachableException(target, "the node is not listening");
        using var handlerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<ClusterMessage> call;
        try
        {
            call = handler.HandleAsync(sender, request, handlerCancellation.Token);
        }
        catch (Exception e)
        {
            return TransportRules.ErrorReplyFor(e);
        }

        try
        {
            return await call.WaitAsync(timeout, _runtime.Time, cancellationToken);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            await handlerCancellation.CancelAsync();
            throw new NodeUnreachableException(target, $"no reply within {timeout.TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await handlerCancellation.CancelAsync();
            throw;
        }
        catch (Exception e)
        {
            return TransportRules.ErrorReplyFor(e);
        }
    }

    private sealed class InProcessTransport(InProcessNetwork network, NodeId self) : IClusterTransport
    {
        private volatile IMessageHandler? _handler;
        private volatile bool _disposed;

        public NodeId Self { get; } = self;

        public IMessageHandler? Handler => _handler;

        public Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return network.SendAsync(Self, target, request, timeout, cancellationToken);
        }

        public void Listen(IMessageHandler handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
            {
                throw new InvalidOperationException($"Node {Self} already has a handler.");
            }
        }

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            network.Remove(this);
            return ValueTask.CompletedTask;
        }
    }
}
