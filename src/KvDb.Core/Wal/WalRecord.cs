using System.Buffers;
using System.Buffers.Binary;
using KvDb.Storage;

namespace KvDb.Wal;

/// <summary>What a log record does.</summary>
internal enum WalRecordType : byte
{
    CreateTable = 1,
    DropTable = 2,
    Commit = 3,
    CreateIndex = 4,
    DropIndex = 5,
}

/// <summary>The kind of one item change inside a commit.</summary>
internal enum ChangeKind : byte
{
    Put = 1,
    Delete = 2,
    Expire = 3,
}

/// <summary>One item change: the table, the encoded key, and the old and new stored records.</summary>
internal readonly record struct WalChange(int TableId, ChangeKind Kind, byte[] Pk, byte[]? Sk, byte[]? NewRecord, byte[]? OldRecord);

/// <summary>
/// A decoded log record. Framing on disk: <c>u32 LE payloadLength, u32 LE crc32c(payload), payload</c>.
/// Payload: <c>u8 type, u64 LE sequence</c>, then by type:
/// <list type="bullet">
/// <item>CreateTable: <c>i32 LE tableId</c>, then the schema (see <see cref="SchemaCodec"/>).</item>
/// <item>DropTable: <c>i32 LE tableId</c>.</item>
/// <item>Commit: <c>varint count</c>, then per change <c>i32 LE tableId, u8 kind, bytes pk, bytes? sk, bytes? new, bytes? old</c>
/// where <c>bytes</c> is <c>varint length, data</c> and <c>bytes?</c> is <c>varint (length + 1), data</c> with 0 for null.
/// A commit with n changes occupies sequence numbers [sequence, sequence + n - 1]; it is applied whole or not at all.</item>
/// </list>
/// </summary>
internal sealed class WalRecord
{
    public const int HeaderSize = 8;

    /// <summary>Largest payload accepted when reading (a corrupt length must not allocate gigabytes).</summary>
    public const int MaxPayload = 256 * 1024 * 1024;

    public required WalRecordType Type { get; init; }

    public required long Sequence { get; init; }

    public int TableId { get; init; }

    public TableSchema? Schema { get; init; }

    public IReadOnlyList<WalChange> Changes { get; init; } = [];

    /// <summary>Number of sequence numbers the record occupies.</summary>
    public int SequenceCount => Type == WalRecordType.Commit ? Math.Max(1, Changes.Count) : 1;

    public long LastSequence => Sequence + SequenceCount - 1;

    // ------------------------------------------------------------------ encoding

    public static void WriteFramed(ArrayBufferWriter<byte> output, WalRecordType type, long sequence, Action<ArrayBufferWriter<byte>> body)
    {
        var start = output.WrittenCount;
        output.GetSpan(HeaderSize);
        output.Advance(HeaderSize); // the header is patched in once the payload is known
        var payloadStart = output.WrittenCount;
        var span = output.GetSpan(9);
        span[0] = (byte)type;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], sequence);
        output.Advance(9);
        body(output);
        var payloadLength = output.WrittenCount - payloadStart;
        var written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(output.WrittenMemory).Span;
        var crc = Crc32C.Compute(written.Slice(payloadStart, payloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(written[start..], (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(written[(start + 4)..], crc);
    }

    public static void WriteCommitBody(ArrayBufferWriter<byte> output, IReadOnlyList<WalChange> changes)
    {
        ItemCodec.WriteVarUInt(output, (uint)changes.Count);
        foreach (var c in changes)
        {
            var span = output.GetSpan(5);
            BinaryPrimitives.WriteInt32LittleEndian(span, c.TableId);
            span[4] = (byte)c.Kind;
            output.Advance(5);
            WriteBytes(output, c.Pk);
            WriteOptionalBytes(output, c.Sk);
            WriteOptionalBytes(output, c.NewRecord);
            WriteOptionalBytes(output, c.OldRecord);
        }
    }

    public static void WriteTableId(ArrayBufferWriter<byte> output, int tableId)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), tableId);
        output.Advance(4);
    }

    internal static void WriteBytes(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        ItemCodec.WriteVarUInt(output, (uint)bytes.Length);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    internal static void WriteOptionalBytes(ArrayBufferWriter<byte> output, byte[]? bytes)
    {
        if (bytes is null)
        {
            ItemCodec.WriteVarUInt(output, 0);
            return;
        }

        ItemCodec.WriteVarUInt(output, (uint)bytes.Length + 1);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    // ------------------------------------------------------------------ decoding

    /// <summary>Decodes a payload whose CRC has been verified. Throws <see cref="KvDbException"/> on malformed content.</summary>
    public static WalRecord Decode(ReadOnlySpan<byte> payload, bool withOldImages = true)
    {
        if (payload.Length < 9)
        {
            throw new KvDbException(KvErrorCode.WalCorrupt, "log record too short");
        }

        var type = (WalRecordType)payload[0];
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
        var reader = new ItemReader(payload, 9);
        switch (type)
        {
            case WalRecordType.CreateTable:
            case WalRecordType.CreateIndex:
            case WalRecordType.DropIndex:
            {
                var tableId = ReadInt32(ref reader);
                var schema = SchemaCodec.Read(ref reader);
                return new WalRecord { Type = type, Sequence = sequence, TableId = tableId, Schema = schema };
            }

            case WalRecordType.DropTable:
                return new WalRecord { Type = type, Sequence = sequence, TableId = ReadInt32(ref reader) };
            case WalRecordType.Commit:
            {
                var count = reader.ReadCount();
                var changes = new WalChange[count];
                for (var i = 0; i < count; i++)
                {
                    var tableId = ReadInt32(ref reader);
                    var kind = (ChangeKind)reader.ReadByte();
                    if (kind is not (ChangeKind.Put or ChangeKind.Delete or ChangeKind.Expire))
                    {
                        throw new KvDbException(KvErrorCode.WalCorrupt, $"unknown change kind {(byte)kind}");
                    }

                    var pk = reader.ReadBytesSpan().ToArray();
                    var sk = ReadOptional(ref reader);
                    var newRecord = ReadOptional(ref reader);
                    var oldRecord = withOldImages ? ReadOptional(ref reader) : SkipOptional(ref reader);
                    changes[i] = new WalChange(tableId, kind, pk, sk, newRecord, oldRecord);
                }

                return new WalRecord { Type = type, Sequence = sequence, Changes = changes };
            }

            default:
                throw new KvDbException(KvErrorCode.WalCorrupt, $"unknown log record type {(byte)type}");
        }
    }

    private static int ReadInt32(ref ItemReader reader) => BinaryPrimitives.ReadInt32LittleEndian(reader.ReadSpan(4));

    // Recovery does not need old images (only the change feed does): skip them without allocating.
    private static byte[]? SkipOptional(ref ItemReader reader)
    {
        var n = reader.ReadVarUInt();
        if (n > 0)
        {
            reader.ReadSpan((int)Math.Min(n - 1, int.MaxValue));
        }

        return null;
    }

    private static byte[]? ReadOptional(ref ItemReader reader)
    {
        var n = reader.ReadVarUInt();
        return n == 0 ? null : reader.ReadSpan((int)Math.Min(n - 1, int.MaxValue)).ToArray();
    }
}
