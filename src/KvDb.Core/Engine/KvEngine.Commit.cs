using System.Buffers;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

/// <summary>
/// One item change prepared under the partition's stripe lock, ready to be logged and applied. A struct: a commit
/// holds its changes in one array (a 100k-row INSERT is one array, not 100k objects that live until it is applied).
/// </summary>
internal struct Mutation
{
    public required TableStore Table;
    public required byte[]? Pk; // null: the partition key is read from NewRecord (a bulk insert keeps no copy of its own)
    public required byte[]? Sk;
    public required int Hash;
    public required ChangeKind Kind;
    public byte[]? NewRecord;  // null for deletes
    public byte[]? OldRecord;  // null when the item did not exist

    /// <summary>The encoded partition key.</summary>
    public readonly ReadOnlySpan<byte> PartitionKey => Pk ?? ItemCodec.RecordPartitionKey(NewRecord!);

    /// <summary>The encoded partition key as an array of its own (a copy only when <see cref="Pk"/> is null).</summary>
    public readonly byte[] PartitionKeyArray => Pk ?? ItemCodec.RecordPartitionKey(NewRecord!).ToArray();
}

/// <summary>
/// The changes of one commit, read as mutations one at a time: an array of them, or the rows of a bulk insert (which
/// then needs no mutation array: a 100k-row insert would otherwise allocate one of ~5 MB on the large object heap).
/// </summary>
internal readonly struct ChangeSet
{
    private readonly Mutation[]? _mutations;
    private readonly BulkInsert? _bulk;

    public ChangeSet(Mutation[] mutations) => _mutations = mutations;

    public ChangeSet(BulkInsert bulk) => _bulk = bulk;

    public int Count => _mutations?.Length ?? _bulk?.Count ?? 0;

    public Mutation this[int index] => _mutations is not null ? _mutations[index] : _bulk!.MutationAt(index);

    public static implicit operator ChangeSet(Mutation[] mutations) => new(mutations);
}

internal sealed partial class KvEngine
{
    // ------------------------------------------------------------------ checkpoint barrier
    // Writers are "in flight" from just before they log until just after they apply. A checkpoint closes the
    // gate, waits for the in-flight count to reach zero, rotates the log, and reopens the gate, so at the
    // rotation point every logged record has been applied (see KvEngine.Checkpoint.cs).

    private int _inflight;

    /// <summary>The engine whose writes the current flow paused (a write from it would wait for itself).</summary>
    private static readonly AsyncLocal<KvEngine?> s_pausing = new();
    private volatile TaskCompletionSource? _gate;
    private TaskCompletionSource? _drained;

    private async ValueTask EnterWriteAsync()
    {
        while (true)
        {
            var gate = _gate;
            if (gate is not null)
            {
                if (ReferenceEquals(s_pausing.Value, this))
                {
                    // It would wait for itself forever.
                    throw new InvalidOperationException("A write was attempted by code that runs while this database's writes are paused (WithWritesPausedAsync).");
                }

                await gate.Task.ConfigureAwait(false);
                continue;
            }

            Interlocked.Increment(ref _inflight);
            if (_gate is null)
            {
                return;
            }

            ExitWrite(); // a checkpoint started between the check and the increment: step back and wait
        }
    }

    private void ExitWrite()
    {
        if (Interlocked.Decrement(ref _inflight) == 0 && _gate is not null)
        {
            _drained?.TrySetResult();
        }
    }

    /// <summary>Holds new writers back and waits until the writers in flight have applied and published their changes. The caller holds <c>_checkpointLock</c>.</summary>
    private async ValueTask<TaskCompletionSource> CloseGateAsync()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = gate;
        if (Volatile.Read(ref _inflight) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.ConfigureAwait(false);
        }
        catch
        {
            OpenGate(gate);
            throw;
        }

