using System.Collections.Immutable;
using KvDb.Expressions;
using KvDb.Sql.Ast;

namespace KvDb.Sql.Binding;

/// <summary>
/// The SQL catalog: column types of declared tables, the learned columns of auto-created tables, id counters and
/// materialized views. It lives in the Core table <c>__sql_catalog</c> (partition key <c>object</c>, sort key
/// <c>entry</c>), so it survives reopening a database directory. Readers use an immutable snapshot swapped atomically.
/// Entries: (table, "def") holds the canonical CREATE TABLE text and the origin; (table, "col:NAME") a learned
/// column of an auto table with its position; (table, "seq") the id counter; (view, "view") a view's SQL.
/// </summary>
internal sealed class SqlCatalog(IKvStore store)
{
    public const string TableName = "__sql_catalog";

    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private volatile Snapshot? _snapshot;

    internal sealed record Snapshot(ImmutableDictionary<string, TableInfo> Tables, ImmutableDictionary<string, string> Views);

    public async ValueTask<Snapshot> GetAsync(CancellationToken ct)
    {
        if (_snapshot is { } s)
        {
            return s;
        }

        await _loadLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _snapshot ??= await LoadAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _loadLock.Release();
        }
    }

    /// <summary>The current snapshot without loading it (null when it must be reloaded).</summary>
    public Snapshot? Peek => _snapshot;

    /// <summary>Forgets the snapshot so that the next read reloads it (after DDL or a lost race).</summary>
    public void Invalidate() => _snapshot = null;

    private async ValueTask EnsureTableAsync(CancellationToken ct)
    {
        if (await store.DescribeTableAsync(TableName, ct).ConfigureAwait(false) is null)
        {
            try
            {
                await store.CreateTableAsync(new TableSchema(TableName, new KeyAttribute("object", ScalarType.String), new KeyAttribute("entry", ScalarType.String)), ct).ConfigureAwait(false);
            }
            catch (KvDbException ex) when (ex.Code == KvErrorCode.TableAlreadyExists)
            {
                // Another writer created it first.
            }
        }
    }

    private async ValueTask<Snapshot> LoadAsync(CancellationToken ct)
    {
        await EnsureTableAsync(ct).ConfigureAwait(false);
        var items = new List<Item>();
        ItemKey? start = null;
        do
        {
            var page = await store.ScanAsync(new ScanRequest(TableName) { ExclusiveStartKey = start, Limit = 1000 }, ct).ConfigureAwait(false);
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        var tables = ImmutableDictionary.CreateBuilder<string, TableInfo>(StringComparer.Ordinal);
        var views = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var learned = new Dictionary<string, List<(KvNumber Order, string Name)>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var name = item["object"].AsString();
            var entry = item["entry"].AsString();
            if (entry == "def")
            {
                var create = (CreateTableStatement)Parsing.SqlParser.ParseStatement(item["sql"].AsString());
                var origin = item["origin"].AsString() == "auto" ? TableOrigin.Auto : TableOrigin.Declared;
                tables[name] = new TableInfo(name, origin, create.Columns, create.PrimaryKey[0], create.PrimaryKey.Count > 1 ? create.PrimaryKey[1] : null);
            }
            else if (entry.StartsWith("col:", StringComparison.Ordinal))
            {
                if (!learned.TryGetValue(name, out var list))
                {
                    learned[name] = list = [];
                }

                list.Add((item["order"].AsNumber(), entry[4..]));
            }
            else if (entry == "view")
            {
                views[name] = item["sql"].AsString();
            }
        }

        foreach (var (table, columns) in learned)
        {
            if (tables.TryGetValue(table, out var info))
            {
                var extra = columns.OrderBy(c => c.Order).Select(c => c.Name).Where(n => info.FindColumn(n) is null).Distinct();
                tables[table] = info with { Columns = [.. info.Columns, .. extra.Select(n => new ColumnDef(n, SqlType.Any))] };
            }
        }

        return new Snapshot(tables.ToImmutable(), views.ToImmutable());
    }

    /// <summary>
    /// Finds a table: in the catalog, else as a Core table created outside SQL. Writers pass
    /// <c>withStatistics: false</c>: they need the columns and keys only, so the snapshot's entry is returned as it is,
    /// without its item count and indexes (no copy per statement). Existence is checked with Core either way.
    /// </summary>
    public async ValueTask<TableInfo?> FindTableAsync(string name, CancellationToken ct, bool withStatistics = true)
    {
        var snapshot = await GetAsync(ct).ConfigureAwait(false);
        if (name == TableName && !snapshot.Tables.ContainsKey(name))
        {
            return null;
        }

        // A writer of a catalog table on the local engine only needs to know the table is there.
        TableInfo? info;
        if (!withStatistics && store is Engine.KvEngine local && snapshot.Tables.TryGetValue(name, out info))
        {
            return local.HasTable(name) ? info : null;
        }

        // Item count and indexes come from Core on every lookup, so index changes are seen at once.
        var described = await store.DescribeTableAsync(name, ct).ConfigureAwait(false);
        if (described is null)
        {
            return null;
        }

        if (!snapshot.Tables.TryGetValue(name, out info))
        {
            var schema = described.Schema;
            var keys = new List<ColumnDef> { new(schema.PartitionKey.Name, ToSqlType(schema.PartitionKey.Type)) };
            if (schema.SortKey is not null)
            {
                keys.Add(new ColumnDef(schema.SortKey.Name, ToSqlType(schema.SortKey.Type)));
            }

            info = new TableInfo(name, TableOrigin.External, keys, schema.PartitionKey.Name, schema.SortKey?.Name);
        }

        if (!withStatistics)
        {
            return info;
        }

        return info with
        {
            ItemCount = described.ItemCount,
            Indexes = [.. described.Schema.Indexes.Select(i => (i.Name, i.PartitionKey.Name, i.SortKey?.Name))],
        };
    }

    private static SqlType ToSqlType(ScalarType type) => type switch
    {
        ScalarType.String => SqlType.String,
        ScalarType.Number => SqlType.Number,
        _ => SqlType.Binary,
    };

    public static ScalarType ToScalarType(SqlType type, string table, string column) => type switch
    {
        SqlType.String => ScalarType.String,
        SqlType.Number => ScalarType.Number,
        SqlType.Binary => ScalarType.Binary,
        _ => ThrowHelper.Error<ScalarType>(SqlErrorCode.TypeMismatch,
            $"Key column '{column}' of table '{table}' must be STRING, NUMBER or BINARY, not {Ast.SqlPrinter.TypeName(type)}"),
    };

    /// <summary>Creates the Core table and records its definition.</summary>
    public async ValueTask CreateTableAsync(CreateTableStatement create, TableOrigin origin, CancellationToken ct)
    {
        await GetAsync(ct).ConfigureAwait(false);
        var pk = create.PrimaryKey[0];
        var sk = create.PrimaryKey.Count > 1 ? create.PrimaryKey[1] : null;
        var pkType = create.Columns.First(c => c.Name == pk).Type;
        var schema = new TableSchema(create.Name, new KeyAttribute(pk, ToScalarType(pkType, create.Name, pk)),
            sk is null ? null : new KeyAttribute(sk, ToScalarType(create.Columns.First(c => c.Name == sk).Type, create.Name, sk)));
        await store.CreateTableAsync(schema, ct).ConfigureAwait(false);
        await store.PutItemAsync(new PutItemRequest(TableName, Item.Create()
            .Set("object", create.Name).Set("entry", "def").Set("sql", create.ToString())
            .Set("origin", origin == TableOrigin.Auto ? "auto" : "declared").Build()), ct).ConfigureAwait(false);
        Invalidate();
    }

    /// <summary>Drops a table and its catalog entries.</summary>
    public async ValueTask DropTableAsync(string name, CancellationToken ct)
    {
        await store.DeleteTableAsync(name, ct).ConfigureAwait(false);
        await DeleteEntriesAsync(name, ct).ConfigureAwait(false);
        Invalidate();
    }

    private async ValueTask DeleteEntriesAsync(string name, CancellationToken ct)
    {
        await EnsureTableAsync(ct).ConfigureAwait(false);
        var entries = await store.QueryAsync(new QueryRequest(TableName) { PartitionKey = name }, ct).ConfigureAwait(false);
        foreach (var item in entries.Items)
        {
            await store.DeleteItemAsync(new DeleteItemRequest(TableName, new ItemKey(name, item["entry"])), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Records columns first seen by an INSERT into an auto-created table (the first writer of a name wins).</summary>
    public async ValueTask LearnColumnsAsync(TableInfo table, IEnumerable<string> columns, CancellationToken ct)
    {
        var added = false;
        foreach (var column in columns)
        {
            if (table.FindColumn(column) is not null)
            {
                continue;
            }

            var order = await NextAsync(table.Name, "colseq", 1, ct).ConfigureAwait(false);
            await store.PutItemAsync(new PutItemRequest(TableName, Item.Create()
                .Set("object", table.Name).Set("entry", "col:" + column).Set("order", order).Build())
            {
                Condition = Condition.AttributeNotExists("entry"),
            }, ct).ConfigureAwait(false);
            added = true;
        }

        if (added)
        {
            Invalidate();
        }
    }

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive numbers from a counter with one atomic Core update, and returns
    /// the first. Ids stay unique under concurrent inserts (hash-db lost rows here); a failed statement leaves a gap.
    /// </summary>
    public async ValueTask<KvNumber> NextAsync(string name, string counter, int count, CancellationToken ct)
    {
        await EnsureTableAsync(ct).ConfigureAwait(false);
        var result = await store.UpdateItemAsync(new UpdateItemRequest(TableName, new ItemKey(name, counter), Update.Increment("next", count))
        {
            ReturnValues = ReturnValues.UpdatedNew,
        }, ct).ConfigureAwait(false);
        return result.Attributes!["next"].AsNumber() - count + 1;
    }

    public async ValueTask CreateViewAsync(string name, string sql, CancellationToken ct)
    {
        await EnsureTableAsync(ct).ConfigureAwait(false);
        await store.PutItemAsync(new PutItemRequest(TableName, Item.Create().Set("object", name).Set("entry", "view").Set("sql", sql).Build()), ct).ConfigureAwait(false);
        Invalidate();
    }

    public async ValueTask DropViewAsync(string name, CancellationToken ct)
    {
        await DeleteEntriesAsync(name, ct).ConfigureAwait(false);
        Invalidate();
    }
}
