using System.Collections.Concurrent;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

/// <summary>
/// The local storage engine: a catalog of <see cref="TableStore"/>s plus the write protocol (stripe lock,
/// condition, log, apply). Thread-safe; readers never lock. In file mode it owns the data directory: a lock
/// file, the write-ahead log segments and checkpoint snapshots.
/// </summary>
internal sealed partial class KvEngine : IKvStore
{
    private readonly ConcurrentDictionary<string, TableStore> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _tableNamesById = new();
    private readonly ConcurrentDictionary<int, TableSchema> _schemasById = new();
    private readonly StripedLocks _locks = new();
    private readonly SemaphoreSlim _catalogLock = new(1, 1);
    private readonly TimeProvider _time;
    private readonly KvDbOptions _options;
    private readonly ChangeFeed _feed;
    private readonly string? _directory;
    private readonly FileStream? _lockFile;
    private WriteAheadLog? _wal;
    private int _nextTableId;
    private long _sequence;
    private long _logBytesSinceCheckpoint;
    private volatile bool _disposed;
    private bool _recovering;

    /// <summary>Opens an in-memory engine.</summary>
    public KvEngine(KvDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _feed = new ChangeFeed(options.ChangeFeedRetention, 0);
        StartTtlSweeper();
    }

    private KvEngine(KvDbOptions options, string directory, FileStream lockFile)
    {
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _directory = directory;
        _lockFile = lockFile;
        _feed = new ChangeFeed(options.ChangeFeedRetention, 0);
    }

    /// <summary>The sequence number of the last committed change.</summary>
    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>What opening the data directory found (null in memory mode).</summary>
    public RecoveryReport? RecoveryReport { get; private set; }

    internal string? Directory => _directory;

    // ------------------------------------------------------------------ catalog

    public async ValueTask<TableDescription> CreateTableAsync(TableSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ThrowIfDisposed();
        schema.Validate();
        await _catalogLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tables.ContainsKey(schema.Name))
            {
                throw new KvDbException(KvErrorCode.TableAlreadyExists, $"Table \"{schema.Name}\" already exists.");
            }

            var id = _nextTableId + 1;
            var createdAt = _time.GetUtcNow();
            await LogCatalogAsync(WalRecordType.CreateTable, b =>
            {
                WalRecord.WriteTableId(b, id);
                SchemaCodec.Write(b, schema);
            }).ConfigureAwait(false);
            _nextTableId = id;
            var table = AddTable(schema, id, createdAt);
            return table.Describe();
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    private TableStore AddTable(TableSchema schema, int id, DateTimeOffset createdAt)
    {
        var table = new TableStore(schema, id, createdAt);
        if (_recovering)
        {
            table.SuspendItemIndex();
        }

        foreach (var index in schema.Indexes)
        {
            table.AddIndex(new IndexStore(index, table) { IsActive = true });
        }

        _tables[schema.Name] = table;
        _tableNamesById[id] = schema.Name;
        _schemasById[id] = schema;
        _nextTableId = Math.Max(_nextTableId, id);
        return table;
    }

