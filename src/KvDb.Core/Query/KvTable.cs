using System.Diagnostics.CodeAnalysis;
using KvDb.Expressions;

namespace KvDb;

/// <summary>
/// A handle on one table: single-item reads and writes, and the entry points of fluent queries and scans.
/// Cheap to create; thread-safe.
/// </summary>
public sealed class KvTable
{
    internal KvTable(KvDatabase database, string name)
    {
        Database = database;
        Name = name;
    }

    /// <summary>The database.</summary>
    public KvDatabase Database { get; }

    /// <summary>The table name.</summary>
    public string Name { get; }

    private IKvStore Store => Database.Store;

    /// <summary>Describes the table; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.TableNotFound"/>) when it does not exist.</summary>
    public async ValueTask<TableDescription> DescribeAsync(CancellationToken cancellationToken = default) =>
        await Store.DescribeTableAsync(Name, cancellationToken).ConfigureAwait(false)
        ?? throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{Name}\" does not exist.");

    // ------------------------------------------------------------------ writes

    /// <summary>Creates or replaces an item, optionally only when <paramref name="condition"/> holds for the current item.</summary>
    public ValueTask<WriteResult> PutAsync(Item item, Condition? condition = null, ReturnValues returnValues = ReturnValues.None, CancellationToken cancellationToken = default)
    {
        var engine = Database.LocalEngine;
        return engine is null
            ? Store.PutItemAsync(new PutItemRequest(Name, item) { Condition = condition, ReturnValues = returnValues }, cancellationToken)
            : engine.PutItemAsync(LocalTable(engine), item, condition, returnValues, false, cancellationToken);
    }

    /// <summary>Stores a JSON object as an item (nested objects, arrays, exact numbers are kept).</summary>
    public ValueTask<WriteResult> PutJsonAsync(string json, CancellationToken cancellationToken = default) =>
        PutAsync(Item.FromJson(json), null, ReturnValues.None, cancellationToken);

    /// <summary>Creates or replaces an item synchronously (in memory this never waits on I/O).</summary>
    public void Put(Item item)
    {
        var pending = PutAsync(item);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Deletes an item, optionally under a condition; succeeds (and does nothing) when the item is absent.</summary>
    public ValueTask<WriteResult> DeleteAsync(ItemKey key, Condition? condition = null, ReturnValues returnValues = ReturnValues.None, CancellationToken cancellationToken = default) =>
        Store.DeleteItemAsync(new DeleteItemRequest(Name, key) { Condition = condition, ReturnValues = returnValues }, cancellationToken);

    /// <summary>Deletes an item by key values.</summary>
    public ValueTask<WriteResult> DeleteAsync(AttributeValue partitionKey, AttributeValue? sortKey = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(new ItemKey(partitionKey, sortKey), null, ReturnValues.None, cancellationToken);

    /// <summary>Updates (or creates) an item with SET / REMOVE / ADD / DELETE actions, optionally under a condition.</summary>
    public ValueTask<WriteResult> UpdateAsync(ItemKey key, UpdateExpression update, Condition? condition = null, ReturnValues returnValues = ReturnValues.None, CancellationToken cancellationToken = default) =>
        Store.UpdateItemAsync(new UpdateItemRequest(Name, key, update) { Condition = condition, ReturnValues = returnValues }, cancellationToken);

    /// <summary>Writes many items (and deletes) atomically.</summary>
    public ValueTask BatchWriteAsync(IEnumerable<Item> puts, IEnumerable<ItemKey>? deletes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(puts);
        var ops = puts.Select(i => BatchWriteOperation.Put(Name, i)).ToList();
        if (deletes is not null)
        {
            ops.AddRange(deletes.Select(k => BatchWriteOperation.Delete(Name, k)));
        }

        return Store.BatchWriteItemAsync(ops, cancellationToken);
    }

    // ------------------------------------------------------------------ reads

    /// <summary>Reads an item by key values; null when absent.</summary>
    public ValueTask<Item?> GetAsync(AttributeValue partitionKey, AttributeValue? sortKey = null, CancellationToken cancellationToken = default) =>
        GetAsync(new ItemKey(partitionKey, sortKey), null, cancellationToken);

    /// <summary>Reads an item, optionally projected; null when absent.</summary>
    public ValueTask<Item?> GetAsync(ItemKey key, Projection? projection, CancellationToken cancellationToken = default) =>
        Store.GetItemAsync(new GetItemRequest(Name, key) { Projection = projection }, cancellationToken);

    /// <summary>The synchronous point read; false when the item is absent.</summary>
    public bool TryGet(ItemKey key, [NotNullWhen(true)] out Item? item)
    {
        var engine = Database.LocalEngine;
        if (engine is null)
        {
            item = Store.GetItemAsync(new GetItemRequest(Name, key)).AsTask().GetAwaiter().GetResult();
            return item is not null;
        }

        item = engine.GetItem(LocalTable(engine), key);
        return item is not null;
    }

    // The table is cached between calls; a dropped (and possibly recreated) table is looked up again.
    private Storage.TableStore LocalTable(Engine.KvEngine engine)
    {
        var store = _store;
        if (store is null || store.Dropped)
        {
            _store = store = engine.Table(Name);
        }

        return store;
    }

    private Storage.TableStore? _store;

    /// <summary>Reads many items by key; absent keys are skipped.</summary>
    public async ValueTask<IReadOnlyList<Item>> BatchGetAsync(IEnumerable<ItemKey> keys, Projection? projection = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var result = await Store.BatchGetItemAsync([new BatchGetTable(Name, keys.ToList()) { Projection = projection }], cancellationToken).ConfigureAwait(false);
        return result.Items.TryGetValue(Name, out var items) ? items : [];
    }

    // ------------------------------------------------------------------ queries

    /// <summary>Starts a query on one partition.</summary>
    public KvQuery Query(AttributeValue partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        return new KvQuery(this, new QueryRequest(Name) { PartitionKey = partitionKey });
    }

    /// <summary>Starts a query over a prefix or range of partition keys: <c>QueryPartitions(pk =&gt; pk.BeginsWith("people"))</c>.</summary>
    public KvQuery QueryPartitions(Func<KeyConditionBuilder, KeyCondition> partitionKeyCondition)
    {
        ArgumentNullException.ThrowIfNull(partitionKeyCondition);
        return new KvQuery(this, new QueryRequest(Name) { PartitionKeyCondition = partitionKeyCondition(KeyConditionBuilder.Instance) });
    }

    /// <summary>Starts a scan of the whole table.</summary>
    public KvScan Scan() => new(this, new ScanRequest(Name));

    /// <summary>Starts a query on one partition of a secondary index (the key condition then refers to the index's sort key).</summary>
    public KvQuery QueryIndex(string indexName, AttributeValue partitionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        ArgumentNullException.ThrowIfNull(partitionKey);
        return new KvQuery(this, new QueryRequest(Name) { PartitionKey = partitionKey, IndexName = indexName });
    }

    /// <summary>Starts a scan of a secondary index.</summary>
    public KvScan ScanIndex(string indexName)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        return new KvScan(this, new ScanRequest(Name) { IndexName = indexName });
    }
}

