using System.Diagnostics;
using System.Globalization;
using KvDb.Sql;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// A quick Stopwatch timing of the GROUP BY and join benchmarks against SQLite in one process
/// (<c>dotnet run -c Release -- sql-timing [insert|groupby|join|all] [runs]</c>), for profiling between BenchmarkDotNet runs:
/// each case is set up once with the benchmark class's own setup, then KvDb and SQLite alternate, and the best and
/// median times, the KvDb/SQLite ratio of the medians and KvDb's bytes allocated per run are printed. On a shared
/// machine only the ratio means much.
/// </summary>
public static class SqlTimingMeasurement
{
    public static void Run(TextWriter output, string which, int runs)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"KvDb.Sql timing ({Environment.Version}, {Environment.ProcessorCount} cores), {runs} runs each, load {Load()}");
        if (which is "profile-join" or "profile-groupby" or "profile-mjoin")
        {
            // For a profiler: one case only, run repeatedly.
            var b = new SqlJoinBenchmarks();
            var g = new SqlGroupByBenchmarks();
            Func<long> run = which switch
            {
                "profile-join" => () => { b.SetupKvDb(); return 0; },
                "profile-mjoin" => () => { b.SetupMaterialized(); return 0; },
                _ => () => { g.SetupKvDb(); return 0; },
            };
            run();
            output.WriteLine("ready");
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                _ = which == "profile-groupby" ? g.KvDb_GroupBy().AsTask().GetAwaiter().GetResult() : b.KvDb_Join().AsTask().GetAwaiter().GetResult();
            }

            output.WriteLine($"{runs} runs, {sw.Elapsed.TotalMilliseconds / runs:F1} ms each");
            return;
        }

        if (which == "mjoin-copy")
        {
            MaterializedJoinCopy(output, runs);
            return;
        }

        if (which is "insert" or "all")
        {
            Insert(output, runs);
        }

        if (which is "groupby" or "all")
        {
            var kv = new SqlGroupByBenchmarks();
            var lite = new SqlGroupByBenchmarks();
            kv.SetupKvDb();
            lite.SetupSqlite();
            if (which == "groupby")
            {
                Phases(output, kv);
            }

            Compare(output, "GROUP BY 1M", runs, () => kv.KvDb_GroupBy().AsTask().GetAwaiter().GetResult(), () => lite.Sqlite_GroupBy());
            kv.Cleanup();
            lite.Cleanup();
        }

        if (which is "join" or "all")
        {
            var kv = new SqlJoinBenchmarks();
            var lite = new SqlJoinBenchmarks();
            var mat = new SqlJoinBenchmarks();
            kv.SetupKvDb();
            lite.SetupSqlite();
            mat.SetupMaterialized();
            if (which == "join")
            {
                var db = (KvDatabase)typeof(SqlPeerBenchmark).GetProperty("Db", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(kv)!;
                var mdb = (KvDatabase)typeof(SqlPeerBenchmark).GetProperty("Db", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(mat)!;
                var storage = mdb.ListTablesAsync().AsTask().GetAwaiter().GetResult().First(t => t.StartsWith("__mj_", StringComparison.Ordinal));
                long ScanStorage(bool read)
                {
                    long n = 0;
                    ItemKey? start = null;
                    do
                    {
                        var page = mdb.Store.ScanAsync(new ScanRequest(storage) { Limit = 512, ExclusiveStartKey = start }).AsTask().GetAwaiter().GetResult();
                        foreach (var item in page.Items)
                        {
                            n += read ? (item.Get("s2.price") is null ? 0 : 1) + (item.Get("s1.people_name") is null ? 0 : 1) + (item.Get("s0.search") is null ? 0 : 1) : 1;
                        }

                        start = page.LastEvaluatedKey;
                    }
                    while (start is not null);
                    return n;
                }

                var jdb = (KvDatabase)typeof(SqlPeerBenchmark).GetProperty("Db", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(kv)!;
                foreach (var query in new[]
                {
                    "SELECT COUNT(*) FROM items",
                    "SELECT items.search, items.people FROM items",
                    "SELECT COUNT(*) FROM items INNER JOIN products ON items.search = products.name",
                    "SELECT products.price, items.search FROM items INNER JOIN products ON items.search = products.name",
                    "SELECT COUNT(*) FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name",
                    "SELECT COUNT(*) FROM items INNER JOIN people ON items.people = people.id",
                    "SELECT COUNT(*) FROM people INNER JOIN items ON items.people = people.id",
                })
                {
                    foreach (var line in jdb.Sql("EXPLAIN " + query).ToListAsync().AsTask().GetAwaiter().GetResult())
                    {
                        output.WriteLine("   " + line.GetAttribute(0)!.AsString());
                    }

                    Compare(output, query[..Math.Min(40, query.Length)], 5, () => jdb.Sql(query).ToListAsync().AsTask().GetAwaiter().GetResult().Count, () => 0);
                }

                Compare(output, "mj Core scan", 5, () => ScanStorage(false), () => 0);
                Compare(output, "mj scan + 3 Get", 5, () => ScanStorage(true), () => 0);
                foreach (var row in db.Sql("EXPLAIN SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name").ToListAsync().AsTask().GetAwaiter().GetResult())
                {
                    output.WriteLine(row.GetAttribute(0)!.AsString());
                }
            }

            Compare(output, "Join 100k", runs, () => kv.KvDb_Join().AsTask().GetAwaiter().GetResult(), () => lite.Sqlite_IndexedJoin());
            Compare(output, "Materialized join", runs, () => mat.KvDb_MaterializedJoin().AsTask().GetAwaiter().GetResult(), () => lite.Sqlite_IndexedJoin());
            kv.Cleanup();
            lite.Cleanup();
            mat.Cleanup();
        }
    }

    /// <summary>
    /// The INSERT benchmark's statement (100,000 rows in one multi-row INSERT) and the same rows as 100,000 prepared
    /// single-row INSERTs between BEGIN and COMMIT, each into a fresh database, against SQLite's prepared insert in
    /// a transaction; with allocation, collections and GC pause time per run (the pause is most of KvDb's gap).
    /// </summary>
    private static void Insert(TextWriter output, int runs)
    {
        const int Rows = 100_000;
        var bench = new SqlInsertBenchmarks();
        bench.Setup();
        var names = Enumerable.Range(0, Rows).Select(i => "name" + SqlData.Invariant(i)).ToArray();
        void Run(string name, Action setup, Func<long> body, Action cleanup)
        {
            var times = new List<double>();
            for (var i = 0; i <= runs; i++)
            {
                setup();
                var (allocated, pause) = (GC.GetTotalAllocatedBytes(true), GC.GetTotalPauseDuration());
                var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var sw = Stopwatch.StartNew();
                body();
                var ms = sw.Elapsed.TotalMilliseconds;
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{name,-40} {ms,7:F1} ms | alloc {(GC.GetTotalAllocatedBytes(true) - allocated) / 1e6:F1} MB | GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} | GC pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms");
                cleanup();
                if (i > 0)
                {
                    times.Add(ms); // the first run warms up the JIT
                    output.WriteLine(line);
                }
            }

            times.Sort();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} median {times[times.Count / 2]:F1} ms"));
        }

        Run("SQLite prepared INSERT x100k in a txn", bench.CreateSqlite, () => { bench.Sqlite_PreparedInsertInTransaction(); return Rows; }, bench.Cleanup);
        Run("KvDb one 100k-row INSERT", bench.CreateKvDb, () => bench.KvDb_MultiRowInsert().AsTask().GetAwaiter().GetResult(), bench.Cleanup);
        KvDatabase? db = null;
        Run("KvDb prepared INSERT x100k in a txn", () =>
        {
            db = KvDatabase.OpenInMemory();
            SqlData.Exec(db, "CREATE TABLE t (id NUMBER, name STRING, score NUMBER, PRIMARY KEY (id))");
        }, () =>
        {
            var session = db!.SqlSession();
            session.ExecuteAsync("BEGIN").AsTask().GetAwaiter().GetResult();
            var parameters = new Dictionary<string, object?>();
            for (var i = 0; i < Rows; i++)
            {
                (parameters["id"], parameters["name"], parameters["score"]) = (i, names[i], (int)((i * 48_271L) % 1000));
                session.ExecuteAsync("INSERT INTO t (id, name, score) VALUES (@id, @name, @score)", parameters).AsTask().GetAwaiter().GetResult();
            }

            session.ExecuteAsync("COMMIT").AsTask().GetAwaiter().GetResult();
            return Rows;
        }, () => db!.Dispose());
    }

    /// <summary>
    /// The in-memory copy of the benchmark's materialized join (<c>sql-timing mjoin-copy [updates]</c>): the memory it
    /// holds (its estimate, and the managed heap with and without it), the time to read the join, and what it adds to
    /// the upkeep of writes: single-row UPDATEs of items, each caught up by a cheap query, with and without the copy.
    /// </summary>
    private static void MaterializedJoinCopy(TextWriter output, int updates)
    {
        const string CreateJoin = "create join inner join people on items.people = people.id inner join products on items.search = products.name";
        foreach (var budget in new[] { 0, new KvDbOptions().MaterializedJoinCacheBytes, 0, new KvDbOptions().MaterializedJoinCacheBytes })
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var db = SqlJoinBenchmarks.LoadKvDb(new KvDbOptions { MaterializedJoinCacheBytes = budget });
            var loaded = GC.GetTotalMemory(forceFullCollection: true);
            SqlData.Exec(db, CreateJoin);
            long Read() => db.Sql(SqlJoinBenchmarks.Query).ToListAsync().AsTask().GetAwaiter().GetResult().Count;
            Read();
            var withJoin = GC.GetTotalMemory(forceFullCollection: true);
            var maintainer = SqlEngine.For(db).Maintainer;
            var joins = maintainer.GetJoinsAsync(default).AsTask().GetAwaiter().GetResult();
            var join = joins.Single(j => j.Name == "join_items_people_products");
            var label = budget == 0 ? "without copy" : "with copy";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-13} create join ({joins.Count} joins: {string.Join(", ", joins.Select(j => j.Name))}) adds {(withJoin - loaded) / 1e6:F1} MB to the heap; the read join's copy: estimate {(join.Rows?.EstimatedBytes ?? 0) / 1e6:F1} MB, {join.Rows?.Current?.Rows ?? 0} rows; copies of the others: {joins.Count(j => j.Rows?.Current is not null) - (join.Rows?.Current is null ? 0 : 1)}"));
            var reads = new List<double>();
            for (var i = 0; i < 9; i++)
            {
                var sw = Stopwatch.StartNew();
                Read();
                reads.Add(sw.Elapsed.TotalMilliseconds);
            }

            reads.Sort();
            var random = new Random(SqlData.Seed);
            var (g0, g1, g2, pause) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var upkeep = Stopwatch.StartNew();
            for (var i = 0; i < updates; i++)
            {
                SqlData.Exec(db, string.Create(CultureInfo.InvariantCulture, $"UPDATE items SET people = {random.Next(10_000)} WHERE id = {random.Next(100_000)}"));
                _ = db.Sql("SELECT id FROM products WHERE id = 1").ToListAsync().AsTask().GetAwaiter().GetResult();
            }

            var perUpdate = upkeep.Elapsed.TotalMicroseconds / updates;
            var gcs = string.Create(CultureInfo.InvariantCulture, $"GCs {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}, pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-13} read median {reads[reads.Count / 2]:F1} ms; {updates} UPDATEs each caught up: {perUpdate:F0} us per UPDATE ({gcs}); copy still current: {join.Rows?.Current is not null}; rows after: {Read()}"));
        }
    }

    private static void Compare(TextWriter output, string name, int runs, Func<long> kvdb, Func<long> sqlite)
    {
        kvdb();
        sqlite();
        var kv = new List<double>();
        var lite = new List<double>();
        long allocated = 0;
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        for (var i = 0; i < runs; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            kvdb();
            kv.Add(sw.Elapsed.TotalMilliseconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            sw.Restart();
            sqlite();
            lite.Add(sw.Elapsed.TotalMilliseconds);
        }

        var gcs = string.Create(CultureInfo.InvariantCulture, $"GCs/run {(GC.CollectionCount(0) - gen0) / (double)runs:F1}/{(GC.CollectionCount(1) - gen1) / (double)runs:F1}/{(GC.CollectionCount(2) - gen2) / (double)runs:F1}");
        kv.Sort();
        lite.Sort();
        var kvMedian = kv[kv.Count / 2];
        var liteMedian = lite[lite.Count / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-40} KvDb best {kv[0],7:F1} ms median {kvMedian,7:F1} ms | SQLite best {lite[0],7:F1} ms median {liteMedian,7:F1} ms | KvDb/SQLite {kvMedian / liteMedian:F2} (best {kv[0] / lite[0]:F2}) | KvDb alloc {allocated / 1e6:F1} MB | {gcs}"));
    }

    // Where the GROUP BY time goes below SQL: Core's scan alone, with two attributes read, with whole items decoded.
    private static void Phases(TextWriter output, SqlGroupByBenchmarks kv)
    {
        var db = (KvDatabase)typeof(SqlPeerBenchmark).GetProperty("Db", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(kv)!;
        foreach (var row in db.Sql("EXPLAIN SELECT region, COUNT(*), SUM(amount), MIN(amount), MAX(amount), AVG(amount) FROM sales GROUP BY region").ToListAsync().AsTask().GetAwaiter().GetResult())
        {
            output.WriteLine(row.GetAttribute(0)!.AsString());
        }

        long Scan(int mode)
        {
            long n = 0;
            ItemKey? start = null;
            do
            {
                var page = db.Store.ScanAsync(new ScanRequest("sales") { Limit = 512, ExclusiveStartKey = start }).AsTask().GetAwaiter().GetResult();
                foreach (var item in page.Items)
                {
                    n += mode switch
                    {
                        0 => 1,
                        1 => (item.Get("region") is null ? 0 : 1) + (item.Get("amount") is null ? 0 : 1),
                        _ => item.ToMap().Count,
                    };
                }

                start = page.LastEvaluatedKey;
            }
            while (start is not null);
            return n;
        }

        foreach (var query in new[]
        {
            "SELECT COUNT(*) FROM sales",
            "SELECT COUNT(amount) FROM sales",
            "SELECT SUM(amount) FROM sales",
            "SELECT region, COUNT(*) FROM sales GROUP BY region",
            "SELECT region, SUM(amount), MIN(amount), MAX(amount), AVG(amount) FROM sales GROUP BY region",
        })
        {
            Compare(output, query[..Math.Min(40, query.Length)], 3, () => db.Sql(query).ToListAsync().AsTask().GetAwaiter().GetResult().Count, () => 0);
        }

        Compare(output, "Core scan", 5, () => Scan(0), () => 0);
        Compare(output, "scan + 2 Get", 5, () => Scan(1), () => 0);
        Compare(output, "scan + ToMap", 5, () => Scan(2), () => 0);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
}
