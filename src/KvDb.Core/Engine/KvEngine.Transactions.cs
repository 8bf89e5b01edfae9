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
    private static readonly TransactionCancellationReason s_noCancellation = new("None", null, null);

    /// <summary>The item key an action names, for error messages (a put's is read from its item only then).</summary>
    private static ItemKey KeyOfAction(TransactWriteItem action, TableStore table) => action switch
    {
        TransactPut put => new ItemKey(put.Item[table.Schema.PartitionKey.Name], table.Schema.SortKey is { } sk ? put.Item[sk.Name] : null),
        TransactUpdate update => update.Key,
        TransactDelete delete => delete.Key,
        TransactConditionCheck check => check.Key,
        _ => default,
    };

    /// <summary>The distinct lock stripes of the prepared actions, in ascending order (the global lock order).</summary>
    private static int[] StripesOf((TableStore Table, byte[] Pk, byte[]? Sk, int Hash)[] prepared) =>
        StripedLocks.Ordered(prepared.Length, i => StripedLocks.StripeOf(prepared[i].Table.Id, prepared[i].Hash));

    public async ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, TransactWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(options);
        options.CheckCount(actions.Count);

        // Validate and encode everything before taking a lock: bad input changes nothing.
        var prepared = new (TableStore Table, byte[] Pk, byte[]? Sk, int Hash)[actions.Count];
        var seen = new HashSet<ItemIdentity>(actions.Count);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i] ?? throw new ArgumentNullException(nameof(actions), $"Action {i} is null.");
            var table = Table(action.TableName);
            byte[] pk;
            byte[]? sk;
            switch (action)
            {
                case TransactPut put:
                    ArgumentNullException.ThrowIfNull(put.Item);
                    (pk, sk) = EncodeItemKey(table, put.Item);
                    CheckItemSize(table, put.Item, pk);
                    break;
                case TransactUpdate update:
                    update.Update.CheckKeyNotUpdated(table.Schema, $"Transaction action {i} on table \"{table.Name}\"");

                    (pk, sk) = EncodeKey(table, update.Key);
                    break;
                case TransactDelete delete:
                    (pk, sk) = EncodeKey(table, delete.Key);
                    break;
                case TransactConditionCheck check:
                    ArgumentNullException.ThrowIfNull(check.Condition);
                    (pk, sk) = EncodeKey(table, check.Key);
                    break;
                default:
                    throw new ArgumentException($"Unknown transaction action {action.GetType().Name}.", nameof(actions));
            }

            if (!seen.Add(IdentityOf(table, pk, sk)))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Transaction action {i} touches the item {KeyOfAction(action, table)} of table \"{table.Name}\" that an earlier action already touches; each item may appear once.");
            }

            prepared[i] = (table, pk, sk, HashIndex.Hash(pk));
        }

        var stripes = StripesOf(prepared);
        var taken = 0;
        try
        {
            foreach (var stripe in stripes)
            {
                await _locks[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }

            TransactionCancellationReason[]? reasons = null; // built on the first failing condition
            var mutations = new Mutation[actions.Count];
            var mutationCount = 0;
            for (var i = 0; i < actions.Count; i++)
            {
                var (table, pk, sk, hash) = prepared[i];
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
                    if (reasons is null)
                    {
                        reasons = new TransactionCancellationReason[actions.Count];
                        Array.Fill(reasons, s_noCancellation);
                    }

                    reasons[i] = new TransactionCancellationReason("ConditionalCheckFailed",
                        $"The condition of action {i} on table \"{table.Name}\", key {KeyOfAction(actions[i], table)}, does not hold.", currentItem);
                    continue;
                }

                switch (actions[i])
                {
                    case TransactPut put:
                    {
                        var record = table.BuildRecord(pk, sk, put.Item);
                        mutations[mutationCount++] = new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                            NewRecord = record, OldRecord = physical,
                        };
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
                            throw new KvDbException(e.Code, $"Transaction action {i} on table \"{table.Name}\", key {update.Key}: {e.Message}", e);
                        }

                        var newItem = Item.FromMap(outcome.Attributes);
                        CheckItemSize(table, newItem, pk);
                        mutations[mutationCount++] = new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                            NewRecord = table.BuildRecord(pk, sk, newItem),
                            OldRecord = physical,
                        };
                        break;
                    }

                    case TransactDelete when physical is not null:
                        mutations[mutationCount++] = new Mutation
                        {
                            Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Delete,
                            OldRecord = physical,
                        };
                        break;
                }
            }

            if (reasons is not null)
            {
                return new TransactWriteResult(false, reasons);
            }

            if (mutationCount > 0)
            {
                await CommitAsync(mutationCount == mutations.Length ? mutations : mutations[..mutationCount]).ConfigureAwait(false);
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
