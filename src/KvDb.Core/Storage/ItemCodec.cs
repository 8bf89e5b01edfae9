using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace KvDb.Storage;

/// <summary>
/// The binary form of items, shared by memory, the write-ahead log, snapshots and node-to-node messages.
/// </summary>
/// <remarks>
/// Attribute section (what an <see cref="Item"/> wraps):
/// <code>
///   varint count, then count x ( varint nameLength, name (UTF-8), value )
/// value := tag byte, payload
///   0x01 S     varint length, UTF-8 bytes
///   0x02 N     KvNumber's memcomparable encoding (self-delimiting, at most 22 bytes)
///   0x03 B     varint length, bytes
///   0x04 BOOL false    0x05 BOOL true    0x06 NULL (no payload)
///   0x07 L     u32 LE payload length, varint count, values
///   0x08 M     u32 LE payload length, varint count, count x ( varint nameLength, name, value )
///   0x09 SS    u32 LE payload length, varint count, count x ( varint length, UTF-8 )
///   0x0A NS    u32 LE payload length, varint count, numbers
///   0x0B BS    u32 LE payload length, varint count, count x ( varint length, bytes )
/// </code>
/// Containers carry a fixed-width payload length so a reader skips them in O(1) while looking for one
/// attribute. A stored record prefixes the attribute section with <c>varint keyLength, key bytes</c>: the
/// encoded sort key inside a partition, or the encoded partition key for tables without a sort key.
/// </remarks>
internal static class ItemCodec
{
    public const byte TagString = 0x01;
    public const byte TagNumber = 0x02;
    public const byte TagBinary = 0x03;
    public const byte TagFalse = 0x04;
    public const byte TagTrue = 0x05;
    public const byte TagNull = 0x06;
    public const byte TagList = 0x07;
    public const byte TagMap = 0x08;
    public const byte TagStringSet = 0x09;
    public const byte TagNumberSet = 0x0A;
    public const byte TagBinarySet = 0x0B;

    /// <summary>DynamoDB's documented nesting limit.</summary>
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    // ---------------------------------------------------------------- writing

    /// <summary>Encodes an attribute map into a new array, validating nesting depth.</summary>
    public static byte[] EncodeAttributes(AttributeMap map)
    {
        var writer = RentWriter();
        WriteVarUInt(writer, (uint)map.Count);
        for (var i = 0; i < map.Count; i++)
        {
            WriteName(writer, map.NameAt(i));
            WriteValue(writer, map.ValueAt(i), 1, map.NameAt(i));
        }

        return ReturnWriter(writer);
    }

    // One scratch writer per thread (encoding never awaits or re-enters), so an item costs one exact-size array; a
    // writer grown past 64 KiB by a large item is not kept. A writer abandoned by an exception is simply not returned.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_writer;

    private static ArrayBufferWriter<byte> RentWriter()
    {
        var writer = t_writer ?? new ArrayBufferWriter<byte>(256);
        t_writer = null;
        writer.ResetWrittenCount();
        return writer;
    }

    /// <summary>The thread's scratch writer, emptied, for a caller that builds bytes across several calls (give it back with <see cref="ReturnScratch"/>; a nested caller gets a new one).</summary>
    internal static ArrayBufferWriter<byte> RentScratch() => RentWriter();

    /// <summary>Gives a writer from <see cref="RentScratch"/> back to the thread.</summary>
    internal static void ReturnScratch(ArrayBufferWriter<byte> writer)
    {
        if (writer.Capacity <= 64 * 1024)
        {
            t_writer = writer;
        }
    }

    /// <summary>The written bytes as a new array; the writer goes back to the thread.</summary>
    private static byte[] ReturnWriter(ArrayBufferWriter<byte> writer)
    {
        var result = writer.WrittenSpan.ToArray();
        if (writer.Capacity <= 64 * 1024)
        {
            t_writer = writer;
        }

        return result;
    }

