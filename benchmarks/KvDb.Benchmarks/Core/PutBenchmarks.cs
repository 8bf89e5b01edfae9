using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// In-memory inserts of 100,000 new items into an empty structure per iteration: a
/// <see cref="ConcurrentDictionary{TKey,TValue}"/> TryAdd (baseline) against <see cref="KvTable.Put"/> and
/// <see cref="KvTable.PutAsync"/> on a fresh in-memory database. Items are prebuilt once.
/// </summary>
[MemoryDiagnoser]
public class PutBenchmarks
{
    private const int Count = 100_000;

    private Item[] _items = [];
    private string[] _cdKeys = [];

    private ConcurrentDictionary<string, Item>? _dictionary;
    private KvDatabase? _db;
    private KvTable? _table;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(DataShape.Seed);
        _items = new Item[Count];
        _cdKeys = new string[Count];
        for (var i = 0; i < Count; i++)
        {
            var pk = DataShape.Pk(i / DataShape.ItemsPerPartition);
            var sk = DataShape.Sk(i % DataShape.ItemsPerPartition);
            _items[i] = DataShape.MakeItem(pk, sk, DataShape.Body(random));
            _cdKeys[i] = DataShape.CdKey(pk, sk);
        }

        // Sanity check: every prebuilt item is new, so the table ends with exactly Count items.
        CreateDatabase();
        KvDb_Put();
        var itemCount = _table!.DescribeAsync().AsTask().GetAwaiter().GetResult().ItemCount;
        DropStructures();
        if (itemCount != Count)
        {
            throw new InvalidOperationException($"Setup check: the table holds {itemCount} items, expected {Count}.");
        }
    }

    [IterationSetup(Target = nameof(ConcurrentDictionary_TryAdd))]
    public void CreateDictionary() => _dictionary = new ConcurrentDictionary<string, Item>();

    [IterationSetup(Targets = [nameof(KvDb_Put), nameof(KvDb_PutAsync)])]
    public void CreateDatabase() => (_db, _table) = DataShape.CreateKvDb();

    [IterationCleanup]
    public void DropStructures()
    {
        _dictionary = null;
        _db?.Dispose();
        _db = null;
        _table = null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        DropStructures();
        _items = [];
        _cdKeys = [];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public int ConcurrentDictionary_TryAdd()
    {
        var dictionary = _dictionary!;
        var items = _items;
        var keys = _cdKeys;
        for (var i = 0; i < items.Length; i++)
        {
            dictionary.TryAdd(keys[i], items[i]);
        }

        return dictionary.Count;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int KvDb_Put()
    {
        var table = _table!;
        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            table.Put(items[i]);
        }

        return items.Length;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public async Task<int> KvDb_PutAsync()
    {
        var table = _table!;
        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            await table.PutAsync(items[i]);
        }

        return items.Length;
    }
}
