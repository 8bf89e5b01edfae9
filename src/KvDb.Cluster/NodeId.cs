namespace KvDb.Cluster;

/// <summary>The name of a node in a cluster (e.g. <c>node-1</c>): 1 to 64 characters of letters, digits, '-', '_' or '.'.</summary>
public readonly record struct NodeId : IComparable<NodeId>
{
    /// <summary>Creates a node id, checking its spelling.</summary>
    public NodeId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > 64 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"Node id \"{value}\" must be 1 to 64 characters of letters, digits, '-', '_' or '.'.", nameof(value));
        }

        Value = value;
    }

    /// <summary>The name.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public int CompareTo(NodeId other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc />
    public override string ToString() => Value ?? "";

    /// <summary>Converts a string to a node id.</summary>
    public static implicit operator NodeId(string value) => new(value);
}
