using System.Text.Json;
using KvDb.Cluster;
using KvDb.Cluster.Membership;
using KvDb.Cluster.Placement;
using Microsoft.AspNetCore.Http;

namespace KvDb.Server.Http;

internal sealed partial class KvDbApi
{
    /// <summary><c>GET /health</c>: 200 with the mode and node when the node can serve requests.</summary>
    private async Task HealthAsync(HttpContext context)
    {
        var member = _node is null || _node.IsMember;
        await WriteJsonAsync(context, member ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", member ? "ok" : "joining");
            w.WriteString("mode", _node is null ? "single" : "cluster");
            if (_node is not null)
            {
                w.WriteString("node", _node.Id.Value);
                w.WriteNumber("epoch", _node.Config.Epoch);
            }

            w.WriteEndObject();
        });
    }

    /// <summary>
    /// <c>GET /cluster</c>: <c>{"mode", "node", "epoch", "inTransition", "nodes": [{"id", "state", "share"}], "progress": {...}}</c>.
    /// The share is the fraction of the ring each node owns (after the transition when one is under way); progress is
    /// this node's own streaming.
    /// </summary>
    private async Task ClusterStatusAsync(HttpContext context)
    {
        await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            if (_node is null)
            {
                w.WriteString("mode", "single");
                w.WriteString("node", "local");
                w.WriteNumber("epoch", 0);
                w.WriteBoolean("inTransition", false);
                w.WriteStartArray("nodes");
                w.WriteStartObject();
                w.WriteString("id", "local");
                w.WriteString("state", "Normal");
                w.WriteNumber("share", 1.0);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteNull("progress");
                w.WriteEndObject();
                return;
            }

            var config = _node.Config;
            var ringMembers = config.NewRingMembers.ToArray();
            var ring = ringMembers.Length == 0 ? null
                : HashRing.Create(ringMembers, _node.Options.VirtualNodesPerNode, Math.Min(_node.Options.ReplicationFactor, ringMembers.Length));
            w.WriteString("mode", "cluster");
            w.WriteString("node", _node.Id.Value);
            w.WriteBoolean("member", _node.IsMember);
            w.WriteNumber("epoch", config.Epoch);
            w.WriteBoolean("inTransition", config.InTransition);
            w.WriteNumber("replicationFactor", _node.Options.ReplicationFactor);
            w.WriteStartArray("nodes");
            foreach (var m in config.Members)
            {
                w.WriteStartObject();
                w.WriteString("id", m.Id.Value);
                w.WriteString("state", m.State.ToString());
                w.WriteNumber("share", ring is not null && ringMembers.Contains(m.Id) ? Math.Round(ring.OwnershipShare(m.Id), 4) : 0.0);
                w.WriteBoolean("synced", config.Synced.Contains(m.Id));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            var p = _node.Progress;
            w.WriteStartObject("progress");
            w.WriteNumber("epoch", p.Epoch);
            w.WriteNumber("rangesTotal", p.RangesTotal);
            w.WriteNumber("rangesDone", p.RangesDone);
            w.WriteNumber("itemsMoved", p.ItemsMoved);
            w.WriteNumber("bytesMoved", p.BytesMoved);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary><c>POST /cluster/nodes/{id}</c> adds a node (which must already run); <c>DELETE</c> decommissions one.</summary>
    private async Task ChangeMembershipAsync(HttpContext context, string id, bool add, CancellationToken ct)
    {
        if (_node is null)
        {
            throw new ApiException(new ApiError(StatusCodes.Status409Conflict, "NotClustered", "SingleNode",
                "This server runs a single node (kvdb serve); start a cluster with 'kvdb cluster' to add or remove nodes."));
        }

        RequireKey(id, "node id");
        // Membership changes run to completion in the cluster; the request only waits for the new epoch.
        var config = add ? await _node.AddNodeAsync(new NodeId(id), ct) : await _node.DecommissionAsync(new NodeId(id), ct);
        await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", config.Epoch);
            w.WriteBoolean("inTransition", config.InTransition);
            w.WriteStartArray("nodes");
            foreach (var m in config.Members)
            {
                w.WriteStartObject();
                w.WriteString("id", m.Id.Value);
                w.WriteString("state", m.State.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
