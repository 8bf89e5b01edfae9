using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Text;

namespace KvDb.Cluster.Placement;

/// <summary>
/// An immutable consistent-hashing ring with virtual nodes: each node owns many pseudo-random points (vnodes) of
/// the 64-bit token space, so shares stay even and adding or removing a node moves only about 1/n of the data,
/// all of it to or from that node.
/// </summary>
/// <remarks>
/// <para>
/// A partition with token <c>t</c> (see <see cref="PartitionToken"/>) belongs to the first vnode whose token is
/// <c>&gt;= t</c>, wrapping past <see cref="ulong.MaxValue"/> to the lowest vnode. Its replicas (the preference list)
/// are the owners of that vnode and the following vnodes clockwise, skipping nodes already chosen, until
/// <see cref="ReplicationFactor"/> distinct nodes are found.
/// </para>
/// <para>
/// Vnode <c>i</c> (0-based) of node <c>n</c> sits at <c>XxHash64(UTF-8(n) ++ big-endian int32 i, seed 0x4B76446252696E67)</c>
/// (the seed is "KvDbRing" in ASCII). The ring depends only on the set of node names and the two counts, never on
/// the order they were given in. Preference lists are computed once per vnode, so a lookup is one binary search
/// (O(log V)) and allocates nothing; a ring is never changed, only replaced (swap the reference atomically).
/// </para>
/// </remarks>
public sealed class HashRing
{
    /// <summary>The seed of the vnode hash: "KvDbRing" in ASCII, big-endian.</summary>
    internal const ulong VirtualNodeSeed = 0x4B76446252696E67UL;

    private const int MaxVirtualNodesPerNode = 65536;
    private const int MaxVirtualNodes = 1 << 24;
    private const double TokenSpace = 18446744073709551616.0; // 2^64

    private readonly NodeId[] _nodes;
    private readonly Dictionary<NodeId, int> _nodeIndex;
    private readonly ulong[] _tokens;                                // vnode tokens, ascending, distinct
    private readonly ReadOnlyCollection<NodeId>[] _preferenceLists;  // per vnode, parallel to _tokens
    private readonly ReadOnlyCollection<TokenRange> _ranges;
    private readonly double[] _ownershipShares;                      // per node, parallel to _nodes
    private readonly double[] _replicaShares;

    private HashRing(NodeId[] nodes, int virtualNodesPerNode, int replicationFactor)
    {
        _nodes = nodes;
        Nodes = new ReadOnlyCollection<NodeId>(nodes);
        VirtualNodesPerNode = virtualNodesPerNode;
        ReplicationFactor = replicationFactor;
        _nodeIndex = new Dictionary<NodeId, int>(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            _nodeIndex.Add(nodes[i], i);
        }

        var owners = PlaceVirtualNodes(nodes, virtualNodesPerNode, out _tokens);
        var preference = BuildPreferenceLists(owners, nodes.Length, replicationFactor);
        _preferenceLists = new ReadOnlyCollection<NodeId>[preference.Length];
        for (var v = 0; v < preference.Length; v++)
        {
            var list = new NodeId[replicationFactor];
            for (var r = 0; r < list.Length; r++)
            {
                list[r] = nodes[preference[v][r]];
            }

            _preferenceLists[v] = new ReadOnlyCollection<NodeId>(list);
        }

        _ranges = BuildRanges(out _ownershipShares, out _replicaShares);
    }

    /// <summary>The nodes of the ring, in ordinal order of their names.</summary>
    public IReadOnlyList<NodeId> Nodes { get; }

    /// <summary>The number of vnodes each node was given.</summary>
    public int VirtualNodesPerNode { get; }

    /// <summary>The number of replicas of each partition: the requested factor, capped at the number of nodes.</summary>
    public int ReplicationFactor { get; }

    /// <summary>
    /// The ring cut into contiguous inclusive ranges, in token order, that cover <c>0..ulong.MaxValue</c> exactly
    /// once: the first starts at 0, each next one starts right after the previous one ends, the last ends at
    /// <see cref="ulong.MaxValue"/>. Adjacent ranges always have different replica lists (equal neighbours are
    /// merged), except that the range wrapping past <see cref="ulong.MaxValue"/> is split in two so that
    /// <c>From &lt;= To</c> always holds.
    /// </summary>
    public IReadOnlyList<TokenRange> Ranges => _ranges;

    /// <summary>Builds a ring.</summary>
    /// <param name="nodes">The nodes; at least one, no duplicates, in any order.</param>
    /// <param name="virtualNodesPerNode">The number of vnodes per node (1 to 65536); more vnodes give more even shares.</param>
    /// <param name="replicationFactor">The requested number of replicas per partition (at least 1); the ring uses at most one per node.</param>
    /// <returns>The ring.</returns>
    /// <exception cref="ArgumentException"><paramref name="nodes"/> is empty, holds a duplicate or a default <see cref="NodeId"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public static HashRing Create(IEnumerable<NodeId> nodes, int virtualNodesPerNode = 256, int replicationFactor = 3)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodesPerNode, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(virtualNodesPerNode, MaxVirtualNodesPerNode);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);

