namespace KvDb.Cypher.Tests.Execution;

public sealed class UpdateTests : CypherTestBase
{
    [Fact]
    public void Set_PropertiesMapsAndLabels()
    {
        Run("CREATE (:P {name: 'a', x: 1})");
        Run("MATCH (p:P) SET p.y = 2, p.x = null");
        Assert.Equal(["{name: 'a', y: 2}"], Rows("MATCH (p:P) RETURN properties(p)"));
        Run("MATCH (p:P) SET p += {z: 3, y: null}");
        Assert.Equal(["{name: 'a', z: 3}"], Rows("MATCH (p:P) RETURN properties(p)"));
        Run("MATCH (p:P) SET p = {only: true}");
        Assert.Equal(["{only: true}"], Rows("MATCH (p:P) RETURN properties(p)"));
        var stats = Run("MATCH (p:P) SET p:Q:R").Statistics;
        Assert.Equal(2, stats.LabelsAdded);
        Assert.Equal(["['P', 'Q', 'R']"], Rows("MATCH (p:R) RETURN labels(p)"));
        Assert.Equal(["2"], Rows("MATCH (p:P) SET p.n = 2 RETURN p.n"));
    }

    [Fact]
    public void Remove_PropertiesAndLabels()
    {
        Run("CREATE (:P:Q {a: 1, b: 2})");
        Run("MATCH (p:P) REMOVE p.a, p:Q");
        Assert.Equal(["['P'] | {b: 2}"], Rows("MATCH (p:P) RETURN labels(p), properties(p)"));
        Assert.Empty(Rows("MATCH (p:Q) RETURN p"));
    }

    [Fact]
    public void Set_RelationshipProperty_IsSeenFromBothEnds()
    {
        Run("CREATE (:A)-[:R {w: 1}]->(:B)");
        Run("MATCH ()-[r:R]->() SET r.w = 5");
        Assert.Equal(["5"], Rows("MATCH (:A)-[r]->() RETURN r.w"));
        Assert.Equal(["5"], Rows("MATCH (:B)<-[r]-() RETURN r.w"));
    }

    [Fact]
    public void Delete_NodeWithRelationships_RequiresDetach()
    {
        Run("CREATE (a:A)-[:R]->(b:B), (:C)");
        var ex = Fails("MATCH (a:A) DELETE a");
        Assert.Equal(CypherErrorClass.ConstraintVerificationFailed, ex.ErrorClass);
        Assert.Equal(CypherErrorCode.DeleteConnectedNode, ex.Detail);
        Assert.Equal(["3"], Rows("MATCH (n) RETURN count(n)"));
        Run("MATCH (c:C) DELETE c");
        Run("MATCH (a:A)-[r]->() DELETE r, a");
        Assert.Equal(["'B'"], Rows("MATCH (n) RETURN labels(n)[0]"));
        Run("CREATE (:X)-[:R]->(:Y)");
        var stats = Run("MATCH (x:X) DETACH DELETE x").Statistics;
        Assert.Equal(1, stats.NodesDeleted);
        Assert.Equal(1, stats.RelationshipsDeleted);
        Assert.Empty(Rows("MATCH ()-[r]->() RETURN r"));
        Assert.Equal(["'B'", "'Y'"], SortedRows("MATCH (n) RETURN labels(n)[0]"));
    }

    [Fact]
    public void FailingStatement_ChangesNothing()
    {
        Run("CREATE (:P {v: 1})");
        Fails("MATCH (p:P) SET p.v = 2 CREATE (:Q) WITH p RETURN 1 / 0");
        Assert.Equal(["1"], Rows("MATCH (p:P) RETURN p.v"));
        Assert.Empty(Rows("MATCH (q:Q) RETURN q"));
    }

