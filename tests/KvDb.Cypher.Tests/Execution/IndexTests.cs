using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Tests.Execution;

public sealed class IndexTests : CypherTestBase
{
    private void People()
    {
        Run("UNWIND range(1, 50) AS i CREATE (:Person {name: 'p' + i, age: i % 10, score: toFloat(i) / 2})");
        Run("CREATE (:Robot {name: 'p1'})");
    }

    private string Plan(string text, object? parameters = null) => Run("EXPLAIN " + text, parameters).Plan!;

    /// <summary>Every index's stored entries are exactly those its label's nodes call for (nothing missing, nothing stale).</summary>
    internal static void AssertEntriesConsistent(KvDatabase db, string graph = CypherDatabaseExtensions.DefaultGraphName)
    {
        var table = db.Graph(graph).TableName;
        var catalog = IndexCatalog.FromItem(db.Store.GetItemAsync(new GetItemRequest(table, IndexCatalog.Key)).AsTask().GetAwaiter().GetResult());
        foreach (var index in catalog.Indexes)
        {
            var stored = db.Store.QueryAsync(new QueryRequest(table) { PartitionKey = AttributeValue.FromString(IndexKeys.Partition(index.Id)), Limit = 1_000_000 })
                .AsTask().GetAwaiter().GetResult().Items.Select(i => i["sk"].AsString()).Order(StringComparer.Ordinal).ToList();
            var expected = db.Graph(graph).Cypher($"MATCH (n:`{index.Label}`) RETURN id(n), n.`{index.Property}`").Rows
                .Where(r => IndexKeys.ValueKey(r[1]) is not null)
                .Select(r => IndexKeys.EntrySortKey(IndexKeys.ValueKey(r[1])!, (long)r[0]!)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, stored);
        }
    }

    [Fact]
    public void CreateIndex_BuildsFromExistingData_AndIsShown()
    {
        People();
        var stats = Run("CREATE INDEX person_name FOR (p:Person) ON (p.name)").Statistics;
        Assert.Equal(1, stats.IndexesAdded);
        Assert.True(stats.ContainsUpdates);
        AssertEntriesConsistent(Db);
        var show = Run("SHOW INDEXES");
        Assert.Equal(["id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes", "properties"], show.Columns);
        Assert.Equal(["0 | 'person_name' | 'ONLINE' | 100.0 | 'RANGE' | 'NODE' | ['Person'] | ['name']"], Rows("SHOW INDEXES"));
        Assert.Equal(["'p7' | 7"], Rows("MATCH (p:Person {name: 'p7'}) RETURN p.name, p.age"));
    }

