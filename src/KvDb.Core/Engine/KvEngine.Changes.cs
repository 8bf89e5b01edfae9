using System.Runtime.CompilerServices;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    /// <summary>
    /// Committed changes from <paramref name="fromSequence"/> (inclusive) on, in commit order, then waits for new
    /// ones. Recent changes come from memory; older ones are read back from the log segments still on disk, so
    /// a consumer can resume from its last sequence after a restart. Too old a sequence raises
    /// <see cref="KvErrorCode.ChangeFeedTruncated"/>.
    /// </summary>
    public async IAsyncEnumerable<ChangeRecord> ChangesAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = Math.Max(1, fromSequence);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            var (entries, more, visible, trimmed) = _feed.Read(next);
            if (next <= trimmed)
            {
                foreach (var record in ReadHistory(next, trimmed))
                {
                    yield return record;
                }

                next = trimmed + 1;
                continue;
            }

            foreach (var entry in entries)
            {
                for (var i = 0; i < entry.Changes.Count; i++)
                {
                    var sequence = entry.Sequence + i;
                    if (sequence < next)
                    {
                        continue;
                    }

                    var m = entry.Changes[i];
                    yield return ChangeFeed.ToRecord(sequence, NameOf(m.Table.Id), m.Table.Schema, m.Kind, m.PartitionKey, m.OldRecord, m.NewRecord);
                }
            }

            next = Math.Max(next, visible + 1);
            await more.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private string NameOf(int tableId) => _tableNamesById.TryGetValue(tableId, out var name) ? name : $"#{tableId}";

    // Reads changes [from, through] back from the log segments on disk.
    private List<ChangeRecord> ReadHistory(long from, long through)
    {
        if (_directory is null || _wal is null)
        {
            throw Truncated(from);
        }

        _wal.FlushPending(false); // in Durability.None mode recent records may still be in the process
        var records = new List<ChangeRecord>();
        var found = false;
        foreach (var (first, path) in WriteAheadLog.ListSegments(_directory))
        {
            if (first > through)
            {
                break;
            }

            WalReader.ReadSegment(path, true, first, record =>
            {
                if (record.Sequence <= from && record.LastSequence >= from)
                {
                    found = true;
                }

                if (record.Type != WalRecordType.Commit || record.LastSequence < from || record.Sequence > through)
                {
                    return;
                }

                for (var i = 0; i < record.Changes.Count; i++)
                {
                    var sequence = record.Sequence + i;
                    if (sequence < from || sequence > through)
                    {
                        continue;
                    }

                    var c = record.Changes[i];
                    if (_schemasById.TryGetValue(c.TableId, out var schema))
                    {
                        records.Add(ChangeFeed.ToRecord(sequence, NameOf(c.TableId), schema, c.Kind, c.Pk, c.OldRecord, c.NewRecord));
                    }
                }
            });
        }

        return found ? records : throw Truncated(from);
    }

    private static KvDbException Truncated(long from) =>
        new(KvErrorCode.ChangeFeedTruncated,
            $"Changes from sequence {from} are no longer retained (raise ChangeFeedRetention or ChangeFeedLogRetentionBytes, or resume from a later sequence).");
}
