using BenchmarkDotNet.Attributes;
using KvDb.Cypher;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Cypher;

/// <summary>
/// 2-hop queries on the <see cref="SocialGraph"/> (100,000 persons, 2,000,980 FOLLOWS), from a start person taken in
/// turn from 1,024 random ones: (a) the number of 2-hop FOLLOWS paths (400 per person), (b) the same paths whose end
/// is older than 60. KvDb runs a prepared parameterised Cypher statement (start found through the :Person(pid) index), and the same text through CypherAsync; the baseline is
/// SQLite in memory, a prepared self-join of an indexed edges table (the join to person for the filter); the limit is a
/// hand-written loop over <c>int[][]</c> adjacency lists. Each benchmark process loads only the engine it measures.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CypherTwoHopBenchmarks
{
    private readonly int[] _persons = SocialGraph.QueryPersons(1024);
    private int _next;
    private SocialGraph? _graph;
    private KvDatabase? _db;
    private CypherGraph? _cypher;
    private PreparedCypher? _kvCount;
    private PreparedCypher? _kvFiltered;
    private SqliteConnection? _sqlite;
    private SqliteCommand? _count;
    private SqliteCommand? _filtered;

    private int NextPerson()
    {
        var p = _persons[_next];
        _next = (_next + 1) % _persons.Length;
        return p;
    }

    [GlobalSetup(Targets = [nameof(KvDb_TwoHopCount), nameof(KvDb_TwoHopFiltered), nameof(KvDb_TwoHopCount_Text), nameof(KvDb_TwoHopFiltered_Text)])]
    public void SetupKvDb()
    {
        _graph = SocialGraph.Generate();
        (_db, _cypher, _, _) = _graph.LoadKvDb();
        _kvCount = _cypher.Prepare(SocialGraph.TwoHopCount);
        _kvFiltered = _cypher.Prepare(SocialGraph.TwoHopFiltered);
        var p = _persons[0];
        if ((long)_cypher.Cypher(SocialGraph.TwoHopCount, new { pid = p }).Rows[0][0]! != _graph.TwoHopCountAdjacency(p) ||
            (long)_cypher.Cypher(SocialGraph.TwoHopFiltered, new { pid = p }).Rows[0][0]! != _graph.TwoHopFilteredAdjacency(p) ||
            (long)_kvCount.Execute(new { pid = p }).Rows[0][0]! != _graph.TwoHopCountAdjacency(p) ||
            (long)_kvFiltered.Execute(new { pid = p }).Rows[0][0]! != _graph.TwoHopFilteredAdjacency(p))
        {
            throw new InvalidOperationException("KvDb disagrees with the adjacency list.");
        }
    }

    [GlobalSetup(Targets = [nameof(Sqlite_TwoHopCount), nameof(Sqlite_TwoHopFiltered)])]
    public void SetupSqlite()
    {
        _graph = SocialGraph.Generate();
        _sqlite = _graph.LoadSqlite();
        _count = Prepare(SocialGraph.SqliteTwoHopCount);
        _filtered = Prepare(SocialGraph.SqliteTwoHopFiltered);
        var p = _persons[0];
        if (Scalar(_count, p) != _graph.TwoHopCountAdjacency(p) || Scalar(_filtered, p) != _graph.TwoHopFilteredAdjacency(p))
        {
            throw new InvalidOperationException("SQLite disagrees with the adjacency list.");
        }
    }

    [GlobalSetup(Targets = [nameof(AdjacencyList_TwoHopCount), nameof(AdjacencyList_TwoHopFiltered)])]
    public void SetupAdjacency() => _graph = SocialGraph.Generate();

    private SqliteCommand Prepare(string sql)
    {
        var command = _sqlite!.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new SqliteParameter("$pid", 0));
        command.Prepare();
        return command;
    }

    private static long Scalar(SqliteCommand command, int pid)
    {
        command.Parameters[0].Value = pid;
        return (long)command.ExecuteScalar()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _count?.Dispose();
        _filtered?.Dispose();
        _sqlite?.Dispose();
        _db?.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("count")]
    public long Sqlite_TwoHopCount() => Scalar(_count!, NextPerson());

    [Benchmark]
    [BenchmarkCategory("count")]
    public long KvDb_TwoHopCount() => Run(_kvCount!);

    [Benchmark]
    [BenchmarkCategory("count")]
    public long KvDb_TwoHopCount_Text() => RunText(SocialGraph.TwoHopCount);

    [Benchmark]
    [BenchmarkCategory("count")]
    public long AdjacencyList_TwoHopCount() => _graph!.TwoHopCountAdjacency(NextPerson());

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("filtered")]
    public long Sqlite_TwoHopFiltered() => Scalar(_filtered!, NextPerson());

    [Benchmark]
    [BenchmarkCategory("filtered")]
    public long KvDb_TwoHopFiltered() => Run(_kvFiltered!);

    [Benchmark]
    [BenchmarkCategory("filtered")]
    public long KvDb_TwoHopFiltered_Text() => RunText(SocialGraph.TwoHopFiltered);

    // A prepared statement (as SQLite's is), and the same text through CypherAsync (parsed-statement and plan caches).
    private long Run(PreparedCypher statement)
    {
        var result = statement.ExecuteAsync(new Dictionary<string, object?> { ["pid"] = NextPerson() });
        return (long)(result.IsCompletedSuccessfully ? result.Result : result.AsTask().GetAwaiter().GetResult()).Rows[0][0]!;
    }

    private long RunText(string text)
    {
        var result = _cypher!.CypherAsync(text, new Dictionary<string, object?> { ["pid"] = NextPerson() });
        return (long)(result.IsCompletedSuccessfully ? result.Result : result.AsTask().GetAwaiter().GetResult()).Rows[0][0]!;
    }

    [Benchmark]
    [BenchmarkCategory("filtered")]
    public long AdjacencyList_TwoHopFiltered() => _graph!.TwoHopFilteredAdjacency(NextPerson());
}
