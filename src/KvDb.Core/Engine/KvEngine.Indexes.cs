using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    /// <summary>Keeps every index of the table in step with one item change (called while applying it).</summary>
    private static void MaintainIndexes(TableStore table, byte[] pk, byte[]? oldRecord, byte[]? newRecord)
    {
        foreach (var index in table.Indexes)
        {
            var oldKey = oldRecord is null ? null : index.KeyOf(pk, oldRecord);
            var newKey = newRecord is null ? null : index.KeyOf(pk, newRecord);
            lock (index.WriteLock)
            {
                if (oldKey is { } o && (newKey is not { } n0 || !n0.Pk.AsSpan().SequenceEqual(o.Pk) || !n0.EntryKey.AsSpan().SequenceEqual(o.EntryKey)))
                {
                    index.Entries.Delete(o.Pk, HashIndex.Hash(o.Pk), o.EntryKey);
                }

                if (newKey is { } n)
                {
                    index.Entries.Put(n.Pk, HashIndex.Hash(n.Pk), EntryRecord(index, n.EntryKey, newRecord!));
                }
            }
        }
    }

    /// <summary>Builds an index over the items already in the table (recovery path: no concurrent writers).</summary>
    private static IndexStore BuildIndex(TableStore table, IndexSchema schema)
    {
        var index = new IndexStore(schema, table);
        foreach (var (pk, record) in EnumerateItems(table))
        {
            var key = index.KeyOf(pk, record);
            if (key is { } k)
            {
                index.Entries.Put(k.Pk, HashIndex.Hash(k.Pk), EntryRecord(index, k.EntryKey, record));
            }
        }

        index.IsActive = true;
        table.AddIndex(index);
        return index;
    }

    /// <summary>
    /// Adds a secondary index to an existing table and builds it from the items already stored, reporting
    /// progress. Writes continue meanwhile (they maintain the new index); the index answers queries once built.
    /// </summary>
    public async ValueTask<TableDescription> CreateIndexAsync(string tableName, IndexSchema schema, IProgress<IndexBuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        await _catalogLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        IndexStore index;
        TableStore table;
        try
        {
            table = Table(tableName);
            if (table.FindIndex(schema.Name) is not null)
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{table.Name}\" already has an index named \"{schema.Name}\".");
            }

            var newSchema = table.CurrentSchema with { Indexes = [.. table.CurrentSchema.Indexes, schema] };
            newSchema.Validate();
            await LogCatalogAsync(WalRecordType.CreateIndex, b =>
            {
                WalRecord.WriteTableId(b, table.Id);
                SchemaCodec.Write(b, newSchema);
            }).ConfigureAwait(false);

            // Registered before the backfill so that every write from now on maintains it.
            index = new IndexStore(schema, table);
            table.AddIndex(index);
        }
        finally
        {
            _catalogLock.Release();
        }

        // Backfill: each item is indexed under its partition's stripe lock, from its current record, so a
        // concurrent write to the same item either happened before (and is read here) or after (and maintains it).
        var total = table.ItemCount;
        long done = 0;
        var partitions = table.PartitionKeys.ScanAll();
        while (partitions.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pk = partitions.Current is Partition p ? p.Key : ItemCodec.RecordKey((byte[])partitions.Current!).ToArray();
            var hash = HashIndex.Hash(pk);
            var gate = _locks[StripedLocks.StripeOf(table.Id, hash)];
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var leaf = table.GetPartitionLeaf(pk, hash);
                if (leaf is byte[] record)
                {
                    UpsertEntry(index, pk, record);
                    done++;
                }
                else if (leaf is Partition partition)
                {
                    var cursor = partition.Items.ScanAll();
                    while (cursor.MoveNext())
                    {
                        UpsertEntry(index, pk, (byte[])cursor.Current!);
                        done++;
                    }
                }
            }
            finally
            {
                gate.Release();
            }

            if (progress is not null && (done & 1023) == 0)
            {
                progress.Report(new IndexBuildProgress(done, total));
            }
        }

        index.IsActive = true;
        progress?.Report(new IndexBuildProgress(done, Math.Max(done, total)));
        return table.Describe();
    }

    /// <summary>Removes a secondary index: logged, then writers stop maintaining it and its entries are released.</summary>
    public async ValueTask<TableDescription> DeleteIndexAsync(string tableName, string indexName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indexName);
        await _catalogLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var table = Table(tableName);
            var index = table.FindIndex(indexName)
                ?? throw new KvDbException(KvErrorCode.InvalidQuery, $"Table \"{table.Name}\" has no index named \"{indexName}\".");
            var newSchema = table.CurrentSchema with { Indexes = table.CurrentSchema.Indexes.Where(i => i.Name != indexName).ToArray() };
            await LogCatalogAsync(WalRecordType.DropIndex, b =>
            {
                WalRecord.WriteTableId(b, table.Id);
                SchemaCodec.Write(b, newSchema);
            }).ConfigureAwait(false);
            table.RemoveIndex(index);
            return table.Describe();
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    private static void UpsertEntry(IndexStore index, byte[] pk, byte[] record)
    {
        var key = index.KeyOf(pk, record);
        if (key is not { } k)
        {
            return;
        }

        lock (index.WriteLock)
        {
            index.Entries.Put(k.Pk, HashIndex.Hash(k.Pk), EntryRecord(index, k.EntryKey, record));
        }
    }

    /// <summary>
    /// An index entry: the entry key and the whole item, or (KEYS_ONLY) just the table's and the index's key
    /// attributes (table records keep their keys apart; entries do not).
    /// </summary>
    private static byte[] EntryRecord(IndexStore index, byte[] entryKey, byte[] tableRecord)
    {
        var item = index.Table.ItemOf(tableRecord);
        if (index.Schema.Projection == IndexProjection.All)
        {
            return ItemCodec.BuildRecord(entryKey, item.EncodedAttributes);
        }

        var table = index.Table.Schema;
        var keys = new List<KeyValuePair<string, AttributeValue>>(4);
        foreach (var name in (ReadOnlySpan<string?>)[table.PartitionKey.Name, table.SortKey?.Name, index.Schema.PartitionKey.Name, index.Schema.SortKey?.Name])
        {
            if (name is not null && !keys.Exists(k => k.Key == name) && item.Get(name) is { } value)
            {
                keys.Add(new(name, value));
            }
        }

        return ItemCodec.BuildRecord(entryKey, ItemCodec.EncodeAttributes(new AttributeMap(keys)));
    }

    /// <summary>The index a query or scan names, checked to be built.</summary>
    private static IndexStore ResolveIndex(TableStore table, string indexName)
    {
        var index = table.FindIndex(indexName)
            ?? throw new KvDbException(KvErrorCode.InvalidQuery, $"Table \"{table.Name}\" has no index named \"{indexName}\".");
        if (!index.IsActive)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"Index \"{indexName}\" of table \"{table.Name}\" is still being built; query it once CreateIndexAsync has finished.");
        }

        return index;
    }
}
