using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace KvDb.Storage;

/// <summary>
/// One table in memory: the partition hash index, the partition-key trie (ordered prefix and range queries),
/// per partition a trie of items ordered by sort key, and for tables with a sort key an item index from
/// (partition key, sort key) to record, so a point read is one probe.
/// </summary>
/// <remarks>
/// For a table without a sort key, a partition is a single item, so the hash index and the trie hold the
/// stored record itself (no partition object). Readers never lock. Writers hold the partition's stripe lock
/// (see <see cref="Engine.StripedLocks"/>); changes to the hash index, the partition-key trie and the item index,
/// which are shared by all partitions, also take <see cref="_structureLock"/> for the few instructions they last.
/// </remarks>
internal sealed class TableStore
{
    private readonly HashTable<PartitionKeys> _hash = new();
    private HashTable<ItemKeys>? _items; // (pk, sk) -> record: one probe per point read in tables with a sort key
    private bool _itemIndexSuspended;
    private readonly PrefixTrie _partitionKeys = new();
    private readonly object _structureLock = new();
    private long _itemCount;
    private long _sizeBytes;
    private long _changes;

    /// <param name="schema">The table's (or index's) key schema.</param>
    /// <param name="id">The table id (shared by an index with its table).</param>
    /// <param name="createdAt">Creation time.</param>
    /// <param name="isIndex">True for the entry store of a secondary index: records keep every attribute, and no item index is kept.</param>
    public TableStore(TableSchema schema, int id, DateTimeOffset createdAt, bool isIndex = false)
    {
        Schema = schema;
        Id = id;
        CreatedAt = createdAt;
        HasSortKey = schema.SortKey is not null;
        if (!isIndex)
        {
            Layout = new ItemLayout(schema);
            if (HasSortKey)
            {
                _items = new HashTable<ItemKeys>();
            }
        }
    }

    /// <summary>Where the key attributes of this table's records live; null for index entry stores (records hold everything).</summary>
    public ItemLayout? Layout { get; }

    /// <summary>Builds the stored record of an item whose encoded keys are <paramref name="pk"/> and <paramref name="sk"/>.</summary>
    public byte[] BuildRecord(byte[] pk, byte[]? sk, Item item) =>
        Layout is null
            ? ItemCodec.BuildRecord(sk ?? pk, null, item.EncodedAttributes)
            : ItemCodec.BuildTableRecord(sk ?? pk, sk is null ? null : pk, item.EncodedAttributes, Layout.PartitionKey.Name, Layout.SortKey?.Name);

    public TableSchema Schema { get; }

    public int Id { get; }

    public DateTimeOffset CreatedAt { get; }

    public bool HasSortKey { get; }

    public string Name => Schema.Name;

    public long ItemCount => Interlocked.Read(ref _itemCount);

    public long SizeBytes => Interlocked.Read(ref _sizeBytes);

    /// <summary>
    /// How many records this table has stored or removed since it was created or opened (every put counts, and every
    /// delete that removed something): a reader that keeps its own copy of the table's rows compares it to know
    /// whether anything changed since the copy was made.
    /// </summary>
    public long ChangeCount => Interlocked.Read(ref _changes);

    public long PartitionCount => _hash.Count;

    public PrefixTrie PartitionKeys => _partitionKeys;

    private IndexStore[] _indexes = [];

    /// <summary>The table's secondary indexes (replaced as a whole when one is added).</summary>
    public IReadOnlyList<IndexStore> Indexes => Volatile.Read(ref _indexes);

    public void AddIndex(IndexStore index) => Volatile.Write(ref _indexes, [.. _indexes, index]);

    /// <summary>Removes an index; writers from now on stop maintaining it.</summary>
    public void RemoveIndex(IndexStore index) => Volatile.Write(ref _indexes, _indexes.Where(i => !ReferenceEquals(i, index)).ToArray());

    public IndexStore? FindIndex(string name)
    {
        foreach (var index in Indexes)
        {
            if (string.Equals(index.Schema.Name, name, StringComparison.Ordinal))
            {
                return index;
            }
        }

        return null;
    }

    /// <summary>The schema including indexes added after creation.</summary>
    public TableSchema CurrentSchema
    {
        get
        {
            // Built once per set of indexes (the array is replaced whole when one is added or removed).
            var indexes = Volatile.Read(ref _indexes);
            var cached = Volatile.Read(ref _currentSchema);
            if (cached is null || !ReferenceEquals(cached.Value.Indexes, indexes))
            {
                cached = new((indexes, Schema with { Indexes = indexes.Select(i => i.Schema).ToArray() }));
                Volatile.Write(ref _currentSchema, cached);
            }

            return cached.Value.Schema;
        }
    }

    private StrongBox<(IndexStore[] Indexes, TableSchema Schema)>? _currentSchema;

    /// <summary>Set when the table is deleted; writers that raced with the delete see it and fail.</summary>
    public volatile bool Dropped;

    // ------------------------------------------------------------------ reads

    public object? GetPartitionLeaf(ReadOnlySpan<byte> pk, int hash) => _hash.Get(pk, hash);

    public byte[]? GetRecord(ReadOnlySpan<byte> pk, int hash, ReadOnlySpan<byte> sk)
    {
        var leaf = _hash.Get(pk, hash);
        if (leaf is null)
        {
            return null;
        }

        return HasSortKey ? (byte[]?)((Partition)leaf).Items.Get(sk) : (byte[])leaf;
    }