        return gate;
    }

    private void OpenGate(TaskCompletionSource gate)
    {
        _gate = null;
        gate.SetResult();
    }

    /// <summary>
    /// Runs <paramref name="body"/> while every writer waits at the checkpoint's barrier, so that it reads the tables as
    /// they are at one sequence (<see cref="LastSequence"/>), with every change up to it applied and published to the
    /// change feed: a consistent state for a reader that combines several reads (a materialized join's upkeep). The
    /// body must not write (its writes would wait for itself); it should be short, since every writer waits for it.
    /// </summary>
    internal async ValueTask<T> WithWritesPausedAsync<T>(Func<ValueTask<T>> body, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _checkpointLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var gate = await CloseGateAsync().ConfigureAwait(false);
            var outer = s_pausing.Value;
            s_pausing.Value = this;
            try
            {
                return await body().ConfigureAwait(false);
            }
            finally
            {
                s_pausing.Value = outer;
                OpenGate(gate);
            }
        }
        finally
        {
            _checkpointLock.Release();
        }
    }

    // ------------------------------------------------------------------ commit

    /// <summary>
    /// Logs the mutations as one atomic record, waits until it is durable, applies them, maintains indexes and
    /// publishes them to the change feed. The caller holds the stripe locks of every partition involved.
    /// </summary>
    private ValueTask CommitAsync(Mutation[] mutations) => CommitAsync(new ChangeSet(mutations));

    /// <summary>The same for any change set (a bulk insert's rows).</summary>
    private async ValueTask CommitAsync(ChangeSet mutations)
    {
        var count = mutations.Count;
        await EnterWriteAsync().ConfigureAwait(false);
        try
        {
            long sequence;
            if (_wal is null)
            {
                sequence = Interlocked.Add(ref _sequence, count) - count + 1;
            }
            else
            {
                var changes = new WalChange[count];
                for (var i = 0; i < count; i++)
                {
                    var m = mutations[i];
                    changes[i] = new WalChange(m.Table.Id, m.Kind, m.PartitionKeyArray, m.Sk, m.NewRecord, m.OldRecord);
                }

                sequence = _wal.Append(WalRecordType.Commit, count, b => WalRecord.WriteCommitBody(b, changes), out var batch);
                // Not cancellable: once the record is in the log it will be replayed, so it must be applied.
                await _wal.WaitAsync(batch).ConfigureAwait(false);
                UpdateLastSequence(sequence + count - 1);
            }

            long bytes = 24;
            for (var i = 0; i < count; i++)
            {
                var m = mutations[i];
                Apply(m);
                bytes += 16 + m.PartitionKey.Length + (m.Sk?.Length ?? 0) + (m.NewRecord?.Length ?? 0) + (m.OldRecord?.Length ?? 0);
            }

            _feed.Publish(sequence, mutations);
            Interlocked.Add(ref _logBytesSinceCheckpoint, bytes);
        }
        finally
        {
            ExitWrite();
        }

        MaybeScheduleCheckpoint();
    }

    private void UpdateLastSequence(long sequence)
    {
        var current = Interlocked.Read(ref _sequence);
        while (sequence > current)
        {
            var seen = Interlocked.CompareExchange(ref _sequence, sequence, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Applies one mutation to the table and its indexes (also used by recovery).</summary>
    private void Apply(in Mutation m)
    {
        if (m.NewRecord is not null)
        {
            m.Table.Put(m.Pk, m.Hash, m.NewRecord);
        }
        else
        {
            m.Table.Delete(m.Pk!, m.Hash, m.Sk ?? m.Pk);
        }

        if (m.Table.Indexes.Count > 0)
        {
            MaintainIndexes(m.Table, m.PartitionKeyArray, m.OldRecord, m.NewRecord);
        }
    }

    /// <summary>Logs a catalog record (create / drop table, create index) and waits for it to be durable.</summary>
    private async ValueTask<long> LogCatalogAsync(WalRecordType type, Action<ArrayBufferWriter<byte>> body)
    {
        if (_wal is null)
        {
            var sequence = Interlocked.Increment(ref _sequence);
            _feed.Publish(sequence, default(ChangeSet));
            return sequence;
        }

        await EnterWriteAsync().ConfigureAwait(false);
        try
        {
            var sequence = _wal.Append(type, 1, body, out var batch);
            await _wal.WaitAsync(batch).ConfigureAwait(false);
            UpdateLastSequence(sequence);
            _feed.Publish(sequence, default(ChangeSet));
            return sequence;
        }
        finally
        {
            ExitWrite();
        }
    }
}