    /// <summary>
    /// Encodes the attributes <paramref name="names"/>[i] = <paramref name="values"/>[i] (names distinct: the caller
    /// checked) into a new array, validating nesting depth, without building an <see cref="AttributeMap"/>.
    /// </summary>
    public static byte[] EncodeAttributes(ReadOnlySpan<string> names, ReadOnlySpan<AttributeValue> values)
    {
        var writer = RentWriter();
        WriteVarUInt(writer, (uint)names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            WriteName(writer, names[i]);
            WriteValue(writer, values[i], 1, names[i]);
        }

        return ReturnWriter(writer);
    }

    /// <summary>Encodes one value (for keys in messages and for tests).</summary>
    public static void WriteValue(IBufferWriter<byte> writer, AttributeValue value, int depth, string path)
    {
        if (depth > MaxDepth)
        {
            throw new KvDbException(KvErrorCode.NestingTooDeep,
                $"Attribute \"{path}\" is nested more than {MaxDepth} levels deep.");
        }

        switch (value.Kind)
        {
            case AttributeKind.String:
                WriteByte(writer, TagString);
                WriteString(writer, value.StringUnchecked);
                break;
            case AttributeKind.Number:
            {
                var n = value.NumberUnchecked;
                var span = writer.GetSpan(1 + n.GetEncodedLength());
                span[0] = TagNumber;
                var written = n.Encode(span[1..]);
                writer.Advance(1 + written);
                break;
            }

            case AttributeKind.Binary:
                WriteByte(writer, TagBinary);
                WriteBytes(writer, value.BinaryArray);
                break;
            case AttributeKind.Bool:
                WriteByte(writer, value.BoolUnchecked ? TagTrue : TagFalse);
                break;
            case AttributeKind.Null:
                WriteByte(writer, TagNull);
                break;
            case AttributeKind.List:
            {
                var start = BeginContainer(writer, TagList, out var lengthSlot);
                var list = value.ListArray;
                WriteVarUInt(writer, (uint)list.Length);
                for (var i = 0; i < list.Length; i++)
                {
                    WriteValue(writer, list[i], depth + 1, path);
                }

                EndContainer(writer, start, lengthSlot);
                break;
            }

            case AttributeKind.Map:
            {
                var start = BeginContainer(writer, TagMap, out var lengthSlot);
                var map = value.MapUnchecked;
                WriteVarUInt(writer, (uint)map.Count);
                for (var i = 0; i < map.Count; i++)
                {
                    WriteName(writer, map.NameAt(i));
                    WriteValue(writer, map.ValueAt(i), depth + 1, path);
                }

                EndContainer(writer, start, lengthSlot);
                break;
            }

            case AttributeKind.StringSet:
            {
                var start = BeginContainer(writer, TagStringSet, out var lengthSlot);
                var set = value.StringSetArray;
                WriteVarUInt(writer, (uint)set.Length);
                foreach (var s in set)
                {
                    WriteString(writer, s);
                }

                EndContainer(writer, start, lengthSlot);
                break;
            }

            case AttributeKind.NumberSet:
            {
                var start = BeginContainer(writer, TagNumberSet, out var lengthSlot);
                var set = value.NumberSetArray;
                WriteVarUInt(writer, (uint)set.Length);
                foreach (var n in set)
                {
                    var span = writer.GetSpan(n.GetEncodedLength());
                    writer.Advance(n.Encode(span));
                }

                EndContainer(writer, start, lengthSlot);
                break;
            }

            case AttributeKind.BinarySet:
            {
                var start = BeginContainer(writer, TagBinarySet, out var lengthSlot);
                var set = value.BinarySetArray;
                WriteVarUInt(writer, (uint)set.Length);
                foreach (var b in set)
                {
                    WriteBytes(writer, b);
                }

                EndContainer(writer, start, lengthSlot);
                break;
            }

            default:
                throw new InvalidOperationException($"Unknown attribute kind {value.Kind}.");
        }
    }