    [Fact]
    public void LargeStatement_IsOneAtomicTransaction()
    {
        var stats = Run("UNWIND range(1, 5000) AS i CREATE (:N {i: i})").Statistics;
        Assert.Equal(5000, stats.NodesCreated);
        Assert.Equal(["5000 | 12502500"], Rows("MATCH (n:N) RETURN count(n), sum(n.i)"));

        // 4999 relationships (9998 items) in one statement, chaining the nodes in order of i.
        var rels = Run("MATCH (a:N) WITH a ORDER BY a.i WITH collect(a) AS ns UNWIND range(0, size(ns) - 2) AS k WITH ns[k] AS a, ns[k + 1] AS b CREATE (a)-[:NEXT]->(b)");
        Assert.Equal(4999, rels.Statistics.RelationshipsCreated);
        Assert.Equal(["4999 | 0"], Rows("MATCH (a)-[:NEXT]->(b) RETURN count(*), sum(b.i - a.i - 1)"));
    }

    [Fact]
    public void LargeStatement_FailingAtItsEnd_ChangesNothing()
    {
        Run("CREATE (:Keep {v: 1})");
        var ex = Fails("MATCH (k:Keep) SET k.v = 2 WITH k UNWIND range(1, 5000) AS i CREATE (:N {i: i}) WITH count(*) AS c RETURN 1 / (c - 5000)");
        Assert.Equal(CypherErrorCode.DivisionByZero, ex.Detail);
        Assert.Empty(Rows("MATCH (n:N) RETURN n"));
        Assert.Equal(["1"], Rows("MATCH (k:Keep) RETURN k.v"));
    }

