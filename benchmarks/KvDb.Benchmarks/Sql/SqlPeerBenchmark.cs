using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// What the SQL benchmarks against SQLite share: the KvDb database, the SQLite connection and its prepared
/// statement, and their cleanup.
/// </summary>
public abstract class SqlPeerBenchmark
{
    protected KvDatabase? Db { get; set; }

    protected SqliteConnection? Sqlite { get; set; }

    protected SqliteCommand? Select { get; set; }

    [GlobalCleanup]
    public void Cleanup()
    {
        Db?.Dispose();
        Db = null;
        Select?.Dispose();
        Select = null;
        Sqlite?.Dispose();
        Sqlite = null;
    }
}
