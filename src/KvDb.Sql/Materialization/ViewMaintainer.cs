using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Parsing;

namespace KvDb.Sql.Materialization;

/// <summary>
/// Keeps materialized joins current from Core's change feed. For every changed item of a joined table it deletes the
/// stored rows that item contributed to (found through the key index) and re-derives them from the item's current
/// state joined with the other tables' current state. Re-deriving from current state, never from the change's
/// image, makes the result independent of the order in which changes are applied, and applying a change twice
/// harmless. The feed is consumed up to the database's last sequence before any statement reads a materialized
/// join, so readers see their own writes.
/// </summary>
internal sealed class ViewMaintainer(IKvStore store, KvDatabase database, SqlCatalog catalog)
{
    private const string EntryName = "mjoin";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile Dictionary<string, (MaterializedJoin Join, long Applied)>? _joins;

    /// <summary>Runs a query without using materialized joins: (query, named parameters) to raw rows.</summary>
    public required Func<SelectQuery, Dictionary<string, object?>, CancellationToken, ValueTask<List<AttributeValue?[]>>> RunQueryAsync { get; init; }

    public async ValueTask<IReadOnlyList<MaterializedJoin>> GetJoinsAsync(CancellationToken ct)
    {
        var joins = await LoadAsync(ct).ConfigureAwait(false);
        return [.. joins.Values.Select(j => j.Item1)];
    }

