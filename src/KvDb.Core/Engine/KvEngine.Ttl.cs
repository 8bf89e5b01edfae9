using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    private ITimer? _ttlTimer;
    private int _sweeping;

    /// <summary>The table's TTL attribute and the current time in epoch seconds, or null when TTL is off.</summary>
    private (string, KvNumber)? TtlCutoff(TableStore table) =>
        table.Schema.TimeToLiveAttribute is { } attribute
            ? (attribute, KvNumber.FromInt64(_time.GetUtcNow().ToUnixTimeSeconds()))
            : null;

    /// <summary>An item is expired when its TTL attribute is a number of epoch seconds at or before now.</summary>
    private static bool IsExpired(Item item, string attribute, KvNumber now) =>
        item.Get(attribute) is { Kind: AttributeKind.Number } v && v.NumberUnchecked <= now;

    /// <summary>The record as readers and conditions see it: null when absent or expired.</summary>
    private byte[]? Visible(TableStore table, byte[]? record)
    {
        if (record is null || table.Schema.TimeToLiveAttribute is not { } attribute)
        {
            return record;
        }

        return IsExpired(table.ItemOf(record), attribute, KvNumber.FromInt64(_time.GetUtcNow().ToUnixTimeSeconds())) ? null : record;
    }

    private void StartTtlSweeper()
    {
        var interval = _options.TtlSweepInterval;
        if (interval > TimeSpan.Zero)
        {
            _ttlTimer = _time.CreateTimer(_ => _ = SweepInBackgroundAsync(), null, interval, interval);
        }
    }

    private async Task SweepInBackgroundAsync()
    {
        try
        {
            await SweepExpiredAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is KvDbException or ObjectDisposedException)
        {
            // A failed sweep is retried on the next tick; reads already hide expired items.
        }
    }

    /// <summary>
    /// Removes expired items now (the background sweeper calls this periodically). Each removal is logged and
    /// appears in the change feed as <see cref="ChangeType.Expire"/>. Returns the number of items removed.
    /// </summary>
    public async ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return 0;
        }

        try
        {
            var removed = 0;
            foreach (var table in _tables.Values)
            {
                if (table.Schema.TimeToLiveAttribute is not { } attribute)
                {
                    continue;
                }

                var now = KvNumber.FromInt64(_time.GetUtcNow().ToUnixTimeSeconds());
                var expired = EnumerateItems(table).Where(e => IsExpired(table.ItemOf(e.Record), attribute, now)).ToList();
                foreach (var (pk, record) in expired)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var hash = HashIndex.Hash(pk);
                    var sk = table.HasSortKey ? ItemCodec.RecordKey(record).ToArray() : null;
                    var gate = _locks[StripedLocks.StripeOf(table.Id, hash)];
                    await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        if (table.Dropped || _disposed)
                        {
                            break;
                        }

                        // Re-read under the lock: the item may have been rewritten with a later expiry since.
                        var current = table.GetRecord(pk, hash, sk);
                        if (current is null || !IsExpired(table.ItemOf(current), attribute, now))
                        {
                            continue;
                        }

                        await CommitAsync([new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Expire,
                            OldRecord = current,
                        }]).ConfigureAwait(false);
                        removed++;
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }

            return removed;
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
