using System.Diagnostics;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    private const string LockFileName = "LOCK";

    /// <summary>
    /// Opens (or creates) a data directory: takes the lock file, loads the newest snapshot, replays the log
    /// after it, cuts off a torn tail, and starts a fresh log segment.
    /// </summary>
    public static KvEngine Open(string directory, KvDbOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        var full = Path.GetFullPath(directory);
        try
        {
            System.IO.Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KvDbException(KvErrorCode.StorageIo, $"Cannot create the data directory {full}: {e.Message}", e);
        }

        FileStream lockFile;
        var lockPath = Path.Combine(full, LockFileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock on Unix): a second process fails here.
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new KvDbException(KvErrorCode.DatabaseInUse,
                $"The data directory {full} is in use by another process (its lock file {lockPath} is held). Close the other process or use another directory.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KvDbException(KvErrorCode.StorageIo, $"Cannot open the lock file {lockPath}: {e.Message}", e);
        }

        var engine = new KvEngine(options, full, lockFile);
        try
        {
            engine.Recover();
        }
        catch
        {
            engine._wal?.Dispose();
            lockFile.Dispose();
            throw;
        }

        engine.StartTtlSweeper();
        return engine;
    }

    private void Recover()
    {
        var clock = Stopwatch.StartNew();
        _recovering = true;
        var directory = _directory!;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(directory, "*.tmp"))
        {
            File.Delete(leftover); // an interrupted checkpoint; the snapshot it was writing was never renamed
        }

        long snapshotSequence = 0;
        var snapshots = Snapshot.List(directory);
        if (snapshots.Count > 0)
        {
            var (sequence, tables) = Snapshot.Read(snapshots[^1].Path);
            snapshotSequence = sequence;
            foreach (var t in tables)
            {
                var table = AddTable(t.Schema, t.Id, t.CreatedAt);
                foreach (var (pk, record) in t.Items)
                {
                    ReplayPut(table, pk, record);
                }
            }
        }

        var last = snapshotSequence;
        long replayed = 0;
        long discarded = 0;
        string? torn = null;
        var segments = WriteAheadLog.ListSegments(directory);
        using var pipeline = new ReplayPipeline(Math.Clamp(Environment.ProcessorCount, 1, 4), ReplayChange);
        _replay = pipeline;
        for (var i = 0; i < segments.Count; i++)
        {
            var (first, path) = segments[i];
            var isLast = i == segments.Count - 1;
            if (!isLast && segments[i + 1].FirstSequence <= snapshotSequence + 1)
            {
                // Wholly covered by the snapshot (kept only for the change feed): not needed, so not read. Damage in
                // such a segment surfaces only if the change feed is asked for its records.
                continue;
            }

            var result = WalReader.ReadSegment(path, isLast, first, record =>
            {
                if (record.LastSequence <= snapshotSequence)
                {
                    return; // already in the snapshot
                }

                if (record.Sequence > last + 1)
                {
                    throw new KvDbException(KvErrorCode.WalCorrupt,
                        $"The log in {directory} is missing records {last + 1} to {record.Sequence - 1} (found {record.Sequence} in {path}); a segment was lost.");
                }

                Replay(record);
                replayed++;
                last = Math.Max(last, record.LastSequence);
            }, withOldImages: false);
            if (result.Problem is not null)
            {
                WalReader.Truncate(path, result.ValidLength);
                discarded += result.DiscardedBytes;
                torn = $"{Path.GetFileName(path)}: {result.Problem}";
            }
        }

        pipeline.Drain();
        _replay = null;
        _recovering = false;
        foreach (var table in _tables.Values)
        {
            table.RebuildItemIndex();
        }

        _sequence = last;
        _feed.Reset(last);
        _wal = new WriteAheadLog(directory, _options.Durability, last + 1);
        RecoveryReport = new RecoveryReport(snapshotSequence, replayed, last, discarded, torn, clock.Elapsed);
    }

    private ReplayPipeline? _replay;

    private void ReplayChange(TableStore table, WalChange change)
    {
        if (change.NewRecord is not null)
        {
            ReplayPut(table, change.Pk, change.NewRecord);
        }
        else
        {
            ReplayDelete(table, change.Pk, change.Sk);
        }
    }

    private void Replay(WalRecord record)
    {
        if (record.Type != WalRecordType.Commit)
        {
            _replay?.Drain(); // catalog records see every earlier change applied
        }

        switch (record.Type)
        {
            case WalRecordType.CreateTable:
                if (_tableNamesById.TryGetValue(record.TableId, out var existing) && _tables.TryGetValue(existing, out var stale) && stale.Id == record.TableId)
                {
                    // The fuzzy snapshot already had it: the log recreates it from scratch.
                    _tables.TryRemove(existing, out _);
                }

                AddTable(record.Schema!, record.TableId, _time.GetUtcNow());
                break;
            case WalRecordType.DropTable:
                if (_tableNamesById.TryGetValue(record.TableId, out var name) && _tables.TryGetValue(name, out var dropped) && dropped.Id == record.TableId)
                {
                    _tables.TryRemove(name, out _);
                    dropped.Dropped = true;
                }

                break;
            case WalRecordType.CreateIndex:
                if (_tableNamesById.TryGetValue(record.TableId, out var indexed) && _tables.TryGetValue(indexed, out var target) && target.Id == record.TableId)
                {
                    var index = record.Schema!.Indexes[^1];
                    if (target.FindIndex(index.Name) is null)
                    {
                        BuildIndex(target, index);
                    }
                }

                break;
            case WalRecordType.DropIndex:
                if (_tableNamesById.TryGetValue(record.TableId, out var unindexed) && _tables.TryGetValue(unindexed, out var owner) && owner.Id == record.TableId)
                {
                    foreach (var index in owner.Indexes)
                    {
                        if (!record.Schema!.Indexes.Any(i => i.Name == index.Schema.Name))
                        {
                            owner.RemoveIndex(index);
                        }
                    }
                }

                break;
            case WalRecordType.Commit:
                foreach (var change in record.Changes)
                {
                    if (!_tableNamesById.TryGetValue(change.TableId, out var tableName) ||
                        !_tables.TryGetValue(tableName, out var table) || table.Id != change.TableId)
                    {
                        continue; // the table is dropped later in the log (or was dropped before the snapshot)
                    }

                    if (_replay is not null)
                    {
                        _replay.Add(table, change);
                    }
                    else
                    {
                        ReplayChange(table, change);
                    }
                }

                break;
        }
    }

    private void ReplayPut(TableStore table, byte[] pk, byte[] record)
    {
        var hash = HashIndex.Hash(pk);
        // The old record only matters for index upkeep; a put needs no separate sort key (the record holds it).
        var old = table.Indexes.Count == 0 ? null : table.GetRecord(pk, hash, table.HasSortKey ? ItemCodec.RecordKey(record) : default);
        Apply(new Mutation
        {
            Table = table, Pk = pk, Sk = null, Hash = hash, Kind = ChangeKind.Put,
            NewRecord = record, OldRecord = old,
        });
    }

    private void ReplayDelete(TableStore table, byte[] pk, byte[]? sk)
    {
        var hash = HashIndex.Hash(pk);
        var old = table.GetRecord(pk, hash, sk);
        if (old is null)
        {
            return;
        }

        Apply(new Mutation
        {
            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Delete,
            OldRecord = old,
        });
    }
}