    // Containers need their payload length in front; ArrayBufferWriter lets us patch it afterwards.
    private static int BeginContainer(IBufferWriter<byte> writer, byte tag, out int lengthSlot)
    {
        var w = (ArrayBufferWriter<byte>)writer;
        var span = w.GetSpan(5);
        span[0] = tag;
        w.Advance(5);
        lengthSlot = w.WrittenCount - 4;
        return w.WrittenCount;
    }

    private static void EndContainer(IBufferWriter<byte> writer, int start, int lengthSlot)
    {
        var w = (ArrayBufferWriter<byte>)writer;
        var length = w.WrittenCount - start;
        var written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(w.WrittenMemory);
        BinaryPrimitives.WriteUInt32LittleEndian(written.Span.Slice(lengthSlot, 4), (uint)length);
    }

    private static void WriteName(IBufferWriter<byte> writer, string name) => WriteString(writer, name);

    private static void WriteString(IBufferWriter<byte> writer, string s) => WriteString(writer, s.AsSpan());

    private static void WriteString(IBufferWriter<byte> writer, ReadOnlySpan<char> s)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(s.Length);
        var span = writer.GetSpan(5 + max);
        int length;
        try
        {
            length = s_strictUtf8.GetBytes(s, span[5..]);
        }
        catch (EncoderFallbackException e)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, "A string contains an unpaired surrogate and cannot be stored as UTF-8.", e);
        }

        var prefix = VarIntLength((uint)length);
        WriteVarUInt(span, (uint)length);
        if (prefix != 5)
        {
            span.Slice(5, length).CopyTo(span[prefix..]);
        }

        writer.Advance(prefix + length);
    }

    private static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt(writer, (uint)bytes.Length);
        var span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }

    private static void WriteByte(IBufferWriter<byte> writer, byte b)
    {
        writer.GetSpan(1)[0] = b;
        writer.Advance(1);
    }

    public static void WriteVarUInt(IBufferWriter<byte> writer, uint value)
    {
        var span = writer.GetSpan(5);
        writer.Advance(WriteVarUInt(span, value));
    }

    public static int WriteVarUInt(Span<byte> span, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarIntLength(uint value) =>
        value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;

    // ---------------------------------------------------------------- records
    // A stored record: varint keyLength, key, varint (pkLength + 1) or 0, pk, attribute section.
    // `key` orders the record in its container (the encoded sort key inside a partition, the encoded partition key
    // in a table without a sort key, the entry key in an index). `pk` is present only where the key is not the
    // partition key, so that a record alone identifies its item (the full-key item index relies on this). In table
    // records the attribute section leaves out the key attributes: their values live once, in the header, and
    // ItemLayout puts them back when the item is read.

    /// <summary>Builds a stored record whose attribute section is copied as is.</summary>
    public static byte[] BuildRecord(ReadOnlySpan<byte> key, ReadOnlySpan<byte> attributes) =>
        BuildRecord(key, null, attributes);

    /// <summary>Builds a stored record with an optional partition-key segment.</summary>
    public static byte[] BuildRecord(ReadOnlySpan<byte> key, byte[]? pk, ReadOnlySpan<byte> attributes)
    {
        var record = new byte[HeaderLength(key, pk) + attributes.Length];
        var at = WriteHeader(record, key, pk);
        attributes.CopyTo(record.AsSpan(at));
        return record;
    }

    private static int HeaderLength(ReadOnlySpan<byte> key, byte[]? pk) =>
        VarIntLength((uint)key.Length) + key.Length + (pk is null ? 1 : VarIntLength((uint)pk.Length + 1) + pk.Length);

    // Writes `varint keyLength, key, varint (pkLength + 1) or 0, pk`; returns the bytes written.
    private static int WriteHeader(Span<byte> span, ReadOnlySpan<byte> key, byte[]? pk)
    {
        var at = WriteVarUInt(span, (uint)key.Length);
        key.CopyTo(span[at..]);
        at += key.Length;
        at += WriteVarUInt(span[at..], pk is null ? 0 : (uint)pk.Length + 1);
        pk?.CopyTo(span[at..]);
        return at + (pk?.Length ?? 0);
    }

    /// <summary>
    /// Builds a table record from a full attribute section, leaving out the key attributes
    /// <paramref name="pkName"/> and <paramref name="skName"/> (their values are in the header).
    /// </summary>
    public static byte[] BuildTableRecord(ReadOnlySpan<byte> key, byte[]? pk, ReadOnlySpan<byte> attributes, string pkName, string? skName)
    {
        Span<byte> pkUtf8 = stackalloc byte[256];
        Span<byte> skUtf8 = stackalloc byte[256];
        var pkN = System.Text.Encoding.UTF8.GetBytes(pkName, pkUtf8);
        var skN = skName is null ? -1 : System.Text.Encoding.UTF8.GetBytes(skName, skUtf8);

        // Pass 1: find the byte ranges of the entries to keep.
        var reader = new ItemReader(attributes, 0);
        var count = reader.ReadCount();
        var bodyStart = reader.Position;
        Span<(int Start, int End)> dropped = stackalloc (int, int)[2];
        var drops = 0;
        for (var i = 0; i < count; i++)
        {
            var entryStart = reader.Position;
            var name = reader.ReadBytesSpan();
            reader.SkipValue();
            if (drops < 2 && (name.SequenceEqual(pkUtf8[..pkN]) || (skN >= 0 && name.SequenceEqual(skUtf8[..skN]))))
            {
                dropped[drops++] = (entryStart, reader.Position);
            }
        }

        var bodyEnd = reader.Position;
        var keptCount = (uint)(count - drops);
        var keptBytes = bodyEnd - bodyStart;
        for (var d = 0; d < drops; d++)
        {
            keptBytes -= dropped[d].End - dropped[d].Start;
        }

        // Pass 2: header, new count, kept entries.
        var record = new byte[HeaderLength(key, pk) + VarIntLength(keptCount) + keptBytes];
        var span = record.AsSpan();
        var at = WriteHeader(span, key, pk);
        at += WriteVarUInt(span[at..], keptCount);
        var from = bodyStart;
        for (var d = 0; d < drops; d++)
        {
            var part = attributes[from..dropped[d].Start];
            part.CopyTo(span[at..]);
            at += part.Length;
            from = dropped[d].End;
        }

        attributes[from..bodyEnd].CopyTo(span[at..]);
        return record;
    }

    /// <summary>
    /// Builds a stored record from its keys and an attribute section body written elsewhere (<paramref name="count"/>
    /// attributes, without the count): header, count, body. <paramref name="pk"/> is written only with <paramref name="hasPk"/>.
    /// </summary>
    public static byte[] BuildRecord(ReadOnlySpan<byte> key, ReadOnlySpan<byte> pk, bool hasPk, int count, ReadOnlySpan<byte> body)
    {
        var header = VarIntLength((uint)key.Length) + key.Length + (hasPk ? VarIntLength((uint)pk.Length + 1) + pk.Length : 1);
        var record = new byte[header + VarIntLength((uint)count) + body.Length];
        var span = record.AsSpan();
        var at = WriteVarUInt(span, (uint)key.Length);
        key.CopyTo(span[at..]);
        at += key.Length;
        at += WriteVarUInt(span[at..], hasPk ? (uint)pk.Length + 1 : 0);
        if (hasPk)
        {
            pk.CopyTo(span[at..]);
            at += pk.Length;
        }

        at += WriteVarUInt(span[at..], (uint)count);
        body.CopyTo(span[at..]);
        return record;
    }

    /// <summary>Writes one attribute (name and number value) of an attribute section.</summary>
    public static void WriteNumberAttribute(IBufferWriter<byte> writer, string name, KvNumber value)
    {
        WriteName(writer, name);
        var span = writer.GetSpan(1 + value.GetEncodedLength());
        span[0] = TagNumber;
        writer.Advance(1 + value.Encode(span[1..]));
    }

    /// <summary>Writes one attribute (name and string value) of an attribute section; an unpaired surrogate is an error, as for every stored string.</summary>
    public static void WriteStringAttribute(IBufferWriter<byte> writer, string name, ReadOnlySpan<char> value)
    {
        WriteName(writer, name);
        WriteByte(writer, TagString);
        WriteString(writer, value);
    }

    /// <summary>Writes one attribute (name and boolean value) of an attribute section.</summary>
    public static void WriteBoolAttribute(IBufferWriter<byte> writer, string name, bool value)
    {
        WriteName(writer, name);
        WriteByte(writer, value ? TagTrue : TagFalse);
    }

    /// <summary>Writes one attribute (name and any value) of an attribute section.</summary>
    public static void WriteAttribute(IBufferWriter<byte> writer, string name, AttributeValue value)
    {
        WriteName(writer, name);
        WriteValue(writer, value, 1, name);
    }

    /// <summary>The key of a stored record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> RecordKey(byte[] record)
    {
        uint length = record[0];
        if (length < 0x80)
        {
            return new ReadOnlySpan<byte>(record, 1, (int)length);
        }

        var reader = new ItemReader(record, 0);
        length = reader.ReadVarUInt();
        return new ReadOnlySpan<byte>(record, reader.Position, (int)length);
    }

    /// <summary>The partition key of a record: its pk segment, or its key when it has none.</summary>
    public static ReadOnlySpan<byte> RecordPartitionKey(byte[] record)
    {
        var reader = new ItemReader(record, 0);
        var keyLength = (int)reader.ReadVarUInt();
        var keyStart = reader.Position;
        reader.ReadSpan(keyLength);
        var pk = reader.ReadVarUInt();
        return pk == 0 ? new ReadOnlySpan<byte>(record, keyStart, keyLength) : reader.ReadSpan((int)pk - 1);
    }

    /// <summary>True when the record's pk segment and key equal <paramref name="pk"/> and <paramref name="sk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool RecordMatches(byte[] record, ReadOnlySpan<byte> pk, ReadOnlySpan<byte> sk)
    {
        var reader = new ItemReader(record, 0);
        var keyLength = (int)reader.ReadVarUInt();
        if (!reader.ReadSpan(keyLength).SequenceEqual(sk))
        {
            return false;
        }

        var pkLength = (int)reader.ReadVarUInt() - 1;
        return pkLength == pk.Length && reader.ReadSpan(pkLength).SequenceEqual(pk);
    }

    /// <summary>Offset of the attribute section in a stored record.</summary>
    public static int RecordAttributesOffset(byte[] record)
    {
        var reader = new ItemReader(record, 0);
        var length = (int)reader.ReadVarUInt();
        reader.ReadSpan(length);
        var pk = reader.ReadVarUInt();
        if (pk > 0)
        {
            reader.ReadSpan((int)pk - 1);
        }

        return reader.Position;
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Decodes the whole attribute section starting at <paramref name="offset"/>.</summary>
    public static AttributeMap DecodeAttributes(byte[] data, int offset)
    {
        var reader = new ItemReader(data, offset);
        var count = reader.ReadCount();
        var names = new string[count];
        var values = new AttributeValue[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = reader.ReadString();
            values[i] = reader.ReadValue(1);
        }

        return new AttributeMap(names, values);
    }

    /// <summary>
    /// The value at a document path (<c>a.b[2].c</c>) of an encoded attribute section, decoding only that value:
    /// map entries and list elements on the way are skipped, not decoded. Null when a step is missing or has the
    /// wrong type, as <see cref="Expressions.AttributePath.Resolve(Item)"/> defines.
    /// </summary>
    public static AttributeValue? FindPath(byte[] data, int offset, Expressions.AttributePath path)
    {
        var reader = new ItemReader(data, offset);
        var count = reader.ReadCount();
        for (var step = 0; step < path.Count; step++)
        {
            var element = path[step];
            if (step > 0)
            {
                // Enter the container the previous step found; count is its number of entries.
                var tag = reader.PeekByte();
                if (element.IsIndex ? tag != TagList : tag != TagMap)
                {
                    return null;
                }

                reader.ReadByte();
                reader.SkipContainerLength();
                count = reader.ReadCount();
            }

            if (element.IsIndex)
            {
                if (element.Index >= count)
                {
                    return null;
                }

                for (var i = 0; i < element.Index; i++)
                {
                    reader.SkipValue();
                }

                continue;
            }

            if (!SkipToEntry(ref reader, count, element.Name!))
            {
                return null;
            }
        }

        return reader.ReadValue(path.Count);
    }

    /// <summary>Advances past the entries before the one named <paramref name="name"/> and its name; false when absent.</summary>
    private static bool SkipToEntry(ref ItemReader reader, int count, string name)
    {
        Span<byte> stack = stackalloc byte[128];
        var wanted = System.Text.Encoding.UTF8.GetMaxByteCount(name.Length) <= stack.Length
            ? stack[..System.Text.Encoding.UTF8.GetBytes(name, stack)]
            : System.Text.Encoding.UTF8.GetBytes(name);
        for (var i = 0; i < count; i++)
        {
            if (reader.ReadBytesSpan().SequenceEqual(wanted))
            {
                return true;
            }

            reader.SkipValue();
        }

        return false;
    }

    /// <summary>Finds one top-level attribute without decoding the others; null when absent.</summary>
    public static AttributeValue? FindAttribute(byte[] data, int offset, string name)
    {
        Span<byte> stack = stackalloc byte[256];
        byte[]? rented = null;
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(name.Length);
        var nameBytes = max <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(name, nameBytes);
            var wanted = nameBytes[..length];
            var reader = new ItemReader(data, offset);
            var count = reader.ReadCount();
            for (var i = 0; i < count; i++)
            {
                var n = reader.ReadBytesSpan();
                if (n.SequenceEqual(wanted))
                {
                    return reader.ReadValue(1);
                }

                reader.SkipValue();
            }

            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Number of top-level attributes.</summary>
    public static int AttributeCount(byte[] data, int offset) => new ItemReader(data, offset).ReadCount();

    /// <summary>
    /// DynamoDB's item size: the UTF-8 lengths of attribute names plus value sizes (S: UTF-8 bytes; B: bytes;
    /// N: one byte per two significant digits plus one; BOOL, NULL: 1; L, M: 3 plus elements plus 1 per
    /// element; sets: the sum of their elements).
    /// </summary>
    public static int ComputeSize(byte[] data, int offset)
    {
        var reader = new ItemReader(data, offset);
        var count = reader.ReadCount();
        var size = 0;
        for (var i = 0; i < count; i++)
        {
            size += reader.ReadBytesSpan().Length;
            size += reader.SizeOfValue();
        }

        return size;
    }

    internal static KvDbException Malformed(string what, int position) =>
        new(KvErrorCode.InvalidItem, $"Malformed encoded item: {what} at byte {position}.");

    internal static string DecodeUtf8(ReadOnlySpan<byte> bytes, int position)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("invalid UTF-8 in a string", position);
        }
    }
}

