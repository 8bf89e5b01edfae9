using System.Buffers.Binary;
using System.Text;
using KvDb.Cluster.Replication;
using KvDb.Storage;

namespace KvDb.Cluster;

/// <summary>
/// A bounds-checked cursor over an encoded message. Every failure is a <see cref="ClusterProtocolException"/>
/// naming the field and the byte offset (absolute in the whole message).
/// </summary>
internal ref struct MessageReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public MessageReader(ReadOnlySpan<byte> data, int offset)
    {
        _data = data;
        _position = offset;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public static ClusterProtocolException Malformed(string reason, int offset, Exception? inner = null) => new(reason, offset, inner);

    public byte ReadByte(string field)
    {
        if (_position >= _data.Length)
        {
            throw Malformed($"truncated {field}", _position);
        }

        return _data[_position++];
    }

    public bool ReadBool(string field)
    {
        var start = _position;
        return ReadByte(field) switch
        {
            0 => false,
            1 => true,
            var b => throw Malformed($"{field} flag is 0x{b:X2}, expected 0 or 1", start),
        };
    }

    public ulong ReadVarUInt64(string field)
    {
        var start = _position;
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = ReadByte(field);
            if (shift == 63 && b > 1)
            {
                throw Malformed($"{field} varint overflows 64 bits", start);
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // One spelling per value: a zero final byte after the first means a padded (overlong) varint.
                return b == 0 && shift > 0 ? throw Malformed($"{field} varint is not minimally encoded", start) : result;
            }
        }
    }

    public long ReadVarInt64(string field)
    {
        var raw = ReadVarUInt64(field);
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int ReadVarInt32(string field)
    {
        var start = _position;
        var value = ReadVarInt64(field);
        return value is < int.MinValue or > int.MaxValue
            ? throw Malformed($"{field} {value} is out of the 32-bit range", start)
            : (int)value;
    }

    public ulong ReadFixed64(string field)
    {
        if (Remaining < 8)
        {
            throw Malformed($"truncated {field}", _position);
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>A list length; each element takes at least <paramref name="minElementBytes"/>, so larger counts are corrupt.</summary>
    public int ReadCount(string field, int minElementBytes)
    {
        var start = _position;
        var n = ReadVarUInt64(field + " count");
        if (n > (ulong)(Remaining / minElementBytes))
        {
            throw Malformed($"{field} count {n} is larger than the remaining {Remaining} bytes allow", start);
        }

        return (int)n;
    }

    private int ReadLength(string field)
    {
        var start = _position;
        var n = ReadVarUInt64(field + " length");
        if (n > (ulong)Remaining)
        {
            throw Malformed($"{field} length {n} runs past the end of the message ({Remaining} bytes left)", start);
        }

        return (int)n;
    }

    public string ReadString(string field)
    {
        var length = ReadLength(field);
        var start = _position;
        string value;
        try
        {
            value = s_strictUtf8.GetString(_data.Slice(_position, length));
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed($"{field} is not valid UTF-8", start, e);
        }

        _position += length;
        return value;
    }

    public string? ReadOptionalString(string field) => ReadBool(field + " presence") ? ReadString(field) : null;

    public AttributeValue ReadKeyValue(string field)
    {
        if (_position >= _data.Length)
        {
            throw Malformed($"truncated {field}", _position);
        }

        var tag = _data[_position];
        if (tag is not (ItemCodec.TagString or ItemCodec.TagNumber or ItemCodec.TagBinary))
        {
            throw Malformed($"{field} has type tag 0x{tag:X2}, expected a string, number or binary value", _position);
        }

        var reader = new ItemReader(_data, _position);
        AttributeValue value;
        try
        {
            value = reader.ReadValue(1);
        }
        catch (KvDbException e)
        {
            throw Malformed($"{field} is not a valid value ({e.Message})", _position, e);
        }

        _position = reader.Position;
        return value;
    }

    public Item ReadItem(string field)
    {
        var length = ReadLength(field);
        var start = _position;
        var end = start + length;

        // Decode every attribute to validate the section (so a stored item never fails later), then keep the
        // bytes: the item decodes lazily from them, as items read from storage do.
        var reader = new ItemReader(_data[..end], start);
        try
        {
            var count = reader.ReadCount();
            var names = new string[count];
            var values = new AttributeValue[count];
            for (var i = 0; i < count; i++)
            {
                names[i] = reader.ReadString();
                values[i] = reader.ReadValue(1);
            }

            if (reader.Position != end)
            {
                throw Malformed($"{field} has {end - reader.Position} bytes after its last attribute", reader.Position);
            }

            _ = new AttributeMap(names, values);
        }
        catch (KvDbException e)
        {
            throw Malformed($"{field} is not a valid item ({e.Message})", start, e);
        }
        catch (ArgumentException e)
        {
            throw Malformed($"{field} is not a valid item ({e.Message})", start, e);
        }

        _position = end;
        return new Item(_data[start..end].ToArray(), 0);
    }

    public Item? ReadOptionalItem(string field) => ReadBool(field + " presence") ? ReadItem(field) : null;

    public ItemKey ReadKey(string field)
    {
        var pk = ReadKeyValue(field + " partition key");
        var sk = ReadBool(field + " sort key presence") ? ReadKeyValue(field + " sort key") : null;
        return new ItemKey(pk, sk);
    }

    public ItemKey? ReadOptionalKey(string field) => ReadBool(field + " presence") ? ReadKey(field) : null;

    public IReadOnlyList<ItemKey> ReadKeys(string field)
    {
        // A key is at least 3 bytes: tag, empty payload (a zero length or the one-byte number zero), sort key flag.
        var count = ReadCount(field, 3);
        var keys = new ItemKey[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = ReadKey(field);
        }

        return keys;
    }

    public Ballot ReadBallot(string field)
    {
        var physical = ReadVarInt64(field + " physical time");
        var logical = ReadVarInt32(field + " logical counter");
        var node = ReadVarInt32(field + " node");
        return new Ballot(physical, logical, node);
    }

    public CellState ReadCellState(string field)
    {
        var item = ReadOptionalItem(field + " item");
        var version = ReadBallot(field + " version");
        TxnIntent? intent = null;
        if (ReadBool(field + " intent presence"))
        {
            var txnId = ReadString(field + " intent transaction id");
            var kindOffset = _position;
            var kind = (TxnIntentKind)ReadByte(field + " intent kind");
            if (kind is not (TxnIntentKind.Put or TxnIntentKind.Delete or TxnIntentKind.Check))
            {
                throw Malformed($"{field} intent kind {(byte)kind} is unknown", kindOffset);
            }

            var newItem = ReadOptionalItem(field + " intent item");
            var started = ReadVarInt64(field + " intent start time");
            intent = new TxnIntent(txnId, kind, newItem, started);
        }

        return item is null && version.IsZero && intent is null ? CellState.Empty : new CellState(item, version, intent);
    }

    public IReadOnlyList<CellEntry> ReadCells(string field)
    {
        // Key (3) + ballot (3) + state (item flag, ballot 3, intent flag) = at least 11 bytes.
        var count = ReadCount(field, 11);
        var cells = new CellEntry[count];
        for (var i = 0; i < count; i++)
        {
            var key = ReadKey(field + " key");
            var accepted = ReadBallot(field + " accepted ballot");
            var state = ReadCellState(field + " state");
            cells[i] = new CellEntry(key, accepted, state);
        }

        return cells;
    }

    public IReadOnlyList<ulong> ReadFixed64List(string field)
    {
        var count = ReadCount(field, 8);
        var values = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = ReadFixed64(field);
        }

        return values;
    }

    public IReadOnlyList<bool> ReadBoolList(string field)
    {
        var count = ReadCount(field, 1);
        var values = new bool[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = ReadBool(field);
        }

        return values;
    }

    public ReplyStatus ReadStatus()
    {
        var start = _position;
        var status = (ReplyStatus)ReadByte("reply status");
        return status > ReplyStatus.NotMember ? throw Malformed($"reply status {(byte)status} is unknown", start) : status;
    }

    public QueryRequest ReadQuery(string field)
    {
        var table = ReadString(field + " table name");
        var flags = ReadByte(field + " flags");
        var pk = (flags & MessageWriter.QueryHasPartitionKey) != 0 ? ReadKeyValue(field + " partition key") : null;
        var pkCondition = (flags & MessageWriter.QueryHasPartitionKeyCondition) != 0 ? ReadCondition(field + " partition key condition") : null;
        var skCondition = (flags & MessageWriter.QueryHasSortKeyCondition) != 0 ? ReadCondition(field + " sort key condition") : null;
        int? limit = (flags & MessageWriter.QueryHasLimit) != 0 ? ReadVarInt32(field + " limit") : null;
        var start = (flags & MessageWriter.QueryHasExclusiveStartKey) != 0 ? ReadKey(field + " exclusive start key") : (ItemKey?)null;
        var index = (flags & MessageWriter.QueryHasIndexName) != 0 ? ReadString(field + " index name") : null;
        return new QueryRequest(table)
        {
            PartitionKey = pk,
            PartitionKeyCondition = pkCondition,
            SortKeyCondition = skCondition,
            Descending = (flags & MessageWriter.QueryDescending) != 0,
            Limit = limit,
            ExclusiveStartKey = start,
            CountOnly = (flags & MessageWriter.QueryCountOnly) != 0,
            IndexName = index,
        };
    }

    private KeyCondition ReadCondition(string field)
    {
        var start = _position;
        var op = (KeyOperator)ReadByte(field + " operator");
        if (op is < KeyOperator.Equal or > KeyOperator.BeginsWith)
        {
            throw Malformed($"{field} operator {(byte)op} is unknown", start);
        }

        var value = ReadKeyValue(field + " value");
        var value2 = ReadBool(field + " second value presence") ? ReadKeyValue(field + " second value") : null;
        return new KeyCondition(op, value, value2);
    }
}
