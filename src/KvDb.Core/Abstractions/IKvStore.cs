namespace KvDb;

/// <summary>
/// The key-value store every language layer runs on: tables, single-item reads and writes, key queries,
/// scans and batches. Implemented by the local engine and, over many nodes, by the cluster.
/// </summary>
public interface IKvStore : IAsyncDisposable
{
    /// <summary>Creates a table; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.TableAlreadyExists"/>) when the name is taken.</summary>
    ValueTask<TableDescription> CreateTableAsync(TableSchema schema, CancellationToken cancellationToken = default);

    /// <summary>Deletes a table and its items; false when there was no such table.</summary>
    ValueTask<bool> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default);

    /// <summary>Describes a table, or null when it does not exist.</summary>
    ValueTask<TableDescription?> DescribeTableAsync(string tableName, CancellationToken cancellationToken = default);

    /// <summary>Names of all tables in ordinal order.</summary>
    ValueTask<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads one item; null when absent.</summary>
    ValueTask<Item?> GetItemAsync(GetItemRequest request, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces one item, optionally under a condition.</summary>
    ValueTask<WriteResult> PutItemAsync(PutItemRequest request, CancellationToken cancellationToken = default);

    /// <summary>Deletes one item, optionally under a condition.</summary>
    ValueTask<WriteResult> DeleteItemAsync(DeleteItemRequest request, CancellationToken cancellationToken = default);

    /// <summary>Updates (or creates) one item, optionally under a condition.</summary>
    ValueTask<WriteResult> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs a key query and returns one page.</summary>
    ValueTask<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default);

    /// <summary>Scans a table (or one segment of it) and returns one page.</summary>
    ValueTask<QueryResult> ScanAsync(ScanRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads many items from one or more tables.</summary>
    ValueTask<BatchGetResult> BatchGetItemAsync(IReadOnlyList<BatchGetTable> request, CancellationToken cancellationToken = default);

    /// <summary>Writes many puts and deletes in one call. The batch is applied atomically: all or nothing.</summary>
    ValueTask BatchWriteItemAsync(IReadOnlyList<BatchWriteOperation> operations, CancellationToken cancellationToken = default);

    /// <summary>Adds a secondary index to a table and builds it from the items already stored.</summary>
    ValueTask<TableDescription> CreateIndexAsync(string tableName, IndexSchema index, IProgress<IndexBuildProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Runs up to 100 puts, updates, deletes and condition checks atomically: all apply or none does.</summary>
    ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, CancellationToken cancellationToken = default);

    /// <summary>Runs puts, updates, deletes and condition checks atomically, up to <see cref="TransactWriteOptions.MaxActions"/> of them.</summary>
    ValueTask<TransactWriteResult> TransactWriteItemsAsync(IReadOnlyList<TransactWriteItem> actions, TransactWriteOptions options, CancellationToken cancellationToken = default);

    /// <summary>Removes a secondary index (its entries are dropped; the table's items are untouched).</summary>
    /// <exception cref="KvDbException"><see cref="KvErrorCode.TableNotFound"/>, or <see cref="KvErrorCode.InvalidQuery"/> when the table has no such index.</exception>
    ValueTask<TableDescription> DeleteIndexAsync(string tableName, string indexName, CancellationToken cancellationToken = default);

    /// <summary>Reads up to 100 items as of one consistent instant (null for absent items).</summary>
    ValueTask<IReadOnlyList<Item?>> TransactGetItemsAsync(IReadOnlyList<TransactGetItem> reads, CancellationToken cancellationToken = default);

    /// <summary>Committed changes from a sequence number (inclusive) on, in commit order; waits for new ones.</summary>
    IAsyncEnumerable<ChangeRecord> ChangesAsync(long fromSequence, CancellationToken cancellationToken = default);
}
