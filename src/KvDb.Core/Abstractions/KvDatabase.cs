using KvDb.Engine;

namespace KvDb;

/// <summary>
/// The entry point: one long-lived, thread-safe object per database. Create it once (or register it with
/// <c>services.AddKvDb(...)</c>), share it, and dispose it at shutdown.
/// </summary>
/// <example>
/// <code>
/// await using var db = KvDatabase.OpenInMemory();
/// var messages = await db.CreateTableAsync("messages", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
/// await messages.PutAsync(Item.Create().Set("pk", "people-100").Set("sk", "messages-101").Set("text", "hi").Build());
/// var latest = await messages.Query("people-100").Where(sk => sk.BeginsWith("messages")).Descending().Take(10).ToListAsync();
/// </code>
/// </example>
public sealed class KvDatabase : IAsyncDisposable, IDisposable
{
    private readonly KvEngine? _engine;
    private int _disposed;

    /// <summary>Wraps a store (the local engine, or a cluster's store).</summary>
    public KvDatabase(IKvStore store, KvDbOptions? options = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Options = options ?? new KvDbOptions();
        _engine = store as KvEngine;
    }

    /// <summary>Opens an in-memory database: nothing is written to disk.</summary>
    public static KvDatabase OpenInMemory(KvDbOptions? options = null)
    {
        options ??= new KvDbOptions();
        if (options.DataDirectory is not null)
        {
            throw new ArgumentException("OpenInMemory cannot be used with a DataDirectory.", nameof(options));
        }

        return new KvDatabase(new KvEngine(options), options);
    }

    /// <summary>
    /// Opens (or creates) a database in a data directory: every change is written to a write-ahead log before it is
    /// acknowledged (see <see cref="KvDbOptions.Durability"/>), and opening replays the log after the newest
    /// checkpoint. Another process holding the directory gets <see cref="KvErrorCode.DatabaseInUse"/>.
    /// </summary>
    public static KvDatabase Open(string directory, KvDbOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new KvDbOptions();
        options.DataDirectory = directory;
        return new KvDatabase(KvEngine.Open(directory, options), options);
    }

    /// <summary>Opens a database as the options say: file mode when <see cref="KvDbOptions.DataDirectory"/> is set, else in memory.</summary>
    public static KvDatabase Open(KvDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DataDirectory is { } directory ? Open(directory, options) : OpenInMemory(options);
    }

    /// <summary>What opening the data directory found (snapshot, records replayed, torn tail cut off); null in memory.</summary>
    public RecoveryReport? RecoveryReport => _engine?.RecoveryReport;

    /// <summary>The sequence number of the last committed change (local databases).</summary>
    public long LastSequence => _engine?.LastSequence ?? 0;

    /// <summary>Writes a snapshot of every table and drops the log before it (file mode; a no-op in memory).</summary>
    public ValueTask<long> CheckpointAsync(CancellationToken cancellationToken = default) =>
        _engine?.CheckpointAsync(cancellationToken) ?? ValueTask.FromResult(0L);

    /// <summary>Removes expired items (time-to-live) now instead of waiting for the background sweeper; returns how many.</summary>
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default) =>
        _engine?.SweepExpiredAsync(cancellationToken) ?? ValueTask.FromResult(0);

    /// <summary>Committed changes from <paramref name="fromSequence"/> (inclusive) on, in commit order; waits for new ones.</summary>
    public IAsyncEnumerable<ChangeRecord> Changes(long fromSequence = 1, CancellationToken cancellationToken = default) =>
        Store.ChangesAsync(fromSequence, cancellationToken);

    /// <summary>Runs up to 100 puts, updates, deletes and condition checks atomically.</summary>
    public ValueTask<TransactWriteResult> TransactWriteAsync(IReadOnlyList<TransactWriteItem> actions, CancellationToken cancellationToken = default) =>
        Store.TransactWriteItemsAsync(actions, cancellationToken);

    /// <summary>Runs puts, updates, deletes and condition checks atomically, up to <see cref="TransactWriteOptions.MaxActions"/> of them.</summary>
    public ValueTask<TransactWriteResult> TransactWriteAsync(IReadOnlyList<TransactWriteItem> actions, TransactWriteOptions options, CancellationToken cancellationToken = default) =>
        Store.TransactWriteItemsAsync(actions, options, cancellationToken);

    /// <summary>Removes a secondary index from a table.</summary>
    public ValueTask<TableDescription> DeleteIndexAsync(string tableName, string indexName, CancellationToken cancellationToken = default) =>
        Store.DeleteIndexAsync(tableName, indexName, cancellationToken);

    /// <summary>Reads up to 100 items as of one consistent instant.</summary>
    public ValueTask<IReadOnlyList<Item?>> TransactGetAsync(IReadOnlyList<TransactGetItem> reads, CancellationToken cancellationToken = default) =>
        Store.TransactGetItemsAsync(reads, cancellationToken);

    /// <summary>Adds a secondary index to a table and builds it from the existing items, reporting progress.</summary>
    public ValueTask<TableDescription> CreateIndexAsync(string tableName, IndexSchema index, IProgress<IndexBuildProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Store.CreateIndexAsync(tableName, index, progress, cancellationToken);

    /// <summary>The store every operation goes through.</summary>
    public IKvStore Store { get; }

    /// <summary>The options the database was opened with.</summary>
    public KvDbOptions Options { get; }

    internal KvEngine? LocalEngine => _engine;

    /// <summary>Creates a table.</summary>
    public async ValueTask<KvTable> CreateTableAsync(TableSchema schema, CancellationToken cancellationToken = default)
    {
        await Store.CreateTableAsync(schema, cancellationToken).ConfigureAwait(false);
        return Table(schema.Name);
    }

    /// <summary>Creates a table from its key attributes.</summary>
    public ValueTask<KvTable> CreateTableAsync(string name, KeyAttribute partitionKey, KeyAttribute? sortKey = null, CancellationToken cancellationToken = default) =>
        CreateTableAsync(new TableSchema(name, partitionKey, sortKey), cancellationToken);

    /// <summary>Deletes a table; false when it did not exist.</summary>
    public ValueTask<bool> DeleteTableAsync(string name, CancellationToken cancellationToken = default) =>
        Store.DeleteTableAsync(name, cancellationToken);

    /// <summary>Describes a table, or null.</summary>
    public ValueTask<TableDescription?> DescribeTableAsync(string name, CancellationToken cancellationToken = default) =>
        Store.DescribeTableAsync(name, cancellationToken);

    /// <summary>Table names.</summary>
    public ValueTask<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken = default) =>
        Store.ListTablesAsync(cancellationToken);

    /// <summary>A handle on a table (cheap; the table is checked when used).</summary>
    public KvTable Table(string name)
    {
        TableSchema.ValidateTableName(name);
        return new KvTable(this, name);
    }

    /// <summary>Reads many items from several tables in one call.</summary>
    public ValueTask<BatchGetResult> BatchGetAsync(IReadOnlyList<BatchGetTable> request, CancellationToken cancellationToken = default) =>
        Store.BatchGetItemAsync(request, cancellationToken);

    /// <summary>Writes many puts and deletes across tables in one atomic call.</summary>
    public ValueTask BatchWriteAsync(IReadOnlyList<BatchWriteOperation> operations, CancellationToken cancellationToken = default) =>
        Store.BatchWriteItemAsync(operations, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await Store.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
