using KvDb.Cluster.Node;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster;

// Cross-node transactions, built from per-item compare-and-set rounds (the Percolator scheme):
//   1. a transaction record "pending" is created in the replicated transaction table;
//   2. every item is locked: a CAS checks its condition and stores an intent (the new value) beside the
//      unchanged current value; an item already locked by a live transaction makes this one fail
//      (TransactionConflict, as DynamoDB does); a lock of a committed/aborted/abandoned one is resolved first;
//   3. the record is switched pending -> committed by CAS (the commit point; a resolver may instead switch
//      it to aborted if the coordinator vanished, and then exactly one of the two wins);
//   4. every intent is applied and cleared. Readers that meet an intent look at the record: committed ->
//      they apply it themselves (roll forward) and see the new value; otherwise they see the old value.
// Hence all of a transaction's writes become visible at its commit point, on every node.
public sealed partial class ClusteredKvStore
{
    private const string Pending = "pending";
    private const string Committed = "committed";
    private const string Aborted = "aborted";

    /// <inheritdoc />
    public ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, CancellationToken cancellationToken = default) =>
        TransactWriteItemsAsync(actions, TransactWriteOptions.Default, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, TransactWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(options);
        options.CheckCount(actions.Count);

        // Validate everything first: bad input changes nothing.
        var prepared = new (TableSchema Schema, ItemKey Key)[actions.Count];
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i] ?? throw new ArgumentNullException(nameof(actions), $"Action {i} is null.");
            var schema = await SchemaAsync(action.TableName, cancellationToken);
            ItemKey key;
            switch (action)
            {
                case TransactPut put:
                    ArgumentNullException.ThrowIfNull(put.Item);
                    key = KeyOfItem(schema, put.Item);
                    CheckItem(schema, put.Item, key);
                    break;
                case TransactUpdate update:
                    update.Update.CheckKeyNotUpdated(schema, $"Transaction action {i} on table \"{schema.Name}\"");

                    key = update.Key;
                    CheckKey(schema, key);
                    break;
                case TransactDelete delete:
                    key = delete.Key;
                    CheckKey(schema, key);
                    break;
                case TransactConditionCheck check:
                    ArgumentNullException.ThrowIfNull(check.Condition);
                    key = check.Key;
                    CheckKey(schema, key);
                    break;
                default:
                    throw new ArgumentException($"Unknown transaction action {action.GetType().Name}.", nameof(actions));
            }

            if (!seen.Add((schema.Name, Convert.ToHexString(CellKeys.MetaPartition(key)) + "/" + Convert.ToHexString(CellKeys.MetaSort(key)))))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Transaction action {i} touches the item {key} of table \"{schema.Name}\" that an earlier action already touches; each item may appear once.");
            }

            prepared[i] = (schema, key);
        }

        var txnId = $"{_node.Id}:{_node.Clock.Next()}";
        var started = _node.Runtime.NowMilliseconds;
        await SetTxnStateAsync(txnId, null, Pending, started, cancellationToken);

        // Lock every item (in parallel): check its condition and leave the intent.
        var reasons = new TransactionCancellationReason[actions.Count];
        var locked = new bool[actions.Count];
        await Task.WhenAll(Enumerable.Range(0, actions.Count).Select(async i =>
        {
            var (schema, key) = prepared[i];
            (reasons[i], locked[i]) = await LockAsync(schema, key, actions[i], i, txnId, started, cancellationToken);
        }));

        var failed = reasons.Any(r => r.Code != "None");
        if (!failed && await SetTxnStateAsync(txnId, Pending, Committed, started, cancellationToken))
        {
            await Task.WhenAll(Enumerable.Range(0, actions.Count).Select(i => FinishAsync(prepared[i].Schema.Name, prepared[i].Key, txnId, commit: true, cancellationToken)));
            return new TransactWriteResult(true, []);
        }

        if (!failed)
        {
            // Someone aborted us (they believed we were abandoned): report it as a conflict.
            for (var i = 0; i < reasons.Length; i++)
            {
                reasons[i] = new TransactionCancellationReason("TransactionConflict", "The transaction was aborted by another node while committing.", null);
            }
        }

        await SetTxnStateAsync(txnId, Pending, Aborted, started, cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, actions.Count).Where(i => locked[i]).Select(i => FinishAsync(prepared[i].Schema.Name, prepared[i].Key, txnId, commit: false, cancellationToken)));
        return new TransactWriteResult(false, reasons);
    }

    private async Task<(TransactionCancellationReason Reason, bool Locked)> LockAsync(TableSchema schema, ItemKey key, TransactWriteItem action, int index, string txnId, long started, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await Coordinator.CasAsync(schema.Name, key, (state, _) =>
            {
                if (state.Intent is not null)
                {
                    return state.Intent.TxnId == txnId
                        ? new CasDecision<LockOutcome>(null, new LockOutcome(null, true, null))
                        : new CasDecision<LockOutcome>(null, new LockOutcome(null, false, state.Intent));
                }

                var current = state.Item;
                var condition = action switch
                {
                    TransactPut p => p.Condition,
                    TransactUpdate u => u.Condition,
                    TransactDelete d => d.Condition,
                    TransactConditionCheck c => c.Condition,
                    _ => null,
                };
                if (condition is not null && !condition.Evaluate(current ?? Item.Empty))
                {
                    return new CasDecision<LockOutcome>(null, new LockOutcome(new TransactionCancellationReason("ConditionalCheckFailed",
                        $"The condition of action {index} on table \"{schema.Name}\", key {key}, does not hold.", current), false, null));
                }

                TxnIntent intent;
                try
                {
                    intent = action switch
                    {
                        TransactPut p => new TxnIntent(txnId, TxnIntentKind.Put, p.Item, started),
                        TransactUpdate u => new TxnIntent(txnId, TxnIntentKind.Put, ApplyUpdate(schema, key, u.Update, current).Item, started),
                        TransactDelete => new TxnIntent(txnId, TxnIntentKind.Delete, null, started),
                        _ => new TxnIntent(txnId, TxnIntentKind.Check, null, started),
                    };
                }
                catch (KvDbException e)
                {
                    // The update cannot apply to the current item: the transaction is cancelled, nothing changes.
                    return new CasDecision<LockOutcome>(null, new LockOutcome(new TransactionCancellationReason("ValidationError", $"Action {index}: {e.Message}", current), false, null));
                }

                return new CasDecision<LockOutcome>(state with { Intent = intent }, new LockOutcome(null, true, null));
            }, ct, idempotent: true);
            if (outcome.Other is null)
            {
                return (outcome.Reason ?? new TransactionCancellationReason("None", null, null), outcome.Locked);
            }

            if (!await TryResolveAsync(schema.Name, key, outcome.Other, ct))
            {
                return (new TransactionCancellationReason("TransactionConflict",
                    $"Action {index}: the item {key} of table \"{schema.Name}\" is locked by transaction {outcome.Other.TxnId}, which is still in progress.", null), false);
            }
        }
    }

    private sealed record LockOutcome(TransactionCancellationReason? Reason, bool Locked, TxnIntent? Other);

    /// <summary>Applies (commit) or drops (abort) this transaction's intent on one item.</summary>
    private Task FinishAsync(string table, ItemKey key, string txnId, bool commit, CancellationToken ct) =>
        Coordinator.CasAsync(table, key, (state, ballot) =>
        {
            if (state.Intent?.TxnId != txnId)
            {
                return new CasDecision<bool>(null, false); // already finished by a reader
            }

            if (!commit || state.Intent.Kind == TxnIntentKind.Check)
            {
                return new CasDecision<bool>(state with { Intent = null }, true);
            }

            var item = state.Intent.Kind == TxnIntentKind.Put ? state.Intent.NewItem : null;
            return new CasDecision<bool>(new CellState(item, ballot), true);
        }, ct, idempotent: true);

    /// <summary>CAS on a transaction record: from <paramref name="expected"/> (null = absent) to <paramref name="next"/>.</summary>
    private Task<bool> SetTxnStateAsync(string txnId, string? expected, string next, long started, CancellationToken ct) =>
        Coordinator.CasAsync(ReplicaStore.TxnTable, new ItemKey(txnId), (state, ballot) =>
        {
            var current = state.Item is null ? null : state.Item["state"].AsString();
            if (current != expected)
            {
                return new CasDecision<bool>(null, current == next);
            }

            var record = Item.Create().Set("id", txnId).Set("state", next).Set("started", started).Build();
            return new CasDecision<bool>(new CellState(record, ballot), true);
        }, ct, idempotent: true);

    private async Task<string?> TxnStateAsync(string txnId, CancellationToken ct)
    {
        var state = await Coordinator.ReadAsync(ReplicaStore.TxnTable, new ItemKey(txnId), ct);
        return state.Item?["state"].AsString();
    }

    /// <summary>
    /// Settles another transaction's intent on an item: rolls it forward when that transaction committed, drops
    /// it when it aborted or was abandoned (pending longer than <see cref="ClusterOptions.TransactionTimeout"/>;
    /// the record is switched to aborted first, so its coordinator can no longer commit). False when it is
    /// still legitimately in progress.
    /// </summary>
    private async Task<bool> TryResolveAsync(string table, ItemKey key, TxnIntent intent, CancellationToken ct)
    {
        var state = await TxnStateAsync(intent.TxnId, ct);
        if (state is Pending or null)
        {
            var age = _node.Runtime.NowMilliseconds - intent.StartedMilliseconds;
            if (age < (long)_node.Options.TransactionTimeout.TotalMilliseconds)
            {
                return false;
            }

            // Abandoned: abort it (if its coordinator commits first, this CAS fails and we roll forward instead).
            await SetTxnStateAsync(intent.TxnId, state, Aborted, intent.StartedMilliseconds, ct);
            state = await TxnStateAsync(intent.TxnId, ct);
        }

        await FinishAsync(table, key, intent.TxnId, commit: state == Committed, ct);
        return true;
    }

    private async Task ResolveIntentOrConflictAsync(string table, ItemKey key, TxnIntent intent, int attempt, CancellationToken ct)
    {
        if (await TryResolveAsync(table, key, intent, ct))
        {
            return;
        }

        if (attempt >= 3)
        {
            throw new KvDbException(KvErrorCode.TransactionConflict,
                $"Table \"{table}\", key {key}: the item is locked by transaction {intent.TxnId}, which is still in progress; retry later.");
        }

        await _node.Runtime.Delay(TimeSpan.FromMilliseconds(5 << attempt), ct);
    }

    /// <summary>The item a reader sees in a cell: the committed value, rolling a committed transaction's intent forward.</summary>
    private async Task<Item?> VisibleAsync(string table, ItemKey key, CellState state, CancellationToken ct)
    {
        if (state.Intent is null)
        {
            return state.Item;
        }

        if (await TxnStateAsync(state.Intent.TxnId, ct) != Committed)
        {
            return state.Item;
        }

        await FinishAsync(table, key, state.Intent.TxnId, commit: true, ct);
        return state.Intent.Kind switch
        {
            TxnIntentKind.Put => state.Intent.NewItem,
            TxnIntentKind.Delete => null,
            _ => state.Item,
        };
    }

    /// <summary>
    /// Reads items as of one instant: every item is read (linearizably); if any is locked by a transaction in
    /// progress the read fails with TransactionConflict after a few retries (as in DynamoDB); a second read of
    /// the versions confirms nothing changed in between, otherwise it starts again.
    /// </summary>
    public async ValueTask<IReadOnlyList<Item?>> TransactGetItemsAsync(IReadOnlyList<TransactGetItem> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        if (reads.Count is 0 or > 100)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, $"A transactional read must hold 1 to 100 items, not {reads.Count}.");
        }

        foreach (var read in reads)
        {
            CheckKey(await SchemaAsync(read.TableName, cancellationToken), read.Key);
        }

        for (var attempt = 0; attempt < _node.Options.MaxAttempts; attempt++)
        {
            var first = await Task.WhenAll(reads.Select(r => Coordinator.ReadAsync(r.TableName, r.Key, cancellationToken)));
            var pending = Enumerable.Range(0, reads.Count).FirstOrDefault(i => first[i].Intent is not null, -1);
            if (pending >= 0)
            {
                await TryResolveAsync(reads[pending].TableName, reads[pending].Key, first[pending].Intent!, cancellationToken);
                await _node.Runtime.Delay(TimeSpan.FromMilliseconds(5 << Math.Min(attempt, 5)), cancellationToken);
                continue;
            }

            var second = await Task.WhenAll(reads.Select(r => Coordinator.ReadAsync(r.TableName, r.Key, cancellationToken)));
            if (Enumerable.Range(0, reads.Count).All(i => second[i].Intent is null && second[i].Version == first[i].Version))
            {
                return first.Select((s, i) => s.Item is null ? null : reads[i].Projection is { } p ? p.Apply(s.Item) : s.Item).ToArray();
            }
        }

        throw new KvDbException(KvErrorCode.TransactionConflict, "The items kept changing or stayed locked by transactions in progress; retry the transactional read.");
    }
}
