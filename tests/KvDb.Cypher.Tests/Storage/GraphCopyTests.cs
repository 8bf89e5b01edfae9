using FsCheck;
using FsCheck.Fluent;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Tests.Storage;

/// <summary>
/// The graph's in-memory copy: statements that read it return exactly what statements reading the stored items
/// return, every write of this process keeps it current, anything else makes statements read the store until a
/// read rebuilds it, and it stays within its budget.
/// </summary>
public sealed class GraphCopyTests
{
    private static GraphCopy CopyOf(KvDatabase db, string graph = CypherDatabaseExtensions.DefaultGraphName) => db.Graph(graph).Store.Copy!;

    private static string Render(Func<CypherResult> run)
    {
        try
        {
            var result = run();
            return string.Join("\n", result.Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format)))) + "\n" + result.Statistics;
        }
        catch (CypherException ex)
        {
            return "error " + ex.Detail + ": " + ex.Message;
        }
    }

    private static readonly string[] s_writes =
    [
        "CREATE (:A {k: $x, v: $v})",
        "CREATE (:B {k: $x, v: $v, f: 1.5, tags: ['t', $v]})",
        "CREATE (n {k: $x})",
        "MATCH (a {k: $x}), (b {k: $y}) CREATE (a)-[:R {w: $v}]->(b)",
        "MATCH (a {k: $x}), (b {k: $y}) CREATE (a)-[:S]->(b)",
        "MATCH (a {k: $x}) CREATE (a)-[:S {w: $v}]->(a)",
        "MATCH (a {k: $x}) CREATE (a)-[:R]->(:C {k: $y, v: $v})<-[:S]-(a)",
        "MATCH (a {k: $x}) SET a.v = $v",
        "MATCH (a {k: $x}) SET a.v = null",
        "MATCH (a {k: $x}) SET a:B",
        "MATCH (a {k: $x}) REMOVE a:A",
        "MATCH (a {k: $x}) SET a += {v: $v, g: 'x'}",
        "MATCH (a {k: $x}) SET a = {k: $x}",
        "MATCH ()-[r:R]->() WHERE r.w = $v DELETE r",
        "MATCH (a {k: $x})-[r]->(b) SET r.w = $v",
        "MATCH (a {k: $x})-[r:S]-() DELETE r",
        "MATCH (a {k: $x}) DETACH DELETE a",
        "MATCH (a {k: $x}) DELETE a",
        "MATCH (a {k: $x})-[r]-() DELETE r, a",
        "MATCH (a {k: $x})-[r:R]->() DELETE r WITH DISTINCT a MATCH (a)-[s]-() RETURN count(s)",
        "MERGE (a:A {k: $x}) ON MATCH SET a.v = $v ON CREATE SET a.v = 0",
        "CREATE INDEX a_v IF NOT EXISTS FOR (n:A) ON (n.v)",
        "DROP INDEX a_v IF EXISTS",
        "CREATE INDEX b_k IF NOT EXISTS FOR (n:B) ON (n.k)",
        "MATCH (a {k: $x}) SET a.v = $v WITH a MATCH (a)-->()-->(c) WHERE c.v > 3 RETURN count(*)",
        "MATCH (a {k: $x}) CREATE (a)-[:R]->(b:A {k: $y}) WITH a MATCH (a)-[:R]->()-[:R]->(c) RETURN count(*)",

        // Keys an index seek must tell apart: a float equal to an integer, and integers beyond 2^53 that share a key.
        "CREATE (:A {k: 1.0 * $x, v: $v})",
        "CREATE (:A {k: 9007199254740993, v: $v})",
        "CREATE (:A {k: 9007199254740992, v: $v})",
        "CREATE (:A:B {k: 'k' + $x, v: $v})",
        "MATCH (a:A {k: 9007199254740993}), (b {k: $y}) CREATE (a)-[:R]->(b)",
        "MATCH (a:A {k: 9007199254740992}), (b {k: $y}) CREATE (b)-[:R]->(a)",
        "MATCH (a:A {k: 'k' + $x}), (b {k: $y}) CREATE (a)-[:R]->(b)",
    ];

    private static readonly string[] s_reads =
    [
        "MATCH (a)-[r]->(b) RETURN a.k, type(r), r.w, b.k",
        "MATCH (n) RETURN n ORDER BY id(n)",
        "MATCH (a {k: $x})-[r]-(b) RETURN r, b",
        "MATCH (a {k: $x})-[:R]->()-[:R|S]->(c) RETURN count(*)",
        "MATCH (a {k: $x})-->()-->(c) RETURN count(*)",
        "MATCH (a {k: $x})-->()-->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a {k: $x})-->()-->(c) WHERE c.v >= $v RETURN count(*)",
        "MATCH (a {k: $x})<--()--(c) WHERE c.v = $v OR c.k = $y RETURN count(*)",
        "MATCH (a {k: $x})-->()-[:R]->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a {k: $x})-->()<-[:S]-(c) WHERE c.k >= $y RETURN count(*)",
        "MATCH (a)-[:S]->(c) WHERE c.v < $v RETURN count(*)",
        "MATCH (a {k: $x})-->()<--(c) WHERE c.v >= $v AND c:A RETURN count(*)",
        "MATCH (a {k: $x})--()--(c) WHERE c:B OR c.v IS NULL RETURN count(*)",
        "MATCH (a {k: $x})-[:S]-()-[:S]-(c) WHERE NOT (c.v < $v) XOR c.f = 1.5 RETURN count(*)",
        "MATCH (a {k: $x})-->(b)-->(c) WHERE c.k + 1 > $v RETURN count(*)",
        "MATCH (a)-[:R]->(b)-[r]->(c) WHERE c.v <> $v RETURN a.k, count(*)",
        "MATCH (a)<-[r:S]-(b) RETURN a.k, b.k, r.w",
        "MATCH (a {k: $x})-[*1..3]-(c) RETURN count(*)",
        "MATCH (a {k: $x})-[*1..2]->(c) WHERE c.v > $v RETURN count(c)",
        "MATCH (a)-[r]-(a) RETURN a.k, type(r)",
        "MATCH (n:A) RETURN n.k, n.v, labels(n), keys(n), properties(n) ORDER BY id(n)",
        "MATCH (n:B) WHERE n.tags IS NOT NULL RETURN n.tags, size(n.tags)",
        "MATCH (a:A {v: $v}) RETURN a.k ORDER BY a.k",
        "MATCH (a:A) WHERE a.v IN [$v, $y, 1.0] RETURN a.k, a.v ORDER BY a.k",
        "MATCH (b:B {k: $x})-->()-->(c) RETURN count(*)",
        "MATCH (a:A {v: $v})-[r]-(b:B {k: $y}) RETURN count(r)",

        // Counts from an equality seek, counted in the copy's index and columns.
        "MATCH (a:A {k: $x})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x})-[:S]->()-[:S]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x})<-[:R]-()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x})<-[:S]-()-[:S]->(c) RETURN count(c)",
        "MATCH (a:A {k: $x})-[:R]->()<-[:R]-(c) RETURN count(*)",
        "MATCH (a:A {k: $x})-[:R]->()-[:R]->()-[:S]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x})-[:S]->()-[:S]->()-[:S]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x})-[:S]->()<-[:S]-()-[:S]->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a:A {k: $x})-[:S]->()-[:S]->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a:A {k: $x})<-[:S]-()-[:S]->(c) WHERE c.v >= $v RETURN count(*)",
        "MATCH (a:A {k: $x})-[:R]->()-[:R]->(c) WHERE $v < c.v RETURN count(*)",
        "MATCH (a:A {k: $x})-[:R]->()-[:S]->(c) WHERE c.v <= $v RETURN count(*)",
        "MATCH (a:A {k: $x})-[:R]->()-[:R]->(c) WHERE c.v < 3 AND c:A RETURN count(*)",
        "MATCH (a:A {k: $x})-[:R]->(c) WHERE c.k > $y RETURN count(*)",
        "MATCH (a:A:B {k: $x})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: $x, v: $v})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: 1.0 * $x})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: 9007199254740992})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: 9007199254740993})-[:R]->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a:A {k: 9007199254740991})<-[:R]-(c) RETURN count(*)",
        "MATCH (a:A {k: 'k' + $x})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: 'k1'})-[:R]->(c) WHERE c.v > $v RETURN count(*)",
        "MATCH (a:A {k: null})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a:A {k: $missing})-[:R]->()-[:R]->(c) RETURN count(*)",
        "MATCH (a)-[:R]->()-[:R]->(c) WHERE id(a) = $x RETURN count(*)",
        "MATCH (a:B {k: $x})-[:R]->()-[:R]->(c) WHERE c.missing > 1 RETURN count(*)",
    ];

    /// <summary>
    /// Random write and read statements run against a database with the copy and one without: every statement gives
    /// the same rows, statistics or error in both, and the copy is built once and kept current by every write.
    /// </summary>
    [Fact]
    public void RandomStatements_WithCopy_EqualStoredReads() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            using var copied = KvDatabase.OpenInMemory();
            using var stored = KvDatabase.OpenInMemory(new KvDbOptions { GraphCacheBytes = 0 });
            Assert.Null(stored.Graph().Store.Copy);
            if (random.Next(2) == 0)
            {
                copied.Cypher("CREATE INDEX a_k FOR (n:A) ON (n.k)");
                stored.Cypher("CREATE INDEX a_k FOR (n:A) ON (n.k)");
            }

            // Half the statements run prepared on the copied side: a prepared statement keeps its plan across runs.
            var prepared = new Dictionary<string, PreparedCypher>();
            var log = new List<string>();
            for (var step = 0; step < 60; step++)
            {
                var read = step > 3 && random.Next(3) == 0;
                var text = read ? s_reads[random.Next(s_reads.Length)] : s_writes[random.Next(s_writes.Length)];
                var parameters = new Dictionary<string, object?> { ["x"] = (long)random.Next(6), ["y"] = (long)random.Next(6), ["v"] = (long)random.Next(6) };
                var usePrepared = random.Next(2) == 0;
                log.Add(text + " " + string.Join(",", parameters.Values) + (usePrepared ? " (prepared)" : ""));
                var expected = Render(() => stored.Cypher(text, parameters));
                var actual = Render(() => usePrepared
                    ? (prepared.TryGetValue(text, out var statement) ? statement : prepared[text] = copied.Graph().Prepare(text)).Execute(parameters)
                    : copied.Cypher(text, parameters));
                if (expected != actual)
                {
                    throw new Xunit.Sdk.XunitException($"Seed {seed}, step {step}:\n{string.Join("\n", log)}\nexpected:\n{expected}\nactual:\n{actual}");
                }
            }

            // A read-only statement built the copy once; every write since kept it current instead of dropping it.
            copied.Cypher("MATCH (n) RETURN count(n)");
            var copy = CopyOf(copied);
            Assert.NotNull(copy.Current);
            Assert.Equal(1, copy.Builds);

            // And it equals a copy built from the stored items now.
            var maintained = copy.Current!;
            copy.Invalidate();
            copied.Cypher("MATCH (n) RETURN count(n)");
            var rebuilt = copy.Current!;
            Assert.Equal(Describe(rebuilt), Describe(maintained));
            Assert.Equal(DescribeIndexes(rebuilt), DescribeIndexes(maintained));
            Assert.Equal(rebuilt.Bytes, maintained.Bytes - maintained.Columns.Sum(c => c.Bytes));

            // Property and degree columns made by counts and kept by writes equal columns made now.
            foreach (var column in maintained.Columns)
            {
                var fresh = PropertyColumn.Build(column.Key, column.Of, rebuilt.Nodes);
                for (long id = 0; id < 64 * 1024; id++)
                {
                    Assert.Equal(fresh.Get(id), column.Get(id));
                }
            }
        }).QuickCheckThrowOnFailure();

    private static string DescribeIndexes(GraphCopy.Snapshot snapshot) =>
        string.Join("\n", snapshot.Indexes.OrderBy(i => i.Key).Select(i => i.Value.Definition.Name + ": " +
            string.Join(" ", i.Value.Entries.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + string.Join(",", e.Value.Order())))));

    internal static string Describe(GraphCopy.Snapshot snapshot)
    {
        var lines = new List<string> { $"{snapshot.NodeCount} nodes, {snapshot.RelationshipCount} relationships" };
        foreach (var entry in snapshot.Nodes.Values)
        {
            static string Props(KeyValuePair<string, object?>[]? props) =>
                string.Join(",", (props ?? []).Select(p => p.Key + "=" + (p.Value is List<object?> l ? "[" + string.Join(",", l) + "]" : p.Value)));
            static string Edges(Edge[] edges) => string.Join(" ", edges.Select(e => $"{e.Type.Name}:{e.Other}:{e.Rid}{{{Props(e.Properties)}}}"));
            lines.Add($"{entry.Id} [{string.Join(",", entry.Labels)}] {{{Props(entry.Properties)}}} out {Edges(entry.Outgoing)} in {Edges(entry.Incoming)}");
        }

        return string.Join("\n", lines);
    }

    [Fact]
    public void Copy_IsBuiltOnFirstRead_AndExplainSaysWhereReadsGo()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("CREATE (:P {n: 1})-[:R]->(:P {n: 2})-[:R]->(:P {n: 3})");
        Assert.Equal(0, CopyOf(db).Builds);
        Assert.EndsWith("Reads: stored items: the in-memory copy is built on the next read", graph.Cypher("EXPLAIN MATCH (n) RETURN n").Plan);

        Assert.Equal(1L, graph.Cypher("MATCH (a {n: 1})-->()-->(c) RETURN count(*)").Rows[0][0]);
        Assert.Equal(1, CopyOf(db).Builds);
        Assert.EndsWith("Reads: in-memory copy: 3 nodes, 2 relationships", graph.Cypher("EXPLAIN MATCH (n) RETURN n").Plan);

        // Writes keep it current (no second build).
        graph.Cypher("MATCH (c {n: 3}) CREATE (c)-[:R]->(:P {n: 4})");
        Assert.Equal(1L, graph.Cypher("MATCH (a {n: 2})-->()-->(c) RETURN count(*)").Rows[0][0]);
        Assert.Equal(1, CopyOf(db).Builds);
        Assert.EndsWith("Reads: in-memory copy: 4 nodes, 3 relationships", graph.Cypher("EXPLAIN MATCH (n) RETURN n").Plan);

        // Index commands write only index entries: the copy stays current.
        graph.Cypher("CREATE INDEX FOR (p:P) ON (p.n)");
        Assert.NotNull(CopyOf(db).Current);
        Assert.Equal(1L, graph.Cypher("MATCH (a:P {n: 2})-->()-->(c) RETURN count(*)").Rows[0][0]);
        Assert.Equal(1, CopyOf(db).Builds);
    }

    /// <summary>
    /// A count from an equality seek skips checking the nodes found only where the index key proves the match: the
    /// index's label and property alone, and a number whose key is exact. Integers beyond 2^53 share keys, and other
    /// labels and properties are checked on every node found.
    /// </summary>
    [Fact]
    public void SeekCounts_CheckWhatTheIndexKeyDoesNotProve()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("CREATE INDEX a_k FOR (n:A) ON (n.k)");
        graph.Cypher("UNWIND range(1, 100) AS i CREATE (:A {k: -i}), (:B)"); // enough :A (and :B) nodes for the planner to seek
        graph.Cypher("""
            CREATE (big:A {k: 9007199254740992})-[:R]->(:N)-[:R]->(:N),
                   (bigger:A {k: 9007199254740993})-[:R]->(m:N)-[:R]->(:N), (m)-[:R]->(:N),
                   (five:A {k: 5, v: 1})-[:R]->(f:N)-[:R]->(:N {age: 70}),
                   (fiveB:A:B {k: 5, v: 2})-[:R]->(g:N)-[:R]->(:N {age: 20}), (g)-[:R]->(:N {age: 80}), (g)-[:R]->(:N {age: 61}),
                   (float:A {k: 6.0})-[:R]->(h:N)-[:R]->(:N {age: 99})
            """);
        var cases = new (string Query, object? Parameters, long Count)[]
        {
            ("MATCH (a:A {k: 9007199254740992})-[:R]->()-[:R]->(c) RETURN count(*)", null, 1),
            ("MATCH (a:A {k: 9007199254740993})-[:R]->()-[:R]->(c) RETURN count(*)", null, 2),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)", new { k = 9007199254740993L }, 2),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)", new { k = 9007199254740992.0 }, 3),
            ("MATCH (a:A {k: 5})-[:R]->()-[:R]->(c) RETURN count(*)", null, 4),
            ("MATCH (a:A:B {k: 5})-[:R]->()-[:R]->(c) RETURN count(*)", null, 3),
            ("MATCH (a:A {k: 5, v: 1})-[:R]->()-[:R]->(c) RETURN count(*)", null, 1),
            ("MATCH (a:A {k: 5.0})-[:R]->()-[:R]->(c) WHERE c.age > 60 RETURN count(*)", null, 3),
            ("MATCH (a:A:B {k: $k})-[:R]->()-[:R]->(c) WHERE c.age > 60 RETURN count(*)", new { k = 5L }, 2),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) WHERE c.age >= 99 RETURN count(*)", new { k = 6L }, 1),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)", new { k = (object?)null }, 0),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)", new { k = double.NaN }, 0),
            ("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)", new { k = "5" }, 0),
        };
        foreach (var (query, parameters, count) in cases)
        {
            Assert.Contains("NodeIndexSeek(a:A(k = ", graph.Cypher("EXPLAIN " + query).Plan);
            Assert.Equal(count, graph.Cypher(query, parameters).Rows[0][0]);
            Assert.Equal(count, graph.Prepare(query).Execute(parameters).Rows[0][0]);
        }

        Assert.Equal(1, CopyOf(db).Builds);
        var missing = Assert.Throws<CypherException>(() => graph.Prepare("MATCH (a:A {k: $k})-[:R]->()-[:R]->(c) RETURN count(*)").Execute());
        Assert.Equal(CypherErrorCode.MissingParameter, missing.Detail);
    }

    /// <summary>
    /// The index map finds every key's nodes among many keys: number keys compare by value (two keys whose hashes
    /// collide stay apart; 200,000 keys make a few such pairs), and a key held by one node keeps its id in place.
    /// </summary>
    [Fact]
    public void ValueMap_FindsEveryKey_AmongHashCollisions()
    {
        var keys = Enumerable.Range(0, 200_000).Select(i => IndexKeys.ValueKey(i % 3 == 0 ? i + 0.5 : i % 3 == 1 ? (long)i : (object)("s" + i))!).ToArray();
        var map = ValueMap.Create(keys.Select((k, i) => new KeyValuePair<string, long[]>(k, i % 10 == 0 ? [i, i + 1] : [i])));
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i % 10 == 0 ? [i, i + 1] : [(long)i], map.Get(keys[i]));
        }

        Assert.Null(map.Get(IndexKeys.ValueKey(-1L)!));
        var builder = map.ToBuilder();
        builder.Set(keys[7], null);
        builder.Set(keys[8], [1, 2, 3]);
        var changed = builder.ToMap();
        Assert.Null(changed.Get(keys[7]));
        Assert.Equal([1L, 2, 3], changed.Get(keys[8])!);
        Assert.Equal([7L], map.Get(keys[7])!);
        Assert.Equal(keys.Length - 1, changed.Count);
    }

    [Fact]
    public void FilteredCount_IsCountedWithoutRows_AndAgreesWithTheStore()
    {
        using var db = KvDatabase.OpenInMemory();
        using var plain = KvDatabase.OpenInMemory(new KvDbOptions { GraphCacheBytes = 0 });
        const string create = "UNWIND range(0, 29) AS i CREATE (:P {i: i, age: CASE WHEN i % 4 = 0 THEN null WHEN i % 4 = 1 THEN toFloat(i) ELSE i END})";
        const string link = "MATCH (a:P), (b:P) WHERE b.i = (a.i * 7 + 3) % 30 OR b.i = (a.i * 11 + 5) % 30 OR b.i = a.i CREATE (a)-[:F]->(b)";
        foreach (var d in new[] { db, plain })
        {
            d.Cypher(create);
            d.Cypher(link);
        }

        var queries = new[]
        {
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE c.age > $t RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE c.age <= $t RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE $t < c.age AND c.age <> 2 * $t RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE c.age = 9.0 OR c.age IS NULL RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]-()-[:F]-(c) WHERE c.age >= $i RETURN count(*)",
            "MATCH (a:P {i: $i})<-[:F]-()<-[:F|G]-(c) WHERE NOT c.age < 15 RETURN count(c)",
            "MATCH (a:P {i: $i})-[:F]->(b)-[:F]->(c) WHERE c.age > $t RETURN b.i, count(*) ORDER BY b.i",
            "MATCH (a:P {i: $i})-[:F*1..2]->(b)-[:F]->(c) WHERE c.age > $t RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE c.age > 'x' RETURN count(*)",
            "MATCH (a:P {i: $i})-[:F]->()-[:F]->(c) WHERE c:P AND c.missing IS NULL RETURN count(*)",
        };
        foreach (var query in queries)
        {
            Assert.Contains("CountMatch", db.Graph().Cypher("EXPLAIN " + query).Plan);
            for (var i = 0; i < 30; i++)
            {
                var parameters = new { i, t = (i * 13) % 30 };
                Assert.Equal(Render(() => plain.Cypher(query, parameters)), Render(() => db.Cypher(query, parameters)));
            }
        }

        // A condition the compiler does not take (a function) and a missing parameter still agree.
        const string other = "MATCH (a:P {i: 3})-[:F]->()-[:F]->(c) WHERE toString(c.i) STARTS WITH '1' RETURN count(*)";
        Assert.Equal(Render(() => plain.Cypher(other)), Render(() => db.Cypher(other)));
        const string missing = "MATCH (a:P {i: 3})-[:F]->()-[:F]->(c) WHERE c.age > $nope RETURN count(*)";
        Assert.StartsWith("error", Render(() => db.Cypher(missing)));
        Assert.Equal(Render(() => plain.Cypher(missing)), Render(() => db.Cypher(missing)));
    }

    [Fact]
    public void CountsAfterTheStatementsOwnWrites_SeeThem()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("CREATE (a:A {k: 1})-[:R]->(:B)-[:R]->(:C {v: 5}), (a)-[:R]->(:B)");
        Assert.Equal(1L, db.Cypher("MATCH (a:A)-[:R]->()-[:R]->(c) RETURN count(*)").Rows[0][0]);
        Assert.NotNull(CopyOf(db).Current);

        // The DELETE runs while the count pulls its input: the counts must not come from the copy after it.
        Assert.Equal(1L, db.Cypher("MATCH (a:A)-[r:R]->(b)-[:R]->() DELETE r WITH DISTINCT a MATCH (a)-[:R]->(x) RETURN count(x)").Rows[0][0]);
        Assert.Equal(1L, db.Cypher("MATCH (b:B) SET b.v = 7 WITH count(*) AS n MATCH (:B)-[:R]->(c) WHERE c.v > 4 RETURN n, count(*)").Rows[0][1]);
        Assert.Equal(0L, db.Cypher("MATCH (c:C) SET c.v = 1 WITH c MATCH (:B)-[:R]->(x) WHERE x.v > 4 RETURN count(*)").Rows[0][0]);
    }

    [Fact]
    public void ForeignWrites_MakeStatementsReadTheStore_UntilARebuild()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("CREATE (:P {n: 1})-[:R]->(:P {n: 2})");
        Assert.Equal(1L, graph.Cypher("MATCH (a)-[:R]->(b) RETURN count(*)").Rows[0][0]);
        var copy = CopyOf(db);
        Assert.NotNull(copy.Current);

        // A second graph object over the same table stands for another writer.
        var other = new GraphStore(db, CypherDatabaseExtensions.DefaultGraphName);
        var tx = new GraphTransaction(other, default);
        var a = tx.CreateNodeAsync(["P"], new Dictionary<string, object?> { ["n"] = 3L }).AsTask().GetAwaiter().GetResult();
        _ = tx.CreateRelationshipAsync("R", a.Id, a.Id, []).AsTask().GetAwaiter().GetResult();
        tx.CommitAsync().AsTask().GetAwaiter().GetResult();
        Assert.Null(copy.Current);

        // A write of this graph object does not revive the stale copy (its count moved by more than its own writes).
        graph.Cypher("CREATE (:P {n: 4})");
        Assert.Null(copy.Current);
        Assert.Equal(2L, graph.Cypher("MATCH (a)-[:R]->(b) RETURN count(*)").Rows[0][0]);
        Assert.Equal(2, copy.Builds);
        Assert.NotNull(copy.Current);
        Assert.Equal(["3 | R"], graph.Cypher("MATCH (a)-[r:R]->(a) RETURN a.n, type(r)").Rows.Select(r => string.Join(" | ", r)));
    }

    [Fact]
    public void OverBudget_ReadsTheStore_AndSaysSo()
    {
        using var db = KvDatabase.OpenInMemory(new KvDbOptions { GraphCacheBytes = 2_000 });
        var graph = db.Graph();
        graph.Cypher("UNWIND range(1, 40) AS i CREATE (:P {i: i, name: 'person number ' + toString(i)})");
        graph.Cypher("MATCH (a:P), (b:P) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT]->(b)");
        Assert.Equal(38L, graph.Cypher("MATCH (a)-[:NEXT]->()-[:NEXT]->(c) RETURN count(*)").Rows[0][0]);
        var copy = CopyOf(db);
        Assert.Null(copy.Current);
        Assert.True(copy.TooLarge);
        Assert.EndsWith("Reads: stored items: the in-memory copy is over its memory budget", graph.Cypher("EXPLAIN MATCH (n) RETURN n").Plan);

        // A small graph fits: writes past the budget drop it.
        using var small = KvDatabase.OpenInMemory(new KvDbOptions { GraphCacheBytes = 3_000 });
        small.Cypher("CREATE (:P {i: 1})");
        small.Cypher("MATCH (n) RETURN n");
        Assert.NotNull(CopyOf(small).Current);
        Assert.InRange(CopyOf(small).Current!.Bytes, 1, 3_000);
        small.Cypher("UNWIND range(1, 40) AS i CREATE (:P {i: i, name: 'person number ' + toString(i)})");
        Assert.Null(CopyOf(small).Current);
        Assert.True(CopyOf(small).TooLarge);
        Assert.Equal(41L, small.Cypher("MATCH (n) RETURN count(n)").Rows[0][0]);
    }

    [Fact]
    public void ReturnedValues_AreNotTheCopysOwn()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("CREATE (:P {tags: ['a', 'b']})-[:R {w: [1, 2]}]->(:Q)");
        var row = db.Cypher("MATCH (p:P)-[r:R]->() RETURN p, r, p.tags").Rows[0];
        ((List<object?>)((CypherNode)row[0]!).Properties["tags"]!).Add("changed");
        ((List<object?>)((CypherRelationship)row[1]!).Properties["w"]!).Clear();
        ((List<object?>)row[2]!).Clear();
        Assert.NotNull(CopyOf(db).Current);
        Assert.Equal("['a', 'b'] | [1, 2]", string.Join(" | ", db.Cypher("MATCH (p:P)-[r:R]->() RETURN p.tags, r.w").Rows[0].Select(CypherValueText.Format)));
    }

    [Fact]
    public void FileMode_BuildsTheCopyAfterReopen()
    {
        var directory = Path.Combine(Path.GetTempPath(), "kvdb-graphcopy-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var db = KvDatabase.Open(directory))
            {
                db.Cypher("CREATE (:P {n: 1})-[:R]->(:P {n: 2})-[:R]->(:P {n: 3})");
                Assert.Equal(1L, db.Cypher("MATCH (a {n: 1})-->()-->(c) RETURN count(*)").Rows[0][0]);
                db.Cypher("MATCH (c {n: 3}) CREATE (c)-[:R]->(:P {n: 4})");
            }

            using (var db = KvDatabase.Open(directory))
            {
                Assert.Equal(1L, db.Cypher("MATCH (a {n: 2})-->()-->(c) WHERE c.n > 3 RETURN count(*)").Rows[0][0]);
                Assert.NotNull(CopyOf(db).Current);
                Assert.Equal(4, CopyOf(db).Current!.NodeCount);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Writers move relationships between nodes (one deleted and one created per statement) while readers count them:
    /// every count sees a whole statement, because a reader keeps the snapshot it started with.
    /// </summary>
    [Fact]
    public async Task ConcurrentWritersAndReaders_SeeWholeStatements()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("UNWIND range(0, 9) AS i CREATE (:Hub {i: i})");
        graph.Cypher("MATCH (h:Hub) UNWIND range(1, 4) AS j CREATE (h)-[:E]->(:Leaf)");
        Assert.Equal(40L, graph.Cypher("MATCH (:Hub)-[:E]->() RETURN count(*)").Rows[0][0]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stop = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var round = 0; round < 40; round++)
            {
                await graph.CypherAsync(
                    "MATCH (h:Hub {i: $from})-[e:E]->(l) WITH h, e, l LIMIT 1 MATCH (t:Hub {i: $to}) DELETE e CREATE (t)-[:E]->(l)",
                    new { from = random.Next(10), to = random.Next(10) }, cancel.Token);
            }
        })).ToList();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (Volatile.Read(ref stop) == 0 || reads < 20)
            {
                var result = await graph.CypherAsync("MATCH (:Hub)-[:E]->(l) RETURN count(*), count(DISTINCT l)", null, cancel.Token);
                Assert.Equal(40L, result.Rows[0][0]);
                Assert.Equal(40L, result.Rows[0][1]);
                reads++;
            }
        })).ToList();
        await Task.WhenAll(writers);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(readers);
        Assert.NotNull(CopyOf(db).Current);
        Assert.Equal(1, CopyOf(db).Builds);
    }
}
