using KvDb.Expressions;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    /// <summary>The most actions (or reads) one transaction may hold, as in DynamoDB.</summary>
    public const int MaxTransactionItems = 100;

    /// <summary>
    /// Runs up to 100 puts, updates, deletes and condition checks on distinct items as one atomic change: every
    /// stripe involved is locked (in a global order, so transactions cannot deadlock), every condition is
    /// evaluated, and then either all changes are logged as one record and applied, or nothing changes.
    /// </summary>
    public ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, CancellationToken cancellationToken = default) =>
        TransactWriteItemsAsync(actions, TransactWriteOptions.Default, cancellationToken);

    /// <summary>The same, with up to <see cref="TransactWriteOptions.MaxActions"/> actions.</summary>
    public async ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, TransactWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(options);
        options.CheckCount(actions.Count);

        // Validate and encode everything before taking a lock: bad input changes nothing.
        var prepared = new (TableStore Table, byte[] Pk, byte[]? Sk, int Hash, ItemKey Key)[actions.Count];
        var seen = new HashSet<ItemIdentity>(actions.Count);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i] ?? throw new ArgumentNullException(nameof(actions), $"Action {i} is null.");
            var table = Table(action.TableName);
            byte[] pk;
            byte[]? sk;
            ItemKey key;
            switch (action)
            {
                case TransactPut put:
                    ArgumentNullException.ThrowIfNull(put.Item);
                    (pk, sk) = EncodeItemKey(table, put.Item);
                    CheckItemSize(table, put.Item, pk);
                    key = new ItemKey(put.Item[table.Schema.PartitionKey.Name], table.Schema.SortKey is { } skAttribute ? put.Item[skAttribute.Name] : null);
                    break;
                case TransactUpdate update:
                    update.Update.CheckKeyNotUpdated(table.Schema, $"Transaction action {i} on table \"{table.Name}\"");

                    (pk, sk) = EncodeKey(table, update.Key);
                    key = update.Key;
                    break;
                case TransactDelete delete:
                    (pk, sk) = EncodeKey(table, delete.Key);
                    key = delete.Key;
                    break;
                case TransactConditionCheck check:
                    ArgumentNullException.ThrowIfNull(check.Condition);
                    (pk, sk) = EncodeKey(table, check.Key);
                    key = check.Key;
                    break;
                default:
                    throw new ArgumentException($"Unknown transaction action {action.GetType().Name}.", nameof(actions));
            }

            if (!seen.Add(IdentityOf(table, pk, sk)))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Transaction action {i} touches the item {key} of table \"{table.Name}\" that an earlier action already touches; each item may appear once.");
            }

            prepared[i] = (table, pk, sk, HashIndex.Hash(pk), key);
        }

        var stripes = prepared.Select(p => StripedLocks.StripeOf(p.Table.Id, p.Hash)).Distinct().Order().ToArray();
        var taken = 0;
        try
        {
            foreach (var stripe in stripes)
            {
                await _locks[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }

            var reasons = new TransactionCancellationReason[actions.Count];
            var failed = false;
            var mutations = new List<Mutation>(actions.Count);
            for (var i = 0; i < actions.Count; i++)
            {
                var (table, pk, sk, hash, key) = prepared[i];
                EnsureLive(table);
                var physical = table.GetRecordFast(pk, sk ?? default);
                var current = Visible(table, physical);
                var currentItem = current is null ? null : table.ItemOf(current);
                var condition = actions[i] switch
                {
                    TransactPut p => p.Condition,
                    TransactUpdate u => u.Condition,
                    TransactDelete d => d.Condition,
                    TransactConditionCheck c => c.Condition,
                    _ => null,
                };
                if (condition is not null && !condition.Evaluate(currentItem ?? Item.Empty))
                {
                    failed = true;
                    reasons[i] = new TransactionCancellationReason("ConditionalCheckFailed",
                        $"The condition of action {i} on table \"{table.Name}\", key {key}, does not hold.", currentItem);
                    continue;
                }

                reasons[i] = new TransactionCancellationReason("None", null, null);
                switch (actions[i])
                {
                    case TransactPut put:
                    {
                        var record = table.BuildRecord(pk, sk, put.Item);
                        mutations.Add(new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                            NewRecord = record, OldRecord = physical,
                        });
                        break;
                    }

                    case TransactUpdate update:
                    {
                        UpdateOutcome outcome;
                        try
                        {
                            outcome = update.Update.Apply(currentItem?.ToMap() ?? KeyAttributes(table.Schema, update.Key));
                        }
                        catch (KvDbException e)
                        {
                            throw new KvDbException(e.Code, $"Transaction action {i} on table \"{table.Name}\", key {key}: {e.Message}", e);
                        }

                        var newItem = Item.FromMap(outcome.Attributes);
                        CheckItemSize(table, newItem, pk);
                        mutations.Add(new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                            NewRecord = table.BuildRecord(pk, sk, newItem),
                            OldRecord = physical,
                        });
                        break;
                    }

                    case TransactDelete when physical is not null:
                        mutations.Add(new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Delete,
                            OldRecord = physical,
                        });
                        break;
                }
            }

            if (failed)
            {
                return new TransactWriteResult(false, reasons);
            }

            if (mutations.Count > 0)
            {
                await CommitAsync([.. mutations]).ConfigureAwait(false);
            }

            return new TransactWriteResult(true, []);
        }
        finally
        {
            for (var i = 0; i < taken; i++)
            {
                _locks[stripes[i]].Release();
            }
        }
    }

    /// <summary>
    /// Reads up to 100 items as of one instant: the stripes of every item are held while they are read, so no
    /// write (in particular no transaction) can be seen half-applied.
    /// </summary>
    public async ValueTask<IReadOnlyList<Item?>> TransactGetItemsAsync(IReadOnlyList<TransactGetItem> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        if (reads.Count is 0 or > MaxTransactionItems)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, $"A transactional read must hold 1 to {MaxTransactionItems} items, not {reads.Count}.");
        }

        var prepared = reads.Select(r =>
        {
            ArgumentNullException.ThrowIfNull(r);
            var table = Table(r.TableName);
            var (pk, sk) = EncodeKey(table, r.Key);
            return (Table: table, Pk: pk, Sk: sk, Hash: HashIndex.Hash(pk), r.Projection);
        }).ToArray();
        var stripes = prepared.Select(p => StripedLocks.StripeOf(p.Table.Id, p.Hash)).Distinct().Order().ToArray();
        var taken = 0;
        try
        {
            foreach (var stripe in stripes)
            {
                await _locks[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }

            var result = new Item?[prepared.Length];
            for (var i = 0; i < prepared.Length; i++)
            {
                var p = prepared[i];
                var record = Visible(p.Table, p.Table.GetRecord(p.Pk, p.Hash, p.Sk));
                var item = record is null ? null : p.Table.ItemOf(record);
                result[i] = item is not null && p.Projection is not null ? p.Projection.Apply(item) : item;
            }

            return result;
        }
        finally
        {
            for (var i = 0; i < taken; i++)
            {
                _locks[stripes[i]].Release();
            }
        }
    }
}
