namespace KvDb.Cluster.Replication;

/// <summary>
/// A hybrid-logical-clock timestamp made unique by the proposing node's number: the Paxos ballot of every
/// replicated write and the version of every item. Ordered by physical milliseconds, then the logical
/// counter, then the node number. <see cref="Zero"/> is below every real ballot.
/// </summary>
public readonly record struct Ballot(long Physical, int Logical, int Node) : IComparable<Ballot>
{
    /// <summary>The smallest ballot (nothing promised or accepted yet).</summary>
    public static Ballot Zero => default;

    /// <summary>True for <see cref="Zero"/>.</summary>
    public bool IsZero => Physical == 0 && Logical == 0 && Node == 0;

    /// <inheritdoc />
    public int CompareTo(Ballot other)
    {
        var c = Physical.CompareTo(other.Physical);
        if (c != 0)
        {
            return c;
        }

        c = Logical.CompareTo(other.Logical);
        return c != 0 ? c : Node.CompareTo(other.Node);
    }

    /// <summary>Orders ballots.</summary>
    public static bool operator <(Ballot a, Ballot b) => a.CompareTo(b) < 0;

    /// <summary>Orders ballots.</summary>
    public static bool operator >(Ballot a, Ballot b) => a.CompareTo(b) > 0;

    /// <summary>Orders ballots.</summary>
    public static bool operator <=(Ballot a, Ballot b) => a.CompareTo(b) <= 0;

    /// <summary>Orders ballots.</summary>
    public static bool operator >=(Ballot a, Ballot b) => a.CompareTo(b) >= 0;

    /// <summary>The larger of two ballots.</summary>
    public static Ballot Max(Ballot a, Ballot b) => a >= b ? a : b;

    /// <inheritdoc />
    public override string ToString() => $"{Physical}.{Logical}@{Node}";
}

/// <summary>
/// The replicated state of one item (a "cell"): its current value (null when absent or deleted), the ballot of
/// the write that last changed the value, and a pending transaction intent if a transaction has locked it.
/// </summary>
/// <param name="Item">The item, or null when it does not exist (a tombstone when <paramref name="Version"/> is not zero).</param>
/// <param name="Version">The ballot of the last write that changed the value (identity rounds keep it).</param>
/// <param name="Intent">A transaction's pending change, or null.</param>
public sealed record CellState(Item? Item, Ballot Version, TxnIntent? Intent = null)
{
    /// <summary>A cell that was never written.</summary>
    public static CellState Empty { get; } = new(null, Ballot.Zero);
}

/// <summary>A transaction's lock on a cell with the value it will write if the transaction commits.</summary>
/// <param name="TxnId">The transaction's id (its record lives in the cluster's transaction table under this key).</param>
/// <param name="Kind">What the transaction does to the cell.</param>
/// <param name="NewItem">The item written on commit (for <see cref="TxnIntentKind.Put"/>).</param>
/// <param name="StartedMilliseconds">When the transaction started (coordinator clock), to detect abandoned ones.</param>
public sealed record TxnIntent(string TxnId, TxnIntentKind Kind, Item? NewItem, long StartedMilliseconds);

/// <summary>What a transaction does to one cell on commit.</summary>
public enum TxnIntentKind
{
    /// <summary>Writes <see cref="TxnIntent.NewItem"/>.</summary>
    Put = 1,

    /// <summary>Deletes the item.</summary>
    Delete = 2,

    /// <summary>Only checks a condition: the value stays.</summary>
    Check = 3,
}
