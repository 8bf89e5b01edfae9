using BenchmarkDotNet.Attributes;
using KvDb.Sql;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// GROUP BY with aggregates over 1,000,000 rows of <c>sales (id, region, amount)</c> (20 regions, integer amounts):
/// <c>SELECT region, COUNT(*), SUM(amount), MIN(amount), MAX(amount), AVG(amount) FROM sales GROUP BY region</c>,
/// SQLite (baseline) against KvDb.Sql, both in memory; the 20 result rows are read.
/// </summary>
[MemoryDiagnoser]
public class SqlGroupByBenchmarks : SqlPeerBenchmark
{
    private const int Rows = 1_000_000;
    private const int Regions = 20;
    private const string Query = "SELECT region, COUNT(*), SUM(amount), MIN(amount), MAX(amount), AVG(amount) FROM sales GROUP BY region";

    private static string Region(int i) => "region" + SqlData.Invariant(i % Regions);

    private static int Amount(int i) => (int)((i * 2_654_435_761L) % 10_000);

    [GlobalSetup(Target = nameof(Sqlite_GroupBy))]
    public void SetupSqlite()
    {
        Sqlite = SqlData.OpenSqlite();
        SqlData.Exec(Sqlite, "CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount INTEGER)");
        SqlData.Load(Sqlite, "sales", "id, region, amount", Rows, i => [i, Region(i), Amount(i)]);
        Select = Sqlite.CreateCommand();
        Select.CommandText = Query;
        Select.Prepare();
        SqlData.Check(Sqlite_GroupBy(), Rows, "SQLite counted rows");
    }

    [GlobalSetup(Target = nameof(KvDb_GroupBy))]
    public void SetupKvDb()
    {
        Db = KvDatabase.OpenInMemory();
        SqlData.Exec(Db, "CREATE TABLE sales (id NUMBER, region STRING, amount NUMBER, PRIMARY KEY (id))");
        SqlData.Load(Db, "sales", "id, region, amount", Rows, i => $"{SqlData.Invariant(i)}, '{Region(i)}', {SqlData.Invariant(Amount(i))}");
        SqlData.Check(KvDb_GroupBy().AsTask().GetAwaiter().GetResult(), Rows, "KvDb counted rows");
    }

    /// <summary>Returns the sum of the group counts (the row count) so the setup can check it.</summary>
    [Benchmark(Baseline = true)]
    public long Sqlite_GroupBy()
    {
        long total = 0;
        using var reader = Select!.ExecuteReader();
        while (reader.Read())
        {
            total += reader.GetInt64(1);
            _ = reader.GetDouble(5);
        }

        return total;
    }

    [Benchmark]
    public async ValueTask<long> KvDb_GroupBy()
    {
        long total = 0;
        await foreach (var row in Db!.Sql(Query).ConfigureAwait(false))
        {
            total += row.GetAttribute(1)!.AsNumber().ToInt64();
            _ = row.GetAttribute(5);
        }

        return total;
    }
}
