using BenchmarkDotNet.Attributes;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// Opening a data directory whose log holds 1,000,000 small writes (no checkpoint: every write is replayed)
/// against opening the same data from a checkpoint snapshot (the baseline). The goal is log replay in 2 s.
/// </summary>
[MemoryDiagnoser]
public class RecoveryBenchmarks
{
    private const int Writes = 1_000_000;
    private string _logDirectory = "";
    private string _snapshotDirectory = "";

    [GlobalSetup]
    public void Setup()
    {
        _logDirectory = Fill(checkpoint: false);
        _snapshotDirectory = Fill(checkpoint: true);
    }

    private static string Fill(bool checkpoint)
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-recovery-" + Guid.NewGuid().ToString("N"));
        using (var db = KvDatabase.Open(dir, new KvDbOptions { Durability = Durability.None, CheckpointLogBytes = 0 }))
        {
            var table = db.CreateTableAsync("items", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number)).AsTask().GetAwaiter().GetResult();
            // 1M separate commits (one log record each) of small items over 10,000 partitions.
            Parallel.For(0, 4, w =>
            {
                for (var i = w; i < Writes; i += 4)
                {
                    table.Put(Item.Create().Set("pk", $"p{i % 10_000:D5}").Set("sk", i).Set("v", i).Build());
                }
            });
            if (checkpoint)
            {
                db.CheckpointAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        using (var check = KvDatabase.Open(dir))
        {
            var count = check.Table("items").DescribeAsync().AsTask().GetAwaiter().GetResult().ItemCount;
            if (count != Writes)
            {
                throw new InvalidOperationException($"Setup check: {count} items after reopening, expected {Writes}.");
            }
        }

        return dir;
    }

    [Benchmark(Baseline = true)]
    public long OpenFromSnapshot()
    {
        using var db = KvDatabase.Open(_snapshotDirectory);
        return db.LastSequence;
    }

    [Benchmark]
    public long OpenReplaying1MLogRecords()
    {
        using var db = KvDatabase.Open(_logDirectory);
        return db.RecoveryReport!.RecordsReplayed;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var dir in new[] { _logDirectory, _snapshotDirectory })
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
