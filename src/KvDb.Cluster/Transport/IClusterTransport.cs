namespace KvDb.Cluster.Transport;

/// <summary>
/// How one node talks to the others: request/reply messages. Three implementations share one test suite:
/// in-process (direct calls), simulated (deterministic virtual-time network with faults) and HTTP/2.
/// A transport instance belongs to one node (<see cref="Self"/>).
/// </summary>
public interface IClusterTransport : IAsyncDisposable
{
    /// <summary>The node this transport sends from.</summary>
    NodeId Self { get; }

    /// <summary>
    /// Sends a request and waits for the reply. Throws <see cref="NodeUnreachableException"/> when the target
    /// cannot be reached or does not reply within <paramref name="timeout"/> (the request may or may not have
    /// been processed: callers treat the outcome as unknown).
    /// </summary>
    Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Registers the handler that serves requests addressed to <see cref="Self"/> (one per transport).</summary>
    void Listen(IMessageHandler handler);
}

/// <summary>Serves requests addressed to one node.</summary>
public interface IMessageHandler
{
    /// <summary>Handles one request from <paramref name="sender"/> and returns the reply.</summary>
    Task<ClusterMessage> HandleAsync(NodeId sender, ClusterMessage request, CancellationToken cancellationToken);
}

/// <summary>A node could not be reached or did not answer in time; the request's outcome is unknown.</summary>
public sealed class NodeUnreachableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NodeUnreachableException(NodeId node, string reason, Exception? inner = null)
        : base($"Node {node} is unreachable: {reason}", inner)
    {
        Node = node;
    }

    /// <summary>Creates the exception (serialization-friendly constructor set).</summary>
    public NodeUnreachableException() : base("A node is unreachable.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public NodeUnreachableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NodeUnreachableException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The node that could not be reached.</summary>
    public NodeId Node { get; }
}
