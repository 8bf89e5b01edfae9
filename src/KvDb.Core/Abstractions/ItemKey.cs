namespace KvDb;

/// <summary>The primary key of an item: its partition key value and, for tables with a sort key, its sort key value.</summary>
/// <param name="PartitionKey">The partition key value (S, N or B).</param>
/// <param name="SortKey">The sort key value, or null for tables without a sort key.</param>
public readonly record struct ItemKey(AttributeValue PartitionKey, AttributeValue? SortKey = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        SortKey is null ? $"({Describe(PartitionKey)})" : $"({Describe(PartitionKey)}, {Describe(SortKey)})";

    internal static string Describe(AttributeValue? v) => v is null ? "null" : v.Kind switch
    {
        AttributeKind.String => "\"" + v.StringUnchecked + "\"",
        AttributeKind.Number => v.NumberUnchecked.ToString(),
        AttributeKind.Binary => "0x" + Convert.ToHexString(v.BinaryArray),
        _ => v.ToString(),
    };
}
