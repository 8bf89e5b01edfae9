using System.Globalization;

namespace KvDb.Cluster.Placement;

/// <summary>
/// A contiguous, inclusive range of ring tokens <c>[From, To]</c> (never wrapping: <c>From &lt;= To</c>) whose
/// partitions all live on the same <see cref="Replicas"/>.
/// </summary>
/// <param name="From">The first token of the range.</param>
/// <param name="To">The last token of the range (inclusive).</param>
/// <param name="Replicas">The replicas of every token in the range, in preference order: the first is the primary.</param>
public readonly record struct TokenRange(ulong From, ulong To, IReadOnlyList<NodeId> Replicas)
{
    /// <summary>True when <paramref name="token"/> lies in the range.</summary>
    /// <param name="token">A ring token.</param>
    /// <returns>True when <c>From &lt;= token &lt;= To</c>.</returns>
    public bool Contains(ulong token) => token >= From && token <= To;

    /// <summary>Equal when the bounds are equal and the replica lists hold the same nodes in the same order.</summary>
    /// <param name="other">The range to compare with.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(TokenRange other) =>
        From == other.From && To == other.To && NodeLists.SequenceEqual(Replicas, other.Replicas);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(From, To, NodeLists.GetSequenceHashCode(Replicas));

    /// <summary>The range as text, e.g. <c>[0x0000000000000000, 0x3FFFFFFFFFFFFFFF] node-1, node-2, node-3</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[0x{From:X16}, 0x{To:X16}] {NodeLists.Format(Replicas)}");
}
