using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Transport;

namespace KvDb.Benchmarks.Cluster;

/// <summary>
/// Counts the requests a node sends, by request type, configuration cell or not, and reply status, so the simulation
/// measurement can say where messages go. Only for the single-threaded simulation (the counts are not synchronized).
/// </summary>
internal sealed class CountingTransport(IClusterTransport inner, Dictionary<string, long> counts) : IClusterTransport
{
    public NodeId Self => inner.Self;

    public async Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var what = request switch
        {
            PrepareRequest p => p.Table == ReplicaStore.SystemTable ? "Prepare (config)" : "Prepare",
            AcceptRequest a => a.Table == ReplicaStore.SystemTable ? "Accept (config)" : "Accept",
            ReadRequest r => r.Table == ReplicaStore.SystemTable ? "Read (config)" : "Read",
            _ => request.GetType().Name.Replace("Request", "", StringComparison.Ordinal),
        };
        ClusterMessage reply;
        try
        {
            reply = await inner.SendAsync(target, request, timeout, cancellationToken);
        }
        catch (NodeUnreachableException)
        {
            Add(what + " -> unreachable");
            throw;
        }

        var status = reply switch
        {
            PrepareReply p => p.Status.ToString(),
            AcceptReply a => a.Status.ToString(),
            ReadReply r => r.Status.ToString(),
            RangeFetchReply f => f.Status.ToString(),
            StoreReply s => s.Status.ToString(),
            ErrorReply => "Error",
            _ => "Ok",
        };
        Add(what + " -> " + status);
        return reply;
    }

    private void Add(string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    public void Listen(IMessageHandler handler) => inner.Listen(handler);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
