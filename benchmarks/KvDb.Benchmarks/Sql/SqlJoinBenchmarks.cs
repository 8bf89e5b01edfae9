using BenchmarkDotNet.Attributes;
using KvDb.Sql;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// hash-db's three-table join (people, items, products) with 100,000 items, 10,000 people and 1,000 products, every
/// item matching one person and one product, so the query returns 100,000 rows, all read:
/// <c>SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id
/// INNER JOIN products ON items.search = products.name</c>. SQLite (baseline) has indexes on every join key; KvDb runs
/// it once with its planner's joins and once answered from the materialized join (hash-db's <c>create join</c>).
/// </summary>
[MemoryDiagnoser]
public class SqlJoinBenchmarks : SqlPeerBenchmark
{
    private const int Items = 100_000;
    private const int People = 10_000;
    private const int Products = 1_000;
    internal const string Query =
        "SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name";

    private static int PersonOf(int item) => (int)((item * 7919L) % People);

    private static int ProductOf(int item) => (int)((item * 104_729L) % Products);

    internal static KvDatabase LoadKvDb(KvDbOptions? options = null)
    {
        var db = KvDatabase.OpenInMemory(options);
        SqlData.Exec(db, "CREATE TABLE people (id NUMBER, people_name STRING, age NUMBER, PRIMARY KEY (id))");
        SqlData.Exec(db, "CREATE TABLE products (id NUMBER, name STRING, price NUMBER, PRIMARY KEY (id))");
        SqlData.Exec(db, "CREATE TABLE items (id NUMBER, search STRING, people NUMBER, PRIMARY KEY (id))");
        SqlData.Load(db, "people", "id, people_name, age", People, i => $"{SqlData.Invariant(i)}, 'person{SqlData.Invariant(i)}', {SqlData.Invariant(18 + (i % 60))}");
        SqlData.Load(db, "products", "id, name, price", Products, i => $"{SqlData.Invariant(i)}, 'product{SqlData.Invariant(i)}', {SqlData.Invariant(100 + i)}");
        SqlData.Load(db, "items", "id, search, people", Items, i => $"{SqlData.Invariant(i)}, 'product{SqlData.Invariant(ProductOf(i))}', {SqlData.Invariant(PersonOf(i))}");
        return db;
    }

    [GlobalSetup(Target = nameof(Sqlite_IndexedJoin))]
    public void SetupSqlite()
    {
        Sqlite = SqlData.OpenSqlite();
        SqlData.Exec(Sqlite, "CREATE TABLE people (id INTEGER PRIMARY KEY, people_name TEXT, age INTEGER)");
        SqlData.Exec(Sqlite, "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price INTEGER)");
        SqlData.Exec(Sqlite, "CREATE TABLE items (id INTEGER PRIMARY KEY, search TEXT, people INTEGER)");
        SqlData.Load(Sqlite, "people", "id, people_name, age", People, i => [i, "person" + SqlData.Invariant(i), 18 + (i % 60)]);
        SqlData.Load(Sqlite, "products", "id, name, price", Products, i => [i, "product" + SqlData.Invariant(i), 100 + i]);
        SqlData.Load(Sqlite, "items", "id, search, people", Items, i => [i, "product" + SqlData.Invariant(ProductOf(i)), PersonOf(i)]);
        SqlData.Exec(Sqlite, "CREATE INDEX items_people ON items (people)");
        SqlData.Exec(Sqlite, "CREATE INDEX items_search ON items (search)");
        SqlData.Exec(Sqlite, "CREATE INDEX products_name ON products (name)");
        SqlData.Exec(Sqlite, "ANALYZE");
        Select = Sqlite.CreateCommand();
        Select.CommandText = Query;
        Select.Prepare();
        SqlData.Check(Sqlite_IndexedJoin(), Items, "SQLite join rows");
    }

    [GlobalSetup(Target = nameof(KvDb_Join))]
    public void SetupKvDb()
    {
        Db = LoadKvDb();
        SqlData.Check(KvDb_Join().AsTask().GetAwaiter().GetResult(), Items, "KvDb join rows");
    }

    [GlobalSetup(Target = nameof(KvDb_MaterializedJoin))]
    public void SetupMaterialized()
    {
        Db = LoadKvDb();
        SqlData.Exec(Db, "create join inner join people on items.people = people.id inner join products on items.search = products.name");
        var plan = string.Join('\n', Db.Sql("EXPLAIN " + Query).ToListAsync().AsTask().GetAwaiter().GetResult().Select(r => r.GetAttribute(0)!.AsString()));
        if (!plan.Contains("MaterializedJoinScan", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Setup check: the query does not use the materialized join:\n" + plan);
        }

        SqlData.Check(KvDb_MaterializedJoin().AsTask().GetAwaiter().GetResult(), Items, "KvDb materialized join rows");
    }

    [Benchmark(Baseline = true)]
    public int Sqlite_IndexedJoin()
    {
        var rows = 0;
        using var reader = Select!.ExecuteReader();
        while (reader.Read())
        {
            if (reader.GetInt64(0) > 0 && reader.GetString(1).Length > 0 && reader.GetString(2).Length > 0)
            {
                rows++;
            }
        }

        return rows;
    }

    [Benchmark]
    public ValueTask<int> KvDb_Join() => RunKvDbAsync();

    [Benchmark]
    public ValueTask<int> KvDb_MaterializedJoin() => RunKvDbAsync();

    private async ValueTask<int> RunKvDbAsync()
    {
        var rows = 0;
        await foreach (var row in Db!.Sql(Query).ConfigureAwait(false))
        {
            if (row.GetAttribute(0) is not null && row.GetAttribute(1)!.AsString().Length > 0 && row.GetAttribute(2)!.AsString().Length > 0)
            {
                rows++;
            }
        }

        return rows;
    }
}
