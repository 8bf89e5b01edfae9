using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

/// <summary>
/// The in-memory end of the change feed: changes are published after they are applied (possibly out of
/// sequence order across partitions) and become visible to readers only when every earlier sequence number
/// has been published, so readers see commit order. The most recent changes are retained in memory; older
/// ones are read back from the log segments on disk (file mode).
/// </summary>
internal sealed class ChangeFeed
{
    private readonly object _lock = new();
    private readonly int _retain;
    private readonly SortedDictionary<long, Entry> _early = [];
    private readonly Queue<Entry> _retained = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _signalHandedOut; // only replace (and complete) the signal when a reader may be waiting on it
    private long _visible; // every sequence <= _visible is published
    private long _trimmedThrough; // changes with sequence <= this are no longer held in memory

    public ChangeFeed(int retain, long startSequence)
    {
        _retain = Math.Max(retain, 1);
        _visible = startSequence;
    }

    /// <summary>A published change set: its first sequence and the mutations (empty for catalog records).</summary>
    internal readonly record struct Entry(long Sequence, int Count, ChangeSet Changes);

    public long VisibleSequence
    {
        get
        {
            lock (_lock)
            {
                return _visible;
            }
        }
    }

    /// <summary>Changes with a sequence at or below this are no longer held in memory (read them from the log).</summary>
    public long TrimmedThrough
    {
        get
        {
            lock (_lock)
            {
                return _trimmedThrough;
            }
        }
    }

    public void Publish(long sequence, ChangeSet mutations)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            var entry = new Entry(sequence, Math.Max(1, mutations.Count), mutations);
            if (sequence != _visible + 1)
            {
                _early[sequence] = entry;
                return;
            }

            Accept(entry);
            while (_early.Count > 0)
            {
                var first = _early.First();
                if (first.Key != _visible + 1)
                {
                    break;
                }

                _early.Remove(first.Key);
                Accept(first.Value);
            }

            if (_signalHandedOut)
            {
                wake = _signal;
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _signalHandedOut = false;
            }
        }

        wake?.TrySetResult();
    }

    /// <summary>Marks sequences as already visible without retaining them (recovery: they are in the log).</summary>
    public void Reset(long visible)
    {
        lock (_lock)
        {
            _visible = visible;
            _trimmedThrough = visible;
            _retained.Clear();
            _early.Clear();
        }
    }

    private void Accept(Entry entry)
    {
        _visible = entry.Sequence + entry.Count - 1;
        if (entry.Changes.Count == 0)
        {
            return;
        }

        _retained.Enqueue(entry);
        while (_retained.Count > _retain)
        {
            var dropped = _retained.Dequeue();
            _trimmedThrough = dropped.Sequence + dropped.Count - 1;
        }
    }

    /// <summary>Retained entries covering sequences &gt;= <paramref name="from"/>, and the task to await for more.</summary>
    public (List<Entry> Entries, Task More, long Visible, long TrimmedThrough) Read(long from)
    {
        lock (_lock)
        {
            var list = new List<Entry>();
            foreach (var e in _retained)
            {
                if (e.Sequence + e.Count - 1 >= from)
                {
                    list.Add(e);
                }
            }

            _signalHandedOut = true;
            return (list, _signal.Task, _visible, _trimmedThrough);
        }
    }

    public static ChangeType TypeOf(ChangeKind kind, byte[]? oldRecord) => kind switch
    {
        ChangeKind.Put => oldRecord is null ? ChangeType.Insert : ChangeType.Modify,
        ChangeKind.Delete => ChangeType.Remove,
        _ => ChangeType.Expire,
    };

    public static ChangeRecord ToRecord(long sequence, string tableName, TableSchema schema, ChangeKind kind, ReadOnlySpan<byte> pk, byte[]? oldRecord, byte[]? newRecord)
    {
        var layout = new ItemLayout(schema);
        var any = newRecord ?? oldRecord!;
        var pkValue = KeyCodec.Decode(pk, schema.PartitionKey.Type);
        var key = schema.SortKey is null
            ? new ItemKey(pkValue)
            : new ItemKey(pkValue, KeyCodec.Decode(ItemCodec.RecordKey(any), schema.SortKey.Type));
        return new ChangeRecord(sequence, tableName, TypeOf(kind, oldRecord), key,
            oldRecord is null ? null : new Item(oldRecord, ItemCodec.RecordAttributesOffset(oldRecord), layout),
            newRecord is null ? null : new Item(newRecord, ItemCodec.RecordAttributesOffset(newRecord), layout));
    }
}