    [Fact]
    public void Planner_UsesTheIndex_ForEqualityInListsAndRanges()
    {
        People();
        Run("CREATE INDEX FOR (p:Person) ON (p.name)");
        Run("CREATE INDEX age IF NOT EXISTS FOR (p:Person) ON (p.age)");
        Assert.Contains("NodeIndexSeek(p:Person(name = $n)) index=index_", Plan("MATCH (p:Person {name: $n}) RETURN p", new { n = "p3" }), StringComparison.Ordinal);
        Assert.Contains("NodeIndexSeek(p:Person(name = 'p3')) index=index_", Plan("MATCH (p:Person) WHERE p.name = 'p3' RETURN p"), StringComparison.Ordinal);
        Assert.Contains("est=1", Plan("MATCH (p:Person) WHERE p.name = 'p3' RETURN p"), StringComparison.Ordinal);
        Assert.Contains("NodeIndexSeek(p:Person(name IN ['p1', 'p2']))", Plan("MATCH (p:Person) WHERE p.name IN ['p1', 'p2'] RETURN p"), StringComparison.Ordinal);
        Assert.Contains("NodeIndexSeekByRange(p:Person(3 < age <= 5)) index=age est=15", Plan("MATCH (p:Person) WHERE 3 < p.age AND p.age <= 5 RETURN p"), StringComparison.Ordinal);
        Assert.Contains("NodeIndexSeekByRange(p:Person(name STARTS WITH 'p4'))", Plan("MATCH (p:Person) WHERE p.name STARTS WITH 'p4' RETURN p"), StringComparison.Ordinal);
        Assert.Contains("NodeByLabelScan", Plan("MATCH (p:Person) WHERE p.score = 1.5 RETURN p"), StringComparison.Ordinal);
        Assert.Contains("NodeByLabelScan(p:Robot) est=1", Plan("MATCH (p:Person:Robot) WHERE p.age > 0 RETURN p"), StringComparison.Ordinal); // 45 entries vs 1 robot

        Assert.Equal(["'p3'"], Rows("MATCH (p:Person {name: $n}) RETURN p.name", new { n = "p3" }));
        Assert.Equal(["'p1'", "'p2'"], SortedRows("MATCH (p:Person) WHERE p.name IN ['p1', 'p2', null, 'zz'] RETURN p.name"));
        Assert.Equal(["'p14'", "'p15'", "'p24'", "'p25'", "'p34'", "'p35'", "'p4'", "'p44'", "'p45'", "'p5'"], SortedRows("MATCH (p:Person) WHERE 3 < p.age AND p.age <= 5 RETURN p.name"));
        Assert.Equal(["'p4'", "'p40'", "'p41'", "'p42'", "'p43'", "'p44'", "'p45'", "'p46'", "'p47'", "'p48'", "'p49'"], SortedRows("MATCH (p:Person) WHERE p.name STARTS WITH 'p4' RETURN p.name"));

        // The seek starts the pattern from the selective end.
        Run("MATCH (a:Person {name: 'p1'}), (b:Person {name: 'p2'}) CREATE (a)-[:KNOWS]->(b)");
        var plan = Plan("MATCH (x:Person)-[:KNOWS]->(y:Person {name: 'p2'}) RETURN x");
        Assert.Contains("NodeIndexSeek(y:Person(name = 'p2'))", plan, StringComparison.Ordinal);
        Assert.Equal(["'p1'"], Rows("MATCH (x:Person)-[:KNOWS]->(y:Person {name: 'p2'}) RETURN x.name"));
    }

    [Fact]
    public void Seek_IntegersAndFloatsCompareAsCypherDoes()
    {
        Run("CREATE INDEX v FOR (n:N) ON (n.v)");
        Run("UNWIND [1, 1.0, 2, 2.5, -0.0, 0, -3, 9007199254740993, 'x', true, [1]] AS v CREATE (:N {v: v})");
        Assert.Equal(["1", "1.0"], SortedRows("MATCH (n:N {v: 1}) RETURN n.v"));
        Assert.Equal(["1", "1.0"], SortedRows("MATCH (n:N) WHERE n.v = 1.0 RETURN n.v"));
        Assert.Equal(["-0.0", "0"], SortedRows("MATCH (n:N) WHERE n.v = 0 RETURN n.v"));
        Assert.Equal(["2", "2.5"], SortedRows("MATCH (n:N) WHERE n.v > 1 AND n.v < 3 RETURN n.v"));
        Assert.Equal(["9007199254740993"], Rows("MATCH (n:N) WHERE n.v = 9007199254740993 RETURN n.v"));
        Assert.Equal(["9007199254740993"], Rows("MATCH (n:N) WHERE n.v > 9007199254740992 RETURN n.v"));
        Assert.Empty(Rows("MATCH (n:N) WHERE n.v = $nan RETURN n.v", new { nan = double.NaN }));
        Assert.Equal(["true"], Rows("MATCH (n:N) WHERE n.v = true RETURN n.v"));
        Assert.Equal(["[1]"], Rows("MATCH (n:N) WHERE n.v = [1] RETURN n.v")); // not indexable: falls back to the scan
        Assert.Empty(Rows("MATCH (n:N) WHERE n.v > 1 AND n.v < 'z' RETURN n.v"));
        AssertEntriesConsistent(Db);
    }

