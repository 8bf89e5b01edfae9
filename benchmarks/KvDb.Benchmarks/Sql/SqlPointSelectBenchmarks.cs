using BenchmarkDotNet.Attributes;
using KvDb.Sql;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// Point select by primary key on a 100,000-row table <c>users (id, name, age)</c>: SQLite (baseline) with a prepared,
/// reused <c>SELECT name, age FROM users WHERE id = $id</c> on an <c>INTEGER PRIMARY KEY</c>, against KvDb.Sql running
/// the same text with a parameter through <c>db.Sql(text, parameters).ToListAsync()</c> (a new parameter dictionary per
/// call; the engine's plan cache reuses the statement's plan, with the parameter read when it runs, so each call is a
/// cache lookup and a point read). Each invocation performs 1,000 lookups of random existing ids.
/// </summary>
[MemoryDiagnoser]
public class SqlPointSelectBenchmarks : SqlPeerBenchmark
{
    private const int Rows = 100_000;
    private const int Lookups = 1000;
    private const string Query = "SELECT name, age FROM users WHERE id = @id";

    private int[] _ids = [];
    private SqliteParameter? _id;

    private void BuildIds()
    {
        var random = new Random(SqlData.Seed);
        _ids = [.. Enumerable.Range(0, Lookups).Select(_ => random.Next(Rows))];
    }

    [GlobalSetup(Target = nameof(Sqlite_PreparedSelect))]
    public void SetupSqlite()
    {
        BuildIds();
        Sqlite = SqlData.OpenSqlite();
        SqlData.Exec(Sqlite, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)");
        SqlData.Load(Sqlite, "users", "id, name, age", Rows, i => [i, "user" + SqlData.Invariant(i), 18 + (i % 60)]);
        Select = Sqlite.CreateCommand();
        Select.CommandText = "SELECT name, age FROM users WHERE id = $id";
        _id = Select.Parameters.Add("$id", SqliteType.Integer);
        _id.Value = 0;
        Select.Prepare();
        SqlData.Check(Sqlite_PreparedSelect(), Lookups, "SQLite lookups");
    }

    [GlobalSetup(Target = nameof(KvDb_SqlSelect))]
    public void SetupKvDb()
    {
        BuildIds();
        Db = KvDatabase.OpenInMemory();
        SqlData.Exec(Db, "CREATE TABLE users (id NUMBER, name STRING, age NUMBER, PRIMARY KEY (id))");
        SqlData.Load(Db, "users", "id, name, age", Rows, i => $"{SqlData.Invariant(i)}, 'user{SqlData.Invariant(i)}', {SqlData.Invariant(18 + (i % 60))}");
        SqlData.Check(KvDb_SqlSelect().AsTask().GetAwaiter().GetResult(), Lookups, "KvDb lookups");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    public int Sqlite_PreparedSelect()
    {
        var found = 0;
        foreach (var id in _ids)
        {
            _id!.Value = id;
            using var reader = Select!.ExecuteReader();
            if (reader.Read() && reader.GetString(0).Length > 0 && reader.GetInt64(1) > 0)
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public async ValueTask<int> KvDb_SqlSelect()
    {
        var db = Db!;
        var found = 0;
        foreach (var id in _ids)
        {
            var rows = await db.Sql(Query, new Dictionary<string, object?> { ["id"] = id }).ToListAsync().ConfigureAwait(false);
            if (rows.Count == 1 && rows[0].GetAttribute(0)!.AsString().Length > 0 && rows[0].GetAttribute(1) is not null)
            {
                found++;
            }
        }

        return found;
    }
}