/// <summary>A bounds-checked cursor over encoded items: malformed input raises <see cref="KvDbException"/>.</summary>
internal ref struct ItemReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ItemReader(ReadOnlySpan<byte> data, int offset)
    {
        _data = data;
        _position = offset;
    }

    public readonly int Position => _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public readonly byte PeekByte() =>
        _position < _data.Length ? _data[_position] : throw ItemCodec.Malformed("unexpected end of data", _position);

    public void SkipContainerLength() => ReadContainerLength();

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw ItemCodec.Malformed("unexpected end of data", _position);
        }

        return _data[_position++];
    }

    public uint ReadVarUInt()
    {
        uint result = 0;
        var shift = 0;
        while (true)
        {
            var b = ReadByte();
            if (shift == 28 && b > 0x0F)
            {
                throw ItemCodec.Malformed("varint overflow", _position - 1);
            }

            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }

            shift += 7;
        }
    }

    public int ReadCount()
    {
        var start = _position;
        var n = ReadVarUInt();
        // Every element takes at least one byte, so a count beyond the remaining bytes is corrupt.
        if (n > (uint)(_data.Length - _position))
        {
            throw ItemCodec.Malformed("element count larger than the data", start);
        }

        return (int)n;
    }

    public ReadOnlySpan<byte> ReadBytesSpan()
    {
        var start = _position;
        var length = ReadVarUInt();
        if (length > (uint)(_data.Length - _position))
        {
            throw ItemCodec.Malformed("length beyond the end of data", start);
        }

        var span = _data.Slice(_position, (int)length);
        _position += (int)length;
        return span;
    }

    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if (length < 0 || length > _data.Length - _position)
        {
            throw ItemCodec.Malformed("length beyond the end of data", _position);
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    public string ReadString()
    {
        var start = _position;
        return ItemCodec.DecodeUtf8(ReadBytesSpan(), start);
    }

    private int ReadContainerLength()
    {
        if (_data.Length - _position < 4)
        {
            throw ItemCodec.Malformed("truncated container length", _position);
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(_data.Slice(_position, 4));
        _position += 4;
        if (length > (uint)(_data.Length - _position))
        {
            throw ItemCodec.Malformed("container length beyond the end of data", _position - 4);
        }

        return (int)length;
    }

    private KvNumber ReadNumber()
    {
        var start = _position;
        KvNumber n;
        int read;
        try
        {
            n = KvNumber.Decode(_data[_position..], out read);
        }
        catch (KvDbException e)
        {
            throw new KvDbException(KvErrorCode.InvalidItem, $"Malformed encoded item: bad number at byte {start}: {e.Message}", e);
        }

        _position += read;
        return n;
    }

    /// <summary>Moves past an encoded number without decoding it (its structure is checked, not its digits).</summary>
    private void SkipNumber()
    {
        var start = _position;
        try
        {
            _position += KvNumber.EncodedLength(_data[_position..]);
        }
        catch (KvDbException e)
        {
            throw new KvDbException(KvErrorCode.InvalidItem, $"Malformed encoded item: bad number at byte {start}: {e.Message}", e);
        }
    }

    public AttributeValue ReadValue(int depth)
    {
        if (depth > ItemCodec.MaxDepth + 1)
        {
            throw ItemCodec.Malformed("nesting deeper than 32 levels", _position);
        }

        var tagPosition = _position;
        var tag = ReadByte();
        switch (tag)
        {
            case ItemCodec.TagString:
                return AttributeValue.FromString(ReadString());
            case ItemCodec.TagNumber:
                return AttributeValue.FromNumber(ReadNumber());
            case ItemCodec.TagBinary:
                return AttributeValue.OwnedBinary(ReadBytesSpan().ToArray());
            case ItemCodec.TagFalse:
                return AttributeValue.False;
            case ItemCodec.TagTrue:
                return AttributeValue.True;
            case ItemCodec.TagNull:
                return AttributeValue.Null;
            case ItemCodec.TagList:
            {
                var end = ReadContainerLength() + _position;
                var count = ReadCount();
                var values = new AttributeValue[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = ReadValue(depth + 1);
                }

                ExpectEnd(end);
                return AttributeValue.OwnedList(values);
            }

            case ItemCodec.TagMap:
            {
                var end = ReadContainerLength() + _position;
                var count = ReadCount();
                var names = new string[count];
                var values = new AttributeValue[count];
                for (var i = 0; i < count; i++)
                {
                    names[i] = ReadString();
                    values[i] = ReadValue(depth + 1);
                }

                ExpectEnd(end);
                AttributeMap map;
                try
                {
                    map = new AttributeMap(names, values);
                }
                catch (ArgumentException)
                {
                    throw ItemCodec.Malformed("duplicate map key", tagPosition);
                }

                return AttributeValue.FromMap(map);
            }

            case ItemCodec.TagStringSet:
            {
                var end = ReadContainerLength() + _position;
                var count = ReadCount();
                var values = new string[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = ReadString();
                }

                ExpectEnd(end);
                return count == 0 ? throw ItemCodec.Malformed("empty set", tagPosition) : AttributeValue.OwnedStringSet(values);
            }

            case ItemCodec.TagNumberSet:
            {
                var end = ReadContainerLength() + _position;
                var count = ReadCount();
                var values = new KvNumber[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = ReadNumber();
                }

                ExpectEnd(end);
                return count == 0 ? throw ItemCodec.Malformed("empty set", tagPosition) : AttributeValue.OwnedNumberSet(values);
            }

            case ItemCodec.TagBinarySet:
            {
                var end = ReadContainerLength() + _position;
                var count = ReadCount();
                var values = new byte[count][];
                for (var i = 0; i < count; i++)
                {
                    values[i] = ReadBytesSpan().ToArray();
                }

                ExpectEnd(end);
                return count == 0 ? throw ItemCodec.Malformed("empty set", tagPosition) : AttributeValue.OwnedBinarySet(values);
            }

            default:
                throw ItemCodec.Malformed($"unknown type tag 0x{tag:X2}", tagPosition);
        }
    }

    private readonly void ExpectEnd(int end)
    {
        if (_position != end)
        {
            throw ItemCodec.Malformed("container length does not match its content", _position);
        }
    }

    public void SkipValue()
    {
        var tag = ReadByte();
        switch (tag)
        {
            case ItemCodec.TagString:
            case ItemCodec.TagBinary:
                ReadBytesSpan();
                break;
            case ItemCodec.TagNumber:
                SkipNumber();
                break;
            case ItemCodec.TagFalse:
            case ItemCodec.TagTrue:
            case ItemCodec.TagNull:
                break;
            case ItemCodec.TagList:
            case ItemCodec.TagMap:
            case ItemCodec.TagStringSet:
            case ItemCodec.TagNumberSet:
            case ItemCodec.TagBinarySet:
            {
                // Not `_position += ReadContainerLength()`: that reads _position before the call advances it.
                var length = ReadContainerLength();
                _position += length;
                break;
            }
            default:
                throw ItemCodec.Malformed($"unknown type tag 0x{tag:X2}", _position - 1);
        }
    }

    /// <summary>Reads a value and returns its DynamoDB size.</summary>
    public int SizeOfValue()
    {
        var tag = ReadByte();
        switch (tag)
        {
            case ItemCodec.TagString:
            case ItemCodec.TagBinary:
                return ReadBytesSpan().Length;
            case ItemCodec.TagNumber:
                return NumberSize(ReadNumber());
            case ItemCodec.TagFalse:
            case ItemCodec.TagTrue:
            case ItemCodec.TagNull:
                return 1;
            case ItemCodec.TagList:
            {
                ReadContainerLength();
                var count = ReadCount();
                var size = 3;
                for (var i = 0; i < count; i++)
                {
                    size += 1 + SizeOfValue();
                }

                return size;
            }

            case ItemCodec.TagMap:
            {
                ReadContainerLength();
                var count = ReadCount();
                var size = 3;
                for (var i = 0; i < count; i++)
                {
                    size += 1 + ReadBytesSpan().Length + SizeOfValue();
                }

                return size;
            }

            case ItemCodec.TagStringSet:
            case ItemCodec.TagBinarySet:
            {
                ReadContainerLength();
                var count = ReadCount();
                var size = 0;
                for (var i = 0; i < count; i++)
                {
                    size += ReadBytesSpan().Length;
                }

                return size;
            }

            case ItemCodec.TagNumberSet:
            {
                ReadContainerLength();
                var count = ReadCount();
                var size = 0;
                for (var i = 0; i < count; i++)
                {
                    size += NumberSize(ReadNumber());
                }

                return size;
            }

            default:
                throw ItemCodec.Malformed($"unknown type tag 0x{tag:X2}", _position - 1);
        }
    }

    private static int NumberSize(KvNumber n) => ((n.Precision + 1) / 2) + 1;
}