    [Fact]
    public void Seek_StringsOrderByUtf16CodeUnits_AndLongStringsShareAKey()
    {
        Run("CREATE INDEX s FOR (n:S) ON (n.s)");
        var values = new[] { "", "a", "ab", "b", "\uD7FF", "\uE000", "\uFFFF", "\uD83D\uDE00", "\uD83D\uDE01", "\u0000", "\"", "!", new string('a', 250) + "x", new string('a', 250) + "y" };
        Run("UNWIND $values AS v CREATE (:S {s: v})", new { values });
        foreach (var lower in values)
        {
            var expected = values.Where(v => string.CompareOrdinal(v, lower) > 0).Order(StringComparer.Ordinal).ToList();
            var actual = Run("MATCH (n:S) WHERE n.s > $lower RETURN n.s", new { lower }).Rows.Select(r => (string)r[0]!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, actual);
            Assert.Equal([lower], Run("MATCH (n:S {s: $lower}) RETURN n.s", new { lower }).Rows.Select(r => (string)r[0]!));
        }

        Assert.Equal(2, Run("MATCH (n:S) WHERE n.s STARTS WITH $p RETURN n", new { p = new string('a', 240) }).Rows.Count);
        AssertEntriesConsistent(Db);
    }

    [Fact]
    public void Index_IsMaintainedByEveryKindOfWrite()
    {
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Run("CREATE (:Person {name: 'a'}), (:Person {name: 'b'}), (:Other {name: 'c'})");
        AssertEntriesConsistent(Db);
        Run("MATCH (p:Person {name: 'a'}) SET p.name = 'a2'");
        Assert.Empty(Rows("MATCH (p:Person {name: 'a'}) RETURN p"));
        Assert.Equal(["'a2'"], Rows("MATCH (p:Person {name: 'a2'}) RETURN p.name"));
        Run("MATCH (p:Person {name: 'b'}) REMOVE p.name");
        Run("MATCH (o:Other) SET o:Person");
        Assert.Equal(["'c'"], Rows("MATCH (p:Person {name: 'c'}) RETURN p.name"));
        AssertEntriesConsistent(Db);
        Run("MATCH (p:Person {name: 'c'}) REMOVE p:Person");
        Assert.Empty(Rows("MATCH (p:Person {name: 'c'}) RETURN p"));
        Run("MATCH (p:Person {name: 'a2'}) SET p = {name: 'm', x: 1}");
        Run("MATCH (p:Person {name: 'm'}) SET p += {name: 'n'}");
        Assert.Equal(["1"], Rows("MATCH (p:Person {name: 'n'}) RETURN p.x"));
        AssertEntriesConsistent(Db);
        Run("MERGE (p:Person {name: 'q'}) ON CREATE SET p.new = true");
        Run("MERGE (p:Person {name: 'q'}) ON MATCH SET p.name = 'r'");
        Assert.Equal(["true"], Rows("MATCH (p:Person {name: 'r'}) RETURN p.new"));
        Run("MATCH (p:Person {name: 'r'}), (n:Person {name: 'n'}) CREATE (p)-[:KNOWS]->(n)");
        Run("MATCH (p:Person {name: 'n'}) DETACH DELETE p");
        Run("MATCH (p:Person {name: 'r'}) DELETE p");
        Assert.Empty(Rows("MATCH (p:Person) WHERE p.name IN ['n', 'r'] RETURN p"));
        AssertEntriesConsistent(Db);
        Assert.Equal(["1"], Rows("MATCH (p:Person) RETURN count(p)")); // b, without a name
    }