/// <summary>Builds key conditions inside fluent lambdas: <c>sk =&gt; sk.BeginsWith("2024-")</c>.</summary>
public sealed class KeyConditionBuilder
{
    internal static readonly KeyConditionBuilder Instance = new();

    private KeyConditionBuilder()
    {
    }

    /// <summary>key = v</summary>
    public KeyCondition Equal(AttributeValue value) => KeyCondition.Equal(value);

    /// <summary>key &lt; v</summary>
    public KeyCondition LessThan(AttributeValue value) => KeyCondition.LessThan(value);

    /// <summary>key &lt;= v</summary>
    public KeyCondition LessThanOrEqual(AttributeValue value) => KeyCondition.LessThanOrEqual(value);

    /// <summary>key &gt; v</summary>
    public KeyCondition GreaterThan(AttributeValue value) => KeyCondition.GreaterThan(value);

    /// <summary>key &gt;= v</summary>
    public KeyCondition GreaterThanOrEqual(AttributeValue value) => KeyCondition.GreaterThanOrEqual(value);

    /// <summary>lo &lt;= key &lt;= hi</summary>
    public KeyCondition Between(AttributeValue low, AttributeValue high) => KeyCondition.Between(low, high);

    /// <summary>key begins with the prefix (S and B keys).</summary>
    public KeyCondition BeginsWith(AttributeValue prefix) => KeyCondition.BeginsWith(prefix);
}
