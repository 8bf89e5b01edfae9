using KvDb.Cluster.Placement;
using static KvDb.Cluster.Tests.Placement.RingTestHelpers;

namespace KvDb.Cluster.Tests.Placement;

public sealed class HashRingTests
{
    [Fact]
    public void VirtualNodeToken_IsPinned()
    {
        // XXH64("node-1" ++ 00 00 00 00, seed "KvDbRing") and with index 255 (00 00 00 FF), computed independently.
        Assert.Equal(0x827DCDA3D7FC8E59UL, HashRing.VirtualNodeToken("node-1", 0));
        Assert.Equal(0x7216EAFDC7FD79E1UL, HashRing.VirtualNodeToken("node-1", 255));
    }

    [Fact]
    public void ReplicasFor_ThreeNodes_IsPinned()
    {
        // Computed independently (Python model of the documented placement). Pins the whole chain:
        // key encoding, token hash, vnode hash and seed, clockwise successor and preference walk.
        var ring = HashRing.Create(Nodes(3));
        Assert.Equal(["node-2", "node-3", "node-1"], Names(ring.ReplicasFor(PartitionToken.Of("customer#42"))));
        Assert.Equal(["node-3", "node-1", "node-2"], Names(ring.ReplicasFor(PartitionToken.Of("order#7"))));
        Assert.Equal(["node-2", "node-1", "node-3"], Names(ring.ReplicasFor(PartitionToken.Of("user#1"))));
        Assert.Equal(["node-1", "node-2", "node-3"], Names(ring.ReplicasFor(PartitionToken.Of(1))));
        Assert.Equal("node-2", ring.PrimaryFor(PartitionToken.Of("customer#42")).Value);

        var small = HashRing.Create(["a", "b", "c", "d", "e"], virtualNodesPerNode: 16, replicationFactor: 2);
        Assert.Equal(["a", "d"], Names(small.ReplicasFor(0)));
        Assert.Equal(["d", "a"], Names(small.ReplicasFor(1UL << 63)));
        Assert.Equal(["a", "d"], Names(small.ReplicasFor(ulong.MaxValue)));
        Assert.Equal(["c", "b"], Names(small.ReplicasFor(12345678901234567890UL)));
    }

    [Fact]
    public void Create_DifferentInputOrder_GivesSameRing()
    {
        var a = HashRing.Create(["n3", "n1", "n2", "n4"], 32, 2);
        var b = HashRing.Create(["n2", "n4", "n1", "n3"], 32, 2);
        Assert.Equal(["n1", "n2", "n3", "n4"], Names(a.Nodes));
        Assert.Equal(a.Ranges, b.Ranges);
        Assert.Empty(HashRing.Diff(a, b));
    }

    [Fact]
    public void Create_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => HashRing.Create([]));
        Assert.Throws<ArgumentException>(() => HashRing.Create(["a", "b", "a"]));
        Assert.Throws<ArgumentException>(() => HashRing.Create([default(NodeId)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HashRing.Create(["a"], virtualNodesPerNode: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HashRing.Create(["a"], virtualNodesPerNode: 65537));
        Assert.Throws<ArgumentOutOfRangeException>(() => HashRing.Create(["a"], replicationFactor: 0));
        Assert.Throws<ArgumentNullException>(() => HashRing.Create(null!));
    }

    [Fact]
    public void ReplicationFactor_IsCappedAtNodeCount()
    {
        Assert.Equal(2, HashRing.Create(["a", "b"], 8, 3).ReplicationFactor);
        Assert.Equal(3, HashRing.Create(Nodes(5), 8, 3).ReplicationFactor);
        Assert.Equal(1, HashRing.Create(Nodes(5), 8, 1).ReplicationFactor);
        Assert.Equal(2, HashRing.Create(["a", "b"], 8, 3).ReplicasFor(42).Count);
    }

    [Fact]
    public void SingleNode_OwnsEverythingInOneRange()
    {
        var ring = HashRing.Create(["solo"], 64, 3);
        var range = Assert.Single(ring.Ranges);
        Assert.Equal(0UL, range.From);
        Assert.Equal(ulong.MaxValue, range.To);
        Assert.Equal(["solo"], Names(range.Replicas));
        Assert.Equal(1.0, ring.OwnershipShare("solo"));
        Assert.Equal(1.0, ring.ReplicaShare("solo"));
        Assert.Equal(0.0, ring.OwnershipShare("other"));
    }

    [Fact]
    public void ReplicasFor_ReturnsReadOnlyList()
    {
        var ring = HashRing.Create(Nodes(4), 8, 3);
        var replicas = ring.ReplicasFor(7);
        Assert.False(replicas is NodeId[]);
        Assert.Throws<NotSupportedException>(() => ((IList<NodeId>)replicas)[0] = "x");
    }

    [Fact]
    public void Diff_SameRing_IsEmpty()
    {
        var ring = HashRing.Create(Nodes(10));
        Assert.Empty(HashRing.Diff(ring, ring));
        Assert.Empty(HashRing.Diff(ring, HashRing.Create(Nodes(10).Reverse())));
    }

    [Fact]
    public void Diff_ReplicationFactorChanged_EveryRangeGainsTheNextSuccessor()
    {
        var one = HashRing.Create(Nodes(4), 16, 1);
        var two = HashRing.Create(Nodes(4), 16, 2);
        var moves = HashRing.Diff(one, two);
        Assert.Equal(0UL, moves[0].From);
        Assert.Equal(ulong.MaxValue, moves[^1].To);
        Assert.All(moves, m =>
        {
            Assert.Single(m.Gained);
            Assert.Empty(m.Lost);
            Assert.Equal(m.OldReplicas[0], m.NewReplicas[0]);
        });
    }

    [Fact]
    public void RangeMove_ComputesGainedAndLostAndCompares()
    {
        var move = new RangeMove(5, 9, ["a", "b", "c"], ["a", "c", "d"]);
        Assert.Equal(["d"], Names(move.Gained));
        Assert.Equal(["b"], Names(move.Lost));
        Assert.True(move.Contains(5) && move.Contains(9) && !move.Contains(4) && !move.Contains(10));
        Assert.Equal(move, new RangeMove(5, 9, new List<NodeId> { "a", "b", "c" }, new NodeId[] { "a", "c", "d" }));
        Assert.NotEqual(move, new RangeMove(5, 9, ["a", "b", "c"], ["a", "d", "c"]));
        Assert.Equal(move.GetHashCode(), new RangeMove(5, 9, ["a", "b", "c"], ["a", "c", "d"]).GetHashCode());
        Assert.Contains("+d -b", move.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RangeMove(9, 5, ["a"], ["b"]));
    }

    [Fact]
    public void TokenRange_ContainsAndEquality()
    {
        var range = new TokenRange(10, 20, new NodeId[] { "a", "b" });
        Assert.True(range.Contains(10) && range.Contains(20) && !range.Contains(9) && !range.Contains(21));
        Assert.Equal(range, new TokenRange(10, 20, new List<NodeId> { "a", "b" }));
        Assert.NotEqual(range, new TokenRange(10, 20, new NodeId[] { "b", "a" }));
        Assert.Equal("[0x000000000000000A, 0x0000000000000014] a, b", range.ToString());
    }

    private static string[] Names(IEnumerable<NodeId> nodes) => nodes.Select(n => n.Value).ToArray();
}