    [Fact]
    public void Seek_SeesTheStatementsOwnWrites()
    {
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Run("CREATE (:Person {name: 'a'})");
        Assert.Equal(["1 | 0"], Rows("CREATE (:Person {name: 'z'}) WITH 1 AS x MATCH (p:Person {name: 'z'}) WITH count(p) AS z OPTIONAL MATCH (q:Person {name: 'y'}) RETURN z, count(q)"));
        Assert.Equal(["0 | 1"], Rows("MATCH (p:Person {name: 'a'}) SET p.name = 'b' WITH count(*) AS c OPTIONAL MATCH (old:Person {name: 'a'}) WITH count(old) AS old MATCH (new:Person {name: 'b'}) RETURN old, count(new)"));
        Assert.Equal(["3"], Rows("UNWIND ['u', 'v', 'u', 'w', 'v'] AS n MERGE (p:Person {name: n}) WITH DISTINCT n MATCH (p:Person {name: n}) RETURN count(p)"));
        AssertEntriesConsistent(Db);
    }

    [Fact]
    public void FailingStatement_LeavesTheIndexUnchanged()
    {
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Run("UNWIND range(1, 300) AS i CREATE (:Person {name: 'p' + i})");
        Fails("MATCH (p:Person) SET p.name = p.name + 'x' WITH count(*) AS c RETURN 1 / 0");
        Assert.Equal(["1"], Rows("MATCH (p:Person {name: 'p7'}) RETURN count(p)"));
        Assert.Empty(Rows("MATCH (p:Person {name: 'p7x'}) RETURN p"));
        AssertEntriesConsistent(Db);
    }

    [Fact]
    public void DropIndex_StopsUsingItAndRemovesItsEntries()
    {
        People();
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Assert.Equal(1, Run("DROP INDEX name").Statistics.IndexesRemoved);
        Assert.Empty(Rows("SHOW INDEXES"));
        Assert.Contains("NodeByLabelScan", Plan("MATCH (p:Person {name: 'p1'}) RETURN p"), StringComparison.Ordinal);
        Assert.Equal(["'p1'"], Rows("MATCH (p:Person {name: 'p1'}) RETURN p.name"));
        var entries = Db.Store.QueryAsync(new QueryRequest(Db.Graph().TableName) { PartitionKey = AttributeValue.FromString(IndexKeys.Partition(0)) }).AsTask().GetAwaiter().GetResult();
        Assert.Empty(entries.Items);

        // A new index of the same name gets a new id and is built afresh.
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Assert.Equal(["1 | 'name'"], Rows("SHOW INDEXES").Select(r => string.Join(" | ", r.Split(" | ").Take(2))));
        AssertEntriesConsistent(Db);
        Assert.Equal(0, Run("DROP INDEX missing IF EXISTS").Statistics.IndexesRemoved);
    }

