using KvDb.Expressions;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    // The write protocol, the same for every write:
    //   1. encode and validate (no lock held; bad input changes nothing);
    //   2. take the stripe lock of each partition written (sorted, so batches cannot deadlock);
    //   3. read the current records and evaluate conditions; a failed condition releases and returns;
    //   4. commit: assign sequence numbers (and, in file mode, log and wait for the flush);
    //   5. apply to the in-memory structures, where readers see the change; release.
    // Readers therefore only ever see committed changes, and two writers of one partition are serialised.

    public ValueTask<WriteResult> PutItemAsync(PutItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PutItemAsync(Table(request.TableName), request.Item, request.Condition, request.ReturnValues, request.ReturnOldOnConditionFailure, cancellationToken);
    }

    /// <summary>The put on a resolved table (the fluent handle caches the table between calls).</summary>
    internal async ValueTask<WriteResult> PutItemAsync(TableStore table, Item item, Condition? condition, ReturnValues returnValues, bool returnOldOnFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfDisposed();
        if (returnValues is not (ReturnValues.None or ReturnValues.AllOld))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"PutItem on table \"{table.Name}\": ReturnValues must be None or AllOld, not {returnValues}.");
        }

        var (pk, sk) = EncodeItemKey(table, item);
        CheckItemSize(table, item, pk);
        var record = table.BuildRecord(pk, sk, item);
        var hash = HashIndex.Hash(pk);
        var gate = _locks[StripedLocks.StripeOf(table.Id, hash)];
        if (!gate.Wait(0))
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            EnsureLive(table);
            var physical = table.GetRecordFast(pk, sk ?? default);
            var old = Visible(table, physical);
            if (condition is not null && !condition.Evaluate(old is null ? Item.Empty : table.ItemOf(old)))
            {
                return Failed(table, old, returnOldOnFailure);
            }

            await CommitAsync([new Mutation
            {
                Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                NewRecord = record, OldRecord = physical,
            }]).ConfigureAwait(false);
            return new WriteResult(true, returnValues == ReturnValues.AllOld && old is not null ? table.ItemOf(old) : null);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<WriteResult> DeleteItemAsync(DeleteItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        if (request.ReturnValues is not (ReturnValues.None or ReturnValues.AllOld))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"DeleteItem on table \"{table.Name}\": ReturnValues must be None or AllOld, not {request.ReturnValues}.");
        }

        var (pk, sk) = EncodeKey(table, request.Key);
        var hash = HashIndex.Hash(pk);
        var gate = _locks[StripedLocks.StripeOf(table.Id, hash)];
        if (!gate.Wait(0))
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            EnsureLive(table);
            var physical = table.GetRecordFast(pk, sk ?? default);
            var old = Visible(table, physical);
            if (request.Condition is not null && !request.Condition.Evaluate(old is null ? Item.Empty : table.ItemOf(old)))
            {
                return Failed(table, old, request.ReturnOldOnConditionFailure);
            }

            if (physical is null)
            {
                return new WriteResult(true, null);
            }

            await CommitAsync([new Mutation
            {
                Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Delete,
                OldRecord = physical,
            }]).ConfigureAwait(false);
            if (old is null)
            {
                return new WriteResult(true, null);
            }

            return new WriteResult(true, request.ReturnValues == ReturnValues.AllOld ? table.ItemOf(old) : null);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<WriteResult> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Update);
        var table = Table(request.TableName);
        var schema = table.Schema;
        request.Update.CheckKeyNotUpdated(schema, $"Table \"{table.Name}\"");

        var (pk, sk) = EncodeKey(table, request.Key);
        var hash = HashIndex.Hash(pk);
        var gate = _locks[StripedLocks.StripeOf(table.Id, hash)];
        if (!gate.Wait(0))
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            EnsureLive(table);
            var physical = table.GetRecordFast(pk, sk ?? default);
            var old = Visible(table, physical);
            var oldItem = old is null ? null : table.ItemOf(old);
            if (request.Condition is not null && !request.Condition.Evaluate(oldItem ?? Item.Empty))
            {
                return Failed(table, old, request.ReturnOldOnConditionFailure);
            }

            UpdateOutcome outcome;
            try
            {
                outcome = request.Update.Apply(oldItem?.ToMap() ?? KeyAttributes(schema, request.Key));
            }
            catch (KvDbException e) when (!e.Message.Contains(table.Name, StringComparison.Ordinal))
            {
                throw new KvDbException(e.Code, $"Table \"{table.Name}\", key {request.Key}: {e.Message}", e);
            }

            var newItem = Item.FromMap(outcome.Attributes);
            CheckItemSize(table, newItem, pk);
            var record = table.BuildRecord(pk, sk, newItem);
            await CommitAsync([new Mutation
            {
                Table = table, Pk = pk, Sk = sk, Hash = hash, Kind = ChangeKind.Put,
                NewRecord = record, OldRecord = physical,
            }]).ConfigureAwait(false);
            var stored = table.ItemOf(record);
            return new WriteResult(true, outcome.Returned(request.ReturnValues, oldItem, stored));
        }
        finally
        {
            gate.Release();
        }
    }

    private static WriteResult Failed(TableStore table, byte[]? current, bool returnCurrent) =>
        new(false, returnCurrent && current is not null ? table.ItemOf(current) : null);

    private static void EnsureLive(TableStore table)
    {
        if (table.Dropped)
        {
            throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{table.Name}\" does not exist (it was deleted).");
        }
    }

    // ------------------------------------------------------------------ batches

    private sealed class PreparedWrite
    {
        public required TableStore Table;
        public required byte[] Pk;
        public required byte[]? Sk;
        public required int Hash;
        public byte[]? Record; // null for a delete
        public int Stripe;
    }

    public async ValueTask BatchWriteItemAsync(IReadOnlyList<BatchWriteOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return;
        }

        // Validate everything first: a bad item anywhere rejects the whole batch before anything changes.
        var prepared = new PreparedWrite[operations.Count];
        var seen = new HashSet<ItemIdentity>(operations.Count);
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i] ?? throw new ArgumentNullException(nameof(operations), $"Operation {i} is null.");
            var table = Table(op.TableName);
            byte[] pk;
            byte[]? sk;
            byte[]? record = null;
            if (op.PutItem is not null)
            {
                (pk, sk) = EncodeItemKey(table, op.PutItem);
                CheckItemSize(table, op.PutItem, pk);
                record = table.BuildRecord(pk, sk, op.PutItem);
            }
            else
            {
                (pk, sk) = EncodeKey(table, op.DeleteKey!.Value);
            }

            if (!seen.Add(IdentityOf(table, pk, sk)))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Batch write: operation {i} writes the same item of table \"{table.Name}\" as an earlier operation; each item may appear once.");
            }

            var hash = HashIndex.Hash(pk);
            prepared[i] = new PreparedWrite
            {
                Table = table, Pk = pk, Sk = sk, Hash = hash, Record = record,
                Stripe = StripedLocks.StripeOf(table.Id, hash),
            };
        }

        var stripes = prepared.Select(p => p.Stripe).Distinct().Order().ToArray();
        var taken = 0;
        try
        {
            foreach (var s in stripes)
            {
                await _locks[s].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }

            foreach (var p in prepared)
            {
                EnsureLive(p.Table);
            }

            var mutations = new List<Mutation>(prepared.Length);
            foreach (var p in prepared)
            {
                var old = p.Table.GetRecord(p.Pk, p.Hash, p.Sk);
                if (p.Record is null && old is null)
                {
                    continue; // deleting an absent item changes nothing
                }

                mutations.Add(new Mutation
                {
                    Table = p.Table, Pk = p.Pk, Sk = p.Sk, Hash = p.Hash,
                    Kind = p.Record is null ? ChangeKind.Delete : ChangeKind.Put,
                    NewRecord = p.Record, OldRecord = old,
                });
            }

            if (mutations.Count > 0)
            {
                await CommitAsync([.. mutations]).ConfigureAwait(false);
            }
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
