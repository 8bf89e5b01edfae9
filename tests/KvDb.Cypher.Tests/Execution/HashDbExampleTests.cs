namespace KvDb.Cypher.Tests.Execution;

/// <summary>
/// hash-db's graph example (reference hashdb.md 9.2 steps 13-14), in hash-db's own triple syntax. The 19 merge
/// triples are reconstructed from the reference's description (Persons Samuel, Tasya, Simon, John, Sally,
/// Margaret; Posts Ideas, Lamentations, Love, Thoughts; Food Pocky; FRIEND/LIKES/POSTED/REFERS; the last triple
/// names Samuel with the label Post, which hash-db resolves to Person Samuel).
/// </summary>
public sealed class HashDbExampleTests : CypherTestBase
{
    private static readonly string[] s_triples =
    [
        "merge (a:Person {'name':'Samuel'})-[:FRIEND]->(b:Person {'name':'Tasya'})",
        "merge (a:Person {'name':'Tasya'})-[:FRIEND]->(b:Person {'name':'Simon'})",
        "merge (a:Person {'name':'Simon'})-[:FRIEND]->(b:Person {'name':'John'})",
        "merge (a:Person {'name':'Sally'})-[:FRIEND]->(b:Person {'name':'Margaret'})",
        "merge (a:Person {'name':'Samuel'})-[:LIKES]->(b:Post {'name':'Ideas'})",
        "merge (a:Person {'name':'Samuel'})-[:LIKES]->(b:Post {'name':'Thoughts'})",
        "merge (a:Person {'name':'Tasya'})-[:POSTED]->(b:Post {'name':'Ideas'})",
        "merge (a:Person {'name':'Tasya'})-[:POSTED]->(b:Post {'name':'Thoughts'})",
        "merge (a:Post {'name':'Ideas'})-[:REFERS]->(b:Person {'name':'Margaret'})",
        "merge (a:Post {'name':'Thoughts'})-[:REFERS]->(b:Person {'name':'John'})",
        "merge (a:Person {'name':'Simon'})-[:POSTED]->(b:Post {'name':'Lamentations'})",
        "merge (a:Person {'name':'Tasya'})-[:LIKES]->(b:Post {'name':'Lamentations'})",
        "merge (a:Post {'name':'Lamentations'})-[:REFERS]->(b:Food {'name':'Pocky'})",
        "merge (a:Person {'name':'John'})-[:POSTED]->(b:Post {'name':'Love'})",
        "merge (a:Person {'name':'Sally'})-[:LIKES]->(b:Post {'name':'Love'})",
        "merge (a:Person {'name':'Margaret'})-[:LIKES]->(b:Food {'name':'Pocky'})",
        "merge (a:Post {'name':'Love'})-[:REFERS]->(b:Food {'name':'Pocky'})",
        "merge (a:Person {'name':'Simon'})-[:LIKES]->(b:Food {'name':'Pocky'})",
        "merge (person:Post {'name':'Samuel'})-[:LIKES]->(post:Post {'name':'Love'})",
    ];

    private const string FourPartMatch =
        "match (start:Person)-[:FRIEND]->(end:Person), (start)-[:LIKES]->(post:Post), (end)-[:POSTED]->(post:Post), " +
        "(post:Post)-[:REFERS]->(person:Person) return start, end, post, person";

    private void Load()
    {
        var graph = Db.Graph("hashdb");
        foreach (var triple in s_triples)
        {
            var result = graph.HashDbCypherAsync(triple).AsTask().GetAwaiter().GetResult();
            Assert.Empty(result.Rows);
        }
    }

    [Fact]
    public void ReadmeExample_FourPartMatch_ReturnsTheTwoRows()
    {
        Load();
        var result = Db.Graph("hashdb").Cypher(FourPartMatch);
        Assert.Equal(["start", "end", "post", "person"], result.Columns);
        var rows = result.Rows
            .Select(r => string.Join(", ", r.Select(v => (string)((CypherNode)v!).Properties["name"]!)))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["Samuel, Tasya, Ideas, Margaret", "Samuel, Tasya, Thoughts, John"], rows);
    }

    [Fact]
    public void Merges_IdentifyNodesByName_IgnoringLabel()
    {
        Load();
        var graph = Db.Graph("hashdb");
        Assert.Equal(11L, graph.Cypher("match (n) return count(n)").Rows[0][0]);
        Assert.Equal(19L, graph.Cypher("match ()-[r]->() return count(r)").Rows[0][0]);
        Assert.Equal(["Person"], ((CypherNode)graph.Cypher("match (s {name: 'Samuel'}) return s").Rows.Single()[0]!).Labels);
        Assert.Equal(3L, graph.Cypher("match (:Person {name: 'Samuel'})-[:LIKES]->(p:Post) return count(p)").Rows[0][0]);
        // Re-running a triple changes nothing.
        var again = graph.HashDbCypherAsync(s_triples[0]).AsTask().GetAwaiter().GetResult();
        Assert.False(again.Statistics.ContainsUpdates);
    }

    [Fact]
    public void HashDbMatch_IsPlainCypher_AndDirectionIsKept()
    {
        Load();
        var graph = Db.Graph("hashdb");
        Assert.Empty(graph.Cypher("match (a:Person {name: 'Tasya'})-[:FRIEND]->(b:Person {name: 'Samuel'}) return a").Rows);
        Assert.Single(graph.Cypher("match (a:Person {name: 'Tasya'})<-[:FRIEND]-(b:Person {name: 'Samuel'}) return a").Rows);
        Assert.Equal(3, graph.Cypher("match (x:Person) where x.name starts with 'S' return x").Rows.Count);
    }
}
