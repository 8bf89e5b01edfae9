using System.Buffers.Binary;
using System.Collections.Concurrent;
using KvDb.Cluster.Membership;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster.Node;

/// <summary>
/// A node's replicas, kept in its local KvDb database: each replicated table is a local table holding the
/// live items exactly as users see them (so local key queries and secondary indexes work unchanged), plus a
/// metadata table "__meta.&lt;table&gt;" ordered by ring token with each cell's Paxos state: the promised and
/// accepted ballots, the value's version, whether the item exists (tombstones stay in the metadata), and a
/// transaction intent. Both are written in one atomic local batch. This class is the acceptor side of Paxos.
/// </summary>
internal sealed class ReplicaStore
{
    public const string SystemTable = "__cluster";
    public const string TxnTable = "__cluster.txn";
    private const string MetaPrefix = "__meta.";
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly ConcurrentDictionary<string, TableSchema> _tables = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _catalog = new(1, 1);

    public ReplicaStore(KvDatabase local)
    {
        Local = local;
    }

    public KvDatabase Local { get; }

    private IKvStore Store => Local.Store;

    public static TableSchema SystemSchema { get; } = new(SystemTable, new KeyAttribute("k", ScalarType.String));

    public static TableSchema TxnSchema { get; } = new(TxnTable, new KeyAttribute("id", ScalarType.String));

    private static readonly ConcurrentDictionary<string, string> MetaNames = new(StringComparer.Ordinal);

    /// <summary>The metadata table's name (cached, up to a bound: it is needed on every request).</summary>
    private static string MetaName(string table)
    {
        if (MetaNames.TryGetValue(table, out var name))
        {
            return name;
        }

        name = MetaPrefix + table;
        if (MetaNames.Count < 1024)
        {
            MetaNames.TryAdd(table, name);
        }

        return name;
    }

    private static TableSchema MetaSchema(string table) =>
        new(MetaName(table), new KeyAttribute(CellKeys.MetaPk, ScalarType.Binary), new KeyAttribute(CellKeys.MetaSk, ScalarType.Binary));

    public bool HasTable(string table) => _tables.ContainsKey(table);

    /// <summary>Creates the system tables and adopts the tables already on disk (restart).</summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        var existing = await Store.ListTablesAsync(ct);
        foreach (var schema in new[] { SystemSchema, TxnSchema })
        {
            await EnsureLocalAsync(schema, existing, ct);
        }

