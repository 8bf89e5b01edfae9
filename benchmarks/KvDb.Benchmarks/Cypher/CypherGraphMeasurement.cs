using System.Diagnostics;
using System.Globalization;
using KvDb.Cypher;

namespace KvDb.Benchmarks.Cypher;

/// <summary>
/// The Cypher measurements that are not per-operation timings (<c>dotnet run -c Release -- cypher</c>):
/// <list type="number">
/// <item>bulk creation of the <see cref="SocialGraph"/> through Cypher (nodes + relationships per second);</item>
/// <item>a check that KvDb, SQLite and the adjacency list agree on 2-hop counts for 50 persons;</item>
/// <item>variable-length <c>*1..3</c> from the hub (1,000 + ~20,000 + ~400,000 paths): wall time, bytes allocated,
/// and the peak of the managed heap above its level before the query (sampled every millisecond by another thread),
/// streamed into <c>count(*)</c> and, for contrast, returned as rows.</item>
/// </list>
/// </summary>
public static class CypherGraphMeasurement
{
    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"KvDb.Cypher social graph ({Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, {Environment.ProcessorCount} cores)");
        var graph = SocialGraph.Generate();
        output.WriteLine($"{SocialGraph.People:N0} persons, {graph.Relationships:N0} FOLLOWS");

        var (db, cypher, nodesTime, relsTime) = graph.LoadKvDb();
        using (db)
        {
            var total = nodesTime + relsTime;
            output.WriteLine();
            output.WriteLine("| Bulk creation through Cypher | Count | Time | Per second |");
            output.WriteLine("|---|---:|---:|---:|");
            output.WriteLine($"| Person nodes (UNWIND batches of {SocialGraph.NodeBatch:N0}) | {SocialGraph.People:N0} | {nodesTime.TotalSeconds:F2} s | {SocialGraph.People / nodesTime.TotalSeconds:N0} |");
            output.WriteLine($"| FOLLOWS relationships (UNWIND batches of {SocialGraph.RelationshipBatch:N0}) | {graph.Relationships:N0} | {relsTime.TotalSeconds:F2} s | {graph.Relationships / relsTime.TotalSeconds:N0} |");
            output.WriteLine($"| Nodes + relationships | {SocialGraph.People + graph.Relationships:N0} | {total.TotalSeconds:F2} s | {(SocialGraph.People + graph.Relationships) / total.TotalSeconds:N0} |");

            CopyCosts(output, cypher);
            Verify(output, graph, cypher);

            output.WriteLine();
            output.WriteLine("| *1..3 from the hub (pid 0) | Result | Time | Allocated | Peak heap above start |");
            output.WriteLine("|---|---:|---:|---:|---:|");
            Measure(output, "`RETURN count(*)` (streamed)", () =>
                cypher.Cypher("MATCH (a:Person {pid: 0})-[:FOLLOWS*1..3]->(c) RETURN count(*)").Rows[0][0]!.ToString()!);
            Measure(output, "`RETURN count(DISTINCT c)`", () =>
                cypher.Cypher("MATCH (a:Person {pid: 0})-[:FOLLOWS*1..3]->(c) RETURN count(DISTINCT c)").Rows[0][0]!.ToString()!);
            Measure(output, "`RETURN id(c)` (all rows materialised)", () =>
                cypher.Cypher("MATCH (a:Person {pid: 0})-[:FOLLOWS*1..3]->(c) RETURN id(c)").Rows.Count.ToString(CultureInfo.InvariantCulture) + " rows");
            output.WriteLine();
            output.WriteLine($"Process peak working set (graph loaded, all of the above): {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):N0} MiB");
        }
    }

    /// <summary>
    /// What the graph's in-memory copy costs: the time of single-relationship CREATE statements before the copy exists
    /// and while it is kept current, the first read (which builds it), its estimated size and the managed heap it added.
    /// </summary>
    private static void CopyCosts(TextWriter output, CypherGraph cypher)
    {
        const int Writes = 2_000;
        const string Create = "MATCH (a:Person {pid: $a}), (b:Person {pid: $b}) CREATE (a)-[:LIKES]->(b)";
        var random = new Random(7);
        TimeSpan TimeWrites()
        {
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < Writes; i++)
            {
                cypher.Cypher(Create, new { a = random.Next(SocialGraph.People), b = random.Next(SocialGraph.People) });
            }

            return stopwatch.Elapsed;
        }

        var copy = cypher.Store.Copy ?? throw new InvalidOperationException("The benchmark database keeps no graph copy.");
        TimeWrites(); // warm up, still without a copy
        var without = TimeWrites();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var build = Stopwatch.StartNew();
        cypher.Cypher("MATCH (n:Person {pid: 0}) RETURN count(n)");
        build.Stop();
        var snapshot = copy.Current ?? throw new InvalidOperationException("The first read did not build the copy.");
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var first = TimeWrites(); // the first writes after the build, as the writes without a copy were warmed up
        var with = TimeWrites();
        output.WriteLine();
        output.WriteLine("| In-memory graph copy | Value |");
        output.WriteLine("|---|---:|");
        output.WriteLine($"| Built by the first read | {build.Elapsed.TotalSeconds:F2} s ({snapshot.NodeCount:N0} nodes, {snapshot.RelationshipCount:N0} relationships) |");
        output.WriteLine($"| Estimated size (its budget check) | {snapshot.Bytes / (1024.0 * 1024):N0} MiB |");
        output.WriteLine($"| Managed heap it added (after a full collection) | {(heapAfter - heapBefore) / (1024.0 * 1024):N0} MiB |");
        output.WriteLine($"| Single-relationship CREATE without a copy | {without.TotalMilliseconds * 1000 / Writes:N1} us |");
        output.WriteLine($"| Single-relationship CREATE keeping the copy current, first {Writes:N0} after the build | {first.TotalMilliseconds * 1000 / Writes:N1} us |");
        output.WriteLine($"| Single-relationship CREATE keeping the copy current, next {Writes:N0} | {with.TotalMilliseconds * 1000 / Writes:N1} us |");
        if (copy.Current is null || copy.Builds != 1)
        {
            throw new InvalidOperationException("The writes did not keep the copy current.");
        }
    }

    private static void Verify(TextWriter output, SocialGraph graph, CypherGraph cypher)
    {
        using var sqlite = graph.LoadSqlite();
        using var count = sqlite.CreateCommand();
        count.CommandText = SocialGraph.SqliteTwoHopCount;
        var pid = count.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$pid", 0));
        using var filtered = sqlite.CreateCommand();
        filtered.CommandText = SocialGraph.SqliteTwoHopFiltered;
        var pid2 = filtered.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$pid", 0));
        foreach (var p in SocialGraph.QueryPersons(50))
        {
            pid.Value = p;
            pid2.Value = p;
            var expected = (graph.TwoHopCountAdjacency(p), graph.TwoHopFilteredAdjacency(p));
            var kvdb = ((long)cypher.Cypher(SocialGraph.TwoHopCount, new { pid = p }).Rows[0][0]!, (long)cypher.Cypher(SocialGraph.TwoHopFiltered, new { pid = p }).Rows[0][0]!);
            var lite = ((long)count.ExecuteScalar()!, (long)filtered.ExecuteScalar()!);
            if (kvdb != expected || lite != expected)
            {
                throw new InvalidOperationException($"Person {p}: adjacency {expected}, KvDb {kvdb}, SQLite {lite}.");
            }
        }

        output.WriteLine();
        output.WriteLine("2-hop counts of 50 persons: KvDb, SQLite and the adjacency list agree.");
    }

    private static void Measure(TextWriter output, string name, Func<string> query)
    {
        query(); // warm up
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var peak = before;
        var done = false;
        var sampler = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                var now = GC.GetTotalMemory(forceFullCollection: false);
                if (now > Interlocked.Read(ref peak))
                {
                    Interlocked.Exchange(ref peak, now);
                }

                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        sampler.Start();
        var stopwatch = Stopwatch.StartNew();
        var result = query();
        stopwatch.Stop();
        Volatile.Write(ref done, true);
        sampler.Join();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        output.WriteLine($"| {name} | {result} | {stopwatch.Elapsed.TotalMilliseconds:N0} ms | {allocated / (1024.0 * 1024):N1} MiB | {(peak - before) / (1024.0 * 1024):N1} MiB |");
    }
}