        var sorted = nodes.ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("A ring needs at least one node.", nameof(nodes));
        }

        foreach (var node in sorted)
        {
            if (node.Value is null)
            {
                throw new ArgumentException("A ring cannot hold the default (unnamed) NodeId.", nameof(nodes));
            }
        }

        Array.Sort(sorted);
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] == sorted[i - 1])
            {
                throw new ArgumentException($"The node \"{sorted[i]}\" is listed more than once.", nameof(nodes));
            }
        }

        if ((long)sorted.Length * virtualNodesPerNode > MaxVirtualNodes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(virtualNodesPerNode),
                $"{sorted.Length} nodes with {virtualNodesPerNode} vnodes each exceed the limit of {MaxVirtualNodes} vnodes.");
        }

        return new HashRing(sorted, virtualNodesPerNode, Math.Min(replicationFactor, sorted.Length));
    }

    /// <summary>Returns the replicas of the partition with ring token <paramref name="token"/>, primary first.</summary>
    /// <param name="token">The partition's token (<see cref="PartitionToken.Of"/>).</param>
    /// <returns><see cref="ReplicationFactor"/> distinct nodes in preference order (a shared, read-only list).</returns>
    public IReadOnlyList<NodeId> ReplicasFor(ulong token) => _preferenceLists[VirtualNodeFor(token)];

    /// <summary>Returns the primary replica (the first of <see cref="ReplicasFor"/>) of the partition with ring token <paramref name="token"/>.</summary>
    /// <param name="token">The partition's token.</param>
    /// <returns>The primary node.</returns>
    public NodeId PrimaryFor(ulong token) => _preferenceLists[VirtualNodeFor(token)][0];

    /// <summary>
    /// The fraction of the token space (0 to 1) for which <paramref name="node"/> is the primary replica, computed
    /// exactly from range lengths; 0 for a node that is not in the ring. The shares of all nodes add up to 1.
    /// </summary>
    /// <param name="node">A node.</param>
    /// <returns>The share.</returns>
    public double OwnershipShare(NodeId node) =>
        node.Value is not null && _nodeIndex.TryGetValue(node, out var index) ? _ownershipShares[index] : 0;

    /// <summary>
    /// The fraction of the token space (0 to 1) for which <paramref name="node"/> is any of the replicas; 0 for a node
    /// that is not in the ring. The shares of all nodes add up to <see cref="ReplicationFactor"/>.
    /// </summary>
    /// <param name="node">A node.</param>
    /// <returns>The share.</returns>
    public double ReplicaShare(NodeId node) =>
        node.Value is not null && _nodeIndex.TryGetValue(node, out var index) ? _replicaShares[index] : 0;

    /// <summary>
    /// Lists the token ranges whose replica set differs between two rings (order within a set is ignored), in token
    /// order. Ranges are cut at the boundaries of both rings; the result is maximal: two adjacent moves never have
    /// both the same old and the same new replica list. A ring compared with itself, or with a ring of the same
    /// nodes and counts, gives no moves.
    /// </summary>
    /// <param name="from">The current ring.</param>
    /// <param name="to">The next ring.</param>
    /// <returns>The moves.</returns>
    public static IReadOnlyList<RangeMove> Diff(HashRing from, HashRing to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var moves = new List<RangeMove>();
        if (ReferenceEquals(from, to))
        {
            return moves.AsReadOnly();
        }

        var a = from._ranges;
        var b = to._ranges;
        var i = 0;
        var j = 0;
        ulong start = 0;
        while (true)
        {
            var oldRange = a[i];
            var newRange = b[j];
            var end = Math.Min(oldRange.To, newRange.To);
            // No merging is needed: each segment ends at a boundary of one ring, and adjacent ranges of a ring
            // always have different lists, so two adjacent segments never share both the old and the new list.
            if (!NodeLists.SetEqual(oldRange.Replicas, newRange.Replicas))
            {
                moves.Add(new RangeMove(start, end, oldRange.Replicas, newRange.Replicas));
            }

            if (end == ulong.MaxValue)
            {
                return moves.AsReadOnly();
            }

            start = end + 1;
            if (oldRange.To == end)
            {
                i++;
            }

            if (newRange.To == end)
            {
                j++;
            }
        }
    }

    /// <summary>The token of vnode <paramref name="index"/> of <paramref name="node"/>.</summary>
    internal static ulong VirtualNodeToken(NodeId node, int index)
    {
        // A NodeId is 1 to 64 ASCII characters (one UTF-8 byte each), followed by the 4-byte index.
        Span<byte> buffer = stackalloc byte[64 + 4];
        var length = Encoding.UTF8.GetBytes(node.Value, buffer);
        BinaryPrimitives.WriteInt32BigEndian(buffer[length..], index);
        return StableHash.XxHash64(buffer[..(length + 4)], VirtualNodeSeed);
    }

    /// <summary>The index of the first vnode whose token is &gt;= <paramref name="token"/>, wrapping to 0.</summary>
    private int VirtualNodeFor(ulong token)
    {
        var tokens = _tokens;
        var low = 0;
        var high = tokens.Length;
        while (low < high)
        {
            var mid = (int)((uint)(low + high) >> 1);
            if (tokens[mid] < token)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low == tokens.Length ? 0 : low;
    }

    /// <summary>
    /// Computes every vnode's token and sorts them. Returns the owner (node index) of each vnode, parallel to
    /// <paramref name="tokens"/>. Two vnodes on one token (a 64-bit collision, which practically never happens)
    /// are resolved deterministically: the one of the node with the smaller name, then the smaller index, keeps it.
    /// </summary>
    private static int[] PlaceVirtualNodes(NodeId[] nodes, int virtualNodesPerNode, out ulong[] tokens)
    {
        var all = new VirtualNode[nodes.Length * virtualNodesPerNode];
        var k = 0;
        for (var n = 0; n < nodes.Length; n++)
        {
            for (var i = 0; i < virtualNodesPerNode; i++)
            {
                all[k++] = new VirtualNode(VirtualNodeToken(nodes[n], i), n, i);
            }
        }

        Array.Sort(all);
        var distinct = 0;
        for (var v = 0; v < all.Length; v++)
        {
            if (distinct == 0 || all[v].Token != all[distinct - 1].Token)
            {
                all[distinct++] = all[v];
            }
        }

        tokens = new ulong[distinct];
        var owners = new int[distinct];
        for (var v = 0; v < distinct; v++)
        {
            tokens[v] = all[v].Token;
            owners[v] = all[v].Node;
        }

        return owners;
    }

    /// <summary>For each vnode, the first <paramref name="replicationFactor"/> distinct owners clockwise from it.</summary>
    private static int[][] BuildPreferenceLists(int[] owners, int nodeCount, int replicationFactor)
    {
        var lists = new int[owners.Length][];
        var seenAt = new int[nodeCount]; // seenAt[n] == v + 1 when node n is already in vnode v's list
        for (var v = 0; v < owners.Length; v++)
        {
            var list = new int[replicationFactor];
            var count = 0;
            for (var step = 0; step < owners.Length && count < replicationFactor; step++)
            {
                var w = v + step;
                var owner = owners[w >= owners.Length ? w - owners.Length : w];
                if (seenAt[owner] != v + 1)
                {
                    seenAt[owner] = v + 1;
                    list[count++] = owner;
                }
            }

            if (count < replicationFactor)
            {
                // Only possible if every vnode of some node collided with another node's vnode.
                throw new InvalidOperationException("The ring has fewer distinct vnode owners than its replication factor.");
            }

            lists[v] = list;
        }

        return lists;
    }

    /// <summary>Cuts the ring into ranges (merging equal neighbours) and measures each node's shares exactly.</summary>
    private ReadOnlyCollection<TokenRange> BuildRanges(out double[] ownershipShares, out double[] replicaShares)
    {
        var ranges = new List<TokenRange>(_tokens.Length + 1);
        ulong start = 0;
        for (var v = 0; v < _tokens.Length; v++)
        {
            Append(ranges, start, _tokens[v], _preferenceLists[v]);
            start = _tokens[v] + 1;
        }

        var lastToken = _tokens[^1];
        if (lastToken != ulong.MaxValue)
        {
            // The wrap-around range (lastToken, MaxValue] belongs to vnode 0, like [0, _tokens[0]], but is kept
            // apart from it so that From <= To; Append still merges it into the range before it when that range
            // has the same list.
            Append(ranges, lastToken + 1, ulong.MaxValue, _preferenceLists[0]);
        }

        var primary = new UInt128[_nodes.Length];
        var replica = new UInt128[_nodes.Length];
        foreach (var range in ranges)
        {
            var length = (UInt128)(range.To - range.From) + 1;
            primary[_nodeIndex[range.Replicas[0]]] += length;
            for (var r = 0; r < range.Replicas.Count; r++)
            {
                replica[_nodeIndex[range.Replicas[r]]] += length;
            }
        }

        ownershipShares = new double[_nodes.Length];
        replicaShares = new double[_nodes.Length];
        for (var n = 0; n < _nodes.Length; n++)
        {
            ownershipShares[n] = (double)primary[n] / TokenSpace;
            replicaShares[n] = (double)replica[n] / TokenSpace;
        }

        return ranges.AsReadOnly();

        static void Append(List<TokenRange> ranges, ulong from, ulong to, ReadOnlyCollection<NodeId> replicas)
        {
            if (ranges.Count > 0 && NodeLists.SequenceEqual(ranges[^1].Replicas, replicas))
            {
                ranges[^1] = ranges[^1] with { To = to };
            }
            else
            {
                ranges.Add(new TokenRange(from, to, replicas));
            }
        }
    }

    private readonly record struct VirtualNode(ulong Token, int Node, int Index) : IComparable<VirtualNode>
    {
        public int CompareTo(VirtualNode other)
        {
            var c = Token.CompareTo(other.Token);
            if (c == 0)
            {
                c = Node.CompareTo(other.Node);
            }

            return c == 0 ? Index.CompareTo(other.Index) : c;
        }
    }
}
