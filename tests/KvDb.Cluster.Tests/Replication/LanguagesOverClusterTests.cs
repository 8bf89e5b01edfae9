using KvDb.Cypher;
using KvDb.Sql;

namespace KvDb.Cluster.Tests.Replication;

/// <summary>SQL and Cypher run unchanged over a clustered store (the languages never reference the cluster).</summary>
public sealed class LanguagesOverClusterTests
{
    [Fact]
    public async Task Sql_RunsOverTheCluster_AndEveryNodeSeesTheResult()
    {
        var network = new KvDb.Cluster.Transport.InProcessNetwork();
        await using var cluster = await RealCluster.StartAsync(3, id => id, network.CreateTransport);
        var stores = new List<IKvStore>();
        foreach (var id in cluster.Ids)
        {
            stores.Add(await cluster.On(id, s => Task.FromResult(s)));
        }

        var a = new KvDatabase(stores[0]);
        var b = new KvDatabase(stores[1]);
        await a.Sql("CREATE TABLE people (id STRING, name STRING, age NUMBER, PRIMARY KEY (id))").ExecuteAsync();
        await a.Sql("CREATE TABLE items (id STRING, people STRING, search STRING, PRIMARY KEY (id))").ExecuteAsync();
        await a.Sql("INSERT INTO people (id, name, age) VALUES ('1', 'Ted', 29), ('2', 'Fred', 45), ('3', 'Bob', 31)").ExecuteAsync();
        await b.Sql("INSERT INTO items (id, people, search) VALUES ('i1', '1', 'cake'), ('i2', '2', 'pie'), ('i3', '1', 'tea')").ExecuteAsync();

        var rows = await b.Sql("SELECT p.name, COUNT(*) AS n FROM people p INNER JOIN items i ON i.people = p.id GROUP BY p.name ORDER BY p.name").ToListAsync();
        Assert.Equal(["Fred:1", "Ted:2"], rows.Select(r => $"{r["name"]}:{r["n"]}"));

        var updated = await new KvDatabase(stores[2]).Sql("UPDATE people SET age = age + 1 WHERE age > 30").ExecuteAsync();
        Assert.Equal(2, updated.RowsAffected);
        var ages = await a.Sql("SELECT name, age FROM people ORDER BY age").ToListAsync();
        Assert.Equal(["Ted:29", "Bob:32", "Fred:46"], ages.Select(r => $"{r["name"]}:{r["age"]}"));
    }

    [Fact]
    public async Task Cypher_RunsOverTheCluster()
    {
        var network = new KvDb.Cluster.Transport.InProcessNetwork();
        await using var cluster = await RealCluster.StartAsync(3, id => id, network.CreateTransport);
        var a = new KvDatabase(await cluster.On("n1", s => Task.FromResult(s)));
        var c = new KvDatabase(await cluster.On("n3", s => Task.FromResult(s)));
        await a.Graph("social").CypherAsync("CREATE (:Person {name: 'Ann'})-[:KNOWS]->(:Person {name: 'Bob'})-[:KNOWS]->(:Person {name: 'Cy'})");
        var result = await c.Graph("social").CypherAsync("MATCH (a:Person {name: 'Ann'})-[:KNOWS*1..2]->(x) RETURN x.name AS name ORDER BY name");
        Assert.Equal(["Bob", "Cy"], result.Rows.Select(r => (string)r[0]!));
    }
}
