namespace KvDb.Cypher.Tests.Execution;

public sealed class MatchTests : CypherTestBase
{
    private void Social() => Run("""
        CREATE (a:Person {name: 'Ann', age: 30}), (b:Person {name: 'Bob', age: 25}), (c:Person {name: 'Cid'}),
               (p:Post {title: 'Hi'}),
               (a)-[:KNOWS {since: 2020}]->(b), (b)-[:KNOWS]->(c), (a)-[:LIKES]->(p), (c)-[:WROTE]->(p)
        """);

    [Fact]
    public void Create_ThenMatchByLabel_ReturnsNodes()
    {
        Social();
        Assert.Equal(["'Ann'", "'Bob'", "'Cid'"], SortedRows("MATCH (n:Person) RETURN n.name"));
        Assert.Equal(["'Hi'"], Rows("MATCH (n:Post) RETURN n.title"));
        Assert.Equal(["4"], Rows("MATCH (n) RETURN count(n)"));
    }

    [Fact]
    public void Match_Directions_FollowStoredDirection()
    {
        Social();
        Assert.Equal(["'Ann' | 'Bob'", "'Bob' | 'Cid'"], SortedRows("MATCH (a)-[:KNOWS]->(b) RETURN a.name, b.name"));
        Assert.Equal(["'Bob' | 'Ann'", "'Cid' | 'Bob'"], SortedRows("MATCH (a)<-[:KNOWS]-(b) RETURN a.name, b.name"));
        Assert.Equal(["'Ann' | 'Bob'", "'Bob' | 'Ann'", "'Bob' | 'Cid'", "'Cid' | 'Bob'"], SortedRows("MATCH (a)-[:KNOWS]-(b) RETURN a.name, b.name"));
    }

    [Fact]
    public void Match_SeveralTypesAndProperties_Filters()
    {
        Social();
        Assert.Equal(["'Hi'"], SortedRows("MATCH (a {name: 'Ann'})-[:LIKES|WROTE]->(p) RETURN p.title"));
        Assert.Equal(["'Bob'"], Rows("MATCH (a)-[r:KNOWS {since: 2020}]->(b) RETURN b.name"));
        Assert.Equal(["2020"], Rows("MATCH (:Person {name: 'Ann'})-[r]->(:Person) RETURN r.since"));
    }

    [Fact]
    public void Match_NonAsciiRelationshipTypes_ExpandWithAndWithoutTheType()
    {
        // Expansions read the other node and the relationship id from the end of the encoded key, whose type part
        // is UTF-8 of any length (the stored type length counts UTF-16 units).
        Run("CREATE (a:P {n: 1})-[:`ÉTÉ_знает_😀`]->(b:P {n: 2}), (a)-[:`x`]->(b), (b)-[:`ÉTÉ_знает_😀`]->(a)");
        Assert.Equal(["1 | 'x' | 2", "1 | 'ÉTÉ_знает_😀' | 2", "2 | 'ÉTÉ_знает_😀' | 1"], SortedRows("MATCH (a)-[r]->(b) RETURN a.n, type(r), b.n"));
        Assert.Equal(["1 | 2", "2 | 1"], SortedRows("MATCH (a)-[:`ÉTÉ_знает_😀`]->(b) RETURN a.n, b.n"));
        Assert.Equal(["2"], Rows("MATCH (a {n: 1})<-[:`ÉTÉ_знает_😀`]-(b) RETURN b.n"));
        Assert.Equal(["2"], Rows("MATCH ({n: 1})-[r]->() WHERE type(r) STARTS WITH 'É' OR type(r) = 'x' RETURN count(r)"));
    }

    [Fact]
    public void Match_ChainAndCommaPatterns_ShareVariables()
    {
        Social();
        Assert.Equal(["'Ann' | 'Bob' | 'Cid'"], Rows("MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) RETURN a.name, b.name, c.name"));
        Assert.Equal(["'Ann' | 'Cid'"], Rows("MATCH (a)-[:LIKES]->(p), (c)-[:WROTE]->(p) RETURN a.name, c.name"));
    }

