using System.Collections.Concurrent;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

/// <summary>
/// Applies replayed item changes on worker threads while the caller keeps reading and decoding the log.
/// Changes are sharded by partition key, so the changes of one partition are applied in log order by one
/// worker; changes to different partitions commute, and nothing reads the tables during recovery, so the
/// final state equals a sequential replay. Catalog records are barriers: <see cref="Drain"/> waits until
/// every queued change has been applied.
/// </summary>
internal sealed class ReplayPipeline : IDisposable
{
    private const int BatchSize = 512;
    private readonly BlockingCollection<(TableStore Table, WalChange Change)[]>[] _queues;
    private readonly List<(TableStore, WalChange)>[] _pending;
    private readonly Thread[] _workers;
    private readonly Action<TableStore, WalChange> _apply;
    private readonly CountdownEvent _inflight = new(1);
    private Exception? _failure;

    public ReplayPipeline(int workers, Action<TableStore, WalChange> apply)
    {
        _apply = apply;
        _queues = new BlockingCollection<(TableStore, WalChange)[]>[workers];
        _pending = new List<(TableStore, WalChange)>[workers];
        _workers = new Thread[workers];
        for (var i = 0; i < workers; i++)
        {
            var queue = _queues[i] = new BlockingCollection<(TableStore, WalChange)[]>(64);
            _pending[i] = new List<(TableStore, WalChange)>(BatchSize);
            _workers[i] = new Thread(() => Work(queue)) { IsBackground = true, Name = $"kvdb-replay-{i}" };
            _workers[i].Start();
        }
    }

    private void Work(BlockingCollection<(TableStore Table, WalChange Change)[]> queue)
    {
        foreach (var batch in queue.GetConsumingEnumerable())
        {
            try
            {
                if (_failure is null)
                {
                    foreach (var (table, change) in batch)
                    {
                        _apply(table, change);
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                _inflight.Signal();
            }
        }
    }

    public void Add(TableStore table, WalChange change)
    {
        var shard = (int)((uint)HashIndex.Hash(change.Pk) % (uint)_queues.Length);
        var pending = _pending[shard];
        pending.Add((table, change));
        if (pending.Count == BatchSize)
        {
            Flush(shard);
        }
    }

    private void Flush(int shard)
    {
        var pending = _pending[shard];
        if (pending.Count == 0)
        {
            return;
        }

        _inflight.AddCount();
        _queues[shard].Add([.. pending]);
        pending.Clear();
    }

    /// <summary>Waits until everything added so far is applied; rethrows a worker's failure.</summary>
    public void Drain()
    {
        for (var i = 0; i < _queues.Length; i++)
        {
            Flush(i);
        }

        _inflight.Signal();
        _inflight.Wait();
        _inflight.Reset(1);
        if (_failure is { } failure)
        {
            throw new KvDbException(KvErrorCode.WalCorrupt, $"Replaying the log failed: {failure.Message}", failure);
        }
    }

    public void Dispose()
    {
        foreach (var queue in _queues)
        {
            queue.CompleteAdding();
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }

        foreach (var queue in _queues)
        {
            queue.Dispose();
        }

        _inflight.Dispose();
    }
}
