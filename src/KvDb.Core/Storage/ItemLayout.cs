namespace KvDb.Storage;

/// <summary>
/// How a table's stored records hold the key attributes: not in the attribute section but once, in the record
/// header (see <see cref="ItemCodec"/>). An <see cref="Item"/> over a table record uses this to put them back.
/// </summary>
internal sealed class ItemLayout
{
    public ItemLayout(TableSchema schema)
    {
        PartitionKey = schema.PartitionKey;
        SortKey = schema.SortKey;
    }

    public KeyAttribute PartitionKey { get; }

    public KeyAttribute? SortKey { get; }

    /// <summary>The key attribute named <paramref name="name"/> of the record, or null when it is not a key attribute.</summary>
    public AttributeValue? KeyValue(byte[] record, string name)
    {
        if (string.Equals(name, PartitionKey.Name, StringComparison.Ordinal))
        {
            return KeyCodec.Decode(ItemCodec.RecordPartitionKey(record), PartitionKey.Type);
        }

        if (SortKey is not null && string.Equals(name, SortKey.Name, StringComparison.Ordinal))
        {
            return KeyCodec.Decode(ItemCodec.RecordKey(record), SortKey.Type);
        }

        return null;
    }

    public bool IsKey(string name) =>
        string.Equals(name, PartitionKey.Name, StringComparison.Ordinal) ||
        (SortKey is not null && string.Equals(name, SortKey.Name, StringComparison.Ordinal));

    public int KeyCount => SortKey is null ? 1 : 2;

    /// <summary>The whole item: key attributes first, then the stored attributes in their order.</summary>
    public AttributeMap Decode(byte[] record, int offset)
    {
        var reader = new ItemReader(record, offset);
        var count = reader.ReadCount();
        var names = new string[count + KeyCount];
        var values = new AttributeValue[count + KeyCount];
        names[0] = PartitionKey.Name;
        values[0] = KeyCodec.Decode(ItemCodec.RecordPartitionKey(record), PartitionKey.Type);
        if (SortKey is not null)
        {
            names[1] = SortKey.Name;
            values[1] = KeyCodec.Decode(ItemCodec.RecordKey(record), SortKey.Type);
        }

        for (var i = KeyCount; i < names.Length; i++)
        {
            names[i] = reader.ReadString();
            values[i] = reader.ReadValue(1);
        }

        return new AttributeMap(names, values);
    }
}
