using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// Retained managed memory of 1,000,000 items, measured outside BenchmarkDotNet (<c>dotnet run -c Release -- memory</c>):
/// full GC, <see cref="GC.GetTotalMemory(bool)"/>, load (each item is generated inside the loop and dropped, so
/// inputs are not counted), full GC again with only the structure alive. Peers: a
/// <c>ConcurrentDictionary&lt;string, string&gt;</c> holding key -> body.
/// </summary>
public static class MemoryMeasurement
{
    private const int FlatItemCount = 1_000_000;

    private sealed record Measurement(string Shape, string Structure, long RetainedBytes, long RawBytes, int Items, TimeSpan LoadTime)
    {
        public double BytesPerItem => (double)RetainedBytes / Items;

        public double RawBytesPerItem => (double)RawBytes / Items;

        public double Ratio => (double)RetainedBytes / RawBytes;
    }

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"Retained managed memory, {DataShape.ItemCount:N0} items ({Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC})");
        output.WriteLine();

        var results = new List<Measurement>
        {
            Measure("pk+sk (10,000 x 100)", "KvDb in-memory table", LoadKvDbWithSortKey),
            Measure("pk+sk (10,000 x 100)", "ConcurrentDictionary<string,string>", LoadDictionaryWithSortKey),
            Measure("pk only (1,000,000)", "KvDb in-memory table", LoadKvDbWithoutSortKey),
            Measure("pk only (1,000,000)", "ConcurrentDictionary<string,string>", LoadDictionaryWithoutSortKey),
        };

        Print(output, results);
    }

    private static Measurement Measure(string shape, string structure, Func<(object Keep, long RawBytes, int Items)> load)
    {
        var before = SettledMemory();
        var stopwatch = Stopwatch.StartNew();
        var (keep, raw, items) = load();
        stopwatch.Stop();
        var after = SettledMemory();
        GC.KeepAlive(keep);
        if (keep is IDisposable disposable)
        {
            disposable.Dispose();
        }

        return new Measurement(shape, structure, after - before, raw, items, stopwatch.Elapsed);
    }

    private static long SettledMemory()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static long RawBytes(string pk, string? sk, string body) =>
        Encoding.UTF8.GetByteCount(pk)
        + (sk is null ? 0 : Encoding.UTF8.GetByteCount(sk))
        + Encoding.UTF8.GetByteCount(DataShape.BodyAttribute)
        + Encoding.UTF8.GetByteCount(body);

    private static string FlatPk(int i) => $"user#{i:D7}";

    // Each loader builds its inputs inside the loop, so only the structure (and a few locals) survive it.
    private static (object, long, int) LoadKvDbWithSortKey()
    {
        var (db, table) = DataShape.CreateKvDb(withSortKey: true);
        var random = new Random(DataShape.Seed);
        long raw = 0;
        for (var i = 0; i < DataShape.ItemCount; i++)
        {
            var pk = DataShape.Pk(i / DataShape.ItemsPerPartition);
            var sk = DataShape.Sk(i % DataShape.ItemsPerPartition);
            var body = DataShape.Body(random);
            raw += RawBytes(pk, sk, body);
            table.Put(DataShape.MakeItem(pk, sk, body));
        }

        return (db, raw, DataShape.ItemCount);
    }

    private static (object, long, int) LoadDictionaryWithSortKey()
    {
        var dictionary = new ConcurrentDictionary<string, string>();
        var random = new Random(DataShape.Seed);
        long raw = 0;
        for (var i = 0; i < DataShape.ItemCount; i++)
        {
            var pk = DataShape.Pk(i / DataShape.ItemsPerPartition);
            var sk = DataShape.Sk(i % DataShape.ItemsPerPartition);
            var body = DataShape.Body(random);
            raw += RawBytes(pk, sk, body);
            dictionary[DataShape.CdKey(pk, sk)] = body;
        }

        return (dictionary, raw, DataShape.ItemCount);
    }

    private static (object, long, int) LoadKvDbWithoutSortKey()
    {
        var (db, table) = DataShape.CreateKvDb(withSortKey: false);
        var random = new Random(DataShape.Seed);
        long raw = 0;
        for (var i = 0; i < FlatItemCount; i++)
        {
            var pk = FlatPk(i);
            var body = DataShape.Body(random);
            raw += RawBytes(pk, null, body);
            table.Put(Item.Create().Set("pk", pk).Set(DataShape.BodyAttribute, body).Build());
        }

        return (db, raw, FlatItemCount);
    }

    private static (object, long, int) LoadDictionaryWithoutSortKey()
    {
        var dictionary = new ConcurrentDictionary<string, string>();
        var random = new Random(DataShape.Seed);
        long raw = 0;
        for (var i = 0; i < FlatItemCount; i++)
        {
            var pk = FlatPk(i);
            var body = DataShape.Body(random);
            raw += RawBytes(pk, null, body);
            dictionary[pk] = body;
        }

        return (dictionary, raw, FlatItemCount);
    }

    private static void Print(TextWriter output, IReadOnlyList<Measurement> results)
    {
        var header = new[] { "Shape", "Structure", "Retained", "Bytes/item", "Raw bytes/item", "Ratio", "Load" };
        var rows = results.Select(r => new[]
        {
            r.Shape,
            r.Structure,
            $"{r.RetainedBytes / (1024.0 * 1024.0):N1} MiB",
            $"{r.BytesPerItem:N1}",
            $"{r.RawBytesPerItem:N1}",
            $"{r.Ratio:N2}x",
            $"{r.LoadTime.TotalSeconds:N2} s",
        }).ToList();

        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        output.WriteLine("| " + string.Join(" | ", header.Select((h, c) => h.PadRight(widths[c]))) + " |");
        output.WriteLine("|" + string.Join("|", widths.Select((w, c) => c < 2 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in rows)
        {
            output.WriteLine("| " + string.Join(" | ", row.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))) + " |");
        }

        output.WriteLine();
        output.WriteLine("Retained = GC.GetTotalMemory(true) after the load minus before, with only the structure alive.");
        output.WriteLine("Raw bytes/item = UTF-8 length of pk + sk + \"body\" + body value. Ratio = retained / raw.");
    }
}