    [Fact]
    public void TooManyWrites_IsReportedAndAtomic()
    {
        Assert.Equal(TransactWriteOptions.Unbounded, Db.Graph().Store.MaxWriteItems);
        Db.Graph().Store.MaxWriteItems = 50;
        Run("UNWIND range(1, 24) AS i CREATE (:N {i: i})"); // 24 nodes, 24 labels, the counters and the index-catalog check: 50 items
        var ex = Fails("UNWIND range(1, 60) AS i CREATE (:M {i: i})");
        Assert.Equal(CypherErrorClass.ResourceLimit, ex.ErrorClass);
        Assert.Equal(CypherErrorCode.TooManyWrites, ex.Detail);
        Assert.StartsWith("The statement writes more than 50 items (51 so far)", ex.Message, StringComparison.Ordinal);

        // Caught at commit when labels push it over: 20 nodes with 2 labels each, counters and check are 62 items.
        ex = Fails("UNWIND range(1, 20) AS i CREATE (:M:K {i: i})");
        Assert.Equal(CypherErrorCode.TooManyWrites, ex.Detail);
        Assert.Contains("(62 so far)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Rows("MATCH (n:M) RETURN n"));
        Assert.Equal(["24"], Rows("MATCH (n) RETURN count(n)"));
    }

    [Fact]
    public void Merge_MatchesOrCreates()
    {
        var first = Run("MERGE (p:P {name: 'a'}) ON CREATE SET p.created = true ON MATCH SET p.matched = true RETURN p.created, p.matched");
        Assert.Equal(1, first.Statistics.NodesCreated);
        Assert.Equal([true, null], first.Rows[0]);
        var second = Run("MERGE (p:P {name: 'a'}) ON CREATE SET p.created = false ON MATCH SET p.matched = true RETURN p.created, p.matched");
        Assert.Equal(0, second.Statistics.NodesCreated);
        Assert.Equal([true, true], second.Rows[0]);
        Run("MATCH (a:P {name: 'a'}) MERGE (a)-[:R]->(b:P {name: 'b'})");
        Run("MATCH (a:P {name: 'a'}) MERGE (a)-[:R]->(b:P {name: 'b'})");
        Assert.Equal(["1 | 2"], Rows("MATCH (:P)-[r:R]->() WITH count(r) AS rels MATCH (p:P) RETURN rels, count(p)"));
        Run("UNWIND ['x', 'y', 'x'] AS n MERGE (:Tag {n: n})");
        Assert.Equal(["2"], Rows("MATCH (t:Tag) RETURN count(t)"));
    }

    [Fact]
    public void Create_ParallelRelationshipsCoexist()
    {
        Run("CREATE (a:A), (b:B)");
        Run("MATCH (a:A), (b:B) CREATE (a)-[:R {n: 1}]->(b), (a)-[:R {n: 2}]->(b), (b)-[:R {n: 3}]->(a)");
        Assert.Equal(["1", "2"], SortedRows("MATCH (:A)-[r:R]->(:B) RETURN r.n"));
        Assert.Equal(["1", "2", "3"], SortedRows("MATCH (:A)-[r:R]-(:B) RETURN r.n"));
    }

    [Fact]
    public void Create_PathAndReturn()
    {
        var result = Run("CREATE p = (:A {n: 1})-[:R]->(:B {n: 2})<-[:S]-(:C {n: 3}) RETURN p");
        var path = Assert.IsType<CypherPath>(result.Rows[0][0]);
        Assert.Equal(2, path.Length);
        Assert.Equal("S", path.Relationships[1].Type);
        Assert.Equal(path.Nodes[2].Id, path.Relationships[1].StartNodeId);
        Assert.Equal(new CypherStatistics(3, 0, 2, 0, 3, 3, 0), result.Statistics);
    }

    [Fact]
    public void CompileErrors_AreClassified()
    {
        var ex = Fails("MATCH (a) RETURN b");
        Assert.Equal(CypherErrorClass.SyntaxError, ex.ErrorClass);
        Assert.Equal(CypherErrorCode.UndefinedVariable, ex.Detail);
        Assert.Equal("Variable `b` not defined (line 1, column 18)\nMATCH (a) RETURN b\n                 ^", ex.Message);
        Assert.Equal(KvErrorCode.ExpressionSyntax, ex.Code);
        var rebound = Fails("MATCH (a)\nCREATE (a:X) RETURN a");
        Assert.Equal((2, 9), (rebound.Line, rebound.Column));
        Assert.Equal((1, 8), (Fails("RETURN nope(1)").Line, Fails("RETURN nope(1)").Column));
        Assert.Equal(CypherErrorCode.VariableAlreadyBound, Fails("MATCH (a) CREATE (a:X) RETURN a").Detail);
        Assert.Equal(CypherErrorCode.VariableAlreadyBound, Fails("MATCH (a)-[r]->(b)-[r]->(c) RETURN a").Detail);
        Assert.Equal(CypherErrorCode.VariableTypeConflict, Fails("MATCH (a)-[r]->(b) MATCH (r) RETURN r").Detail);
        Assert.Equal(CypherErrorCode.InvalidAggregation, Fails("MATCH (a) WHERE count(a) > 1 RETURN a").Detail);
        Assert.Equal(CypherErrorCode.InvalidRelationshipPattern, Fails("CREATE (a)-[:A|B]->(b)").Detail);
        Assert.Equal(CypherErrorCode.InvalidRelationshipPattern, Fails("CREATE (a)-[:A]-(b)").Detail);
        Assert.Equal(CypherErrorCode.InvalidClauseComposition, Fails("MATCH (a)").Detail);
        Assert.Equal(CypherErrorCode.InvalidClauseComposition, Fails("MATCH (a) WITH a.x RETURN 1").Detail);
    }

    [Fact]
    public void HugePattern_IsAResourceLimitError()
    {
        var text = "MATCH (a)" + string.Concat(Enumerable.Repeat("-->()", 2000)) + " RETURN a";
        var ex = Fails(text);
        Assert.Equal(CypherErrorClass.ResourceLimit, ex.ErrorClass);
        Assert.Equal(CypherErrorCode.NestingTooDeep, ex.Detail);
        Run("CREATE (:A)-[:R]->(:B)");
        Assert.Empty(Rows("MATCH (a)" + string.Concat(Enumerable.Repeat("-->()", 200)) + " RETURN a"));
    }

    [Fact]
    public void Explain_PrintsPlanWithoutRunning()
    {
        Run("CREATE (:Person {name: 'a'}), (:Person {name: 'b'}), (:City {name: 'c'})");
        var result = Run("EXPLAIN MATCH (p:Person)-[:LIVES_IN]->(c:City) RETURN p.name");
        Assert.Empty(result.Rows);
        Assert.Equal("""
            Projection p.name
              Match
                Expand(c)<-[r0:LIVES_IN]-(p)
                NodeByLabelScan(c:City) est=1
                Argument
            Reads: stored items: the in-memory copy is built on the next read
            """, result.Plan);
        Assert.Equal(0, Run("EXPLAIN CREATE (:X)").Statistics.NodesCreated);
        Assert.Empty(Rows("MATCH (x:X) RETURN x"));
    }
}