    /// <summary>The point read: one probe of the item index (tables with a sort key) or the partition index.</summary>
    public byte[]? GetRecordFast(ReadOnlySpan<byte> pk, ReadOnlySpan<byte> sk)
    {
        if (_items is not null)
        {
            return (byte[]?)_items.Get(pk, sk, HashIndex.Hash(pk, sk));
        }

        return HasSortKey ? GetRecord(pk, HashIndex.Hash(pk), sk) : (byte[]?)_hash.Get(pk, HashIndex.Hash(pk));
    }

    public Item ItemOf(byte[] record) =>
        Layout is null ? new(record, ItemCodec.RecordAttributesOffset(record)) : new(record, ItemCodec.RecordAttributesOffset(record), Layout);

    public ItemKey KeyOf(byte[] pk, byte[] record)
    {
        var pkValue = KeyCodec.Decode(pk, Schema.PartitionKey.Type);
        return HasSortKey
            ? new ItemKey(pkValue, KeyCodec.Decode(ItemCodec.RecordKey(record), Schema.SortKey!.Type))
            : new ItemKey(pkValue);
    }

    // ------------------------------------------------------------------ writes (partition stripe lock held)

    /// <summary>
    /// Stores a record (keyed by sk, or by pk for tables without a sort key); returns the replaced record.
    /// <paramref name="pkArray"/> is the encoded partition key, or null to read it from the record.
    /// </summary>
    public byte[]? Put(byte[]? pkArray, int hash, byte[] record)
    {
        var pk = pkArray ?? ItemCodec.RecordPartitionKey(record);
        byte[]? old;
        if (!HasSortKey)
        {
            lock (_structureLock)
            {
                old = (byte[]?)_hash.Set(pk, hash, record);
                _partitionKeys.Set(record);
            }
        }
        else
        {
            var partition = (Partition?)_hash.Get(pk, hash);
            if (partition is null)
            {
                partition = new Partition(pkArray ?? pk.ToArray());
                partition.Items.Set(record);
                lock (_structureLock)
                {
                    _hash.Set(pk, hash, partition);
                    _partitionKeys.Set(partition);
                }

                old = null;
            }
            else
            {
                old = (byte[]?)partition.Items.Set(record);
            }

            if (_items is not null && !_itemIndexSuspended)
            {
                var sk = ItemCodec.RecordKey(record);
                lock (_structureLock)
                {
                    _items.Set(pk, sk, HashIndex.Hash(pk, sk), record);
                }
            }
        }

        if (old is null)
        {
            Interlocked.Increment(ref _itemCount);
        }

        Interlocked.Add(ref _sizeBytes, record.Length - (old?.Length ?? 0));
        Interlocked.Increment(ref _changes);
        return old;
    }

    /// <summary>Makes room in the hash indexes for <paramref name="additional"/> more items at once, so a bulk insert does not resize them step by step.</summary>
    public void Reserve(int additional)
    {
        lock (_structureLock)
        {
            if (_items is null)
            {
                _hash.EnsureCapacity(additional); // one leaf per item
            }
            else if (!_itemIndexSuspended)
            {
                _items.EnsureCapacity(additional); // partitions may be shared: only the item index grows by one per item
            }
        }
    }

    /// <summary>Removes the record with the key; returns it, or null when absent.</summary>
    public byte[]? Delete(byte[] pk, int hash, ReadOnlySpan<byte> sk)
    {
        byte[]? old;
        if (!HasSortKey)
        {
            lock (_structureLock)
            {
                old = (byte[]?)_hash.Remove(pk, hash);
                if (old is not null)
                {
                    _partitionKeys.Remove(pk);
                }
            }
        }
        else
        {
            var partition = (Partition?)_hash.Get(pk, hash);
            if (partition is null)
            {
                return null;
            }

            old = (byte[]?)partition.Items.Remove(sk);
            if (old is not null && _items is not null && !_itemIndexSuspended)
            {
                lock (_structureLock)
                {
                    _items.Remove(pk, sk, HashIndex.Hash(pk, sk));
                }
            }

            if (old is not null && partition.Items.IsEmpty)
            {
                lock (_structureLock)
                {
                    var removed = _hash.Remove(pk, hash);
                    Debug.Assert(ReferenceEquals(removed, partition));
                    _partitionKeys.Remove(pk);
                }
            }
        }

        if (old is not null)
        {
            Interlocked.Decrement(ref _itemCount);
            Interlocked.Add(ref _sizeBytes, -old.Length);
            Interlocked.Increment(ref _changes);
        }

        return old;
    }

    /// <summary>
    /// Recovery: stop maintaining the item index (replay workers would all contend for its lock); readers are not
    /// running yet. <see cref="RebuildItemIndex"/> builds it once, pre-sized, when replay is done.
    /// </summary>
    public void SuspendItemIndex() => _itemIndexSuspended = _items is not null;

    public void RebuildItemIndex()
    {
        if (!_itemIndexSuspended)
        {
            return;
        }

        var index = new HashTable<ItemKeys>((int)Math.Min(ItemCount, int.MaxValue / 2));
        var partitions = _partitionKeys.ScanAll();
        while (partitions.MoveNext())
        {
            var partition = (Partition)partitions.Current!;
            var items = partition.ScanAll();
            while (items.MoveNext())
            {
                var record = (byte[])items.Current!;
                var sk = ItemCodec.RecordKey(record);
                index.Set(partition.Key, sk, HashIndex.Hash(partition.Key, sk), record);
            }
        }

        _items = index;
        _itemIndexSuspended = false;
    }

    public TableDescription Describe() => new(CurrentSchema, ItemCount, PartitionCount, SizeBytes, CreatedAt);
}
