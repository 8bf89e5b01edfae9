using System.Runtime.CompilerServices;
using KvDb.Cluster.Membership;
using KvDb.Cluster.Node;
using KvDb.Cluster.Replication;
using KvDb.Expressions;
using KvDb.Storage;

namespace KvDb.Cluster;

/// <summary>
/// The cluster as a KvDb store: wrap it in a <see cref="KvDatabase"/> (<c>new KvDatabase(node.Store)</c>) and
/// every API, SQL and Cypher included, runs over the cluster. Point operations go to the item's replica set
/// (per-item Paxos), key queries to one replica set, partition-key range queries and scans fan out and merge
/// in key order, and transactions span nodes. See docs/cluster.md for the consistency model.
/// </summary>
public sealed partial class ClusteredKvStore : IKvStore
{
    private readonly ClusterNode _node;

    internal ClusteredKvStore(ClusterNode node)
    {
        _node = node;
    }

    private Coordinator Coordinator => _node.Coordinator;

    private ClusterConfig Config => _node.Config;

    private TableSchema Schema(string table)
    {
        TableSchema.ValidateTableName(table);
        return Config.FindTable(table) ?? throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{table}\" does not exist.");
    }

    private async Task<TableSchema> SchemaAsync(string table, CancellationToken ct)
    {
        TableSchema.ValidateTableName(table);
        if (Config.FindTable(table) is { } schema)
        {
            return schema;
        }

        await _node.RefreshConfigAsync(ct); // created through another node moments ago?
        return Schema(table);
    }

    // ------------------------------------------------------------------ tables

    /// <inheritdoc />
    public async ValueTask<TableDescription> CreateTableAsync(TableSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Validate();
        if (schema.Name.StartsWith("__cluster", StringComparison.Ordinal) || schema.Name.StartsWith("__meta.", StringComparison.Ordinal))
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table name \"{schema.Name}\" is reserved: names starting with \"__cluster\" or \"__meta.\" belong to the cluster.");
        }

        var now = _node.Runtime.NowMilliseconds;
        var (config, _) = await Coordinator.ChangeConfigAsync(c => c.FindTable(schema.Name) is not null
            ? throw new KvDbException(KvErrorCode.TableAlreadyExists, $"Table \"{schema.Name}\" already exists.")
            : c with { Tables = [.. c.Tables.Add(schema).OrderBy(t => t.Name, StringComparer.Ordinal)], CreatedAt = c.CreatedAt.SetItem(schema.Name, now) }, cancellationToken);
        return Describe(config, schema.Name);
    }

    private static TableDescription Describe(ClusterConfig config, string name) =>
        new(config.FindTable(name)!, -1, -1, -1, DateTimeOffset.FromUnixTimeMilliseconds(config.CreatedAt.GetValueOrDefault(name)));

    /// <summary>
    /// The table with estimated sizes: every live member's local counts summed and divided by the replication factor
    /// (each item is held by that many replicas), scaled up when some members did not answer. An estimate, not a
    /// count: replicas that have not converged, and ranges a node still holds during a rebalance, make it drift a
    /// little; -1 when no member answered.
    /// </summary>
    private async Task<TableDescription> DescribeWithStatsAsync(ClusterConfig config, string name, CancellationToken ct)
    {
        var now = _node.Runtime.Time.GetUtcNow();
        if (_stats.TryGetValue(name, out var cached) && cached.Epoch == config.Epoch && now - cached.At < StatsLifetime)
        {
            return cached.Description;
        }

        var described = await GatherStatsAsync(config, name, ct);
        if (_stats.Count > 1024)
        {
            _stats.Clear();
        }

        _stats[name] = (config.Epoch, now, described);
        return described;
    }

    /// <summary>How long gathered table sizes are reused (planners describe tables on every statement).</summary>
    private static readonly TimeSpan StatsLifetime = TimeSpan.FromSeconds(2);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Epoch, DateTimeOffset At, TableDescription Description)> _stats = new(StringComparer.Ordinal);

    private async Task<TableDescription> GatherStatsAsync(ClusterConfig config, string name, CancellationToken ct)
    {
        var members = config.Members.Where(m => m.State != MemberState.Dead).Select(m => m.Id).ToArray();
        var message = new TableStatsRequest(config.Epoch, name);
        var outcome = await Quorum.GatherAsync<TableStatsReply>([members], n => n, n => _node.SendAsync(n, message, ct), r => r.Status == ReplyStatus.Ok);
        var answered = outcome.Replies.Where(r => r.Reply.Status == ReplyStatus.Ok).Select(r => r.Reply).ToArray();
        var plain = Describe(config, name);
        if (answered.Length == 0)
        {
            return plain;
        }

        var ringMembers = config.Members.Count(m => m.State is MemberState.Normal or MemberState.Joining);
        var replicas = (double)Math.Max(1, Math.Min(_node.Options.ReplicationFactor, ringMembers));
        var scale = (double)members.Length / answered.Length / replicas;
        long Estimate(Func<TableStatsReply, long> field) => (long)Math.Round(answered.Sum(field) * scale);
        return plain with { ItemCount = Estimate(r => r.ItemCount), PartitionCount = Estimate(r => r.PartitionCount), SizeBytes = Estimate(r => r.SizeBytes) };
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default)
    {
        TableSchema.ValidateTableName(tableName);
        var (_, applied) = await Coordinator.ChangeConfigAsync(c => c.FindTable(tableName) is { } t ? c with { Tables = c.Tables.Remove(t) } : null, cancellationToken);
        return applied;
    }

    /// <summary>
    /// Describes a table. ItemCount, PartitionCount and SizeBytes are estimates gathered from the members' local
    /// copies (one request to each live member; see docs/cluster.md), -1 when no member answers.
    /// </summary>
    public async ValueTask<TableDescription?> DescribeTableAsync(string tableName, CancellationToken cancellationToken = default)
    {
        TableSchema.ValidateTableName(tableName);
        if (Config.FindTable(tableName) is null)
        {
            await _node.RefreshConfigAsync(cancellationToken);
        }

        var config = Config;
        return config.FindTable(tableName) is null ? null : await DescribeWithStatsAsync(config, tableName, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken = default)
    {
        await _node.RefreshConfigAsync(cancellationToken);
        return Config.Tables.Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    public async ValueTask<TableDescription> CreateIndexAsync(string tableName, IndexSchema index, IProgress<IndexBuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        var (config, _) = await Coordinator.ChangeConfigAsync(c =>
        {
            var t = c.FindTable(tableName) ?? throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{tableName}\" does not exist.");
            if (t.Indexes.Any(i => i.Name == index.Name))
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{tableName}\" already has an index named \"{index.Name}\".");
            }

            var updated = t with { Indexes = [.. t.Indexes, index] };
            updated.Validate();
            return c with { Tables = c.Tables.Replace(t, updated) };
        }, cancellationToken);
        progress?.Report(new IndexBuildProgress(1, 1));
        return Describe(config, tableName);
    }

    /// <inheritdoc />
    public async ValueTask<TableDescription> DeleteIndexAsync(string tableName, string indexName, CancellationToken cancellationToken = default)
    {
        var (config, _) = await Coordinator.ChangeConfigAsync(c =>
        {
            var t = c.FindTable(tableName) ?? throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{tableName}\" does not exist.");
            if (!t.Indexes.Any(i => i.Name == indexName))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery, $"Table \"{tableName}\" has no index named \"{indexName}\".");
            }

            return c with { Tables = c.Tables.Replace(t, t with { Indexes = t.Indexes.Where(i => i.Name != indexName).ToArray() }) };
        }, cancellationToken);
        return Describe(config, tableName);
    }

    // ------------------------------------------------------------------ single items

    private static (byte[] Pk, byte[]? Sk) CheckKey(TableSchema schema, ItemKey key)
    {
        var pk = KeyCodec.Encode(key.PartitionKey, schema.PartitionKey, true, schema.Name);
        if (schema.SortKey is null)
        {
            if (key.SortKey is not null)
            {
                throw new KvDbException(KvErrorCode.InvalidKey, $"Table \"{schema.Name}\" has no sort key, but the key {key} has one.");
            }

            return (pk, null);
        }

        return (pk, KeyCodec.Encode(key.SortKey, schema.SortKey, false, schema.Name));
    }

    private static ItemKey KeyOfItem(TableSchema schema, Item item)
    {
        item.TryGetValue(schema.PartitionKey.Name, out var pk);
        AttributeValue? sk = null;
        if (schema.SortKey is not null)
        {
            item.TryGetValue(schema.SortKey.Name, out sk);
        }

        KeyCodec.CheckType(pk, schema.PartitionKey, true, schema.Name);
        if (schema.SortKey is not null)
        {
            KeyCodec.CheckType(sk, schema.SortKey, false, schema.Name);
        }

        var key = new ItemKey(pk!, sk);
        CheckKey(schema, key);
        return key;
    }

    private static void CheckItem(TableSchema schema, Item item, ItemKey key)
    {
        if (item.EncodedLength > 400 * 1024 && item.SizeInBytes > 400 * 1024)
        {
            throw new KvDbException(KvErrorCode.ItemTooLarge,
                $"Table \"{schema.Name}\": the item with key {key} is {item.SizeInBytes} bytes; the limit is {400 * 1024} bytes (400 KB).");
        }
    }

    /// <inheritdoc />
    public async ValueTask<Item?> GetItemAsync(GetItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        CheckKey(schema, request.Key);
        var state = await Coordinator.ReadAsync(schema.Name, request.Key, cancellationToken);
        var item = await VisibleAsync(schema.Name, request.Key, state, cancellationToken);
        return item is null ? null : request.Projection is null ? item : request.Projection.Apply(item);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> PutItemAsync(PutItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Item);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        if (request.ReturnValues is not (ReturnValues.None or ReturnValues.AllOld))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"PutItem on table \"{schema.Name}\": ReturnValues must be None or AllOld, not {request.ReturnValues}.");
        }

        var key = KeyOfItem(schema, request.Item);
        CheckItem(schema, request.Item, key);
        return await WriteAsync(schema, key, current =>
        {
            if (request.Condition is not null && !request.Condition.Evaluate(current ?? Item.Empty))
            {
                return (false, null, request.ReturnOldOnConditionFailure ? current : null);
            }

            return (true, request.Item, request.ReturnValues == ReturnValues.AllOld ? current : null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> DeleteItemAsync(DeleteItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        if (request.ReturnValues is not (ReturnValues.None or ReturnValues.AllOld))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"DeleteItem on table \"{schema.Name}\": ReturnValues must be None or AllOld, not {request.ReturnValues}.");
        }

        CheckKey(schema, request.Key);
        return await WriteAsync(schema, request.Key, current =>
        {
            if (request.Condition is not null && !request.Condition.Evaluate(current ?? Item.Empty))
            {
                return (false, current, request.ReturnOldOnConditionFailure ? current : null);
            }

            return (true, null, request.ReturnValues == ReturnValues.AllOld ? current : null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        request.Update.CheckKeyNotUpdated(schema, $"Table \"{schema.Name}\"");

        CheckKey(schema, request.Key);
        return await WriteAsync(schema, request.Key, current =>
        {
            if (request.Condition is not null && !request.Condition.Evaluate(current ?? Item.Empty))
            {
                return (false, current, request.ReturnOldOnConditionFailure ? current : null);
            }

            var (newItem, outcome) = ApplyUpdate(schema, request.Key, request.Update, current);
            return (true, newItem, outcome.Returned(request.ReturnValues, current, newItem));
        }, cancellationToken);
    }

    private static (Item Item, UpdateOutcome Outcome) ApplyUpdate(TableSchema schema, ItemKey key, UpdateExpression update, Item? current)
    {
        var start = current?.ToMap() ?? KeyAttributes(schema, key);
        UpdateOutcome outcome;
        try
        {
            outcome = update.Apply(start);
        }
        catch (KvDbException e) when (!e.Message.Contains(schema.Name, StringComparison.Ordinal))
        {
            throw new KvDbException(e.Code, $"Table \"{schema.Name}\", key {key}: {e.Message}", e);
        }

        var item = Item.FromMap(outcome.Attributes);
        CheckItem(schema, item, key);
        return (item, outcome);
    }

    private static AttributeMap KeyAttributes(TableSchema schema, ItemKey key)
    {
        var map = AttributeMap.Empty.With(schema.PartitionKey.Name, key.PartitionKey);
        return schema.SortKey is null ? map : map.With(schema.SortKey.Name, key.SortKey!);
    }

    /// <summary>
    /// One conditional write of one item. <paramref name="decide"/> sees the current item (null when absent)
    /// and returns whether to write, the new item (null = delete) and what to return. It may run more than once
    /// (once per Paxos attempt) and must not have side effects. A cell locked by a transaction is first
    /// resolved (committed or abandoned transactions) or reported as a conflict.
    /// </summary>
    private async Task<WriteResult> WriteAsync(TableSchema schema, ItemKey key, Func<Item?, (bool Write, Item? NewItem, Item? Returned)> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await Coordinator.CasAsync(schema.Name, key, (state, ballot) =>
            {
                if (state.Intent is not null)
                {
                    return new CasDecision<WriteOutcome>(null, new WriteOutcome(false, null, state.Intent));
                }

                var (write, newItem, returned) = decide(state.Item);
                return write
                    ? new CasDecision<WriteOutcome>(new CellState(newItem, ballot), new WriteOutcome(true, returned, null))
                    : new CasDecision<WriteOutcome>(null, new WriteOutcome(false, returned, null));
            }, ct);
            if (outcome.Intent is null)
            {
                return new WriteResult(outcome.Succeeded, outcome.Returned);
            }

            await ResolveIntentOrConflictAsync(schema.Name, key, outcome.Intent, attempt, ct);
        }
    }

    private sealed record WriteOutcome(bool Succeeded, Item? Returned, TxnIntent? Intent);

    // ------------------------------------------------------------------ batches

    /// <inheritdoc />
    public async ValueTask<BatchGetResult> BatchGetItemAsync(IReadOnlyList<BatchGetTable> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new Dictionary<string, IReadOnlyList<Item>>(StringComparer.Ordinal);
        foreach (var table in request)
        {
            var schema = await SchemaAsync(table.TableName, cancellationToken);
            foreach (var key in table.Keys)
            {
                CheckKey(schema, key);
            }

            var items = await Task.WhenAll(table.Keys.Select(k => GetItemAsync(new GetItemRequest(table.TableName, k) { Projection = table.Projection }, cancellationToken).AsTask()));
            result[table.TableName] = items.Where(i => i is not null).Select(i => i!).ToArray();
        }

        return new BatchGetResult(result);
    }

    /// <summary>Writes many puts and deletes atomically (as one cross-node transaction without an action limit).</summary>
    public async ValueTask BatchWriteItemAsync(IReadOnlyList<BatchWriteOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return;
        }

        var actions = operations.Select(o => o.PutItem is not null
            ? (TransactWriteItem)new TransactPut(o.TableName, o.PutItem)
            : new TransactDelete(o.TableName, o.DeleteKey!.Value)).ToArray();
        var result = await TransactWriteItemsAsync(actions, new TransactWriteOptions { MaxActions = TransactWriteOptions.Unbounded }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new KvDbException(KvErrorCode.TransactionCanceled, $"The batch write was cancelled: {result.CancellationReasons.FirstOrDefault(r => r.Code != "None")?.Message}");
        }
    }

    /// <summary>
    /// Not available on a cluster store: each node has its own local change feed (its replicas), and the
    /// cluster does not merge them into one ordered feed. Throws <see cref="KvDbException"/> (InvalidQuery).
    /// </summary>
    public async IAsyncEnumerable<ChangeRecord> ChangesAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        throw new KvDbException(KvErrorCode.InvalidQuery,
            "A clustered store has no single ordered change feed; features that need one (SQL materialized joins) run on a local database.");
#pragma warning disable CS0162 // the iterator needs a yield to be one
        yield break;
#pragma warning restore CS0162
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _node.DisposeAsync();
}
