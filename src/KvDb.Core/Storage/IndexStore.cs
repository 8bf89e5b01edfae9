namespace KvDb.Storage;

/// <summary>
/// A secondary index: a <see cref="TableStore"/> keyed by the index partition key whose entries are copies of
/// the indexed items (projection ALL) or of their key attributes (KEYS_ONLY). Several items may share an index key, so an entry's sort key is made
/// unique by appending the item's table key:
/// <code>entry sort key = escape(index sort key) 00 01 escape(table partition key) 00 01 escape(table sort key)</code>
/// where <c>escape</c> doubles every 00 byte as 00 FF. Escaping keeps byte order equal to value order, and the
/// 00 01 terminator sorts below any continuation, so ranges on the index sort key map to ranges of entry keys.
/// </summary>
internal sealed class IndexStore
{
    public IndexStore(IndexSchema schema, TableStore table)
    {
        Schema = schema;
        Table = table;
        // The entry store always has a (synthetic, binary) sort key, even when the index itself has none.
        Entries = new TableStore(
            new TableSchema(table.Name + "#" + schema.Name, schema.PartitionKey, new KeyAttribute("~entry", ScalarType.Binary)),
            table.Id, table.CreatedAt, isIndex: true);
    }

    public IndexSchema Schema { get; }

    /// <summary>False while a newly added index is being backfilled; such an index refuses queries.</summary>
    public volatile bool IsActive;

    public TableStore Table { get; }

    public TableStore Entries { get; }

    /// <summary>Serialises writers of this index: items of different table partitions share index partitions.</summary>
    public object WriteLock { get; } = new();

    /// <summary>The encoded index partition key and entry sort key of a stored record, or null when the item is not indexed.</summary>
    public (byte[] Pk, byte[] EntryKey)? KeyOf(byte[] tablePk, byte[] record)
    {
        var item = Table.ItemOf(record);
        var pkValue = item.Get(Schema.PartitionKey.Name);
        if (pkValue is null || !Matches(pkValue, Schema.PartitionKey.Type))
        {
            return null;
        }

        byte[]? skBytes = null;
        if (Schema.SortKey is not null)
        {
            var skValue = item.Get(Schema.SortKey.Name);
            if (skValue is null || !Matches(skValue, Schema.SortKey.Type))
            {
                return null;
            }

            skBytes = KeyCodec.EncodeBound(skValue);
        }

        var pk = KeyCodec.EncodeBound(pkValue);
        if (pk.Length == 0)
        {
            return null; // empty strings and binaries cannot be key values
        }

        var tableSk = Table.HasSortKey ? ItemCodec.RecordKey(record) : default;
        var entry = new List<byte>(64);
        if (skBytes is not null)
        {
            AppendEscaped(entry, skBytes);
            entry.Add(0x00);
            entry.Add(0x01);
        }

        AppendEscaped(entry, tablePk);
        entry.Add(0x00);
        entry.Add(0x01);
        AppendEscaped(entry, tableSk);
        return (pk, [.. entry]);
    }

    private static bool Matches(AttributeValue value, ScalarType type) => type switch
    {
        ScalarType.String => value.Kind == AttributeKind.String && value.StringUnchecked.Length > 0,
        ScalarType.Number => value.Kind == AttributeKind.Number,
        _ => value.Kind == AttributeKind.Binary && value.BinaryArray.Length > 0,
    };

    public static void AppendEscaped(List<byte> output, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            output.Add(b);
            if (b == 0x00)
            {
                output.Add(0xFF);
            }
        }
    }

    public static byte[] Escape(ReadOnlySpan<byte> bytes)
    {
        var list = new List<byte>(bytes.Length + 2);
        AppendEscaped(list, bytes);
        return [.. list];
    }

    /// <summary>The entry-key range selecting encoded index sort key values that satisfy the operator.</summary>
    public static KeyRange EntryRange(KeyOperator op, byte[] v, byte[]? v2)
    {
        var e = Escape(v);
        byte[] Concat(byte[] a, params byte[] b) => [.. a, .. b];
        return op switch
        {
            KeyOperator.Equal => KeyRange.Prefix(Concat(e, 0x00, 0x01)),
            KeyOperator.LessThan => new KeyRange(null, false, e, false),
            KeyOperator.LessThanOrEqual => new KeyRange(null, false, Concat(e, 0x00, 0x02), false),
            KeyOperator.GreaterThan => new KeyRange(Concat(e, 0x00, 0x02), true, null, false),
            KeyOperator.GreaterThanOrEqual => new KeyRange(Concat(e, 0x00, 0x01), true, null, false),
            KeyOperator.Between => new KeyRange(Concat(e, 0x00, 0x01), true, Concat(Escape(v2!), 0x00, 0x02), false),
            _ => KeyRange.Prefix(e),
        };
    }
}
