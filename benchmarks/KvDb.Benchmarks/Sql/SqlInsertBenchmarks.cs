using BenchmarkDotNet.Attributes;
using KvDb.Sql;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// INSERT of 100,000 rows <c>(id, name, score)</c> into an empty table per iteration, all in one atomic unit: SQLite
/// (baseline) runs a prepared parameterized INSERT 100,000 times in one transaction; KvDb.Sql runs one multi-row
/// <c>INSERT ... VALUES (...), (...)</c> statement (text prebuilt once; parsing it is part of the measurement), which
/// is one atomic Core transaction. Each iteration starts from a fresh in-memory database.
/// </summary>
[MemoryDiagnoser]
public class SqlInsertBenchmarks
{
    private const int Rows = 100_000;

    private string _insertText = "";
    private KvDatabase? _db;
    private SqliteConnection? _sqlite;

    private static string Name(int i) => "name" + SqlData.Invariant(i);

    private static int Score(int i) => (int)((i * 48_271L) % 1000);

    [GlobalSetup]
    public void Setup() =>
        _insertText = "INSERT INTO t (id, name, score) VALUES "
            + string.Join(", ", Enumerable.Range(0, Rows).Select(i => $"({SqlData.Invariant(i)}, '{Name(i)}', {SqlData.Invariant(Score(i))})"));

    [IterationSetup(Target = nameof(Sqlite_PreparedInsertInTransaction))]
    public void CreateSqlite()
    {
        _sqlite = SqlData.OpenSqlite();
        SqlData.Exec(_sqlite, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score INTEGER)");
    }

    [IterationSetup(Target = nameof(KvDb_MultiRowInsert))]
    public void CreateKvDb()
    {
        _db = KvDatabase.OpenInMemory();
        SqlData.Exec(_db, "CREATE TABLE t (id NUMBER, name STRING, score NUMBER, PRIMARY KEY (id))");
    }

    [IterationCleanup]
    public void Cleanup()
    {
        if (_sqlite is not null)
        {
            SqlData.Check(SqlData.Scalar(_sqlite, "SELECT COUNT(*) FROM t"), Rows, "SQLite rows");
            _sqlite.Dispose();
            _sqlite = null;
        }

        if (_db is not null)
        {
            var count = _db.Sql("SELECT COUNT(*) FROM t").ToListAsync().AsTask().GetAwaiter().GetResult()[0].GetAttribute(0)!.AsNumber().ToInt64();
            SqlData.Check(count, Rows, "KvDb rows");
            _db.Dispose();
            _db = null;
        }
    }

    [Benchmark(Baseline = true)]
    public void Sqlite_PreparedInsertInTransaction() =>
        SqlData.Load(_sqlite!, "t", "id, name, score", Rows, i => [i, Name(i), Score(i)]);

    [Benchmark]
    public async ValueTask<long> KvDb_MultiRowInsert() =>
        await _db!.Sql(_insertText).ExecuteNonQueryAsync().ConfigureAwait(false);
}
