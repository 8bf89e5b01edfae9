using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// Sort-key prefix queries returning 100 items: 1,000 partitions x 1,000 items (1,000,000 items), sk =
/// "g07-00712", so <c>begins_with(sk, "g07-")</c> matches exactly 100 items. Baseline: a prepared SQLite
/// range SELECT on the (pk, sk) primary key; against <see cref="IKvStore.QueryAsync"/> and the fluent
/// <see cref="KvTable.Query"/>. Every variant reads all 100 bodies.
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    private const int Partitions = 1_000;
    private const int ItemsPerPartition = 1_000;
    private const int ItemsPerPrefix = 100;
    private const int Prefixes = ItemsPerPartition / ItemsPerPrefix;
    private const int QueryCount = 1024;

    private string[] _pks = [];
    private string[] _prefixes = [];
    private string[] _upperBounds = [];
    private int _next;

    private KvDatabase? _db;
    private KvTable? _table;
    private SqliteConnection? _sqlite;
    private SqliteCommand? _select;
    private SqliteParameter? _selectPk;
    private SqliteParameter? _selectLo;
    private SqliteParameter? _selectHi;

    private static string Sk(int s) => $"g{s / ItemsPerPrefix:D2}-{s:D5}";

    private static (string Pk, string Sk, string Body) Row(int i, Random random) =>
        (DataShape.Pk(i / ItemsPerPartition), Sk(i % ItemsPerPartition), DataShape.Body(random));

    private void BuildQueries()
    {
        var random = new Random(DataShape.Seed + 2);
        _pks = new string[QueryCount];
        _prefixes = new string[QueryCount];
        _upperBounds = new string[QueryCount];
        for (var i = 0; i < QueryCount; i++)
        {
            _pks[i] = DataShape.Pk(random.Next(Partitions));
            var prefix = $"g{random.Next(Prefixes):D2}-";
            _prefixes[i] = prefix;
            _upperBounds[i] = string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());
        }

        _next = 0;
    }

    private int NextQuery()
    {
        var index = _next;
        _next = (index + 1) % QueryCount;
        return index;
    }

    [GlobalSetup(Target = nameof(Sqlite_RangeSelect))]
    public void SetupSqlite()
    {
        BuildQueries();
        var random = new Random(DataShape.Seed);
        _sqlite = DataShape.CreateSqlite();
        DataShape.LoadSqlite(_sqlite, Partitions * ItemsPerPartition, i => Row(i, random));
        _select = _sqlite.CreateCommand();
        _select.CommandText = "SELECT sk, body FROM items WHERE pk = $pk AND sk >= $lo AND sk < $hi";
        _selectPk = _select.Parameters.Add("$pk", SqliteType.Text);
        _selectLo = _select.Parameters.Add("$lo", SqliteType.Text);
        _selectHi = _select.Parameters.Add("$hi", SqliteType.Text);
        _selectPk.Value = _pks[0];
        _selectLo.Value = _prefixes[0];
        _selectHi.Value = _upperBounds[0];
        _select.Prepare();
        CheckCount(Sqlite_RangeSelectCount());
    }

    [GlobalSetup(Targets = [nameof(KvDb_QueryBeginsWith), nameof(KvDb_FluentQuery)])]
    public void SetupKvDb()
    {
        BuildQueries();
        var random = new Random(DataShape.Seed);
        (_db, _table) = DataShape.CreateKvDb();
        DataShape.LoadKvDb(_table, Partitions * ItemsPerPartition, i =>
        {
            var (pk, sk, body) = Row(i, random);
            return DataShape.MakeItem(pk, sk, body);
        });
        var result = _db.Store.QueryAsync(new QueryRequest(DataShape.TableName) { PartitionKey = _pks[0], SortKeyCondition = KeyCondition.BeginsWith(_prefixes[0]) })
            .AsTask().GetAwaiter().GetResult();
        CheckCount(result.Items.Count);
        _next = 0;
    }

    private static void CheckCount(int count)
    {
        if (count != ItemsPerPrefix)
        {
            throw new InvalidOperationException($"Setup check: the prefix query returned {count} items, expected {ItemsPerPrefix}.");
        }
    }

    private int Sqlite_RangeSelectCount()
    {
        var count = 0;
        using var reader = _select!.ExecuteReader();
        while (reader.Read())
        {
            count++;
        }

        return count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db?.Dispose();
        _db = null;
        _table = null;
        _select?.Dispose();
        _select = null;
        _sqlite?.Dispose();
        _sqlite = null;
    }

    [Benchmark(Baseline = true)]
    public int Sqlite_RangeSelect()
    {
        var q = NextQuery();
        _selectPk!.Value = _pks[q];
        _selectLo!.Value = _prefixes[q];
        _selectHi!.Value = _upperBounds[q];
        var totalLength = 0;
        using var reader = _select!.ExecuteReader();
        while (reader.Read())
        {
            totalLength += reader.GetString(1).Length;
        }

        return totalLength;
    }

    [Benchmark]
    public async Task<int> KvDb_QueryBeginsWith()
    {
        var q = NextQuery();
        var result = await _db!.Store.QueryAsync(new QueryRequest(DataShape.TableName)
        {
            PartitionKey = _pks[q],
            SortKeyCondition = KeyCondition.BeginsWith(_prefixes[q]),
        });
        var totalLength = 0;
        foreach (var item in result.Items)
        {
            totalLength += item.Get(DataShape.BodyAttribute)!.AsString().Length;
        }

        return totalLength;
    }

    [Benchmark]
    public async Task<int> KvDb_FluentQuery()
    {
        var q = NextQuery();
        var prefix = _prefixes[q];
        var items = await _table!.Query(_pks[q]).Where(k => k.BeginsWith(prefix)).ToListAsync();
        var totalLength = 0;
        foreach (var item in items)
        {
            totalLength += item.Get(DataShape.BodyAttribute)!.AsString().Length;
        }

        return totalLength;
    }
}
