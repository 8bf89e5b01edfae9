using System.Globalization;
using KvDb.Cluster.Placement;
using Xunit.Abstractions;
using static KvDb.Cluster.Tests.Placement.RingTestHelpers;

namespace KvDb.Cluster.Tests.Placement;

/// <summary>
/// Load balance and data movement of the ring with the default 256 vnodes per node.
/// </summary>
/// <remarks>
/// Why the tolerances hold: a node's share is the sum of the arcs in front of its 256 vnodes. The arcs are close to
/// exponentially distributed (coefficient of variation 1), so a node's share has a relative standard deviation of
/// about 1/sqrt(256) = 6.25 %. Among 64 nodes the largest lies about 2.4 standard deviations above the mean, so
/// max/mean is expected near 1.15 (the bound DESIGN.md section 6 asks for). The share a new node takes when it
/// joins n others is its own share in the new ring, expected 1/(n + 1) with the same 6.25 % spread; the tests
/// allow 25 % (4 standard deviations). All numbers are deterministic: node names and hashes are fixed.
/// </remarks>
public sealed class HashRingBalanceTests(ITestOutputHelper output)
{
    private const double MovementTolerance = 0.25;

    [Fact]
    public void OwnershipShare_64NodesWith256VirtualNodes_MaxWithin15PercentOfMean()
    {
        var nodes = Nodes(64);
        var primary = HashRing.Create(nodes, 256, 1);
        var replicated = HashRing.Create(nodes, 256, 3);

        var (primaryMax, primaryMin) = Spread(nodes, primary.OwnershipShare, 1.0 / 64);
        var (replicaMax, replicaMin) = Spread(nodes, replicated.ReplicaShare, 3.0 / 64);
        // The N = 3 ring has the same primaries as the N = 1 ring.
        Assert.All(nodes, n => Assert.Equal(primary.OwnershipShare(n), replicated.OwnershipShare(n), 12));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"64 nodes x 256 vnodes: primary share max/mean {primaryMax:F4}, min/mean {primaryMin:F4}; N=3 replica share max/mean {replicaMax:F4}, min/mean {replicaMin:F4}"));
        Assert.True(primaryMax <= 1.15, $"the most loaded node holds {primaryMax:F4} x the mean primary share");
        Assert.True(primaryMin >= 0.85, $"the least loaded node holds {primaryMin:F4} x the mean primary share");
        // Replica shares are sums over three consecutive owners, so they spread less; the same bound applies.
        Assert.True(replicaMax <= 1.15, $"the most loaded node holds {replicaMax:F4} x the mean replica share");
    }

    [Fact]
    public void OwnershipShare_64NodesUnderOtherNames_StaysWithin30PercentOfMean()
    {
        // The 1.15 bound above sits near the median outcome (expected max/mean about 1 + 2.4 x 6.25 %), so whether a
        // given set of 64 names meets it is luck: over twelve name prefixes the measured max/mean ranged from 1.106
        // to 1.226 ("node-" gives 1.139). Whatever the names, it should stay below 1.30 (about 4.8 standard
        // deviations); a hash or vnode bug that clusters tokens breaks this for every prefix.
        foreach (var prefix in new[] { "n", "host-", "kv", "db-node-", "server", "x", "node_", "z" })
        {
            var nodes = Enumerable.Range(1, 64).Select(i => new NodeId($"{prefix}{i}")).ToArray();
            var ring = HashRing.Create(nodes, 256, 1);
            var (max, min) = Spread(nodes, ring.OwnershipShare, 1.0 / 64);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"64 nodes named {prefix}1..{prefix}64: max/mean {max:F4}, min/mean {min:F4}"));
            Assert.True(max <= 1.30 && min >= 0.70, $"{prefix}*: max/mean {max:F4}, min/mean {min:F4}");
        }
    }

    [Fact]
    public void OneVirtualNodePerNode_LikeHashDb_IsBadlyUnbalanced()
    {
        // hash-db places each node at a single point of its ring; on three nodes that gave shares of
        // 23 %, 34 % and 43 %. With one vnode per node this ring behaves the same way (three random points cut
        // the circle into very unequal arcs: the expected largest of three arcs is 61 % of it), while 256 vnodes
        // per node keep every share within a few percent of 1/3.
        var nodes = Nodes(3);
        var single = HashRing.Create(nodes, 1, 1);
        var many = HashRing.Create(nodes, 256, 1);
        var (singleMax, singleMin) = Spread(nodes, single.OwnershipShare, 1.0 / 3);
        var (manyMax, manyMin) = Spread(nodes, many.OwnershipShare, 1.0 / 3);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"3 nodes x 1 vnode: shares {string.Join(", ", nodes.Select(n => single.OwnershipShare(n).ToString("P1", CultureInfo.InvariantCulture)))}; max/mean {singleMax:F3}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"3 nodes x 256 vnodes: shares {string.Join(", ", nodes.Select(n => many.OwnershipShare(n).ToString("P1", CultureInfo.InvariantCulture)))}; max/mean {manyMax:F3}"));
        Assert.True(manyMax <= 1.15 && manyMin >= 0.85, $"256 vnodes on 3 nodes: max/mean {manyMax:F3}, min/mean {manyMin:F3}");
        Assert.True(singleMax > manyMax, "one vnode per node should balance worse than 256");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(64)]
    public void AddNode_ReplicationFactor1_MovesAboutOneOverNPlusOne_OnlyToTheNewNode(int n)
    {
        var before = HashRing.Create(Nodes(n), 256, 1);
        var newcomer = new NodeId($"node-{n + 1}");
        var after = HashRing.Create(Nodes(n + 1), 256, 1);

        // Independently of Diff: every segment whose primary changed now has the newcomer as primary.
        var changed = UInt128.Zero;
        foreach (var (from, to) in Segments(before, after))
        {
            var oldPrimary = before.PrimaryFor(from);
            var newPrimary = after.PrimaryFor(from);
            if (oldPrimary != newPrimary)
            {
                Assert.Equal(newcomer, newPrimary);
                changed += Length(from, to);
            }
        }

        var moves = HashRing.Diff(before, after);
        Assert.NotEmpty(moves);
        Assert.All(moves, m =>
        {
            Assert.Equal([newcomer], m.Gained);
            Assert.Equal(m.OldReplicas, m.Lost);
            Assert.Equal(newcomer, m.NewReplicas[0]);
        });

        var moved = Fraction(moves.Aggregate(UInt128.Zero, (sum, m) => sum + Length(m.From, m.To)));
        Assert.Equal(Fraction(changed), moved, 12);
        Assert.Equal(after.OwnershipShare(newcomer), moved, 12);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"N=1, {n} -> {n + 1} nodes: moved {moved:P2} of the token space (ideal {1.0 / (n + 1):P2}, ratio {moved * (n + 1):F3}) in {moves.Count} ranges"));
        Assert.InRange(moved * (n + 1), 1 - MovementTolerance, 1 + MovementTolerance);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(64)]
    public void AddNode_ReplicationFactor3_EveryChangeGainsTheNewNodeAndLosesOneOldNode(int n)
    {
        var before = HashRing.Create(Nodes(n), 256, 3);
        var newcomer = new NodeId($"node-{n + 1}");
        var after = HashRing.Create(Nodes(n + 1), 256, 3);

        foreach (var (from, _) in Segments(before, after))
        {
            if (before.PrimaryFor(from) != after.PrimaryFor(from))
            {
                Assert.Equal(newcomer, after.PrimaryFor(from));
            }
        }

        var moves = HashRing.Diff(before, after);
        Assert.All(moves, m =>
        {
            Assert.Equal([newcomer], m.Gained);
            Assert.Single(m.Lost);
            Assert.DoesNotContain(newcomer, m.OldReplicas);
        });

        // Replica data that moves = the newcomer's replica share, expected 3/(n+1) (here N = 3 <= n).
        var moved = Fraction(moves.Aggregate(UInt128.Zero, (sum, m) => sum + Length(m.From, m.To)));
        Assert.Equal(after.ReplicaShare(newcomer), moved, 12);
        var ideal = 3.0 / (n + 1);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"N=3, {n} -> {n + 1} nodes: {moved:P2} of the token space gains a replica (ideal {ideal:P2}, ratio {moved / ideal:F3}); primary moved {after.OwnershipShare(newcomer):P2}"));
        Assert.InRange(moved / ideal, 1 - MovementTolerance, 1 + MovementTolerance);
        Assert.InRange(after.OwnershipShare(newcomer) * (n + 1), 1 - MovementTolerance, 1 + MovementTolerance);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(4, 3)]
    [InlineData(11, 3)]
    [InlineData(65, 1)]
    [InlineData(65, 3)]
    public void RemoveNode_IsTheInverseOfAdding_OnlyTheLeaverLosesData(int n, int replicationFactor)
    {
        var leaver = new NodeId($"node-{n}");
        var before = HashRing.Create(Nodes(n), 256, replicationFactor);
        var after = HashRing.Create(Nodes(n - 1), 256, replicationFactor);

        var moves = HashRing.Diff(before, after);
        Assert.All(moves, m =>
        {
            Assert.Equal([leaver], m.Lost);
            Assert.Single(m.Gained);
            Assert.DoesNotContain(leaver, m.NewReplicas);
        });

        var moved = Fraction(moves.Aggregate(UInt128.Zero, (sum, m) => sum + Length(m.From, m.To)));
        Assert.Equal(before.ReplicaShare(leaver), moved, 12);
        var adding = HashRing.Diff(after, before);
        Assert.Equal(moves.Select(m => new RangeMove(m.From, m.To, m.NewReplicas, m.OldReplicas)), adding);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"N={replicationFactor}, {n} -> {n - 1} nodes: {moved:P2} of the token space loses {leaver} (ideal {(double)replicationFactor / n:P2})"));
        Assert.InRange(moved / ((double)replicationFactor / n), 1 - MovementTolerance, 1 + MovementTolerance);
    }

    private static (double MaxOverMean, double MinOverMean) Spread(NodeId[] nodes, Func<NodeId, double> share, double mean) =>
        (nodes.Max(share) / mean, nodes.Min(share) / mean);
}
