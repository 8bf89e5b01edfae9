using KvDb.Cluster.Placement;

namespace KvDb.Cluster.Tests.Placement;

/// <summary>
/// The ring's definition, computed the slow and obvious way: every vnode token listed and sorted, a linear scan
/// for the first one at or above the key, then a walk clockwise collecting distinct owners.
/// </summary>
internal sealed class RingModel
{
    private readonly (ulong Token, NodeId Node)[] _points;
    private readonly int _replicationFactor;

    public RingModel(IEnumerable<NodeId> nodes, int virtualNodesPerNode, int replicationFactor)
    {
        var list = nodes.ToList();
        _points = list
            .SelectMany(n => Enumerable.Range(0, virtualNodesPerNode).Select(i => (Token: HashRing.VirtualNodeToken(n, i), Node: n)))
            .OrderBy(p => p.Token)
            .ThenBy(p => p.Node.Value, StringComparer.Ordinal)
            .ToArray();
        _replicationFactor = Math.Min(replicationFactor, list.Count);
    }

    public List<NodeId> ReplicasFor(ulong token)
    {
        var start = Array.FindIndex(_points, p => p.Token >= token);
        if (start < 0)
        {
            start = 0;
        }

        var replicas = new List<NodeId>();
        for (var k = start; replicas.Count < _replicationFactor; k++)
        {
            var node = _points[k % _points.Length].Node;
            if (!replicas.Contains(node))
            {
                replicas.Add(node);
            }
        }

        return replicas;
    }
}

internal static class RingTestHelpers
{
    public const double TokenSpace = 18446744073709551616.0;

    public static NodeId[] Nodes(int count) => Enumerable.Range(1, count).Select(i => new NodeId($"node-{i}")).ToArray();

    public static UInt128 Length(ulong from, ulong to) => (UInt128)(to - from) + 1;

    public static double Fraction(UInt128 length) => (double)length / TokenSpace;

    /// <summary>The index of the range holding <paramref name="token"/> (binary search over range starts).</summary>
    public static int IndexOf(IReadOnlyList<TokenRange> ranges, ulong token)
    {
        var low = 0;
        var high = ranges.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (ranges[mid].From <= token)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    /// <summary>The move holding <paramref name="token"/>, or null.</summary>
    public static RangeMove? MoveAt(IReadOnlyList<RangeMove> moves, ulong token)
    {
        var low = 0;
        var high = moves.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (moves[mid].To < token)
            {
                low = mid + 1;
            }
            else if (moves[mid].From > token)
            {
                high = mid - 1;
            }
            else
            {
                return moves[mid];
            }
        }

        return null;
    }

    /// <summary>
    /// The segments of the token space cut at both rings' range boundaries; on each, both rings have one replica
    /// list. Independent of <see cref="HashRing.Diff"/>.
    /// </summary>
    public static IEnumerable<(ulong From, ulong To)> Segments(HashRing a, HashRing b)
    {
        var starts = a.Ranges.Select(r => r.From).Concat(b.Ranges.Select(r => r.From)).Distinct().Order().ToArray();
        for (var i = 0; i < starts.Length; i++)
        {
            yield return (starts[i], i + 1 < starts.Length ? starts[i + 1] - 1 : ulong.MaxValue);
        }
    }

    public static bool SetEqual(IReadOnlyList<NodeId> a, IReadOnlyList<NodeId> b) =>
        a.Count == b.Count && a.All(b.Contains);
}