    [Fact]
    public void SchemaCommands_ReportErrorsLikeNeo4j()
    {
        Run("CREATE INDEX name FOR (p:Person) ON (p.name)");
        var ex = Fails("CREATE INDEX name FOR (p:Person) ON (p.age)");
        Assert.Equal((CypherErrorClass.SemanticError, CypherErrorCode.IndexAlreadyExists), (ex.ErrorClass, ex.Detail));
        Assert.Equal("There already exists an index called 'name'.", ex.Message);
        ex = Fails("CREATE INDEX other FOR (n:Person) ON (n.name)");
        Assert.Equal("There already exists an index (:Person {name}) called 'name'.", ex.Message);
        Assert.Equal(0, Run("CREATE INDEX other IF NOT EXISTS FOR (n:Person) ON (n.name)").Statistics.IndexesAdded);
        Assert.Equal(0, Run("CREATE INDEX name IF NOT EXISTS FOR (n:X) ON (n.y)").Statistics.IndexesAdded);
        ex = Fails("DROP INDEX nope");
        Assert.Equal((CypherErrorClass.SemanticError, CypherErrorCode.IndexNotFound), (ex.ErrorClass, ex.Detail));
        Assert.Equal("Unable to drop index called `nope`. There is no such index.", ex.Message);

        ex = Fails("CREATE INDEX FOR (n:Person) ON (m.name)");
        Assert.Equal((CypherErrorClass.SyntaxError, CypherErrorCode.UndefinedVariable), (ex.ErrorClass, ex.Detail));
        Assert.StartsWith("Variable `m` not defined (line 1, column 33)", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("Composite indexes (on more than one property) are not supported (line 1, column 39)",
            Fails("CREATE INDEX FOR (n:Person) ON (n.name, n.age)").Message, StringComparison.Ordinal);
        Assert.StartsWith("Relationship property indexes are not supported",
            Fails("CREATE INDEX FOR ()-[r:KNOWS]-() ON (r.since)").Message, StringComparison.Ordinal);
        Assert.StartsWith("Expected ':' and a label (only node property indexes are supported) but found ')'",
            Fails("CREATE INDEX FOR (n) ON (n.name)").Message, StringComparison.Ordinal);
        Assert.StartsWith("Expected FOR but found 'ON'", Fails("CREATE INDEX x ON (n.name)").Message, StringComparison.Ordinal);
        Assert.StartsWith("Expected EXISTS but found end of input", Fails("DROP INDEX name IF").Message, StringComparison.Ordinal);

        // The words stay usable as names in queries.
        Assert.Equal(["1"], Rows("CREATE index = (:Index {for: 1}) RETURN length(index) + 1"));
        Assert.Equal(1, Run("CREATE RANGE INDEX `for` IF NOT EXISTS FOR (n:Index) ON (n.for)").Statistics.IndexesAdded);
        Assert.Equal(["1"], Rows("MATCH (n:Index {for: 1}) RETURN n.for"));
    }

    [Theory]
    [InlineData("create index IF NOT EXISTS for (n:Person) on (n.name)", "CREATE INDEX IF NOT EXISTS FOR (n:Person) ON (n.name)")]
    [InlineData("CREATE RANGE INDEX `my idx` FOR (`a b`:`L x`) ON (`a b`.`p q`)", "CREATE INDEX `my idx` FOR (`a b`:`L x`) ON (`a b`.`p q`)")]
    [InlineData("CREATE INDEX for FOR (n:L) ON (n.p)", "CREATE INDEX for FOR (n:L) ON (n.p)")]
    [InlineData("create index if if not exists for (n:L) on (n.p)", "CREATE INDEX if IF NOT EXISTS FOR (n:L) ON (n.p)")]
    [InlineData("drop index x if exists;", "DROP INDEX x IF EXISTS")]
    [InlineData("SHOW ALL INDEXES", "SHOW INDEXES")]
    [InlineData("show range index", "SHOW INDEXES")]
    public void SchemaCommand_PrintsCanonically_AndReparses(string text, string canonical)
    {
        var command = CypherParser.ParseSchemaCommand(text);
        Assert.NotNull(command);
        Assert.Equal(canonical, command.ToString());
        Assert.Equal(command, CypherParser.ParseSchemaCommand(canonical));
        Assert.Null(CypherParser.ParseSchemaCommand("MATCH (index) RETURN index"));
        Assert.Null(CypherParser.ParseSchemaCommand("CREATE index = (a)-[:R]->(b)"));
    }

    [Fact]
    public void WriteStatement_MaintainsIndexesCreatedByAnotherInstance()
    {
        // Another database instance over the same store (not disposed: it would dispose the shared store) creates
        // an index; this instance's cached catalog is stale and must not be trusted.
        Run("CREATE (:Person {name: 'a'})");
        var other = new KvDatabase(Db.Store);
        other.Cypher("CREATE INDEX name FOR (p:Person) ON (p.name)");
        Run("CREATE (:Person {name: 'b'})");
        AssertEntriesConsistent(Db);
        Assert.Equal(["'b'"], Rows("MATCH (p:Person {name: 'b'}) RETURN p.name"));
    }
}
