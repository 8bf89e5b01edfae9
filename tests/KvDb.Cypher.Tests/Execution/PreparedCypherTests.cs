namespace KvDb.Cypher.Tests.Execution;

/// <summary>
/// <see cref="CypherGraph.Prepare"/>: errors in the text are reported when preparing, a prepared statement runs like
/// the same text through <see cref="CypherGraph.Cypher"/> (reads, writes, index commands, EXPLAIN), keeps its plan
/// while it is current and plans again after writes and index changes.
/// </summary>
public sealed class PreparedCypherTests
{
    private static IReadOnlyList<long> Longs(CypherResult result) => [.. result.Rows.Select(r => (long)r[0]!)];

    /// <summary>Nodes :N {i} for i below <paramref name="count"/>, indexed on i, with E from i to i + 1 and to 3i (mod count).</summary>
    private static CypherGraph NumberGraph(KvDatabase db, int count)
    {
        var graph = db.Graph();
        graph.Cypher("CREATE INDEX n_i FOR (n:N) ON (n.i)");
        graph.Cypher("UNWIND range(0, $count - 1) AS i CREATE (:N {i: i})", new { count });
        graph.Cypher("MATCH (a:N), (b:N) WHERE b.i = (a.i + 1) % $count OR b.i = (a.i * 3) % $count CREATE (a)-[:E]->(b)", new { count });
        return graph;
    }

    [Fact]
    public void Prepare_ReportsSyntaxAndSemanticErrors_WithTheirPosition()
    {
        using var db = KvDatabase.OpenInMemory();
        var syntax = Assert.Throws<CypherException>(() => db.Graph().Prepare("MATCH (n RETURN n"));
        Assert.Equal(CypherErrorClass.SyntaxError, syntax.ErrorClass);
        Assert.Equal((1, 10), (syntax.Line, syntax.Column));

        var undefined = Assert.Throws<CypherException>(() => db.Graph().Prepare("MATCH (n) RETURN m"));
        Assert.Equal(CypherErrorCode.UndefinedVariable, undefined.Detail);
        Assert.Throws<ArgumentNullException>(() => db.Graph().Prepare(null!));

        // Nothing ran: the graph is still empty.
        Assert.Equal(0L, db.Cypher("MATCH (n) RETURN count(n)").Rows[0][0]);
    }