    private async ValueTask<Dictionary<string, (MaterializedJoin, long)>> LoadAsync(CancellationToken ct)
    {
        if (_joins is { } joins)
        {
            return joins;
        }

        await catalog.GetAsync(ct).ConfigureAwait(false);
        var loaded = new Dictionary<string, (MaterializedJoin, long)>(StringComparer.Ordinal);
        ItemKey? start = null;
        do
        {
            var page = await store.ScanAsync(new ScanRequest(SqlCatalog.TableName) { ExclusiveStartKey = start, Limit = 1000 }, ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                if (item["entry"].AsString() == EntryName)
                {
                    var name = item["object"].AsString();
                    var query = (SelectStatement)SqlParser.ParseStatement(item["sql"].AsString());
                    loaded[name] = (MaterializedJoin.Create(name, ((SelectQuery)query.Query).From!), item["applied"].AsNumber().ToInt64());
                }
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        _joins = loaded;
        return loaded;
    }

    /// <summary>Registers a materialized join and fills it from the current data.</summary>
    public async ValueTask CreateAsync(MaterializedJoin join, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var joins = await LoadAsync(ct).ConfigureAwait(false);
            if (joins.ContainsKey(join.Name))
            {
                return;
            }

            await store.CreateTableAsync(new TableSchema(join.StorageTable, new KeyAttribute("key", ScalarType.String)), ct).ConfigureAwait(false);
            for (var i = 0; i < join.Sources.Count; i++)
            {
                await store.CreateIndexAsync(join.StorageTable, IndexSchema.Global("k" + i, new KeyAttribute("k" + i, ScalarType.String)), null, ct).ConfigureAwait(false);
            }

            var applied = await RefreshAsync(join, ct).ConfigureAwait(false);
            await SaveAsync(join, applied, ct).ConfigureAwait(false);
            _joins = new Dictionary<string, (MaterializedJoin, long)>(joins, StringComparer.Ordinal) { [join.Name] = (join, applied) };
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask<bool> DropAsync(string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var joins = await LoadAsync(ct).ConfigureAwait(false);
            if (!joins.TryGetValue(name, out var entry))
            {
                return false;
            }

            await store.DeleteTableAsync(entry.Item1.StorageTable, ct).ConfigureAwait(false);
            await store.DeleteItemAsync(new DeleteItemRequest(SqlCatalog.TableName, new ItemKey(name, EntryName)), ct).ConfigureAwait(false);
            var copy = new Dictionary<string, (MaterializedJoin, long)>(joins, StringComparer.Ordinal);
            copy.Remove(name);
            _joins = copy;
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    private ValueTask<WriteResult> SaveAsync(MaterializedJoin join, long applied, CancellationToken ct) =>
        store.PutItemAsync(new PutItemRequest(SqlCatalog.TableName, Item.Create()
            .Set("object", join.Name).Set("entry", EntryName).Set("sql", join.Query.ToString()).Set("applied", applied).Build()), ct);

    /// <summary>Recomputes everything; returns the sequence the result is current as of (at least).</summary>
    private async ValueTask<long> RefreshAsync(MaterializedJoin join, CancellationToken ct)
    {
        var asOf = database.LastSequence;
        ItemKey? start = null;
        do
        {
            var page = await store.ScanAsync(new ScanRequest(join.StorageTable) { ExclusiveStartKey = start, Limit = 1000 }, ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                await store.DeleteItemAsync(new DeleteItemRequest(join.StorageTable, new ItemKey(item["key"])), ct).ConfigureAwait(false);
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        foreach (var (table, _) in join.Sources)
        {
            if (await catalog.FindTableAsync(table, ct).ConfigureAwait(false) is null)
            {
                // hash-db registers joins before the tables exist; the rows come with the inserts.
                return asOf;
            }
        }

        await StoreRowsAsync(join, await RunQueryAsync(join.Query, [], ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return asOf;
    }

    private async ValueTask StoreRowsAsync(MaterializedJoin join, List<AttributeValue?[]> rows, CancellationToken ct)
    {
        var tables = (await catalog.GetAsync(ct).ConfigureAwait(false)).Tables;
        foreach (var row in rows)
        {
            var builder = Item.Create();
            var keys = new string[join.Sources.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                var item = Item.FromMap(row[i]!.AsMap());
                keys[i] = KeyText(await TableKeyAsync(join.Sources[i].Table, ct).ConfigureAwait(false), item);
                builder.Set("s" + i, row[i]!).Set("k" + i, keys[i]);
            }

            builder.Set("key", string.Join("\u001f", keys));
            await store.PutItemAsync(new PutItemRequest(join.StorageTable, builder.Build()), ct).ConfigureAwait(false);
        }
    }

    private async ValueTask<(string Pk, string? Sk)> TableKeyAsync(string table, CancellationToken ct)
    {
        var info = await catalog.FindTableAsync(table, ct).ConfigureAwait(false)
            ?? ThrowHelper.Error<TableInfo>(SqlErrorCode.UnknownTable, ErrorMessages.UnknownTable(table));
        return (info.PartitionKey, info.SortKey);
    }

    private static string KeyText((string Pk, string? Sk) key, Item item) =>
        new ItemKey(item[key.Pk], key.Sk is null ? null : item[key.Sk]).ToString();

    /// <summary>Applies every change up to the database's current last sequence.</summary>
    public async ValueTask CatchUpAsync(CancellationToken ct)
    {
        var joins = await LoadAsync(ct).ConfigureAwait(false);
        if (joins.Count == 0)
        {
            return;
        }

        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            joins = new Dictionary<string, (MaterializedJoin, long)>(await LoadAsync(ct).ConfigureAwait(false), StringComparer.Ordinal);
            var target = database.LastSequence;
            var from = joins.Values.Min(j => j.Item2) + 1;
            if (from > target)
            {
                return;
            }

            var changes = new List<ChangeRecord>();
            try
            {
                // The feed waits for new changes after the last one: stop at the target (and never wait forever).
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await foreach (var change in store.ChangesAsync(from, timeout.Token).ConfigureAwait(false))
                {
                    changes.Add(change);
                    if (change.Sequence >= target)
                    {
                        break;
                    }
                }
            }
            catch (KvDbException ex) when (ex.Code == KvErrorCode.ChangeFeedTruncated)
            {
                // Too far behind: recompute from scratch.
                foreach (var (name, (join, _)) in joins)
                {
                    joins[name] = (join, await RefreshAsync(join, ct).ConfigureAwait(false));
                    await SaveAsync(join, joins[name].Item2, ct).ConfigureAwait(false);
                }

                _joins = joins;
                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Sequences that produced no change record: what was read is complete.
            }

            foreach (var name in joins.Keys.ToList())
            {
                var (join, applied) = joins[name];
                var touched = new HashSet<(int Source, ItemKey Key)>();
                foreach (var change in changes)
                {
                    if (change.Sequence <= applied)
                    {
                        continue;
                    }

                    for (var i = 0; i < join.Sources.Count; i++)
                    {
                        if (join.Sources[i].Table == change.TableName)
                        {
                            touched.Add((i, change.Key));
                        }
                    }
                }

                foreach (var (source, key) in touched)
                {
                    await RederiveAsync(join, source, key, ct).ConfigureAwait(false);
                }

                joins[name] = (join, target);
                if (touched.Count > 0)
                {
                    // Persisting the position writes to the catalog, itself a change: only do it when rows changed
                    // (replaying from an older position after a restart is harmless).
                    await SaveAsync(join, target, ct).ConfigureAwait(false);
                }
            }

            _joins = joins;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Deletes the rows one source item contributed to, then derives them again from current data.</summary>
    private async ValueTask RederiveAsync(MaterializedJoin join, int source, ItemKey key, CancellationToken ct)
    {
        var old = await store.QueryAsync(new QueryRequest(join.StorageTable) { IndexName = "k" + source, PartitionKey = key.ToString() }, ct).ConfigureAwait(false);
        foreach (var item in old.Items)
        {
            await store.DeleteItemAsync(new DeleteItemRequest(join.StorageTable, new ItemKey(item["key"])), ct).ConfigureAwait(false);
        }

        var (pk, sk) = await TableKeyAsync(join.Sources[source].Table, ct).ConfigureAwait(false);
        var alias = join.Sources[source].Alias;
        SqlExpr where = new BinaryExpr(BinaryOp.Equal, PathExpr.Of(alias, pk), new ParameterExpr("__pk", -1));
        var parameters = new Dictionary<string, object?> { ["__pk"] = key.PartitionKey };
        if (sk is not null)
        {
            where = new BinaryExpr(BinaryOp.And, where, new BinaryExpr(BinaryOp.Equal, PathExpr.Of(alias, sk), new ParameterExpr("__sk", -1)));
            parameters["__sk"] = key.SortKey;
        }

        var rows = await RunQueryAsync(join.Query with { Where = where }, parameters, ct).ConfigureAwait(false);
        await StoreRowsAsync(join, rows, ct).ConfigureAwait(false);
    }
}
