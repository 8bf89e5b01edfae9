using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using KvDb.Cluster.Replication;
using KvDb.Storage;

namespace KvDb.Cluster;

/// <summary>Writes the primitives and shared structures of the message format (see <see cref="MessageCodec"/>).</summary>
internal static class MessageWriter
{
    public static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    public static void WriteBool(IBufferWriter<byte> writer, bool value) => WriteByte(writer, value ? (byte)1 : (byte)0);

    public static void WriteVarUInt64(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        writer.Advance(i);
    }

    /// <summary>Zigzag varint: small magnitudes of either sign take few bytes.</summary>
    public static void WriteVarInt64(IBufferWriter<byte> writer, long value) =>
        WriteVarUInt64(writer, (ulong)((value << 1) ^ (value >> 63)));

    public static void WriteVarInt32(IBufferWriter<byte> writer, int value) => WriteVarInt64(writer, value);

    public static void WriteCount(IBufferWriter<byte> writer, int count) => ItemCodec.WriteVarUInt(writer, (uint)count);

    public static void WriteFixed64(IBufferWriter<byte> writer, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public static void WriteString(IBufferWriter<byte> writer, string? value, string field)
    {
        if (value is null)
        {
            throw new ArgumentException($"The message field {field} is null.", nameof(value));
        }

        var length = Encoding.UTF8.GetByteCount(value);
        ItemCodec.WriteVarUInt(writer, (uint)length);
        var span = writer.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        writer.Advance(length);
    }

    public static void WriteOptionalString(IBufferWriter<byte> writer, string? value, string field)
    {
        WriteBool(writer, value is not null);
        if (value is not null)
        {
            WriteString(writer, value, field);
        }
    }

    /// <summary>A key attribute value: Core's value encoding (tag byte, payload), restricted to S, N and B.</summary>
    public static void WriteKeyValue(IBufferWriter<byte> writer, AttributeValue? value, string field)
    {
        if (value is null || !value.IsScalarKeyType)
        {
            throw new ArgumentException($"The message field {field} must be a string, number or binary value.", nameof(value));
        }

        ItemCodec.WriteValue(writer, value, 1, field);
    }

    /// <summary>varint length, then Core's attribute section.</summary>
    public static void WriteItem(IBufferWriter<byte> writer, Item? item, string field)
    {
        if (item is null)
        {
            throw new ArgumentException($"The message field {field} is null.", nameof(item));
        }

        var section = item.EncodedAttributes;
        ItemCodec.WriteVarUInt(writer, (uint)section.Length);
        writer.Write(section);
    }

    public static void WriteOptionalItem(IBufferWriter<byte> writer, Item? item, string field)
    {
        WriteBool(writer, item is not null);
        if (item is not null)
        {
            WriteItem(writer, item, field);
        }
    }

    /// <summary>Partition key value, then a presence byte and the sort key value.</summary>
    public static void WriteKey(IBufferWriter<byte> writer, ItemKey key, string field)
    {
        WriteKeyValue(writer, key.PartitionKey, field + ".PartitionKey");
        WriteBool(writer, key.SortKey is not null);
        if (key.SortKey is not null)
        {
            WriteKeyValue(writer, key.SortKey, field + ".SortKey");
        }
    }

    public static void WriteOptionalKey(IBufferWriter<byte> writer, ItemKey? key, string field)
    {
        WriteBool(writer, key.HasValue);
        if (key.HasValue)
        {
            WriteKey(writer, key.Value, field);
        }
    }

    public static void WriteKeys(IBufferWriter<byte> writer, IReadOnlyList<ItemKey>? keys, string field)
    {
        ArgumentNullList(keys, field);
        WriteCount(writer, keys!.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            WriteKey(writer, keys[i], field);
        }
    }

    /// <summary>Physical (zigzag varint), logical (zigzag varint), node (zigzag varint).</summary>
    public static void WriteBallot(IBufferWriter<byte> writer, Ballot ballot)
    {
        WriteVarInt64(writer, ballot.Physical);
        WriteVarInt32(writer, ballot.Logical);
        WriteVarInt32(writer, ballot.Node);
    }

    /// <summary>Optional item, version ballot, optional intent (txn id, kind byte, optional item, started ms).</summary>
    public static void WriteCellState(IBufferWriter<byte> writer, CellState? state, string field)
    {
        if (state is null)
        {
            throw new ArgumentException($"The message field {field} is null.", nameof(state));
        }

        WriteOptionalItem(writer, state.Item, field + ".Item");
        WriteBallot(writer, state.Version);
        var intent = state.Intent;
        WriteBool(writer, intent is not null);
        if (intent is not null)
        {
            WriteString(writer, intent.TxnId, field + ".Intent.TxnId");
            if (intent.Kind is not (TxnIntentKind.Put or TxnIntentKind.Delete or TxnIntentKind.Check))
            {
                throw new ArgumentException($"The message field {field}.Intent.Kind has the undefined value {(int)intent.Kind}.", nameof(state));
            }

            WriteByte(writer, (byte)intent.Kind);
            WriteOptionalItem(writer, intent.NewItem, field + ".Intent.NewItem");
            WriteVarInt64(writer, intent.StartedMilliseconds);
        }
    }

    /// <summary>Key, accepted ballot, state.</summary>
    public static void WriteCells(IBufferWriter<byte> writer, IReadOnlyList<CellEntry>? cells, string field)
    {
        ArgumentNullList(cells, field);
        WriteCount(writer, cells!.Count);
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i] ?? throw new ArgumentException($"The message field {field} holds a null entry.", nameof(cells));
            WriteKey(writer, cell.Key, field + ".Key");
            WriteBallot(writer, cell.Accepted);
            WriteCellState(writer, cell.State, field + ".State");
        }
    }

    public static void WriteStatus(IBufferWriter<byte> writer, ReplyStatus status)
    {
        if (status > ReplyStatus.NotMember)
        {
            throw new ArgumentException($"Reply status {(int)status} is not defined.", nameof(status));
        }

        WriteByte(writer, (byte)status);
    }

    // QueryRequest layout: table name, then a flags byte saying which optional parts follow, in this order:
    //   bit 0 PartitionKey (key value)        bit 4 Limit (zigzag varint)
    //   bit 1 PartitionKeyCondition           bit 5 ExclusiveStartKey (key)
    //   bit 2 SortKeyCondition                bit 6 CountOnly (no payload)
    //   bit 3 Descending (no payload)         bit 7 IndexName (string)
    // A key condition is: operator byte, value, presence byte, second value.
    // Filter and Projection are not encoded: replicas return whole items and the coordinator applies them.
    public const byte QueryHasPartitionKey = 1 << 0;
    public const byte QueryHasPartitionKeyCondition = 1 << 1;
    public const byte QueryHasSortKeyCondition = 1 << 2;
    public const byte QueryDescending = 1 << 3;
    public const byte QueryHasLimit = 1 << 4;
    public const byte QueryHasExclusiveStartKey = 1 << 5;
    public const byte QueryCountOnly = 1 << 6;
    public const byte QueryHasIndexName = 1 << 7;

    public static void WriteQuery(IBufferWriter<byte> writer, QueryRequest? query, string field)
    {
        if (query is null)
        {
            throw new ArgumentException($"The message field {field} is null.", nameof(query));
        }

        WriteString(writer, query.TableName, field + ".TableName");
        var flags = 0;
        flags |= query.PartitionKey is not null ? QueryHasPartitionKey : 0;
        flags |= query.PartitionKeyCondition is not null ? QueryHasPartitionKeyCondition : 0;
        flags |= query.SortKeyCondition is not null ? QueryHasSortKeyCondition : 0;
        flags |= query.Descending ? QueryDescending : 0;
        flags |= query.Limit.HasValue ? QueryHasLimit : 0;
        flags |= query.ExclusiveStartKey.HasValue ? QueryHasExclusiveStartKey : 0;
        flags |= query.CountOnly ? QueryCountOnly : 0;
        flags |= query.IndexName is not null ? QueryHasIndexName : 0;
        WriteByte(writer, (byte)flags);
        if (query.PartitionKey is not null)
        {
            WriteKeyValue(writer, query.PartitionKey, field + ".PartitionKey");
        }

        if (query.PartitionKeyCondition is not null)
        {
            WriteCondition(writer, query.PartitionKeyCondition, field + ".PartitionKeyCondition");
        }

        if (query.SortKeyCondition is not null)
        {
            WriteCondition(writer, query.SortKeyCondition, field + ".SortKeyCondition");
        }

        if (query.Limit is { } limit)
        {
            WriteVarInt32(writer, limit);
        }

        if (query.ExclusiveStartKey is { } start)
        {
            WriteKey(writer, start, field + ".ExclusiveStartKey");
        }

        if (query.IndexName is not null)
        {
            WriteString(writer, query.IndexName, field + ".IndexName");
        }
    }

    private static void WriteCondition(IBufferWriter<byte> writer, KeyCondition condition, string field)
    {
        if (condition.Operator is < KeyOperator.Equal or > KeyOperator.BeginsWith)
        {
            throw new ArgumentException($"The message field {field} has the undefined operator {(int)condition.Operator}.", nameof(condition));
        }

        WriteByte(writer, (byte)condition.Operator);
        WriteKeyValue(writer, condition.Value, field + ".Value");
        WriteBool(writer, condition.Value2 is not null);
        if (condition.Value2 is not null)
        {
            WriteKeyValue(writer, condition.Value2, field + ".Value2");
        }
    }

    private static void ArgumentNullList<T>(IReadOnlyList<T>? list, string field)
    {
        if (list is null)
        {
            throw new ArgumentException($"The message field {field} is null.", nameof(list));
        }
    }
}