        foreach (var name in existing)
        {
            if (!name.StartsWith(MetaPrefix, StringComparison.Ordinal) && existing.Contains(MetaName(name)))
            {
                var d = await Store.DescribeTableAsync(name, ct);
                if (d is not null)
                {
                    _tables[name] = d.Schema;
                }
            }
        }
    }

    private async Task EnsureLocalAsync(TableSchema schema, IReadOnlyList<string> existing, CancellationToken ct)
    {
        if (!existing.Contains(schema.Name))
        {
            await Store.CreateTableAsync(schema, ct);
        }

        if (!existing.Contains(MetaName(schema.Name)))
        {
            await Store.CreateTableAsync(MetaSchema(schema.Name), ct);
        }

        _tables[schema.Name] = schema;
    }

    /// <summary>Makes the local tables and indexes match a configuration's catalog.</summary>
    public async Task ApplyCatalogAsync(ClusterConfig config, CancellationToken ct)
    {
        await _catalog.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
        ct.ThrowIfCancellationRequested();
        try
        {
            var existing = await Store.ListTablesAsync(ct);
            foreach (var schema in config.Tables)
            {
                if (!existing.Contains(schema.Name))
                {
                    await Store.CreateTableAsync(schema, ct);
                }
                else
                {
                    var current = (await Store.DescribeTableAsync(schema.Name, ct))!.Schema;
                    foreach (var index in current.Indexes.Where(i => !schema.Indexes.Any(s => s.Name == i.Name)))
                    {
                        await Store.DeleteIndexAsync(schema.Name, index.Name, ct);
                    }

                    foreach (var index in schema.Indexes.Where(i => !current.Indexes.Any(s => s.Name == i.Name)))
                    {
                        await Store.CreateIndexAsync(schema.Name, index, null, ct);
                    }
                }

                if (!existing.Contains(MetaName(schema.Name)))
                {
                    await Store.CreateTableAsync(MetaSchema(schema.Name), ct);
                }

                _tables[schema.Name] = schema;
            }

            foreach (var name in _tables.Keys.ToArray())
            {
                if (name is SystemTable or TxnTable || config.FindTable(name) is not null)
                {
                    continue;
                }

                _tables.TryRemove(name, out _);
                await Store.DeleteTableAsync(name, ct);
                await Store.DeleteTableAsync(MetaName(name), ct);
            }
        }
        finally
        {
            _catalog.Release();
        }
    }

    /// <summary>
    /// The lock of a cell, from its token (already a hash of the partition key) and, with a sort key, a hash of
    /// the sort key's canonical bytes. Only this class takes these locks, so any fixed function of the cell works.
    /// </summary>
    private SemaphoreSlim LockOf(string table, ulong token, ItemKey metaKey, bool hasSortKey)
    {
        var h = token ^ (ulong)table.Length;
        if (hasSortKey)
        {
            h ^= StableHash.XxHash64(metaKey.SortKey!.AsBinary().Span);
        }

        return _locks[(int)(h % (ulong)_locks.Length)];
    }

    private async Task<(Item? Meta, Item? Value)> ReadCellAsync(string table, ItemKey key, CancellationToken ct)
    {
        var meta = await Store.GetItemAsync(new GetItemRequest(MetaName(table), CellKeys.MetaKey(key)), ct);
        if (meta is null || !meta.TryGetValue(CellKeys.Exists, out var exists) || !exists.AsBool())
        {
            return (meta, null); // the metadata says the item does not exist: no read of the user table
        }

        return (meta, await Store.GetItemAsync(new GetItemRequest(table, key), ct));
    }

    private static CellEntry EntryOf(ItemKey key, Item? meta, Item? value) => meta is null
        ? new CellEntry(key, Ballot.Zero, CellState.Empty)
        : new CellEntry(key, CellKeys.DecodeBallot(meta, CellKeys.Accepted),
            new CellState(value, CellKeys.DecodeBallot(meta, CellKeys.Version), CellKeys.DecodeIntent(meta)));

    /// <summary>Paxos phase 1.</summary>
    public async Task<PrepareReply> PrepareAsync(string table, ItemKey key, Ballot ballot, long epoch, CancellationToken ct)
    {
        var metaKey = CellKeys.MetaKeyOf(key, out var token);
        var gate = LockOf(table, token, metaKey, key.SortKey is not null);
        await gate.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
        ct.ThrowIfCancellationRequested();
        try
        {
            var meta = await Store.GetItemAsync(new GetItemRequest(MetaName(table), metaKey), ct);
            var metaMap = meta?.ToMap(); // decoded once: the lookups below (and the rewrite) use the decoded map
            var value = metaMap is not null && metaMap.TryGetValue(CellKeys.Exists, out var exists) && exists.AsBool()
                ? await Store.GetItemAsync(new GetItemRequest(table, key), ct)
                : null; // the metadata says the item does not exist: no read of the user table
            var promised = meta is null ? Ballot.Zero : CellKeys.DecodeBallot(meta, CellKeys.Promised);
            var entry = EntryOf(key, meta, value);
            if (ballot < promised)
            {
                return new PrepareReply(ReplyStatus.Rejected, epoch, promised, entry.Accepted, entry.State);
            }

            if (ballot > promised)
            {
                // The promise is durable before the reply (the put completes first).
                var newMeta = meta is null
                    ? new AttributeMap(PromiseOnlyNames, [metaKey.PartitionKey, metaKey.SortKey!, CellKeys.Encode(ballot)])
                    : metaMap!.With(CellKeys.Promised, CellKeys.Encode(ballot));
                await Store.PutItemAsync(new PutItemRequest(MetaName(table), Item.FromMap(newMeta)), ct);
            }

            return new PrepareReply(ReplyStatus.Ok, epoch, ballot, entry.Accepted, entry.State);
        }
        finally
        {
            gate.Release();
        }
    }

    // The metadata attributes, in the order they have always been written (skeleton, promise, accept fields, intent).
    private static readonly string[] PromiseOnlyNames = [CellKeys.MetaPk, CellKeys.MetaSk, CellKeys.Promised];
    private static readonly string[] AcceptedNames = [CellKeys.MetaPk, CellKeys.MetaSk, CellKeys.Promised, CellKeys.Accepted, CellKeys.Version, CellKeys.Exists];
    private static readonly string[] AcceptedWithIntentNames = [CellKeys.MetaPk, CellKeys.MetaSk, CellKeys.Promised, CellKeys.Accepted, CellKeys.Version, CellKeys.Exists, CellKeys.Intent];

    /// <summary>Paxos phase 2 (and <paramref name="isStore"/>: deliver a state accepted elsewhere, only if newer).</summary>
    public async Task<(bool Ok, Ballot Promised)> AcceptAsync(string table, ItemKey key, Ballot ballot, CellState state, bool isStore, CancellationToken ct)
    {
        var metaKey = CellKeys.MetaKeyOf(key, out var token);
        var gate = LockOf(table, token, metaKey, key.SortKey is not null);
        await gate.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
        ct.ThrowIfCancellationRequested();
        try
        {
            var metaTable = MetaName(table);
            var meta = await Store.GetItemAsync(new GetItemRequest(metaTable, metaKey), ct);
            var promised = meta is null ? Ballot.Zero : CellKeys.DecodeBallot(meta, CellKeys.Promised);
            var accepted = meta is null ? Ballot.Zero : CellKeys.DecodeBallot(meta, CellKeys.Accepted);
            if (ballot < promised || (isStore && ballot <= accepted))
            {
                return (false, promised);
            }

            if (ballot == accepted)
            {
                return (true, promised); // a duplicate of an accept already applied
            }

            // Every attribute of a metadata item is rewritten here (the table holds nothing else), so the new item
            // is built in one pass rather than as a chain of copies of the old one.
            var newPromised = Ballot.Max(promised, ballot);
            var encodedBallot = CellKeys.Encode(ballot); // shared by the fields that hold this ballot (values are immutable)
            var encodedVersion = state.Version == ballot ? encodedBallot : CellKeys.Encode(state.Version);
            var map = state.Intent is null
                ? new AttributeMap(AcceptedNames,
                [
                    metaKey.PartitionKey, metaKey.SortKey!, newPromised == ballot ? encodedBallot : CellKeys.Encode(newPromised), encodedBallot,
                    encodedVersion, state.Item is not null,
                ])
                : new AttributeMap(AcceptedWithIntentNames,
                [
                    metaKey.PartitionKey, metaKey.SortKey!, newPromised == ballot ? encodedBallot : CellKeys.Encode(newPromised), encodedBallot,
                    encodedVersion, state.Item is not null, CellKeys.EncodeIntent(state.Intent),
                ]);
            BatchWriteOperation[] ops =
            [
                BatchWriteOperation.Put(metaTable, Item.FromMap(map)),
                state.Item is not null ? BatchWriteOperation.Put(table, state.Item) : BatchWriteOperation.Delete(table, key),
            ];
            await Store.BatchWriteItemAsync(ops, ct);
            return (true, newPromised);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<CellEntry>> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken ct)
    {
        var result = new CellEntry[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var (meta, value) = await ReadCellAsync(table, keys[i], ct);
            result[i] = EntryOf(keys[i], meta, value);
        }

        return result;
    }

    /// <summary>A key query on the local replica: matching live items with their cell state.</summary>
    public async Task<(IReadOnlyList<CellEntry> Cells, ItemKey? Last)> QueryAsync(QueryRequest query, CancellationToken ct)
    {
        var local = query with { Filter = null, Projection = null, CountOnly = false };
        var page = await Store.QueryAsync(local, ct);
        var schema = _tables[query.TableName];
        var cells = new List<CellEntry>(page.Items.Count);
        foreach (var item in page.Items)
        {
            var key = KeyOf(schema, item);
            var meta = await Store.GetItemAsync(new GetItemRequest(MetaName(query.TableName), CellKeys.MetaKey(key)), ct);
            cells.Add(EntryOf(key, meta, item));
        }

        return (cells, page.LastEvaluatedKey);
    }

    public static ItemKey KeyOf(TableSchema schema, Item item) =>
        new(item[schema.PartitionKey.Name], schema.SortKey is null ? null : item[schema.SortKey.Name]);

    /// <summary>Cells (tombstones included) of a token range in (token, key) order.</summary>
    public async Task<(IReadOnlyList<CellEntry> Cells, bool More)> FetchRangeAsync(string table, ulong from, ulong to, ItemKey? after, int limit, CancellationToken ct)
    {
        var cells = new List<CellEntry>();
        ItemKey? start = after is { } a ? CellKeys.MetaKey(a) : null;
        while (true)
        {
            var page = await Store.QueryAsync(new QueryRequest(MetaName(table))
            {
                PartitionKeyCondition = new KeyCondition(KeyOperator.Between, TokenBound(from, false), TokenBound(to, true)),
                ExclusiveStartKey = start,
                Limit = limit - cells.Count,
            }, ct);
            foreach (var meta in page.Items)
            {
                if (CellKeys.DecodeBallot(meta, CellKeys.Accepted).IsZero)
                {
                    continue; // promised but never accepted: nothing to copy
                }

                var key = CellKeys.UserKey(meta);
                var value = meta.TryGetValue(CellKeys.Exists, out var x) && x.AsBool()
                    ? await Store.GetItemAsync(new GetItemRequest(table, key), ct)
                    : null;
                cells.Add(EntryOf(key, meta, value));
            }

            if (page.LastEvaluatedKey is null)
            {
                return (cells, false);
            }

            if (cells.Count >= limit)
            {
                return (cells, true);
            }

            start = page.LastEvaluatedKey;
        }
    }

    private static AttributeValue TokenBound(ulong token, bool upper)
    {
        var bytes = new byte[upper ? 9 : 8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, token);
        if (upper)
        {
            bytes[8] = 0xFF; // above every canonical key (whose first byte is a type tag 1..3)
        }

        return AttributeValue.FromBinary(bytes);
    }

    /// <summary>Order-independent digests of the accepted cells of a token range cut into equal buckets.</summary>
    public async Task<ulong[]> DigestAsync(string table, ulong from, ulong to, int buckets, CancellationToken ct)
    {
        var digests = new ulong[buckets];
        var width = ((to - from) / (ulong)buckets) + 1;
        ItemKey? start = null;
        do
        {
            var page = await Store.QueryAsync(new QueryRequest(MetaName(table))
            {
                PartitionKeyCondition = new KeyCondition(KeyOperator.Between, TokenBound(from, false), TokenBound(to, true)),
                ExclusiveStartKey = start,
                Limit = 1000,
            }, ct);
            foreach (var meta in page.Items)
            {
                var accepted = CellKeys.DecodeBallot(meta, CellKeys.Accepted);
                if (accepted.IsZero)
                {
                    continue;
                }

                var bucket = (int)Math.Min((ulong)(buckets - 1), (CellKeys.TokenOfMeta(meta) - from) / width);
                var pk = meta[CellKeys.MetaPk].AsBinary().Span;
                var sk = meta[CellKeys.MetaSk].AsBinary().Span;
                var h = StableHash.XxHash64(pk, StableHash.XxHash64(sk, (ulong)accepted.Physical ^ ((ulong)(uint)accepted.Logical << 20) ^ ((ulong)(uint)accepted.Node << 44)));
                digests[bucket] += h;
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);
        return digests;
    }

    // ------------------------------------------------------------------ tombstone collection

    /// <summary>
    /// Whether a cell's metadata is a tombstone: the item does not exist and no transaction intent is pending (a
    /// delete's accepted state, or a bare promise that was never accepted). <paramref name="ballot"/> is the higher
    /// of its promised and accepted ballots: once that is older than the grace period, no Paxos round on the cell
    /// can still be under way.
    /// </summary>
    private static bool IsSettledTombstone(Item meta, out Ballot ballot)
    {
        ballot = Ballot.Max(CellKeys.DecodeBallot(meta, CellKeys.Accepted), CellKeys.DecodeBallot(meta, CellKeys.Promised));
        return !ballot.IsZero &&
               !(meta.TryGetValue(CellKeys.Exists, out var exists) && exists.AsBool()) &&
               !meta.ContainsKey(CellKeys.Intent);
    }

    /// <summary>
    /// Settled tombstones of a table accepted before <paramref name="olderThan"/>, scanning the metadata from
    /// <paramref name="after"/> (a metadata key) for up to <paramref name="limit"/> metadata items; also returns where
    /// to resume (null at the end).
    /// </summary>
    public async Task<(List<CellEntry> Tombstones, ItemKey? Next)> FindTombstonesAsync(string table, Ballot olderThan, ItemKey? after, int limit, CancellationToken ct)
    {
        var found = new List<CellEntry>();
        var page = await Store.ScanAsync(new ScanRequest(MetaName(table)) { ExclusiveStartKey = after, Limit = limit }, ct);
        foreach (var meta in page.Items)
        {
            if (IsSettledTombstone(meta, out var ballot) && ballot < olderThan)
            {
                found.Add(new CellEntry(CellKeys.UserKey(meta), ballot, CellState.Empty));
            }
        }

        return (found, page.LastEvaluatedKey);
    }

    /// <summary>
    /// For each cell (a key and a tombstone's ballot), whether this replica may let the tombstone be forgotten: it
    /// holds nothing for the key, or a tombstone whose promised and accepted ballots are at or before that ballot.
    /// </summary>
    public async Task<bool[]> CheckTombstonesAsync(string table, IReadOnlyList<CellEntry> cells, CancellationToken ct)
    {
        var safe = new bool[cells.Count];
        for (var i = 0; i < cells.Count; i++)
        {
            var meta = await Store.GetItemAsync(new GetItemRequest(MetaName(table), CellKeys.MetaKey(cells[i].Key)), ct);
            safe[i] = meta is null || (IsSettledTombstone(meta, out var ballot) && ballot <= cells[i].Accepted);
        }

        return safe;
    }

    /// <summary>
    /// Forgets the given tombstones (metadata items) that are still exactly as found, each under its cell's lock;
    /// returns how many were removed. A key without metadata reads as never written (ballot zero) from then on.
    /// </summary>
    public async Task<int> DropTombstonesAsync(string table, IReadOnlyList<CellEntry> cells, CancellationToken ct)
    {
        var dropped = 0;
        var metaTable = MetaName(table);
        foreach (var cell in cells)
        {
            var metaKey = CellKeys.MetaKeyOf(cell.Key, out var token);
            var gate = LockOf(table, token, metaKey, cell.Key.SortKey is not null);
            await gate.WaitAsync(); // no token: a cancellable wait resumes on the thread pool, which breaks the deterministic simulation
            try
            {
                var meta = await Store.GetItemAsync(new GetItemRequest(metaTable, metaKey), ct);
                if (meta is not null && IsSettledTombstone(meta, out var ballot) && ballot == cell.Accepted)
                {
                    await Store.DeleteItemAsync(new DeleteItemRequest(metaTable, metaKey), ct);
                    dropped++;
                }
            }
            finally
            {
                gate.Release();
            }
        }

        return dropped;
    }

    /// <summary>Metadata items of a table (live cells, tombstones and bare promises), for tests and diagnostics.</summary>
    public async Task<long> CountMetaAsync(string table, CancellationToken ct) => await CountAsync(MetaName(table), ct);

    /// <summary>Local items of a table (every replica this node holds), for tests and diagnostics.</summary>
    public async Task<long> CountAsync(string table, CancellationToken ct)
    {
        long n = 0;
        ItemKey? start = null;
        do
        {
            var page = await Store.ScanAsync(new ScanRequest(table) { ExclusiveStartKey = start, CountOnly = true, Limit = 10_000 }, ct);
            n += page.Count;
            start = page.LastEvaluatedKey;
        }
        while (start is not null);
        return n;
    }
}
