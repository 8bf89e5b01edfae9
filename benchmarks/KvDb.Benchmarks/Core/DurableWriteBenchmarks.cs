using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// Commit throughput of acknowledged single-item writes from 8 writer threads in file mode.
/// Fsync: KvDb with <see cref="Durability.Fsync"/> against SQLite in WAL mode with synchronous=FULL.
/// OsBuffered: KvDb with <see cref="Durability.OsBuffered"/> against SQLite WAL with synchronous=NORMAL.
/// SQLite gets one connection per writer and one transaction (autocommit statement) per write.
/// </summary>
[MemoryDiagnoser]
public class DurableWriteBenchmarks
{
    private const int Writers = 8;
    private const int WritesPerWriter = 50;
    private const int Total = Writers * WritesPerWriter;

    private string _directory = "";
    private KvDatabase? _db;
    private KvTable? _table;
    private SqliteConnection[] _connections = [];
    private SqliteCommand[] _inserts = [];
    private int _round;

    [Params(Durability.Fsync, Durability.OsBuffered)]
    public Durability Mode { get; set; }

    [GlobalSetup(Target = nameof(KvDb_PutAsync))]
    public void SetupKvDb()
    {
        _directory = NewDirectory();
        _db = KvDatabase.Open(_directory, new KvDbOptions { Durability = Mode, CheckpointLogBytes = 256L << 20 });
        _table = _db.CreateTableAsync("items", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String)).AsTask().GetAwaiter().GetResult();
    }

    [GlobalSetup(Target = nameof(Sqlite_Insert))]
    public void SetupSqlite()
    {
        _directory = NewDirectory();
        var path = Path.Combine(_directory, "bench.db");
        _connections = new SqliteConnection[Writers];
        _inserts = new SqliteCommand[Writers];
        for (var w = 0; w < Writers; w++)
        {
            var c = new SqliteConnection($"Data Source={path};Pooling=False");
            c.Open();
            Exec(c, "PRAGMA journal_mode=WAL");
            Exec(c, Mode == Durability.Fsync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            Exec(c, "PRAGMA busy_timeout=30000");
            if (w == 0)
            {
                Exec(c, "CREATE TABLE items(pk TEXT NOT NULL, sk TEXT NOT NULL, body TEXT, PRIMARY KEY (pk, sk)) WITHOUT ROWID");
            }

            var insert = c.CreateCommand();
            insert.CommandText = "INSERT OR REPLACE INTO items(pk, sk, body) VALUES ($pk, $sk, $body)";
            insert.Parameters.Add("$pk", SqliteType.Text);
            insert.Parameters.Add("$sk", SqliteType.Text);
            insert.Parameters.Add("$body", SqliteType.Text);
            insert.Prepare();
            _connections[w] = c;
            _inserts[w] = insert;
        }
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string NewDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Total)]
    public void Sqlite_Insert()
    {
        var round = Interlocked.Increment(ref _round);
        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, w =>
        {
            var insert = _inserts[w];
            for (var i = 0; i < WritesPerWriter; i++)
            {
                insert.Parameters[0].Value = $"user#{w:D5}";
                insert.Parameters[1].Value = $"msg#{round:D6}-{i:D3}";
                insert.Parameters[2].Value = "a durable write of about one hundred bytes of payload, give or take";
                insert.ExecuteNonQuery();
            }
        });
    }

    [Benchmark(OperationsPerInvoke = Total)]
    public void KvDb_PutAsync()
    {
        var round = Interlocked.Increment(ref _round);
        var table = _table!;
        var tasks = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            var writer = w;
            tasks[w] = Task.Run(async () =>
            {
                for (var i = 0; i < WritesPerWriter; i++)
                {
                    await table.PutAsync(Item.Create().Set("pk", $"user#{writer:D5}").Set("sk", $"msg#{round:D6}-{i:D3}")
                        .Set("body", "a durable write of about one hundred bytes of payload, give or take").Build());
                }
            });
        }

        Task.WaitAll(tasks);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db?.Dispose();
        foreach (var c in _inserts)
        {
            c.Dispose();
        }

        foreach (var c in _connections)
        {
            c.Dispose();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
        }
    }
}
