namespace KvDb.Cypher.Tests.Execution;

public sealed class ConcurrencyTests : CypherTestBase
{
    [Fact]
    public async Task ParallelWrites_GetDistinctIds_AndAllLand()
    {
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await Db.CypherAsync("CREATE (a:P {i: $i})-[:R]->(:Q) RETURN id(a)", new { i }))).ToList();
        await Task.WhenAll(tasks);
        Assert.Equal(["16 | 16 | 16"], Rows("MATCH (p:P)-[r:R]->(q:Q) RETURN count(DISTINCT p), count(DISTINCT r), count(DISTINCT q)"));
        Assert.Equal(["32"], Rows("MATCH (n) RETURN count(DISTINCT id(n))"));
    }

    [Fact]
    public void StaleCounters_FromAnotherWriter_FailTheStatement()
    {
        // Two graph objects over the same table stand for two processes: the second one's counters go stale.
        Run("CREATE (:P)");
        var other = new KvDb.Cypher.Storage.GraphStore(Db, CypherDatabaseExtensions.DefaultGraphName);
        var tx = new KvDb.Cypher.Storage.GraphTransaction(other, default);
        _ = tx.CreateNodeAsync(["X"], []).AsTask().GetAwaiter().GetResult();
        Run("CREATE (:P)");
        var ex = Assert.Throws<CypherException>(() => tx.CommitAsync().AsTask().GetAwaiter().GetResult());
        Assert.Equal(CypherErrorCode.WriteConflict, ex.Detail);
        Assert.Equal(["2"], Rows("MATCH (n) RETURN count(n)"));
    }
}
