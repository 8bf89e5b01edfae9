using System.Collections.ObjectModel;
using System.Globalization;

namespace KvDb.Cluster.Placement;

/// <summary>
/// A token range whose replica set differs between two rings (see <see cref="HashRing.Diff"/>): the data in
/// <c>[From, To]</c> must be streamed to the <see cref="Gained"/> nodes and may be dropped by the
/// <see cref="Lost"/> nodes once they are no longer needed.
/// </summary>
public sealed record RangeMove
{
    /// <summary>Creates a move; <see cref="Gained"/> and <see cref="Lost"/> are computed from the two lists.</summary>
    /// <param name="from">The first token of the range.</param>
    /// <param name="to">The last token of the range (inclusive); not below <paramref name="from"/>.</param>
    /// <param name="oldReplicas">The replicas in the old ring, in preference order.</param>
    /// <param name="newReplicas">The replicas in the new ring, in preference order.</param>
    /// <exception cref="ArgumentException"><paramref name="to"/> is below <paramref name="from"/>.</exception>
    public RangeMove(ulong from, ulong to, IReadOnlyList<NodeId> oldReplicas, IReadOnlyList<NodeId> newReplicas)
    {
        ArgumentNullException.ThrowIfNull(oldReplicas);
        ArgumentNullException.ThrowIfNull(newReplicas);
        if (to < from)
        {
            throw new ArgumentException($"The range [{from}, {to}] is empty: To must not be below From.", nameof(to));
        }

        From = from;
        To = to;
        OldReplicas = new ReadOnlyCollection<NodeId>(oldReplicas.ToArray());
        NewReplicas = new ReadOnlyCollection<NodeId>(newReplicas.ToArray());
        Gained = new ReadOnlyCollection<NodeId>(newReplicas.Where(n => !oldReplicas.Contains(n)).ToArray());
        Lost = new ReadOnlyCollection<NodeId>(oldReplicas.Where(n => !newReplicas.Contains(n)).ToArray());
    }

    /// <summary>The first token of the range.</summary>
    public ulong From { get; }

    /// <summary>The last token of the range (inclusive).</summary>
    public ulong To { get; }

    /// <summary>The replicas in the old ring, in preference order.</summary>
    public IReadOnlyList<NodeId> OldReplicas { get; }

    /// <summary>The replicas in the new ring, in preference order.</summary>
    public IReadOnlyList<NodeId> NewReplicas { get; }

    /// <summary>The nodes that are replicas in the new ring but not in the old one (they must receive the data).</summary>
    public IReadOnlyList<NodeId> Gained { get; }

    /// <summary>The nodes that were replicas in the old ring but are not in the new one.</summary>
    public IReadOnlyList<NodeId> Lost { get; }

    /// <summary>True when <paramref name="token"/> lies in the range.</summary>
    /// <param name="token">A ring token.</param>
    /// <returns>True when <c>From &lt;= token &lt;= To</c>.</returns>
    public bool Contains(ulong token) => token >= From && token <= To;

    /// <summary>Equal when the bounds are equal and both replica lists hold the same nodes in the same order.</summary>
    /// <param name="other">The move to compare with.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(RangeMove? other) =>
        other is not null && From == other.From && To == other.To &&
        NodeLists.SequenceEqual(OldReplicas, other.OldReplicas) && NodeLists.SequenceEqual(NewReplicas, other.NewReplicas);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(From, To, NodeLists.GetSequenceHashCode(OldReplicas), NodeLists.GetSequenceHashCode(NewReplicas));

    /// <summary>The move as text, e.g. <c>[0x..., 0x...] a, b, c -> a, b, d (+d -c)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"[0x{From:X16}, 0x{To:X16}] {NodeLists.Format(OldReplicas)} -> {NodeLists.Format(NewReplicas)} (+{NodeLists.Format(Gained)} -{NodeLists.Format(Lost)})");
}
