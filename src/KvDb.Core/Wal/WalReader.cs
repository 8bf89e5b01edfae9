using System.Buffers.Binary;

namespace KvDb.Wal;

/// <summary>What reading one segment found.</summary>
/// <param name="ValidLength">Bytes of the file that hold whole, valid records (including the magic).</param>
/// <param name="FileLength">The file's length.</param>
/// <param name="Problem">Why reading stopped before the end, or null.</param>
internal readonly record struct SegmentReadResult(long ValidLength, long FileLength, string? Problem)
{
    public long DiscardedBytes => FileLength - ValidLength;
}

/// <summary>
/// Reads log segments record by record, verifying each frame's length and CRC-32C. A bad frame at the end of
/// the last segment is a torn write (cut off and reported); a bad frame followed by a valid record, or any bad
/// frame in an earlier segment, is corruption and an error naming the file and offset.
/// </summary>
internal static class WalReader
{
    /// <summary>
    /// Reads every valid record of <paramref name="path"/>, calling <paramref name="onRecord"/> for each.
    /// Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.WalCorrupt"/>) for corruption that is not a torn tail
    /// (or for any bad frame when <paramref name="isLastSegment"/> is false).
    /// </summary>
    public static SegmentReadResult ReadSegment(string path, bool isLastSegment, long expectedFirstSequence, Action<WalRecord> onRecord, bool withOldImages = true)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new KvDbException(KvErrorCode.StorageIo, $"Reading the log file {path} failed: {e.Message}", e);
        }

        if (data.Length < WriteAheadLog.Magic.Length)
        {
            // A crash while creating the segment leaves it shorter than its magic: nothing was ever logged in it.
            if (isLastSegment)
            {
                return new SegmentReadResult(0, data.Length, data.Length == 0 ? null : "incomplete segment header");
            }

            throw Corrupt(path, 0, "the file is shorter than its header");
        }

        if (!data.AsSpan(0, WriteAheadLog.Magic.Length).SequenceEqual(WriteAheadLog.Magic))
        {
            throw new KvDbException(KvErrorCode.UnsupportedFormat, $"The log file {path} does not start with the KvDb log header (KVDBWAL1).");
        }

        long offset = WriteAheadLog.Magic.Length;
        var nextSequence = expectedFirstSequence;
        while (offset < data.Length)
        {
            var problem = TryFrame(data, offset, nextSequence, out var payload);
            if (problem is not null)
            {
                if (!isLastSegment)
                {
                    throw Corrupt(path, offset, problem);
                }

                var later = FindValidRecordAfter(data, offset + 1, nextSequence);
                if (later >= 0)
                {
                    throw Corrupt(path, offset, $"{problem}, yet a valid record follows at offset {later}");
                }

                return new SegmentReadResult(offset, data.Length, $"{problem} at offset {offset}");
            }

            WalRecord record;
            try
            {
                record = WalRecord.Decode(payload, withOldImages);
            }
            catch (KvDbException e)
            {
                // The CRC matched, so the writer wrote this: a record we cannot decode is a format problem, not a torn write.
                throw Corrupt(path, offset, e.Message);
            }

            onRecord(record);
            nextSequence = record.LastSequence + 1;
            offset += WalRecord.HeaderSize + payload.Length;
        }

        return new SegmentReadResult(offset, data.Length, null);
    }

    // Returns null and the payload when a valid frame with the expected sequence starts at offset.
    private static string? TryFrame(byte[] data, long offset, long expectedSequence, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var remaining = data.Length - offset;
        if (remaining < WalRecord.HeaderSize)
        {
            return "truncated record header";
        }

        var span = data.AsSpan((int)offset);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(span);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        if (length < 9 || length > WalRecord.MaxPayload)
        {
            return $"invalid record length {length}";
        }

        if (length > remaining - WalRecord.HeaderSize)
        {
            return "truncated record";
        }

        var body = span.Slice(WalRecord.HeaderSize, (int)length);
        if (Crc32C.Compute(body) != crc)
        {
            return "checksum mismatch";
        }

        var sequence = BinaryPrimitives.ReadInt64LittleEndian(body[1..]);
        if (expectedSequence > 0 && sequence != expectedSequence)
        {
            return $"sequence {sequence} where {expectedSequence} was expected";
        }

        payload = body;
        return null;
    }

    private static long FindValidRecordAfter(byte[] data, long from, long expectedSequence)
    {
        for (var offset = from; offset + WalRecord.HeaderSize + 9 <= data.Length; offset++)
        {
            // Cheap filter first: a later valid record has a plausible length and a sequence at or after ours.
            var span = data.AsSpan((int)offset);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(span);
            if (length < 9 || length > data.Length - offset - WalRecord.HeaderSize)
            {
                continue;
            }

            var sequence = BinaryPrimitives.ReadInt64LittleEndian(span[(WalRecord.HeaderSize + 1)..]);
            if (sequence < expectedSequence || sequence > expectedSequence + 1_000_000_000)
            {
                continue;
            }

            if (Crc32C.Compute(span.Slice(WalRecord.HeaderSize, (int)length)) == BinaryPrimitives.ReadUInt32LittleEndian(span[4..]))
            {
                return offset;
            }
        }

        return -1;
    }

    private static KvDbException Corrupt(string path, long offset, string what) =>
        new(KvErrorCode.WalCorrupt, $"The log file {path} is corrupt at offset {offset}: {what}. It is not a torn tail, so KvDb will not guess; restore from a backup or remove the file to lose the changes after it.");

    /// <summary>Truncates a segment to its valid length (after a torn tail) and makes that durable.</summary>
    public static void Truncate(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
        file.SetLength(Math.Max(length, 0));
        file.Flush(true);
    }
}
