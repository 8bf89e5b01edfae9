namespace KvDb.Cypher.Execution;

/// <summary>A node while a statement runs: only its id; labels and properties are read through the transaction.</summary>
internal sealed record NodeRef(long Id);

/// <summary>A relationship while a statement runs: id, type and end points (immutable); properties via the transaction.</summary>
internal sealed record RelRef(long Id, string Type, long Start, long End)
{
    /// <summary>
    /// The stored properties of a relationship read by an expansion, decoded only when asked for; the transaction
    /// caches a relationship's state only when the statement writes it, so expansions run in bounded memory.
    /// </summary>
    public Item? Stored { get; init; }

    /// <summary>The properties of a relationship expanded from the graph's in-memory copy (null for none; never changed).</summary>
    public KeyValuePair<string, object?>[]? Cached { get; init; }

    /// <summary>Whether it was expanded from the graph's in-memory copy (its properties are then <see cref="Cached"/>).</summary>
    public bool FromCopy { get; init; }

    public long Other(long node) => node == Start ? End : Start;

    /// <summary>Relationships are equal when their ids are.</summary>
    public bool Equals(RelRef? other) => other is not null && other.Id == Id;

    public override int GetHashCode() => Id.GetHashCode();
}

/// <summary>A path while a statement runs.</summary>
internal sealed record PathValue(IReadOnlyList<NodeRef> Nodes, IReadOnlyList<RelRef> Relationships)
{
    public bool Equals(PathValue? other) =>
        other is not null && other.Nodes.SequenceEqual(Nodes) && other.Relationships.SequenceEqual(Relationships);

    public override int GetHashCode() => HashCode.Combine(Nodes.Count, Nodes[0].Id, Relationships.Count);
}
