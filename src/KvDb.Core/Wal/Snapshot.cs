using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using KvDb.Storage;

namespace KvDb.Wal;

/// <summary>One table as a snapshot holds it.</summary>
internal sealed record SnapshotTable(int Id, TableSchema Schema, DateTimeOffset CreatedAt, List<(byte[] Pk, byte[] Record)> Items);

/// <summary>
/// Checkpoint snapshots: <c>snapshot-{sequence:D20}.snap</c> holds every table as of log sequence
/// <c>sequence</c> (a fuzzy copy: replaying the log after that sequence over it gives the exact state, because log
/// records carry whole item images). Layout:
/// <code>
///   "KVDBSNP1", u64 LE sequence, varint tableCount,
///   per table: i32 LE id, i64 LE createdAt (Unix ms), schema (SchemaCodec), items as (varint pkLength + 1, pk,
///              varint recordLength, record)*, then varint 0
///   u32 LE crc32c of everything above, "KVDBEND1"
/// </code>
/// Written atomically (temporary file, fsync, rename, directory fsync); verified whole before it is used.
/// </summary>
internal static class Snapshot
{
    private static readonly byte[] s_magic = "KVDBSNP1"u8.ToArray();
    private static readonly byte[] s_end = "KVDBEND1"u8.ToArray();

    public static string FileName(long sequence) => "snapshot-" + sequence.ToString("D20", CultureInfo.InvariantCulture) + ".snap";

    public static List<(long Sequence, string Path)> List(string directory)
    {
        var list = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "snapshot-*.snap"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                list.Add((seq, path));
            }
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    /// <summary>Writes a snapshot; <paramref name="tables"/> yields (id, schema, createdAt, items) lazily.</summary>
    public static string Write(string directory, long sequence, IEnumerable<(int Id, TableSchema Schema, DateTimeOffset CreatedAt, IEnumerable<(byte[] Pk, byte[] Record)> Items)> tables)
    {
        var path = Path.Combine(directory, FileName(sequence));
        FileSystem.WriteAtomically(path, file =>
        {
            var crc = ~0u;
            var buffer = new ArrayBufferWriter<byte>(1 << 16);

            void Drain(bool force)
            {
                if (buffer.WrittenCount < (1 << 16) && !force)
                {
                    return;
                }

                crc = Crc32C.Append(crc, buffer.WrittenSpan);
                file.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }

            buffer.Write(s_magic);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), sequence);
            buffer.Advance(8);
            var list = tables.ToList();
            ItemCodec.WriteVarUInt(buffer, (uint)list.Count);
            foreach (var (id, schema, createdAt, items) in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), id);
                buffer.Advance(4);
                BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), createdAt.ToUnixTimeMilliseconds());
                buffer.Advance(8);
                SchemaCodec.Write(buffer, schema);
                foreach (var (pk, record) in items)
                {
                    ItemCodec.WriteVarUInt(buffer, (uint)pk.Length + 1);
                    buffer.Write(pk);
                    WalRecord.WriteBytes(buffer, record);
                    Drain(false);
                }

                ItemCodec.WriteVarUInt(buffer, 0);
            }

            Drain(true);
            crc = ~crc;
            Span<byte> trailer = stackalloc byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
            s_end.CopyTo(trailer[4..]);
            file.Write(trailer);
        });
        return path;
    }

    /// <summary>Reads and verifies a snapshot; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.SnapshotCorrupt"/>) naming the file and offset.</summary>
    public static (long Sequence, List<SnapshotTable> Tables) Read(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new KvDbException(KvErrorCode.StorageIo, $"Reading the snapshot {path} failed: {e.Message}", e);
        }

        if (data.Length < s_magic.Length + 8 + 1 + 12 || !data.AsSpan(0, s_magic.Length).SequenceEqual(s_magic))
        {
            throw Corrupt(path, 0, "missing snapshot header");
        }

        var bodyLength = data.Length - 12;
        if (!data.AsSpan(bodyLength + 4).SequenceEqual(s_end))
        {
            throw Corrupt(path, bodyLength + 4, "missing end marker (the file is truncated)");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(bodyLength));
        if (Crc32C.Compute(data.AsSpan(0, bodyLength)) != stored)
        {
            throw Corrupt(path, bodyLength, "checksum mismatch");
        }

        var sequence = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(s_magic.Length));
        var reader = new ItemReader(data.AsSpan(0, bodyLength), s_magic.Length + 8);
        var tables = new List<SnapshotTable>();
        try
        {
            var count = reader.ReadCount();
            for (var t = 0; t < count; t++)
            {
                var id = BinaryPrimitives.ReadInt32LittleEndian(reader.ReadSpan(4));
                var created = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(reader.ReadSpan(8)));
                var schema = SchemaCodec.Read(ref reader);
                var items = new List<(byte[], byte[])>();
                while (true)
                {
                    var pkLength = reader.ReadVarUInt();
                    if (pkLength == 0)
                    {
                        break;
                    }

                    var pk = reader.ReadSpan((int)(pkLength - 1)).ToArray();
                    var record = reader.ReadBytesSpan().ToArray();
                    items.Add((pk, record));
                }

                tables.Add(new SnapshotTable(id, schema, created, items));
            }
        }
        catch (KvDbException e) when (e.Code is KvErrorCode.InvalidItem or KvErrorCode.WalCorrupt)
        {
            throw Corrupt(path, reader.Position, e.Message);
        }

        return (sequence, tables);
    }

    private static KvDbException Corrupt(string path, long offset, string what) =>
        new(KvErrorCode.SnapshotCorrupt, $"The snapshot {path} is corrupt at offset {offset}: {what}.");
}
