using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Tests.Storage;

public sealed class GraphLayoutTests
{
    [Fact]
    public async Task Relationships_AreStoredUnderBothEnds_WithDirectionTypeOtherAndId()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph("g");
        graph.Cypher("CREATE (a:P {n: 'a'})-[:KNOWS {w: 1}]->(b:P {n: 'b'}), (a)-[:KNOWS]->(b), (b)-[:AB]->(a)");
        var items = (await db.Store.ScanAsync(new ScanRequest(graph.TableName))).Items;
        var keys = items.Select(i => i["pk"].AsString() + " " + i["sk"].AsString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "#meta #",
                "n0000000000000000 #",
                "n0000000000000000 i0002AB00000000000000010000000000000002",
                "n0000000000000000 lP",
                "n0000000000000000 o0005KNOWS00000000000000010000000000000000",
                "n0000000000000000 o0005KNOWS00000000000000010000000000000001",
                "n0000000000000001 #",
                "n0000000000000001 i0005KNOWS00000000000000000000000000000000",
                "n0000000000000001 i0005KNOWS00000000000000000000000000000001",
                "n0000000000000001 lP",
                "n0000000000000001 o0002AB00000000000000000000000000000002",
            ],
            keys);
        // Expanding one type of one node is one prefix query on its partition.
        var outgoing = await db.Store.QueryAsync(new QueryRequest(graph.TableName)
        {
            PartitionKey = GraphKeys.NodePk(0),
            SortKeyCondition = KeyCondition.BeginsWith(GraphKeys.Prefix('o', "KNOWS")),
        });
        Assert.Equal(2, outgoing.Count);
        var labelIndex = await db.Store.QueryAsync(new QueryRequest(graph.TableName) { IndexName = GraphKeys.LabelsIndex, PartitionKey = "P", CountOnly = true });
        Assert.Equal(2, labelIndex.Count);
    }

    [Fact]
    public void TypePrefix_DoesNotMatchLongerTypes()
    {
        Assert.False(GraphKeys.OutSk("AB", 1, 2).StartsWith(GraphKeys.Prefix('o', "A"), StringComparison.Ordinal));
        Assert.StartsWith(GraphKeys.Prefix('o', "AB"), GraphKeys.OutSk("AB", 1, 2), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(-7L)]
    [InlineData(long.MaxValue)]
    [InlineData(1.0)]
    [InlineData(-0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e300)]
    [InlineData("s")]
    [InlineData(true)]
    public void ValueCodec_RoundTripsWithType(object value)
    {
        var decoded = ValueCodec.Decode(ValueCodec.Encode(value));
        Assert.Equal(value.GetType(), decoded!.GetType());
        Assert.Equal(value, decoded);
    }

    [Fact]
    public void ValueCodec_RoundTripsListsAndMaps()
    {
        var value = new Dictionary<string, object?> { ["f"] = 1.5, ["m"] = new List<object?> { 1L, 2.0, "x", null } };
        var decoded = (IReadOnlyDictionary<string, object?>)ValueCodec.Decode(ValueCodec.Encode(value))!;
        Assert.Equal(1.5, decoded["f"]);
        Assert.Equal(new List<object?> { 1L, 2.0, "x", null }, decoded["m"]);
    }

    [Fact]
    public void Statements_PersistAcrossReopen()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-cypher-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var db = KvDatabase.Open(dir))
            {
                db.Cypher("CREATE (:P {f: 2.0, i: 2})-[:R]->(:Q)");
            }

            using (var db = KvDatabase.Open(dir))
            {
                var row = db.Cypher("MATCH (p:P)-[:R]->(q:Q) RETURN p.f, p.i").Rows.Single();
                Assert.Equal(2.0, row[0]);
                Assert.Equal(2L, row[1]);
                db.Cypher("CREATE (:P)");
                Assert.Equal(3L, db.Cypher("MATCH (n) RETURN count(n)").Rows[0][0]);
                Assert.Equal([0L, 1L, 2L], db.Cypher("MATCH (n) RETURN id(n) ORDER BY id(n)").Rows.Select(r => r[0]));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
