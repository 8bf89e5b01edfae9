using FsCheck;
using FsCheck.Fluent;
using KvDb.Cluster.Placement;
using static KvDb.Cluster.Tests.Placement.RingTestHelpers;

namespace KvDb.Cluster.Tests.Placement;

public sealed class HashRingProperties
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(150).WithQuietOnSuccess(true);

    /// <summary>Uniform 64-bit tokens (FsCheck's own ulong generator stays small), plus the extremes.</summary>
    private static readonly Gen<ulong> s_token = Gen.Frequency(
        (1, Gen.Elements(0UL, 1UL, ulong.MaxValue - 1, ulong.MaxValue, 1UL << 63)),
        (9, from a in Gen.Choose(0, 0xFFFF)
            from b in Gen.Choose(0, 0xFFFF)
            from c in Gen.Choose(0, 0xFFFF)
            from d in Gen.Choose(0, 0xFFFF)
            select ((ulong)(uint)a << 48) | ((ulong)(uint)b << 32) | ((ulong)(uint)c << 16) | (uint)d));

    /// <summary>1 to 12 distinct node names from a pool of 20, in random order.</summary>
    private static readonly Gen<NodeId[]> s_nodes =
        from count in Gen.Choose(1, 12)
        from picks in Gen.ArrayOf(Gen.Choose(0, 19), count)
        select picks.Distinct().Select(i => new NodeId($"n{i}")).ToArray();

    private static readonly Gen<RingCase> s_ringCase =
        from nodes in s_nodes
        from vnodes in Gen.Frequency((3, Gen.Choose(1, 8)), (2, Gen.Choose(9, 40)))
        from replication in Gen.Choose(1, 5)
        from tokens in Gen.ArrayOf(s_token, 60)
        select new RingCase(nodes, vnodes, replication, tokens);

    private static readonly Gen<(RingCase From, RingCase To)> s_ringPair =
        from a in s_ringCase
        from b in Gen.Frequency(
            (3, from extra in s_nodes select a with { Nodes = a.Nodes.Union(extra).Take(14).ToArray() }),
            (3, from drop in Gen.Choose(0, 19) select a with { Nodes = a.Nodes.Length > 1 ? a.Nodes.Where(n => n.Value != $"n{drop}").ToArray() : a.Nodes }),
            (2, s_ringCase),
            (1, from replication in Gen.Choose(1, 5) select a with { ReplicationFactor = replication }))
        select (a, b);

    [Fact]
    public void Ranges_CoverTokenSpaceExactlyOnce_AndAgreeWithReplicasFor() =>
        Prop.ForAll(s_ringCase.ToArbitrary(), c =>
        {
            var ring = c.Build();
            var ranges = ring.Ranges;
            Assert.Equal(0UL, ranges[0].From);
            Assert.Equal(ulong.MaxValue, ranges[^1].To);
            for (var i = 0; i < ranges.Count; i++)
            {
                Assert.True(ranges[i].From <= ranges[i].To, $"{ranges[i]} is inverted");
                if (i > 0)
                {
                    Assert.Equal(ranges[i - 1].To + 1, ranges[i].From);
                    Assert.False(
                        ranges[i - 1].Replicas.SequenceEqual(ranges[i].Replicas),
                        $"{ranges[i - 1]} and {ranges[i]} should have been merged");
                }

                // Both ends of every range, and the points just outside, are the interesting tokens.
                Assert.Equal(ranges[i].Replicas, ring.ReplicasFor(ranges[i].From));
                Assert.Equal(ranges[i].Replicas, ring.ReplicasFor(ranges[i].To));
                Assert.Equal(ranges[i].Replicas[0], ring.PrimaryFor(ranges[i].To));
            }

            foreach (var token in c.Tokens)
            {
                var range = ranges[IndexOf(ranges, token)];
                Assert.True(range.Contains(token));
                Assert.Equal(range.Replicas, ring.ReplicasFor(token));
                Assert.Equal(range.Replicas[0], ring.PrimaryFor(token));
            }
        }).Check(s_config);

    [Fact]
    public void ReplicasFor_MatchesNaiveModel_DistinctAndCapped() =>
        Prop.ForAll(s_ringCase.ToArbitrary(), c =>
        {
            var ring = c.Build();
            var model = new RingModel(c.Nodes, c.VirtualNodes, c.ReplicationFactor);
            var expectedCount = Math.Min(c.ReplicationFactor, c.Nodes.Length);
            Assert.Equal(expectedCount, ring.ReplicationFactor);
            var probes = c.Tokens.Concat(ring.Ranges.Select(r => r.From)).Concat(ring.Ranges.Select(r => r.To));
            foreach (var token in probes)
            {
                var replicas = ring.ReplicasFor(token);
                Assert.Equal(model.ReplicasFor(token), replicas);
                Assert.Equal(expectedCount, replicas.Count);
                Assert.Equal(expectedCount, replicas.Distinct().Count());
                Assert.All(replicas, n => Assert.Contains(n, c.Nodes));
            }
        }).Check(s_config);

    [Fact]
    public void Shares_AddUpToOneAndToReplicationFactor_AndMatchRangeLengths() =>
        Prop.ForAll(s_ringCase.ToArbitrary(), c =>
        {
            var ring = c.Build();
            Assert.Equal(1.0, c.Nodes.Sum(ring.OwnershipShare), 9);
            Assert.Equal(ring.ReplicationFactor, c.Nodes.Sum(ring.ReplicaShare), 9);
            foreach (var node in c.Nodes)
            {
                var primary = Fraction(ring.Ranges.Where(r => r.Replicas[0] == node).Aggregate(UInt128.Zero, (s, r) => s + Length(r.From, r.To)));
                var any = Fraction(ring.Ranges.Where(r => r.Replicas.Contains(node)).Aggregate(UInt128.Zero, (s, r) => s + Length(r.From, r.To)));
                Assert.Equal(primary, ring.OwnershipShare(node), 12);
                Assert.Equal(any, ring.ReplicaShare(node), 12);
                Assert.True(ring.OwnershipShare(node) > 0, $"{node} owns nothing");
            }
        }).Check(s_config);

    [Fact]
    public void Create_AnyOrderOfTheSameNodes_GivesTheSameRing() =>
        Prop.ForAll(s_ringCase.ToArbitrary(), c =>
        {
            var ring = c.Build();
            var reversed = HashRing.Create(c.Nodes.Reverse(), c.VirtualNodes, c.ReplicationFactor);
            Assert.Equal(ring.Ranges, reversed.Ranges);
            Assert.Empty(HashRing.Diff(ring, reversed));
        }).Check(s_config);

    [Fact]
    public void Diff_ListsExactlyTheTokensWhoseReplicaSetChanged() =>
        Prop.ForAll(s_ringPair.ToArbitrary(), pair =>
        {
            var from = pair.From.Build();
            var to = pair.To.Build();
            var moves = HashRing.Diff(from, to);
            for (var i = 0; i < moves.Count; i++)
            {
                var move = moves[i];
                Assert.True(move.From <= move.To);
                Assert.False(SetEqual(move.OldReplicas, move.NewReplicas), $"{move} changes nothing");
                Assert.Equal(move.NewReplicas.Where(n => !move.OldReplicas.Contains(n)), move.Gained);
                Assert.Equal(move.OldReplicas.Where(n => !move.NewReplicas.Contains(n)), move.Lost);
                if (i > 0)
                {
                    Assert.True(moves[i - 1].To < move.From, $"{moves[i - 1]} overlaps or precedes {move}");
                    var adjacent = moves[i - 1].To + 1 == move.From;
                    Assert.False(
                        adjacent && moves[i - 1].OldReplicas.SequenceEqual(move.OldReplicas) && moves[i - 1].NewReplicas.SequenceEqual(move.NewReplicas),
                        $"{moves[i - 1]} and {move} should have been merged");
                }
            }

            // Every segment of the union of both rings' boundaries is either wholly inside one move with the
            // right lists, or (when the sets are equal) in none.
            foreach (var (segmentFrom, segmentTo) in Segments(from, to))
            {
                var before = from.ReplicasFor(segmentFrom);
                var after = to.ReplicasFor(segmentFrom);
                Assert.Equal(before, from.ReplicasFor(segmentTo));
                Assert.Equal(after, to.ReplicasFor(segmentTo));
                var move = MoveAt(moves, segmentFrom);
                if (SetEqual(before, after))
                {
                    Assert.Null(move);
                    Assert.Null(MoveAt(moves, segmentTo));
                }
                else
                {
                    Assert.NotNull(move);
                    Assert.True(move.Contains(segmentTo));
                    Assert.Equal(before, move.OldReplicas);
                    Assert.Equal(after, move.NewReplicas);
                }
            }

            // The reverse diff is the same ranges with the lists swapped.
            var back = HashRing.Diff(to, from);
            Assert.Equal(moves.Select(m => new RangeMove(m.From, m.To, m.NewReplicas, m.OldReplicas)), back);
        }).Check(s_config.WithMaxTest(100));

    internal sealed record RingCase(NodeId[] Nodes, int VirtualNodes, int ReplicationFactor, ulong[] Tokens)
    {
        public HashRing Build() => HashRing.Create(Nodes, VirtualNodes, ReplicationFactor);

        public override string ToString() =>
            $"nodes=[{string.Join(",", Nodes)}] vnodes={VirtualNodes} rf={ReplicationFactor}";
    }
}
