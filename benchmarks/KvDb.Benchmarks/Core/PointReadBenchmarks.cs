using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// Point reads of existing keys over 1,000,000 items (10,000 partitions x 100 items): a
/// <see cref="ConcurrentDictionary{TKey,TValue}"/> (baseline), <see cref="KvTable.TryGet"/>, and an in-memory
/// SQLite table read through a prepared, reused SELECT. Each invocation performs 1000 lookups.
/// </summary>
[MemoryDiagnoser]
public class PointReadBenchmarks
{
    private const int Lookups = 1000;

    private string[] _pks = [];
    private string[] _sks = [];
    private ItemKey[] _itemKeys = [];
    private string[] _cdKeys = [];

    private ConcurrentDictionary<string, Item>? _dictionary;
    private KvDatabase? _db;
    private KvTable? _table;
    private SqliteConnection? _sqlite;
    private SqliteCommand? _select;
    private SqliteParameter? _selectPk;
    private SqliteParameter? _selectSk;

    private void BuildLookupKeys()
    {
        // Fresh string instances, so no lookup wins by reference equality with the stored key.
        var random = new Random(DataShape.Seed + 1);
        _pks = new string[Lookups];
        _sks = new string[Lookups];
        _itemKeys = new ItemKey[Lookups];
        _cdKeys = new string[Lookups];
        for (var i = 0; i < Lookups; i++)
        {
            _pks[i] = DataShape.Pk(random.Next(DataShape.Partitions));
            _sks[i] = DataShape.Sk(random.Next(DataShape.ItemsPerPartition));
            _itemKeys[i] = new ItemKey(_pks[i], _sks[i]);
            _cdKeys[i] = DataShape.CdKey(_pks[i], _sks[i]);
        }
    }

    private static Item MakeItem(int i, Random random) =>
        DataShape.MakeItem(
            DataShape.Pk(i / DataShape.ItemsPerPartition),
            DataShape.Sk(i % DataShape.ItemsPerPartition),
            DataShape.Body(random));

    [GlobalSetup(Target = nameof(ConcurrentDictionary_TryGetValue))]
    public void SetupDictionary()
    {
        BuildLookupKeys();
        var random = new Random(DataShape.Seed);
        _dictionary = new ConcurrentDictionary<string, Item>();
        for (var i = 0; i < DataShape.ItemCount; i++)
        {
            var item = MakeItem(i, random);
            _dictionary[DataShape.CdKey(DataShape.Pk(i / DataShape.ItemsPerPartition), DataShape.Sk(i % DataShape.ItemsPerPartition))] = item;
        }

        Check(ConcurrentDictionary_TryGetValue(), Lookups);
    }

    [GlobalSetup(Target = nameof(KvDb_TryGet))]
    public void SetupKvDb()
    {
        BuildLookupKeys();
        var random = new Random(DataShape.Seed);
        (_db, _table) = DataShape.CreateKvDb();
        DataShape.LoadKvDb(_table, DataShape.ItemCount, i => MakeItem(i, random));
        Check(KvDb_TryGet(), Lookups);
    }

    [GlobalSetup(Target = nameof(Sqlite_PreparedSelect))]
    public void SetupSqlite()
    {
        BuildLookupKeys();
        var random = new Random(DataShape.Seed);
        _sqlite = DataShape.CreateSqlite();
        DataShape.LoadSqlite(_sqlite, DataShape.ItemCount, i => (
            DataShape.Pk(i / DataShape.ItemsPerPartition),
            DataShape.Sk(i % DataShape.ItemsPerPartition),
            DataShape.Body(random)));
        _select = _sqlite.CreateCommand();
        _select.CommandText = "SELECT body FROM items WHERE pk = $pk AND sk = $sk";
        _selectPk = _select.Parameters.Add("$pk", SqliteType.Text);
        _selectSk = _select.Parameters.Add("$sk", SqliteType.Text);
        _selectPk.Value = _pks[0];
        _selectSk.Value = _sks[0];
        _select.Prepare();
        Check(Sqlite_PreparedSelect(), Lookups * DataShape.BodyLength);
    }

    private static void Check(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"Setup check: the lookups returned {actual}, expected {expected}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _dictionary = null;
        _db?.Dispose();
        _db = null;
        _table = null;
        _select?.Dispose();
        _select = null;
        _sqlite?.Dispose();
        _sqlite = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    public int ConcurrentDictionary_TryGetValue()
    {
        var dictionary = _dictionary!;
        var keys = _cdKeys;
        var found = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (dictionary.TryGetValue(keys[i], out var item) && item is not null)
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int KvDb_TryGet()
    {
        var table = _table!;
        var keys = _itemKeys;
        var found = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (table.TryGet(keys[i], out var item) && item is not null)
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int Sqlite_PreparedSelect()
    {
        var select = _select!;
        var pkParameter = _selectPk!;
        var skParameter = _selectSk!;
        var totalLength = 0;
        for (var i = 0; i < _pks.Length; i++)
        {
            pkParameter.Value = _pks[i];
            skParameter.Value = _sks[i];
            using var reader = select.ExecuteReader();
            if (reader.Read())
            {
                totalLength += reader.GetString(0).Length;
            }
        }

        return totalLength;
    }
}
