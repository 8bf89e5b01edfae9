using Microsoft.Extensions.DependencyInjection;

namespace KvDb.Cypher.Tests.Planning;

public sealed class PlannerTests
{
    [Fact]
    public void PlanCache_ReusesReadPlans_UntilAWriteOrAnIndexChange()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph();
        graph.Cypher("UNWIND range(1, 50) AS i CREATE (:Person {name: 'p' + toString(i), i: i})");
        graph.Cypher("CREATE INDEX person_name FOR (p:Person) ON (p.name)");
        const string Query = "MATCH (p:Person {name: $name}) RETURN p.i";
        Assert.Equal([7L], graph.Cypher(Query, new { name = "p7" }).Rows.Select(r => (long)r[0]!));
        var hits = graph.Store.PlanCacheHits;
        Assert.Equal([8L], graph.Cypher(Query, new { name = "p8" }).Rows.Select(r => (long)r[0]!));
        Assert.Equal([], graph.Cypher(Query, new { name = "nobody" }).Rows.Select(r => (long)r[0]!));
        Assert.Equal(hits + 2, graph.Store.PlanCacheHits);

        // A write of this process plans again (statistics), and the new node is found.
        graph.Cypher("CREATE (:Person {name: 'p7', i: 77})");
        Assert.Equal([7L, 77L], graph.Cypher(Query, new { name = "p7" }).Rows.Select(r => (long)r[0]!).Order());
        Assert.Equal(hits + 2, graph.Store.PlanCacheHits);

        // The index dropped through another database instance on the same store (its own graph objects, so no
        // generation change here): the catalog version changes, the plan is rebuilt, and rows are still found.
        Assert.Equal([7L, 77L], graph.Cypher(Query, new { name = "p7" }).Rows.Select(r => (long)r[0]!).Order());
        Assert.Equal(hits + 3, graph.Store.PlanCacheHits);
        using var other = new KvDatabase(db.Store);
        other.Graph().Cypher("DROP INDEX person_name");
        other.Graph().Cypher("MATCH (p:Person {name: 'p9'}) SET p.name = 'renamed'");
        Assert.Equal([7L, 77L], graph.Cypher(Query, new { name = "p7" }).Rows.Select(r => (long)r[0]!).Order());
        Assert.Equal([9L], graph.Cypher(Query, new { name = "renamed" }).Rows.Select(r => (long)r[0]!));
        Assert.Equal(hits + 4, graph.Store.PlanCacheHits); // the first run after the drop planned again
    }

    [Fact]
    public void Planner_StartsFromTheSmallestLabel()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("UNWIND range(1, 20) AS i CREATE (:Big {i: i})");
        db.Cypher("CREATE (:Small {i: 1})");
        var plan = db.Cypher("EXPLAIN MATCH (b:Big)-[:R]->(s:Small) RETURN b").Plan!;
        Assert.Contains("NodeByLabelScan(s:Small) est=1", plan, StringComparison.Ordinal);
        Assert.Contains("Expand(s)<-[r0:R]-(b)", plan, StringComparison.Ordinal);
        var reversed = db.Cypher("EXPLAIN MATCH (s:Small)<-[:R]-(b:Big) RETURN b").Plan!;
        Assert.Contains("NodeByLabelScan(s:Small) est=1", reversed, StringComparison.Ordinal);
        Assert.Contains("Expand(s)<-[r0:R]-(b)", reversed, StringComparison.Ordinal);
    }

    [Fact]
    public void Planner_PrefersPropertyEquality_AndBoundVariables()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("UNWIND range(1, 30) AS i CREATE (:A {i: i})");
        db.Cypher("UNWIND range(1, 20) AS i CREATE (:B {i: i})");
        var plan = db.Cypher("EXPLAIN MATCH (b:B)-->(a:A {i: 1}) RETURN b").Plan!;
        Assert.Contains("NodeByLabelScan(a:A) est=3", plan, StringComparison.Ordinal);
        var bound = db.Cypher("EXPLAIN MATCH (a:A {i: 1}) MATCH (b:B)-->(a) RETURN b").Plan!;
        Assert.Contains("Argument(a)", bound, StringComparison.Ordinal);
    }

    [Fact]
    public void IdEquality_SeeksTheNode_AndKeepsResults()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("UNWIND range(0, 9) AS i CREATE (:N {i: i})");
        var plan = db.Cypher("EXPLAIN MATCH (a), (b:N) WHERE id(a) = $x AND $y = id(b) RETURN a").Plan!;
        Assert.Contains("NodeByIdSeek(a) id=$x", plan, StringComparison.Ordinal);
        Assert.Contains("NodeByIdSeek(b) id=$y", plan, StringComparison.Ordinal);
        var rows = db.Cypher("MATCH (a), (b:N) WHERE id(a) = $x AND $y = id(b) RETURN a.i, b.i", new { x = 3, y = 7 }).Rows;
        Assert.Equal([3L, 7L], rows.Single());
        Assert.Empty(db.Cypher("MATCH (a) WHERE id(a) = 99 RETURN a").Rows);
        Assert.Empty(db.Cypher("MATCH (a:Other) WHERE id(a) = 1 RETURN a").Rows);
        Assert.Empty(db.Cypher("MATCH (a) WHERE id(a) = 'x' RETURN a").Rows);
        Assert.Equal([2L, 3L], db.Cypher("MATCH (a) WHERE id(a) = 2 OR id(a) = 3 RETURN a.i ORDER BY a.i").Rows.Select(r => r[0]));
        db.Cypher("MATCH (a), (b) WHERE id(a) = 0 AND id(b) = 1 CREATE (a)-[:R]->(b)");
        Assert.Equal(1L, db.Cypher("MATCH (a)-[:R]->(b) WHERE id(b) = 1 RETURN count(a)").Rows[0][0]);
    }

    [Fact]
    public void ConnectedPartWithSelectiveNode_IsHashJoined()
    {
        using var db = KvDatabase.OpenInMemory();
        db.Cypher("CREATE (x:Hub) WITH x UNWIND range(1, 20) AS i CREATE (:A {i: i})-[:R]->(x)");
        db.Cypher("MATCH (x:Hub) CREATE (:Small)-[:S]->(x), (:Small)-[:S]->(x)");
        const string query = "MATCH (s:Small)-[:S]->(x), (a:A)-[:R]->(x) WHERE a.i <= 5 RETURN count(*)";
        var plan = db.Cypher("EXPLAIN " + query).Plan!;
        Assert.Contains("HashJoin(x)", plan, StringComparison.Ordinal);
        Assert.Equal(10L, db.Cypher(query).Rows[0][0]);
        // The same join with parallel relationships keeps relationship isomorphism across the join.
        Assert.Equal(2L, db.Cypher("MATCH (s1:Small)-[r1:S]->(x), (s2:Small)-[r2:S]->(x) RETURN count(*)").Rows[0][0]);
    }

    [Fact]
    public async Task AddCypher_RegistersTheDefaultGraph()
    {
        var services = new ServiceCollection();
        services.AddKvDb().AddCypher().AddCypher();
        await using var provider = services.BuildServiceProvider();
        var graph = provider.GetRequiredService<CypherGraph>();
        Assert.Equal(CypherDatabaseExtensions.DefaultGraphName, graph.Name);
        graph.Cypher("CREATE (:X)");
        Assert.Equal(1L, provider.GetRequiredService<KvDatabase>().Cypher("MATCH (x:X) RETURN count(x)").Rows[0][0]);
    }
}
