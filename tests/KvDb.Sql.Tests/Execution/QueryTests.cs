namespace KvDb.Sql.Tests.Execution;

/// <summary>Joins, subqueries, UNION and document paths.</summary>
public sealed class QueryTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public async Task InitializeAsync()
    {
        await _db.ExecAsync("""
            CREATE TABLE customers (id NUMBER, name STRING, PRIMARY KEY (id));
            CREATE TABLE orders (customer NUMBER, seq NUMBER, total NUMBER, item STRING, PRIMARY KEY (customer, seq));
            INSERT INTO customers (id, name) VALUES (1, 'Ada'), (2, 'Bob'), (3, 'Cy');
            INSERT INTO orders (customer, seq, total, item) VALUES (1, 1, 10, 'pen'), (1, 2, 25, 'ink'), (2, 1, 7, 'pen'), (9, 1, 99, 'ghost')
            """);
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task InnerJoin_MatchesPairs()
    {
        Assert.Equal(["Ada|10", "Ada|25", "Bob|7"], await _db.RowsAsync(
            "SELECT c.name, o.total FROM customers c INNER JOIN orders o ON o.customer = c.id ORDER BY c.name, o.total"));
        Assert.Equal(["Ada|10", "Ada|25", "Bob|7"], await _db.RowsAsync(
            "SELECT c.name, o.total FROM orders o JOIN customers c ON o.customer = c.id ORDER BY 1, 2"));
    }

    [Fact]
    public async Task LeftJoin_KeepsUnmatchedWithNulls()
    {
        Assert.Equal(["Ada|2", "Bob|1", "Cy|0"], await _db.RowsAsync(
            "SELECT c.name, COUNT(o.seq) FROM customers c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.name ORDER BY c.name"));
        Assert.Equal(["ghost|NULL"], await _db.RowsAsync(
            "SELECT o.item, c.name FROM orders o LEFT JOIN customers c ON o.customer = c.id WHERE c.id IS NULL"));
    }

    [Fact]
    public async Task CrossJoin_AndCommaJoin()
    {
        Assert.Equal(["12"], await _db.RowsAsync("SELECT COUNT(*) FROM customers CROSS JOIN orders"));
        Assert.Equal(["3"], await _db.RowsAsync("SELECT COUNT(*) FROM customers a, customers b WHERE a.id = b.id"));
    }

    [Fact]
    public async Task Join_AmbiguousColumn_IsError()
    {
        await _db.ExecAsync("CREATE TABLE other (id NUMBER, name STRING, PRIMARY KEY (id))");
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM customers JOIN other ON customers.id = other.id"));
        Assert.Equal(SqlErrorCode.AmbiguousColumn, ex.SqlCode);
        Assert.StartsWith("Column 'name' is ambiguous: it exists in customers and other (line 1, column 8)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ShowsJoinStrategies()
    {
        var lookup = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT c.name FROM orders o JOIN customers c ON o.customer = c.id WHERE o.customer = 1"));
        Assert.Contains("LookupJoin Inner keys o.customer = c.id (point reads of customers)", lookup, StringComparison.Ordinal);
        Assert.Contains("PartitionQuery orders AS o (customer = 1)", lookup, StringComparison.Ordinal);
        var hash = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT c.name FROM customers c JOIN orders o ON o.item = c.name"));
        Assert.Contains("HashJoin Inner keys c.name = o.item", hash, StringComparison.Ordinal);
        var loop = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT 1 FROM customers c JOIN orders o ON o.total > c.id"));
        Assert.Contains("NestedLoopJoin Inner on (o.total > c.id)", loop, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SortKeyPredicates_BecomeKeyCondition()
    {
        var plan = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT total FROM orders WHERE customer = 1 AND seq >= 2"));
        Assert.Contains("PartitionQuery orders (customer = 1, seq >= 2)", plan, StringComparison.Ordinal);
        Assert.Equal(["25"], await _db.RowsAsync("SELECT total FROM orders WHERE customer = 1 AND seq >= 2"));
        Assert.Equal(["10", "25"], await _db.RowsAsync("SELECT total FROM orders WHERE customer = 1 AND seq BETWEEN 1 AND 2 ORDER BY total"));
        var point = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT total FROM orders WHERE customer = 1 AND seq = 2"));
        Assert.Contains("PointRead orders key (customer = 1, seq = 2)", point, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subqueries_InExistsScalarAndFrom()
    {
        Assert.Equal(["Ada", "Bob"], await _db.RowsAsync("SELECT name FROM customers WHERE id IN (SELECT customer FROM orders) ORDER BY name"));
        Assert.Equal(["Cy"], await _db.RowsAsync("SELECT name FROM customers WHERE id NOT IN (SELECT customer FROM orders)"));
        Assert.Equal(["3"], await _db.RowsAsync("SELECT COUNT(*) FROM customers WHERE EXISTS (SELECT 1 FROM orders WHERE total > 50)"));
        Assert.Equal(["ghost"], await _db.RowsAsync("SELECT item FROM orders WHERE total = (SELECT MAX(total) FROM orders)"));
        Assert.Equal(["1|35", "2|7"], await _db.RowsAsync(
            "SELECT t.customer, t.spent FROM (SELECT customer, SUM(total) AS spent FROM orders GROUP BY customer) AS t WHERE t.spent < 50 ORDER BY t.customer"));
        var many = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT (SELECT id FROM customers)"));
        Assert.Equal(SqlErrorCode.SubqueryCardinality, many.SqlCode);
        // Correlated: an unqualified name the subquery's tables do not declare is the outer query's column.
        Assert.Equal(["Ada", "Bob"], await _db.RowsAsync("SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders WHERE customer = id) ORDER BY name"));
    }

    [Fact]
    public async Task Union_AndUnionAll()
    {
        Assert.Equal(["ink", "pen"], await _db.RowsAsync("SELECT item FROM orders WHERE customer = 1 UNION SELECT item FROM orders WHERE customer = 2 ORDER BY 1"));
        Assert.Equal(["3"], await _db.RowsAsync("SELECT COUNT(*) FROM (SELECT item FROM orders WHERE customer = 1 UNION ALL SELECT item FROM orders WHERE customer = 2) AS u"));
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT 1 UNION SELECT 1, 2"));
        Assert.Equal(SqlErrorCode.InvalidStatement, ex.SqlCode);
    }

    [Fact]
    public async Task InsertSelect_CopiesRows()
    {
        await _db.ExecAsync("CREATE TABLE big (customer NUMBER, total NUMBER, PRIMARY KEY (customer))");
        Assert.Equal(2, await _db.ExecAsync("INSERT INTO big (customer, total) SELECT customer, SUM(total) FROM orders WHERE customer < 5 GROUP BY customer"));
        Assert.Equal(["1|35", "2|7"], await _db.RowsAsync("SELECT * FROM big ORDER BY customer"));
    }

    [Fact]
    public async Task DocumentPaths_NestedIndexAndAnyElement()
    {
        await _db.ExecAsync("CREATE TABLE docs (id NUMBER, name STRING, address MAP, hobbies LIST, PRIMARY KEY (id))");
        await _db.Store.PutItemAsync(new PutItemRequest("docs", Item.FromJson("""
            {"id": 4, "name": "Dee", "address": {"city": "Oslo"}, "hobbies": [{"name": "God"}, {"name": "databases"}, {"name": "computers"}]}
            """)));
        Assert.Equal(["Oslo|God|[\"God\",\"databases\",\"computers\"]"], await _db.RowsAsync(
            "SELECT c.address.city, c.hobbies[0].name, c.hobbies[*].name FROM docs c WHERE c.hobbies[*].name = 'databases'")
            .ContinueWith(t => t.Result.Select(r => r.Replace("{\"L\":[{\"S\":\"God\"},{\"S\":\"databases\"},{\"S\":\"computers\"}]}", "[\"God\",\"databases\",\"computers\"]", StringComparison.Ordinal)).ToList()));
        Assert.Empty(await _db.RowsAsync("SELECT name FROM docs WHERE hobbies[*].name = 'golf'"));
        await _db.ExecAsync("INSERT INTO docs (id, name) VALUES (5, 'Eve')");
        Assert.Equal(["Eve"], await _db.RowsAsync("SELECT name FROM docs WHERE address.city IS NULL ORDER BY name"));
        var unknown = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT nickname FROM docs"));
        Assert.Equal(SqlErrorCode.UnknownColumn, unknown.SqlCode);
    }
}

public sealed class JoinOrderTests
{
    [Fact]
    public async Task ThreeTableJoin_StartsWithTheSmallestTable_AndKeepsStarOrder()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE big (id NUMBER, m NUMBER, PRIMARY KEY (id));
            CREATE TABLE mid (id NUMBER, s NUMBER, PRIMARY KEY (id));
            CREATE TABLE small (id NUMBER, label STRING, PRIMARY KEY (id));
            INSERT INTO small (id, label) VALUES (1, 'one'), (2, 'two');
            """);
        await db.ExecAsync("INSERT INTO mid (id, s) VALUES " + string.Join(", ", Enumerable.Range(1, 20).Select(i => $"({i}, {(i % 3) + 1})")));
        await db.ExecAsync("INSERT INTO big (id, m) VALUES " + string.Join(", ", Enumerable.Range(1, 90).Select(i => $"({i}, {(i % 25) + 1})")));
        const string Query = "SELECT * FROM big JOIN mid ON big.m = mid.id JOIN small ON mid.s = small.id WHERE small.label = 'two'";
        var plan = await db.RowsAsync("EXPLAIN " + Query);
        var scans = plan.Where(l => l.TrimStart().StartsWith("Scan", StringComparison.Ordinal) || l.Contains("Scan ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.StartsWith("Scan small", scans[0], StringComparison.Ordinal);
        Assert.StartsWith("Scan mid", scans[1], StringComparison.Ordinal);
        Assert.StartsWith("Scan big", scans[2], StringComparison.Ordinal);

        var result = await db.Sql(Query).ExecuteAsync();
        Assert.Equal(["id", "m", "id", "s", "id", "label"], result.Columns);
        var rows = (await result.ToListAsync()).Select(SqlTestHelpers.Render).ToList();
        var expected = Enumerable.Range(1, 90)
            .Select(b => (b, m: (b % 25) + 1))
            .Where(x => x.m <= 20 && ((x.m % 3) + 1) == 2)
            .Select(x => $"{x.b}|{x.m}|{x.m}|2|2|two")
            .ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
    }
}

public sealed class PartitionRangeTests
{
    [Fact]
    public async Task PartitionKeyPrefixAndRange_UseOrderedPartitionWalk()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE msgs (pk STRING, sk STRING, body STRING, PRIMARY KEY (pk, sk));
            INSERT INTO msgs (pk, sk, body) VALUES ('people-100', 'messages-101', 'a'), ('people-100', 'messages-3500', 'b'),
              ('people-200', 'messages-500', 'c'), ('machines-10', 'messages-3500', 'd'), ('people-100-2020-05-01', 'friends-2019-05-01', 'e')
            """);
        var plan = string.Join("\n", await db.RowsAsync("EXPLAIN SELECT body FROM msgs WHERE pk LIKE 'people%' AND sk LIKE 'messages%'"));
        Assert.Contains("PartitionRange msgs (pk begins_with \"people\", sk begins_with \"messages\")", plan, StringComparison.Ordinal);
        // hash-db's query_pk_sk_begins people/messages: machines-10 excluded, friends excluded.
        Assert.Equal(["a", "b", "c"], await db.RowsAsync("SELECT body FROM msgs WHERE pk LIKE 'people%' AND sk LIKE 'messages%' ORDER BY body"));
        Assert.Equal(["d"], await db.RowsAsync("SELECT body FROM msgs WHERE pk < 'n'"));
        Assert.Equal(["a", "b", "e"], await db.RowsAsync("SELECT body FROM msgs WHERE pk BETWEEN 'people-100' AND 'people-100-~' ORDER BY body"));
    }
}

public sealed class NumberEqualityTests
{
    [Fact]
    public async Task EqualNumbersWrittenDifferently_GroupAndJoinTogether()
    {
        await using var db = KvDatabase.OpenInMemory();
        Assert.Equal(["1"], await db.RowsAsync("SELECT COUNT(*) FROM (SELECT DISTINCT x FROM (SELECT 3 AS x UNION ALL SELECT 3.0 UNION ALL SELECT 3.00) AS u) AS d"));
        await db.ExecAsync("CREATE TABLE l (id NUMBER, k NUMBER, PRIMARY KEY (id)); CREATE TABLE r (id NUMBER, k NUMBER, PRIMARY KEY (id))");
        await db.ExecAsync("INSERT INTO l (id, k) VALUES (1, 2.50); INSERT INTO r (id, k) VALUES (1, 2.5)");
        Assert.Equal(["1|1"], await db.RowsAsync("SELECT l.id, r.id FROM l JOIN r ON l.k = r.k"));
    }
}

public sealed class KeyTypeTests
{
    [Fact]
    public async Task KeyComparedWithOtherType_IsFalseNotAnError()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE s (id STRING, n NUMBER, PRIMARY KEY (id, n)); INSERT INTO s (id, n) VALUES ('5', 1)");
        Assert.Empty(await db.RowsAsync("SELECT id FROM s WHERE id = 5"));
        Assert.Empty(await db.RowsAsync("SELECT id FROM s WHERE id = '5' AND n = '1'"));
        Assert.Equal(["5"], await db.RowsAsync("SELECT id FROM s WHERE id = '5' AND n = 1"));
        Assert.Contains("PointRead", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT id FROM s WHERE id = '5' AND n = 1")), StringComparison.Ordinal);
    }
}