    public async ValueTask<bool> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        ThrowIfDisposed();
        await _catalogLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_tables.TryGetValue(tableName, out var table))
            {
                return false;
            }

            await LogCatalogAsync(WalRecordType.DropTable, b => WalRecord.WriteTableId(b, table.Id)).ConfigureAwait(false);
            _tables.TryRemove(tableName, out _);
            table.Dropped = true;
            return true;
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    public ValueTask<TableDescription?> DescribeTableAsync(string tableName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        ThrowIfDisposed();
        return ValueTask.FromResult(_tables.TryGetValue(tableName, out var t) ? t.Describe() : null);
    }

    /// <summary>Whether the table exists (no description built: for callers that only need to know).</summary>
    internal bool HasTable(string tableName)
    {
        ThrowIfDisposed();
        return _tables.ContainsKey(tableName);
    }

    public ValueTask<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var names = _tables.Keys.ToList();
        names.Sort(StringComparer.Ordinal);
        return ValueTask.FromResult<IReadOnlyList<string>>(names);
    }

    /// <summary>The store of a table, or null when there is no such table.</summary>
    internal TableStore? FindTable(string tableName)
    {
        ThrowIfDisposed();
        return _tables.GetValueOrDefault(tableName);
    }

    internal TableStore Table(string tableName)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        ThrowIfDisposed();
        return _tables.TryGetValue(tableName, out var table)
            ? table
            : throw new KvDbException(KvErrorCode.TableNotFound, $"Table \"{tableName}\" does not exist.");
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(KvDatabase), "The database has been disposed.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ttlTimer?.Dispose();
        var checkpoint = _checkpointTask;
        if (checkpoint is not null)
        {
            // Never faults: CheckpointInBackgroundAsync records failures instead of throwing.
            await checkpoint.ConfigureAwait(false);
        }

        _wal?.Dispose();
        _lockFile?.Dispose();
    }

    // ------------------------------------------------------------------ keys

    /// <summary>The encoded keys of an item about to be stored, validated against the schema.</summary>
    internal static (byte[] Pk, byte[]? Sk) EncodeItemKey(TableStore table, Item item)
    {
        var schema = table.Schema;
        var pk = KeyCodec.Encode(item.Get(schema.PartitionKey.Name), schema.PartitionKey, true, schema.Name);
        var sk = schema.SortKey is null ? null : KeyCodec.Encode(item.Get(schema.SortKey.Name), schema.SortKey, false, schema.Name);
        return (pk, sk);
    }

    /// <summary>The encoded form of an <see cref="ItemKey"/>, validated against the schema.</summary>
    internal static (byte[] Pk, byte[]? Sk) EncodeKey(TableStore table, ItemKey key)
    {
        var schema = table.Schema;
        var pk = KeyCodec.Encode(key.PartitionKey, schema.PartitionKey, true, schema.Name);
        if (schema.SortKey is null)
        {
            if (key.SortKey is not null)
            {
                throw new KvDbException(KvErrorCode.InvalidKey,
                    $"Table \"{schema.Name}\" has no sort key, but the key {key} gives one.");
            }

            return (pk, null);
        }

        if (key.SortKey is null)
        {
            throw new KvDbException(KvErrorCode.InvalidKey,
                $"Table \"{schema.Name}\": the key {key} lacks the sort key \"{schema.SortKey.Name}\".");
        }

        return (pk, KeyCodec.Encode(key.SortKey, schema.SortKey, false, schema.Name));
    }

    /// <summary>An item's identity for "each item may appear once" checks in batches and transactions.</summary>
    private static ItemIdentity IdentityOf(TableStore table, byte[] pk, byte[]? sk) => new(table.Id, pk, sk);

    /// <summary>One item of one table, compared by its encoded key bytes (for "each item once" checks; no copies).</summary>
    private readonly struct ItemIdentity(int tableId, byte[] pk, byte[]? sk) : IEquatable<ItemIdentity>
    {
        private readonly int _tableId = tableId;
        private readonly byte[] _pk = pk;
        private readonly byte[]? _sk = sk;

        public bool Equals(ItemIdentity other) =>
            _tableId == other._tableId && _pk.AsSpan().SequenceEqual(other._pk) &&
            (_sk is null ? other._sk is null : other._sk is not null && _sk.AsSpan().SequenceEqual(other._sk));

        public override bool Equals(object? obj) => obj is ItemIdentity other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(_tableId, HashIndex.Hash(_pk), _sk is null ? 0 : HashIndex.Hash(_sk));
    }

    /// <summary>The key attributes of a key as a map (the starting image of an update that creates an item).</summary>
    private static AttributeMap KeyAttributes(TableSchema schema, ItemKey key)
    {
        var map = AttributeMap.Empty.With(schema.PartitionKey.Name, key.PartitionKey);
        return schema.SortKey is null ? map : map.With(schema.SortKey.Name, key.SortKey!);
    }

    internal const int MaxItemSize = 400 * 1024;

    internal static void CheckItemSize(TableStore table, Item item, byte[] pk)
    {
        // The binary form is never smaller than DynamoDB's size measure (every name, value and element costs at
        // least as many bytes), so small items need no walk.
        if (item.EncodedLength <= MaxItemSize)
        {
            return;
        }

        var size = item.SizeInBytes;
        if (size > MaxItemSize)
        {
            throw new KvDbException(KvErrorCode.ItemTooLarge,
                $"Table \"{table.Name}\": the item with partition key {ItemKey.Describe(KeyCodec.Decode(pk, table.Schema.PartitionKey.Type))} is {size} bytes; the limit is {MaxItemSize} bytes (400 KB).");
        }
    }
}
