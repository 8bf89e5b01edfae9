using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Transport;

/// <summary>A message handler made of a delegate, recording the requests it saw.</summary>
internal sealed class TestHandler(Func<NodeId, ClusterMessage, CancellationToken, Task<ClusterMessage>> handle) : IMessageHandler
{
    private readonly List<(NodeId Sender, ClusterMessage Request)> _received = [];

    public IReadOnlyList<(NodeId Sender, ClusterMessage Request)> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static TestHandler Replying(Func<ClusterMessage, ClusterMessage> reply) =>
        new((_, request, _) => Task.FromResult(reply(request)));

    public Task<ClusterMessage> HandleAsync(NodeId sender, ClusterMessage request, CancellationToken cancellationToken)
    {
        lock (_received)
        {
            _received.Add((sender, request));
        }

        return handle(sender, request, cancellationToken);
    }
}
