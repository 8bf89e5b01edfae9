namespace KvDb.Cypher.Tests.Execution;

public sealed class PathTests : CypherTestBase
{
    private void Chain() => Run("CREATE (:N {i: 0})-[:R]->(:N {i: 1})-[:R]->(:N {i: 2})-[:R]->(:N {i: 3})");

    [Fact]
    public void VariableLength_Ranges()
    {
        Chain();
        Assert.Equal(["1", "2", "3"], SortedRows("MATCH (a:N {i: 0})-[*]->(b) RETURN b.i"));
        Assert.Equal(["2"], Rows("MATCH (a:N {i: 0})-[*2]->(b) RETURN b.i"));
        Assert.Equal(["2", "3"], SortedRows("MATCH (a:N {i: 0})-[*2..3]->(b) RETURN b.i"));
        Assert.Equal(["1", "2"], SortedRows("MATCH (a:N {i: 0})-[*..2]->(b) RETURN b.i"));
        Assert.Equal(["0", "1"], SortedRows("MATCH (a:N {i: 0})-[*0..1]->(b) RETURN b.i"));
        Assert.Equal(["0", "1", "2"], SortedRows("MATCH (a:N {i: 3})<-[:R*1..]-(b) RETURN b.i"));
        Assert.Equal(["3 | 3"], Rows("MATCH (a:N {i: 0})-[rs:R*3]->(b) RETURN size(rs), b.i"));
    }

    [Fact]
    public void VariableLength_NeverRevisitsARelationship()
    {
        Run("CREATE (a:N {i: 0})-[:R]->(b:N {i: 1})-[:R]->(a)");
        // Cycle of two relationships: walks of length 1 and 2 only.
        Assert.Equal(["1 | 1", "2 | 0"], SortedRows("MATCH (a:N {i: 0})-[rs*]->(b) RETURN size(rs), b.i"));
        Assert.Equal(4, Rows("MATCH (a:N {i: 0})-[*]-(b) RETURN b").Count);
    }

    [Fact]
    public void NamedPath_WithVariableLength_ListsNodesInPatternOrder()
    {
        Chain();
        Assert.Equal(["[0, 1, 2] | 2"], Rows("MATCH p = (a:N {i: 0})-[*2]->(b) RETURN [n IN nodes(p) | n.i], length(p)"));
        Assert.Equal(["[1, 2, 3] | 2"], Rows("MATCH p = (a)-[*2]->(b:N {i: 3}) RETURN [n IN nodes(p) | n.i], length(p)"));
        Assert.Equal(["[3, 2, 1]"], Rows("MATCH p = (b:N {i: 3})<-[*2]-(a) RETURN [n IN nodes(p) | n.i]"));
    }

    [Fact]
    public void VariableLength_OnALongChain_DoesNotExhaustTheStack()
    {
        // 3000 hops, appended 30 at a time to the node labelled Last (94 items per statement, under Core's 100).
        Run("CREATE (:Start:Last)");
        var hops = string.Concat(Enumerable.Repeat("-[:NEXT]->()", 29)) + "-[:NEXT]->(:Last)";
        for (var i = 0; i < 100; i++)
        {
            Run("MATCH (a:Last) REMOVE a:Last CREATE (a)" + hops);
        }

        Assert.Equal(["3000"], Rows("MATCH p = (:Start)-[:NEXT*]->(:Last) RETURN length(p)"));
        Assert.Equal(["3000"], Rows("MATCH (:Start)-[:NEXT*]->(b) RETURN count(b)"));
    }

    [Fact]
    public void DeletePath_RemovesItsNodesAndRelationships()
    {
        Chain();
        Run("MATCH p = (:N {i: 0})-[*3]->() DELETE p");
        Assert.Equal(["0"], Rows("MATCH (n) RETURN count(n)"));
    }
}
