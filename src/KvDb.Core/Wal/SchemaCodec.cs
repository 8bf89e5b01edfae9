using System.Buffers;
using KvDb.Storage;

namespace KvDb.Wal;

/// <summary>
/// Binary form of a <see cref="TableSchema"/> in the log and in snapshots:
/// <c>string name, key pk, u8 hasSk, [key sk], varint indexCount, (string name, u8 kind, key pk, u8 hasSk, [key sk])*, u8 hasTtl, [string ttl]</c>
/// where <c>key</c> is <c>string name, u8 type</c> and <c>string</c> is <c>varint length, UTF-8</c>. An index's
/// <c>kind</c> byte carries its projection in bit 4 (<see cref="KeysOnlyFlag"/>; logs written before projections existed
/// have it clear: ALL).
/// </summary>
internal static class SchemaCodec
{
    /// <summary>Set in an index's kind byte when its projection is KEYS_ONLY.</summary>
    private const byte KeysOnlyFlag = 0x10;

    public static void Write(ArrayBufferWriter<byte> output, TableSchema schema)
    {
        WriteString(output, schema.Name);
        WriteKey(output, schema.PartitionKey);
        WriteOptionalKey(output, schema.SortKey);
        ItemCodec.WriteVarUInt(output, (uint)schema.Indexes.Count);
        foreach (var index in schema.Indexes)
        {
            WriteString(output, index.Name);
            WriteByte(output, (byte)((byte)index.Kind | (index.Projection == IndexProjection.KeysOnly ? KeysOnlyFlag : 0)));
            WriteKey(output, index.PartitionKey);
            WriteOptionalKey(output, index.SortKey);
        }

        WriteByte(output, schema.TimeToLiveAttribute is null ? (byte)0 : (byte)1);
        if (schema.TimeToLiveAttribute is not null)
        {
            WriteString(output, schema.TimeToLiveAttribute);
        }
    }

    public static TableSchema Read(ref ItemReader reader)
    {
        var name = reader.ReadString();
        var pk = ReadKey(ref reader);
        var sk = ReadOptionalKey(ref reader);
        var count = reader.ReadCount();
        var indexes = new IndexSchema[count];
        for (var i = 0; i < count; i++)
        {
            var indexName = reader.ReadString();
            var kindByte = reader.ReadByte();
            var kind = (IndexKind)(kindByte & ~KeysOnlyFlag);
            if (kind is not (IndexKind.Global or IndexKind.Local))
            {
                throw new KvDbException(KvErrorCode.WalCorrupt, $"unknown index kind {kindByte}");
            }

            indexes[i] = new IndexSchema(indexName, kind, ReadKey(ref reader), ReadOptionalKey(ref reader))
            {
                Projection = (kindByte & KeysOnlyFlag) != 0 ? IndexProjection.KeysOnly : IndexProjection.All,
            };
        }

        var ttl = reader.ReadByte() == 1 ? reader.ReadString() : null;
        return new TableSchema(name, pk, sk) { Indexes = indexes, TimeToLiveAttribute = ttl };
    }

    private static void WriteKey(ArrayBufferWriter<byte> output, KeyAttribute key)
    {
        WriteString(output, key.Name);
        WriteByte(output, (byte)key.Type);
    }

    private static void WriteOptionalKey(ArrayBufferWriter<byte> output, KeyAttribute? key)
    {
        WriteByte(output, key is null ? (byte)0 : (byte)1);
        if (key is not null)
        {
            WriteKey(output, key);
        }
    }

    private static KeyAttribute ReadKey(ref ItemReader reader)
    {
        var name = reader.ReadString();
        var type = (ScalarType)reader.ReadByte();
        if (type is not (ScalarType.String or ScalarType.Number or ScalarType.Binary))
        {
            throw new KvDbException(KvErrorCode.WalCorrupt, $"unknown key type {(byte)type}");
        }

        return new KeyAttribute(name, type);
    }

    private static KeyAttribute? ReadOptionalKey(ref ItemReader reader) => reader.ReadByte() == 1 ? ReadKey(ref reader) : null;

    private static void WriteString(ArrayBufferWriter<byte> output, string s) => WalRecord.WriteBytes(output, System.Text.Encoding.UTF8.GetBytes(s));

    private static void WriteByte(ArrayBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
