using KvDb.Expressions;
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
    private int _version;

    /// <summary>Changes whenever the set of materialized joins may have changed (load, create, drop): cached plans compare it.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Whether the joins are loaded and there are none (then there is nothing to catch up).</summary>
    public bool KnownEmpty => _joins is { Count: 0 };

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
        foreach (var item in await ScanAllAsync(SqlCatalog.TableName, null, ct).ConfigureAwait(false))
        {
            if (item["entry"].AsString() == EntryName)
            {
                var name = item["object"].AsString();
                var query = (SelectStatement)SqlParser.ParseStatement(item["sql"].AsString());
                // Entries without a format were written before the flat format existed.
                var flat = item.Get("format") is { Kind: AttributeKind.Number } format && format.AsNumber() == MaterializedJoin.FlatFormat;
                loaded[name] = (Attach(MaterializedJoin.Create(name, ((SelectQuery)query.Query).From!, flat)), item["applied"].AsNumber().ToInt64());
            }
        }

        _joins = loaded;
        Interlocked.Increment(ref _version);
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
                // The upkeep only reads which stored rows a source item contributed to: their keys are enough.
                await store.CreateIndexAsync(join.StorageTable, IndexSchema.Global("k" + i, new KeyAttribute("k" + i, ScalarType.String)) with { Projection = IndexProjection.KeysOnly }, null, ct).ConfigureAwait(false);
            }

            Attach(join);
            var applied = await RefreshAsync(join, ct).ConfigureAwait(false);
            await SaveAsync(join, applied, ct).ConfigureAwait(false);
            _joins = new Dictionary<string, (MaterializedJoin, long)>(joins, StringComparer.Ordinal) { [join.Name] = (join, applied) };
            Interlocked.Increment(ref _version);
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
            Interlocked.Increment(ref _version);
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    private ValueTask<WriteResult> SaveAsync(MaterializedJoin join, long applied, CancellationToken ct)
    {
        var entry = Item.Create().Set("object", join.Name).Set("entry", EntryName).Set("sql", join.Query.ToString()).Set("applied", applied);
        if (join.Flat)
        {
            entry.Set("format", MaterializedJoin.FlatFormat);
        }

        return store.PutItemAsync(new PutItemRequest(SqlCatalog.TableName, entry.Build()), ct);
    }

    /// <summary>
    /// Recomputes everything; returns the sequence the result is current as of (at least). Stored rows that are still
    /// derived are overwritten, the others deleted, all in one Core transaction: one change set in the feed, so a
    /// refresh never pushes the changes it must follow out of the feed's retention.
    /// </summary>
    private async ValueTask<long> RefreshAsync(MaterializedJoin join, CancellationToken ct)
    {
        var (joined, asOf) = await PausedAsync(async () =>
        {
            // Read before the rows: without a pause (a cluster), changes made while joining are applied again later.
            var asOf = database.LastSequence;
            return (await JoinAllAsync(join, ct).ConfigureAwait(false), asOf);
        }, ct).ConfigureAwait(false);
        await StoreAsync(new Derivation(join, [], joined, Complete: true, asOf), ct).ConfigureAwait(false);
        return asOf;
    }

    /// <summary>The whole join, one whole item per source (empty until every source table exists: hash-db registers joins first).</summary>
    private async ValueTask<List<AttributeValue?[]>> JoinAllAsync(MaterializedJoin join, CancellationToken ct)
    {
        foreach (var (table, _) in join.Sources)
        {
            if (await catalog.FindTableAsync(table, ct).ConfigureAwait(false) is null)
            {
                return [];
            }
        }

        return await RunQueryAsync(join.Query, [], ct).ConfigureAwait(false);
    }

    /// <summary>The keys of every stored row of a join.</summary>
    private async ValueTask<List<string>> StoredKeysAsync(MaterializedJoin join, CancellationToken ct) =>
        [.. (await ScanAllAsync(join.StorageTable, Projection.Of([AttributePath.FromElements([PathElement.Key("key")])]), ct).ConfigureAwait(false))
            .Select(item => item["key"].AsString())];

    /// <summary>Every item of a table (or the attributes <paramref name="projection"/> names), page by page.</summary>
    private async ValueTask<List<Item>> ScanAllAsync(string table, Projection? projection, CancellationToken ct)
    {
        var items = new List<Item>();
        ItemKey? start = null;
        do
        {
            var page = await store.ScanAsync(new ScanRequest(table) { ExclusiveStartKey = start, Limit = 1000, Projection = projection }, ct).ConfigureAwait(false);
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        return items;
    }

    /// <summary>
    /// What a catch-up derived for one join while writers waited: the joined rows (one whole item per source) of the
    /// items it touched, or of the whole join (<paramref name="Complete"/>), and the position they are current as of.
    /// </summary>
    private sealed record Derivation(MaterializedJoin Join, HashSet<(int Source, ItemKey Key)> Touched, List<AttributeValue?[]> Joined, bool Complete, long Position);

    /// <summary>
    /// Writes what a derivation found (after the pause: only the maintainer writes the stored rows, so the rows the
    /// touched items contributed to can be looked up now): the derived rows, and the removal of the other rows the
    /// touched items (or, for a complete derivation, all items) had contributed to.
    /// </summary>
    private async ValueTask StoreAsync(Derivation derivation, CancellationToken ct)
    {
        var join = derivation.Join;
        List<string> stale;
        if (derivation.Complete)
        {
            stale = await StoredKeysAsync(join, ct).ConfigureAwait(false);
        }
        else
        {
            stale = [];
            foreach (var (source, key) in derivation.Touched)
            {
                var old = await store.QueryAsync(new QueryRequest(join.StorageTable) { IndexName = "k" + source.ToString(System.Globalization.CultureInfo.InvariantCulture), PartitionKey = key.ToString() }, ct).ConfigureAwait(false);
                foreach (var item in old.Items)
                {
                    stale.Add(item["key"].AsString());
                }
            }
        }

        var rows = new Dictionary<string, Item>(StringComparer.Ordinal);
        if (derivation.Joined.Count > 0)
        {
            await BuildRowsAsync(join, derivation.Joined, rows, ct).ConfigureAwait(false);
        }

        await WriteAsync(join, rows, stale, ct, derivation.Complete).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the reads that derive a join's rows while writers wait (on a local database), so that they all see the
    /// tables at one sequence. Derived at different moments, rows could mix an item's state before and after a write
    /// that happened meanwhile (an item joined both to its old and to its new partner) until the next catch-up.
    /// Over a cluster there is no such pause: rows derived during concurrent writes are corrected by the catch-up
    /// that processes those writes.
    /// </summary>
    private ValueTask<T> PausedAsync<T>(Func<ValueTask<T>> reads, CancellationToken ct) =>
        database.LocalEngine is { } engine ? engine.WithWritesPausedAsync(reads, ct) : reads();

    private static readonly TransactWriteOptions s_atomic = new() { MaxActions = TransactWriteOptions.Unbounded };

    /// <summary>
    /// Gives a join stored in the flat format an in-memory copy of its rows, when the database holds its data in this
    /// process and the budget allows (see <see cref="JoinRowCache"/>).
    /// </summary>
    private MaterializedJoin Attach(MaterializedJoin join)
    {
        if (join.Flat && database.LocalEngine is { } engine && database.Options.MaterializedJoinCacheBytes > 0)
        {
            join.Rows = new JoinRowCache(engine, join.StorageTable, database.Options.MaterializedJoinCacheBytes, (cache, ct) => EnsureRowsAsync(cache, ct));
        }

        return join;
    }

    /// <summary>
    /// Builds a join's in-memory copy from its stored rows unless it is current (a reader found it missing or stale),
    /// and returns the state that is current while the lock is held, or null when there is none.
    /// </summary>
    private async ValueTask<JoinRowCache.Snapshot?> EnsureRowsAsync(JoinRowCache cache, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (cache.Current is { } current)
            {
                return current;
            }

            if (cache.TooLarge || database.LocalEngine?.FindTable(cache.StorageTable) is not { } table)
            {
                return null;
            }

            var version = table.ChangeCount;
            var items = await ScanAllAsync(cache.StorageTable, null, ct).ConfigureAwait(false);

            // The maintainer holds the lock, so only someone else can have written meanwhile: then the copy is not built.
            if (table.ChangeCount == version)
            {
                cache.Replace(table, version, items);
            }

            return cache.Current;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Stores <paramref name="rows"/> and deletes the <paramref name="deleted"/> keys not among them, as one transaction,
    /// and applies the same to the join's in-memory copy; <paramref name="complete"/>: the rows are the join's whole
    /// content (a refresh), so they replace the copy.
    /// </summary>
    private async ValueTask WriteAsync(MaterializedJoin join, Dictionary<string, Item> rows, IEnumerable<string> deleted, CancellationToken ct, bool complete = false)
    {
        var actions = new List<TransactWriteItem>(rows.Count);
        foreach (var item in rows.Values)
        {
            actions.Add(new TransactPut(join.StorageTable, item));
        }

        var deletes = new List<string>();
        foreach (var key in deleted.Distinct(StringComparer.Ordinal))
        {
            if (!rows.ContainsKey(key))
            {
                deletes.Add(key);
                actions.Add(new TransactDelete(join.StorageTable, new ItemKey(AttributeValue.FromString(key))));
            }
        }

        var table = join.Rows is null ? null : database.LocalEngine?.FindTable(join.StorageTable);
        var before = table?.ChangeCount ?? 0;
        var copied = join.Rows?.Current is not null;
        try
        {
            for (var offset = 0; offset < actions.Count; offset += TransactWriteOptions.Unbounded)
            {
                var chunk = actions.GetRange(offset, Math.Min(TransactWriteOptions.Unbounded, actions.Count - offset));
                await store.TransactWriteItemsAsync(chunk, s_atomic, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            join.Rows?.Invalidate();
            throw;
        }

        if (join.Rows is { } cache)
        {
            // Every put stores a row and every delete removes one (the keys were read from the table under the lock).
            // A copy is built when a query first reads the join (hash-db's create join also materializes every prefix
            // of its chain, which queries may never read); from then on every write keeps it current.
            var after = table?.ChangeCount ?? 0;
            if (complete && copied && table is not null && after - before == actions.Count)
            {
                cache.Replace(table, after, rows.Values);
            }
            else
            {
                cache.Apply(table, before, after, actions.Count, rows.Values, deletes);
            }
        }
    }

    /// <summary>Turns joined rows (one whole item per source) into storage items, keyed by the sources' keys.</summary>
    private async ValueTask BuildRowsAsync(MaterializedJoin join, List<AttributeValue?[]> rows, Dictionary<string, Item> into, CancellationToken ct)
    {
        var sourceKeys = new (string Pk, string? Sk)[join.Sources.Count];
        for (var i = 0; i < sourceKeys.Length; i++)
        {
            sourceKeys[i] = await TableKeyAsync(join.Sources[i].Table, ct).ConfigureAwait(false);
        }

        if (join.Flat)
        {
            BuildFlatRows(join, rows, sourceKeys, into);
            return;
        }

        foreach (var row in rows)
        {
            var builder = Item.Create();
            var keys = new string[join.Sources.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                var item = Item.FromMap(row[i]!.AsMap());
                keys[i] = KeyText(sourceKeys[i], item);
                builder.Set("s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), row[i]!)
                    .Set("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), keys[i]);
            }

            var key = string.Join("\u001f", keys);
            into[key] = builder.Set("key", key).Build();
        }
    }

    /// <summary>
    /// The flat format: the sources' attributes first (<c>s{i}.name</c>, in source order, so the attributes queries read
    /// come before the key texts a reader skips), then <c>k0</c>, <c>k1</c>, ... and the row key.
    /// </summary>
    private static void BuildFlatRows(MaterializedJoin join, List<AttributeValue?[]> rows, (string Pk, string? Sk)[] sourceKeys, Dictionary<string, Item> into)
    {
        var sources = join.Sources.Count;
        var prefixes = new string[sources];
        var keyNames = new string[sources];
        for (var i = 0; i < sources; i++)
        {
            prefixes[i] = MaterializedJoin.FlatPrefix(i);
            keyNames[i] = "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var names = new Dictionary<(int, string), string>();
        var attributes = new List<KeyValuePair<string, AttributeValue>>();
        foreach (var row in rows)
        {
            attributes.Clear();
            var keys = new string[sources];
            for (var i = 0; i < sources; i++)
            {
                var map = row[i]!.AsMap();
                keys[i] = new ItemKey(map[sourceKeys[i].Pk], sourceKeys[i].Sk is { } sk ? map[sk] : null).ToString();
                foreach (var (name, value) in map)
                {
                    if (!names.TryGetValue((i, name), out var flatName))
                    {
                        names[(i, name)] = flatName = prefixes[i] + name;
                    }

                    attributes.Add(new(flatName, value));
                }
            }

            for (var i = 0; i < sources; i++)
            {
                attributes.Add(new(keyNames[i], AttributeValue.FromString(keys[i])));
            }

            var key = string.Join("\u001f", keys);
            attributes.Add(new("key", AttributeValue.FromString(key)));
            into[key] = Item.FromAttributes(attributes);
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
            if (joins.Values.Min(j => j.Item2) + 1 > database.LastSequence)
            {
                return;
            }

            // The reads (the feed and the derivation) see one state of the tables; the writes that follow may meet
            // newer changes, which the next catch-up applies.
            var work = await PausedAsync(() => CollectChangesAsync(joins, ct), ct).ConfigureAwait(false);
            if (work is null)
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

            foreach (var derivation in work)
            {
                var (join, touched, position) = (derivation.Join, derivation.Complete || derivation.Touched.Count > 0, derivation.Position);
                if (touched)
                {
                    await StoreAsync(derivation, ct).ConfigureAwait(false);
                }

                joins[join.Name] = (join, position);
                if (touched)
                {
                    // Persisting the position writes to the catalog, itself a change: only do it when rows changed
                    // (replaying from an older position after a restart is harmless).
                    await SaveAsync(join, position, ct).ConfigureAwait(false);
                }
            }

            _joins = joins;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A catch-up recomputes a join instead of re-deriving each changed item once this many items changed...</summary>
    private const int RefreshAtTouched = 256;

    /// <summary>...and the join holds at most this many stored rows per changed item (re-deriving one item costs about as much as joining ~100 rows).</summary>
    private const int RowsPerTouched = 64;

    private async ValueTask<long> StoredRowsAsync(MaterializedJoin join, CancellationToken ct) =>
        (await store.DescribeTableAsync(join.StorageTable, ct).ConfigureAwait(false))?.ItemCount ?? 0;

    /// <summary>
    /// A catch-up's reads: the changes since each join's position, and for each join the rows its touched items
    /// contributed to (stale) and derive now; null when the feed no longer reaches back to a join's position.
    /// </summary>
    private async ValueTask<List<Derivation>?> CollectChangesAsync(
        Dictionary<string, (MaterializedJoin, long)> joins, CancellationToken ct)
    {
        var target = database.LastSequence;
        var from = joins.Values.Min(j => j.Item2) + 1;
        var work = new List<Derivation>();
        if (from > target)
        {
            return work;
        }

        var changes = new List<ChangeRecord>();
        var through = from - 1; // every change up to this sequence has been read
        try
        {
            // Read up to the target, or until the feed has delivered everything published so far: it then waits
            // for new changes (its next step does not complete at once). The rest up to the target are sequences
            // without change records (catalog records such as CREATE INDEX) or writes still being published;
            // they are looked at again next time. (Waiting for the target instead stalled behind catalog records.)
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var feed = store.ChangesAsync(from, stop.Token).GetAsyncEnumerator(stop.Token);
            try
            {
                while (through < target)
                {
                    var next = feed.MoveNextAsync();
                    if (!next.IsCompleted)
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                        try
                        {
                            await next.ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            // Stopped waiting for changes that are not there yet.
                        }

                        break;
                    }

                    if (!await next.ConfigureAwait(false))
                    {
                        break;
                    }

                    changes.Add(feed.Current);
                    through = feed.Current.Sequence;
                }
            }
            finally
            {
                await feed.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (KvDbException ex) when (ex.Code == KvErrorCode.ChangeFeedTruncated)
        {
            return null;
        }

        foreach (var (join, applied) in joins.Values)
        {
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

            var position = Math.Max(applied, Math.Min(through, target));
            if (touched.Count >= RefreshAtTouched && await StoredRowsAsync(join, ct).ConfigureAwait(false) <= (long)touched.Count * RowsPerTouched)
            {
                // Many changed items (a bulk load): one join over everything costs less than a query per item, and
                // keeps the pause short.
                var asOf = database.LastSequence; // before the rows, as in RefreshAsync
                work.Add(new Derivation(join, touched, await JoinAllAsync(join, ct).ConfigureAwait(false), Complete: true, Math.Max(position, asOf)));
                continue;
            }

            var joined = new List<AttributeValue?[]>();
            foreach (var (source, key) in touched)
            {
                joined.AddRange(await DeriveAsync(join, source, key, ct).ConfigureAwait(false));
            }

            work.Add(new Derivation(join, touched, joined, Complete: false, position));
        }

        return work;
    }

    /// <summary>The joined rows (one whole item per source) that one source item takes part in now.</summary>
    private async ValueTask<List<AttributeValue?[]>> DeriveAsync(MaterializedJoin join, int source, ItemKey key, CancellationToken ct)
    {
        // hash-db registers its join before the tables exist: until every source table does, the join is empty.
        foreach (var other in join.Sources)
        {
            if (await store.DescribeTableAsync(other.Table, ct).ConfigureAwait(false) is null)
            {
                return [];
            }
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

        return await RunQueryAsync(join.Query with { Where = where }, parameters, ct).ConfigureAwait(false);
    }
}