    [Fact]
    public void Match_RelationshipIsNeverUsedTwice()
    {
        Run("CREATE (a:N {v: 1})-[:R]->(b:N {v: 2})");
        // Undirected a-b-a would reuse the one relationship: no rows.
        Assert.Empty(Rows("MATCH (x)-[:R]-(y)-[:R]-(z) RETURN x, z"));
        Run("MATCH (a:N {v: 1}), (b:N {v: 2}) CREATE (a)-[:R]->(b)");
        Assert.Equal(4, Rows("MATCH (x)-[:R]-(y)-[:R]-(z) RETURN x.v, z.v").Count);
        Assert.Equal(2, Rows("MATCH (x)-[r1:R]->(y), (x)-[r2:R]->(y) RETURN r1, r2").Count);
    }

    [Fact]
    public void CountStar_OfPatternEndingInPlainHop_CountsWithoutExpanding()
    {
        Social();
        Run("MATCH (a:Person {name: 'Ann'}), (b:Person {name: 'Bob'}) CREATE (a)-[:KNOWS]->(b), (a)-[:KNOWS]->(a)");
        var plan = Db.Cypher("EXPLAIN MATCH (a:Person)-[:KNOWS]->()-[:KNOWS]->(c) RETURN count(*)").Plan!;
        Assert.Contains("CountMatch", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Aggregate", plan, StringComparison.Ordinal);

        // Parallel relationships and a self-loop each count; the relationship a hop already uses does not.
        Assert.Equal(["3"], Rows("MATCH (a {name: 'Ann'})-[:KNOWS]->(b) RETURN count(*)"));
        Assert.Equal(Rows("MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) RETURN a, b, c").Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Rows("MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) RETURN count(*)").Single());
        Assert.Equal(["4"], Rows("MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) RETURN count(*)"));
        Assert.Equal(["0"], Rows("MATCH (a {name: 'Ann'})-[r:KNOWS]->(a)<-[:KNOWS]-(x) RETURN count(*)"));
        Assert.Equal(["2"], Rows("MATCH (a {name: 'Ann'})-[r:KNOWS]->(a)-[:KNOWS]->(x) RETURN count(*)"));
        Assert.Equal(["4 | 4"], Rows("MATCH (a {name: 'Ann'})-[:KNOWS|LIKES|KNOWS]->(b) RETURN count(*), count(*) AS again"));
        Assert.Equal(["0"], Rows("MATCH (a {name: 'Nobody'})-[:KNOWS]->(b) RETURN count(*)"));

        // Grouped on what is known before the last hop, and count(v) of a pattern variable.
        plan = Db.Cypher("EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) RETURN a.name, count(b) ORDER BY a.name").Plan!;
        Assert.Contains("CountMatch", plan, StringComparison.Ordinal);
        Assert.Equal(["'Ann' | 3", "'Bob' | 1"], Rows("MATCH (a:Person)-[:KNOWS]->(b) RETURN a.name, count(b) ORDER BY a.name"));
        Assert.Empty(Rows("MATCH (a {name: 'Nobody'})-[:KNOWS]->(b) RETURN a.name, count(*)"));
        Assert.DoesNotContain("CountMatch", Db.Cypher("EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) RETURN b.name, count(*)").Plan!, StringComparison.Ordinal);
        Assert.DoesNotContain("CountMatch", Db.Cypher("EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) RETURN count(DISTINCT b)").Plan!, StringComparison.Ordinal);
    }

    [Fact]
    public void CountStar_AfterWritesInTheSameStatement_SeesThem()
    {
        Social();
        // The statement's own created and deleted relationships are counted (the count falls back to expanding).
        Assert.Equal(["3"], Rows("MATCH (a {name: 'Ann'}), (c {name: 'Cid'}) CREATE (a)-[:KNOWS]->(c) WITH a MATCH (a)-[:KNOWS|LIKES]->(x) RETURN count(*)"));
        Assert.Empty(Rows("MATCH (a {name: 'Ann'})-[r]->() DELETE r WITH DISTINCT a MATCH (a)-->(x) RETURN x"));
        Assert.Equal(["0"], Rows("MATCH (a {name: 'Ann'})-[r]->() DELETE r WITH DISTINCT a MATCH (a)-->(x) RETURN count(*)"));
        Assert.Equal(["0"], Rows("MATCH (a {name: 'Ann'})-->(x) RETURN count(*)"));
    }

    [Fact]
    public void UpdatingClause_FinishesBeforeTheNextClauseReads()
    {
        // Every row of the MATCH after CREATE sees all three created nodes, not only those created for earlier rows.
        Assert.Equal(["1 | 3", "2 | 3", "3 | 3"], SortedRows("UNWIND [1, 2, 3] AS i CREATE (:T {i: i}) WITH i MATCH (t:T) RETURN i, count(t)"));
        Assert.Equal(["1 | 3", "2 | 3", "3 | 3"], SortedRows("MATCH (t:T) SET t.seen = true WITH t MATCH (u:T) WHERE u.seen RETURN t.i, count(u)"));
        Assert.Contains("Eager", Run("EXPLAIN MATCH (t:T) DELETE t WITH count(*) AS n MATCH (u) RETURN n, u").Plan!, StringComparison.Ordinal);
    }

    [Fact]
    public void Where_NullSemantics_DropUnknownRows()
    {
        Social();
        Assert.Equal(["'Bob'"], Rows("MATCH (n:Person) WHERE n.age < 30 RETURN n.name"));
        Assert.Equal(["'Cid'"], Rows("MATCH (n:Person) WHERE n.age IS NULL RETURN n.name"));
        Assert.Equal(["'Ann'", "'Bob'"], SortedRows("MATCH (n:Person) WHERE NOT n.age IS NULL RETURN n.name"));
        Assert.Empty(Rows("MATCH (n:Person) WHERE n.age = null RETURN n.name"));
        Assert.Equal(["'Ann'", "'Cid'"], SortedRows("MATCH (n:Person) WHERE n.age > 26 OR n.name = 'Cid' RETURN n.name"));
        Assert.Equal(["'Ann'"], Rows("MATCH (n) WHERE n:Person AND n.name STARTS WITH 'A' RETURN n.name"));
        Assert.Equal(["'Bob'"], Rows("MATCH (n) WHERE n.name ENDS WITH 'b' RETURN n.name"));
        Assert.Equal(["'Cid'"], Rows("MATCH (n) WHERE n.name CONTAINS 'i' RETURN n.name"));
        Assert.Equal(["'Ann'", "'Cid'"], SortedRows("MATCH (n) WHERE n.name IN ['Ann', 'Cid'] RETURN n.name"));
        Assert.Equal(["'Ann'", "'Bob'"], SortedRows("MATCH (n) WHERE n.name =~ '[AB].*' RETURN n.name"));
        Assert.Equal(["'Bob'"], SortedRows("MATCH (n:Person) WHERE n.age < 30 XOR n.age IS NULL OR n.name = 'Bob' RETURN n.name"));
    }

    [Fact]
    public void Return_NodesRelationshipsAndPaths_AreTyped()
    {
        Social();
        var result = Run("MATCH p = (a:Person {name: 'Ann'})-[r:KNOWS]->(b) RETURN a, r, p");
        Assert.Equal(["a", "r", "p"], result.Columns);
        var a = Assert.IsType<CypherNode>(result.Rows[0][0]);
        Assert.Equal(["Person"], a.Labels);
        Assert.Equal(30L, a.Properties["age"]);
        var r = Assert.IsType<CypherRelationship>(result.Rows[0][1]);
        Assert.Equal("KNOWS", r.Type);
        Assert.Equal(a.Id, r.StartNodeId);
        var p = Assert.IsType<CypherPath>(result.Rows[0][2]);
        Assert.Equal(1, p.Length);
        Assert.Equal("Bob", p.Nodes[1].Properties["name"]);
    }

    [Fact]
    public void Properties_KeepCypherTypes()
    {
        Run("CREATE (:T {i: 1, f: 1.0, s: '1', b: true, l: [1, 2.5, 'x'], neg: -0.5, big: 9223372036854775807})");
        Assert.Equal(["1 | 1.0 | '1' | true | [1, 2.5, 'x'] | -0.5 | 9223372036854775807"], Rows("MATCH (t:T) RETURN t.i, t.f, t.s, t.b, t.l, t.neg, t.big"));
        Assert.Equal(["true | false"], Rows("MATCH (t:T) RETURN t.i = t.f, t.i = t.s"));
        var result = Run("MATCH (t:T) RETURN t.i, t.f");
        Assert.IsType<long>(result.Rows[0][0]);
        Assert.IsType<double>(result.Rows[0][1]);
    }

    [Fact]
    public void NamedGraphs_AreSeparate()
    {
        Db.Graph("social").Cypher("CREATE (:A {n: 1})");
        Db.Graph("other").Cypher("CREATE (:A {n: 2}), (:A {n: 3})");
        Assert.Equal(["1"], Db.Graph("social").Cypher("MATCH (a:A) RETURN count(a)").Rows.Select(r => CypherValueText.Format(r[0])).ToList());
        Assert.Equal(["2"], Db.Graph("other").Cypher("MATCH (a:A) RETURN count(a)").Rows.Select(r => CypherValueText.Format(r[0])).ToList());
        Assert.Empty(Rows("MATCH (a:A) RETURN a"));
    }

    [Fact]
    public void Parameters_AreUsedEverywhere()
    {
        Run("CREATE (:P {name: $name, tags: $tags})", new { name = "Ann", tags = new[] { "x", "y" } });
        Assert.Equal(["'Ann' | ['x', 'y']"], Rows("MATCH (p:P {name: $n}) RETURN p.name, p.tags", new Dictionary<string, object?> { ["n"] = "Ann" }));
        var ex = Fails("MATCH (p:P {name: $missing}) RETURN p");
        Assert.Equal(CypherErrorClass.ParameterMissing, ex.ErrorClass);
    }

    [Fact]
    public void Parameters_NestedDictionariesAndArrays_AreConverted()
    {
        var rows = new List<Dictionary<string, object?>> { new() { ["n"] = 1, ["f"] = 0.5f }, new() { ["n"] = 2L, ["f"] = null } };
        var legacy = new System.Collections.Hashtable { ["k"] = (short)3 };
        Assert.Equal(["1 | 0.5", "2 | null"], Rows("UNWIND $rows AS r RETURN r.n, r.f", new { rows }));
        Assert.Equal(["3 | [[1, 2], [3]]"], Rows("RETURN $legacy.k, $edges", new { legacy, edges = new List<long[]> { new long[] { 1, 2 }, new long[] { 3 } } }));
        Assert.Equal(CypherErrorCode.InvalidParameterType, Fails("RETURN $m", new { m = new System.Collections.Hashtable { [1] = 2 } }).Detail);
    }

    /// <summary>Few parameters are kept in arrays, many in a dictionary: every one is found either way, and a repeated name keeps its last value.</summary>
    [Fact]
    public void Parameters_ManyOrRepeated_AreAllFound()
    {
        for (var count = 1; count <= 20; count += 3)
        {
            var names = Enumerable.Range(0, count).Select(i => "p" + i).ToList();
            var parameters = names.Select((n, i) => new KeyValuePair<string, object?>(n, i * 10)).ToList();
            var expected = string.Join(" | ", Enumerable.Range(0, count).Select(i => (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var text = "RETURN " + string.Join(", ", names.Select(n => "$" + n));
            Assert.Equal([expected], Rows(text, parameters));
            Assert.Equal([expected], Rows(text, parameters.ToDictionary(p => p.Key, p => p.Value)));
            Assert.Equal(CypherErrorClass.ParameterMissing, Fails(text + ", $absent", parameters).ErrorClass);
        }

        var repeated = Enumerable.Range(0, 12).Select(i => new KeyValuePair<string, object?>("p" + (i % 3), i)).ToList();
        Assert.Equal(["9 | 10 | 11"], Rows("RETURN $p0, $p1, $p2", repeated));
        Assert.Equal(["2 | 'x'"], Rows("RETURN $a, $b", new[] { new KeyValuePair<string, object?>("a", 1), new("b", "x"), new("a", 2) }));
    }
}
