using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    private readonly SemaphoreSlim _checkpointLock = new(1, 1);
    private Task? _checkpointTask;

    /// <summary>
    /// Writes a snapshot of every table and drops the log before it. Writers pause only while the log is
    /// rotated (they wait for in-flight flushes to finish); the snapshot itself is written while they run,
    /// because replaying the log after the rotation point over it yields the exact state.
    /// </summary>
    public async ValueTask<long> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (_wal is null)
        {
            return LastSequence; // in memory there is nothing to make durable
        }

        await _checkpointLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long upTo;
            List<TableStore> tables;
            var gate = await CloseGateAsync().ConfigureAwait(false);
            try
            {
                upTo = _wal.Rotate();
                tables = [.. _tables.Values];
                Interlocked.Exchange(ref _logBytesSinceCheckpoint, 0);
            }
            finally
            {
                OpenGate(gate);
            }

            var directory = _directory!;
            var current = _wal.CurrentSegment;
            await Task.Run(() =>
            {
                Snapshot.Write(directory, upTo, tables.Select(t => (t.Id, t.CurrentSchema, t.CreatedAt, EnumerateItems(t))));
                foreach (var (sequence, path) in Snapshot.List(directory))
                {
                    if (sequence < upTo)
                    {
                        File.Delete(path);
                    }
                }

                // Segments before the current one are covered by the snapshot; keep the newest of them (up to the
                // retention budget) so the change feed can resume from further back.
                var old = WriteAheadLog.ListSegments(directory).Where(s => s.Path != current).ToList();
                long kept = 0;
                for (var i = old.Count - 1; i >= 0; i--)
                {
                    var length = new FileInfo(old[i].Path).Length;
                    if (kept + length <= _options.ChangeFeedLogRetentionBytes)
                    {
                        kept += length;
                        continue;
                    }

                    for (var j = i; j >= 0; j--)
                    {
                        File.Delete(old[j].Path);
                    }

                    break;
                }

                FileSystem.SyncDirectory(directory);
            }, cancellationToken).ConfigureAwait(false);
            return upTo;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KvDbException(KvErrorCode.StorageIo, $"Checkpoint of {_directory} failed: {e.Message}", e);
        }
        finally
        {
            _checkpointLock.Release();
        }
    }

    private static IEnumerable<(byte[] Pk, byte[] Record)> EnumerateItems(TableStore table)
    {
        var partitions = table.PartitionKeys.ScanAll();
        while (partitions.MoveNext())
        {
            if (partitions.Current is byte[] record)
            {
                yield return (ItemCodec.RecordKey(record).ToArray(), record);
                continue;
            }

            var partition = (Partition)partitions.Current!;
            var items = partition.Items.ScanAll();
            while (items.MoveNext())
            {
                yield return (partition.Key, (byte[])items.Current!);
            }
        }
    }

    private void MaybeScheduleCheckpoint()
    {
        var threshold = _options.CheckpointLogBytes;
        if (_wal is null || threshold <= 0 || Interlocked.Read(ref _logBytesSinceCheckpoint) < threshold || _disposed)
        {
            return;
        }

        var running = _checkpointTask;
        if (running is not null && !running.IsCompleted)
        {
            return;
        }

        lock (_checkpointLock)
        {
            if (_checkpointTask is null || _checkpointTask.IsCompleted)
            {
                _checkpointTask = Task.Run(CheckpointInBackgroundAsync);
            }
        }
    }

    private async Task CheckpointInBackgroundAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            await CheckpointAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The database closed before the checkpoint ran; the log covers everything.
        }
        catch (KvDbException)
        {
            // The log is kept, so nothing is lost; the next automatic checkpoint (or CheckpointAsync, which
            // reports the error) tries again.
        }
    }
}