    [Fact]
    public void PreparedStatements_RunLikeTheirText_WithEachRunsParameters()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph("prepared");
        var create = graph.Prepare("CREATE (:Person {id: $id, name: $name})");
        Assert.Equal("CREATE (:Person {id: $id, name: $name})", create.Text);
        Assert.Same(graph, create.Graph);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(1, create.Execute(new { id = i, name = "p" + i }).Statistics.NodesCreated);
        }

        Assert.Equal(1, graph.Prepare("CREATE INDEX person_id IF NOT EXISTS FOR (p:Person) ON (p.id)").Execute().Statistics.IndexesAdded);
        var link = graph.Prepare("MATCH (a:Person {id: $a}), (b:Person {id: $b}) CREATE (a)-[:KNOWS]->(b)");
        for (var i = 0; i < 30; i++)
        {
            link.Execute(new Dictionary<string, object?> { ["a"] = i, ["b"] = (i + 1) % 30 });
            link.Execute(new Dictionary<string, object?> { ["a"] = i, ["b"] = (i + 7) % 30 });
        }

        var queries = new[]
        {
            "MATCH (a:Person {id: $id})-[:KNOWS]->()-[:KNOWS]->(c) RETURN count(*)",
            "MATCH (a:Person {id: $id})-[:KNOWS]->()-[:KNOWS]->(c) WHERE c.id > $id RETURN count(*)",
            "MATCH (a:Person {id: $id})-[:KNOWS]->(b) RETURN b.id ORDER BY b.id",
            "MATCH (a:Person) WHERE a.id < $id RETURN a.id ORDER BY a.id DESC LIMIT 3",
            "RETURN $id + 1",
        };
        foreach (var query in queries)
        {
            var prepared = graph.Prepare(query);
            for (var id = 0; id < 30; id += 7)
            {
                var parameters = new { id };
                Assert.Equal(Longs(graph.Cypher(query, parameters)), Longs(prepared.Execute(parameters)));
            }

            Assert.Equal(graph.Cypher("EXPLAIN " + query, new { id = 1 }).Plan, graph.Prepare("EXPLAIN " + query).Execute(new { id = 1 }).Plan);
        }

        var missing = Assert.Throws<CypherException>(() => graph.Prepare(queries[0]).Execute());
        Assert.Equal(CypherErrorCode.MissingParameter, missing.Detail);
    }

    [Fact]
    public async Task PreparedRead_KeepsItsPlan_UntilAWriteOrAnIndexChange()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("UNWIND range(1, 50) AS i CREATE (:Person {name: 'p' + toString(i), i: i})");
        var query = graph.Prepare("MATCH (p:Person {name: $name}) RETURN p.i");
        Assert.Equal([7L], Longs(await query.ExecuteAsync(new { name = "p7" })));
        var hits = graph.Store.PlanCacheHits;
        Assert.Equal([8L], Longs(await query.ExecuteAsync(new { name = "p8" })));
        Assert.Equal([], Longs(await query.ExecuteAsync(new { name = "nobody" })));
        Assert.Equal(hits + 2, graph.Store.PlanCacheHits);

        // A write plans again, and the new node is found.
        graph.Cypher("CREATE (:Person {name: 'p7', i: 77})");
        Assert.Equal([7L, 77L], Longs(query.Execute(new { name = "p7" })).Order());
        Assert.Equal(hits + 2, graph.Store.PlanCacheHits);

        // So does an index: the next run plans with it.
        graph.Cypher("CREATE INDEX person_name FOR (p:Person) ON (p.name)");
        Assert.Equal([7L, 77L], Longs(query.Execute(new { name = "p7" })).Order());
        Assert.Equal(hits + 2, graph.Store.PlanCacheHits);
        Assert.Contains("NodeIndexSeek", graph.Prepare("EXPLAIN " + query.Text).Execute().Plan);
        Assert.Equal([9L], Longs(query.Execute(new { name = "p9" })));
        Assert.Equal(hits + 3, graph.Store.PlanCacheHits);
    }

    /// <summary>Reads that run synchronously (literals, a count from a seek under a projection) return what the row pipeline returns.</summary>
    [Fact]
    public void SynchronousReads_ReturnTheirValues()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = NumberGraph(db, 100);
        static string Text(CypherResult result) =>
            string.Join(",", result.Columns) + ": " + string.Join(" / ", result.Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))));
        var cases = new (string Query, string Expected)[]
        {
            ("RETURN 1 AS one, 'x' AS s, null AS none, 2.0 AS f", "one,s,none,f: 1 | 'x' | null | 2.0"),
            ("MATCH (a:N {i: $i})-[:E]->()-[:E]->(c) RETURN 'paths' AS what, count(*) AS n, 0.5 AS half", "what,n,half: 'paths' | 4 | 0.5"),
            ("MATCH (a:N {i: $i})-[:E]->()-[:E]->(c) WHERE c.i > 10 RETURN count(c)", "count(c): 3"),
            ("MATCH (a:N {i: $i})-[:E]->()-[:E]->(c) WITH count(*) AS n RETURN n, 7 AS seven", "n,seven: 4 | 7"),
            ("MATCH (a:N {i: $i})-[:E]->()-[:E]->(c) WHERE c.i > 50 RETURN count(*) AS n", "n: 0"),
        };
        foreach (var (query, expected) in cases)
        {
            Assert.Equal(expected, Text(graph.Cypher(query, new { i = 5 })));
            Assert.Equal(expected, Text(graph.Prepare(query).Execute(new { i = 5 })));
        }
    }

    [Fact]
    public async Task OnePreparedStatement_RunsConcurrently()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = NumberGraph(db, 200);
        var count = graph.Prepare("MATCH (a:N {i: $i})-[:E]->()-[:E]->(c) WHERE c.i >= $min RETURN count(*)");
        var expected = Enumerable.Range(0, 200).Select(i => (long)graph.Cypher(count.Text, new { i, min = 100 }).Rows[0][0]!).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var round = 0; round < 200; round++)
            {
                var i = (round * 7 + worker) % 200;
                Assert.Equal(expected[i], (await count.ExecuteAsync(new { i, min = 100 })).Rows[0][0]);
            }
        })));
    }
}
