namespace KvDb.Sql.Tests.Execution;

/// <summary>
/// The plan cache: the same SELECT text run again with other parameter values reuses its plan (parameters are run-time
/// slots), and any DDL, index change or materialized-join change makes the next run plan again.
/// </summary>
public sealed class PlanCacheTests : IAsyncLifetime
{
    private const string ByKey = "SELECT name, age FROM users WHERE id = @id";
    private const string ByName = "SELECT id FROM users WHERE name = @name ORDER BY id";

    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public async Task InitializeAsync()
    {
        await _db.ExecAsync("CREATE TABLE users (id NUMBER, name STRING, age NUMBER, PRIMARY KEY (id))");
        await _db.ExecAsync("INSERT INTO users (id, name, age) VALUES (1, 'ann', 30), (2, 'bo', 40), (3, 'ann', 50), (4, 'cy', NULL)");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    private static Dictionary<string, object?> P(string name, object? value) => new() { [name] = value };

    [Fact]
    public async Task SameText_DifferentParameters_GiveDifferentCorrectRows()
    {
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
            Assert.Equal(["bo|40"], await _db.RowsAsync(ByKey, P("id", 2)));
            Assert.Equal(["cy|NULL"], await _db.RowsAsync(ByKey, P("id", 4)));
            Assert.Empty(await _db.RowsAsync(ByKey, P("id", 99)));

            // NULL or a value of another type than the key matches nothing (as `id = NULL` and `id = 'x'` do).
            Assert.Empty(await _db.RowsAsync(ByKey, P("id", null)));
            Assert.Empty(await _db.RowsAsync(ByKey, P("id", "1")));

            // Other ways of passing the same parameter: an object, '@'-prefixed and differently cased names.
            Assert.Equal(["bo|40"], await _db.RowsAsync(ByKey, new { id = 2 }));
            Assert.Equal(["ann|50"], await _db.RowsAsync(ByKey, P("@id", 3)));
            Assert.Equal(["ann|50"], await _db.RowsAsync(ByKey, P("ID", 3)));
        }
    }

    [Fact]
    public async Task CachedStatement_StillReportsMissingParameters()
    {
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync(ByKey));
        Assert.Equal(SqlErrorCode.MissingParameter, ex.SqlCode);
        ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync(ByKey, P("other", 1)));
        Assert.Equal(SqlErrorCode.MissingParameter, ex.SqlCode);
    }

    [Fact]
    public async Task PositionalParameters_AndExpressions_AreRunTimeValues()
    {
        const string Sql = "SELECT name, age + ? FROM users WHERE id = ?";
        Assert.Equal(["ann|31"], await _db.RowsAsync(Sql, new object[] { 1, 1 }));
        Assert.Equal(["bo|42"], await _db.RowsAsync(Sql, new object[] { 2, 2 }));
        Assert.Equal(["ann|60"], await _db.RowsAsync(Sql, new object[] { 10, 3 }));

        // A parameter outside the key: a filter over a scan, and a LIMIT (bound as a constant, never cached).
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
        Assert.Equal(["2"], await _db.RowsAsync(ByName, P("name", "bo")));
        Assert.Equal(["1"], await _db.RowsAsync("SELECT id FROM users ORDER BY id LIMIT @n", P("n", 1)));
        Assert.Equal(["1", "2", "3"], await _db.RowsAsync("SELECT id FROM users ORDER BY id LIMIT @n", P("n", 3)));
        Assert.Equal(["2", "3"], await _db.RowsAsync("SELECT id FROM users WHERE age > @min ORDER BY id", P("min", 35)));
        Assert.Equal(["3"], await _db.RowsAsync("SELECT id FROM users WHERE age > @min ORDER BY id", P("min", 45)));
    }

    [Fact]
    public async Task CreateAndDropIndex_Replan()
    {
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
        await _db.ExecAsync("CREATE INDEX users_name ON users (name)");
        Assert.Contains("IndexQuery", string.Join("\n", await _db.RowsAsync("EXPLAIN " + ByName.Replace("@name", "'ann'", StringComparison.Ordinal))));
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
        Assert.Equal(["4"], await _db.RowsAsync(ByName, P("name", "cy")));
        await _db.ExecAsync("DROP INDEX users_name ON users");
        Assert.Equal(["2"], await _db.RowsAsync(ByName, P("name", "bo")));
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
    }

    [Fact]
    public async Task IndexCreatedThroughCore_IsSeen()
    {
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
        await _db.Store.CreateIndexAsync("users", IndexSchema.Global("by_name", new KeyAttribute("name", ScalarType.String)));
        Assert.Equal(["1", "3"], await _db.RowsAsync(ByName, P("name", "ann")));
        await _db.Store.DeleteIndexAsync("users", "by_name");
        Assert.Equal(["2"], await _db.RowsAsync(ByName, P("name", "bo")));
    }

    [Fact]
    public async Task DropAndRecreateTable_Replan()
    {
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        await _db.ExecAsync("DROP TABLE users");
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync(ByKey, P("id", 1)));
        Assert.Equal(SqlErrorCode.UnknownTable, ex.SqlCode);

        // Same name, other key: the cached point read of the old table must not be used.
        await _db.ExecAsync("CREATE TABLE users (name STRING, id NUMBER, age NUMBER, PRIMARY KEY (name))");
        await _db.ExecAsync("INSERT INTO users (name, id, age) VALUES ('zed', 1, 7), ('amy', 2, 8)");
        Assert.Equal(["zed|7"], await _db.RowsAsync(ByKey, P("id", 1)));
        Assert.Equal(["amy|8"], await _db.RowsAsync(ByKey, P("id", 2)));
    }

    [Fact]
    public async Task ColumnsAddedToTable_Replan()
    {
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        await _db.ExecAsync("DROP TABLE users");
        await _db.ExecAsync("CREATE TABLE users (id NUMBER, name STRING, PRIMARY KEY (id))");
        await _db.ExecAsync("INSERT INTO users (id, name) VALUES (1, 'new')");
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync(ByKey, P("id", 1)));
        Assert.Equal(SqlErrorCode.UnknownColumn, ex.SqlCode);
    }

    [Fact]
    public async Task CreateAndDropJoin_Replan()
    {
        await _db.ExecAsync("CREATE TABLE orders (oid NUMBER, uid NUMBER, total NUMBER, PRIMARY KEY (oid))");
        await _db.ExecAsync("INSERT INTO orders (oid, uid, total) VALUES (10, 1, 5), (11, 2, 6), (12, 1, 7)");
        const string Join = "SELECT users.name, orders.total FROM orders INNER JOIN users ON orders.uid = users.id WHERE orders.total > @min ORDER BY orders.total";
        Assert.Equal(["bo|6", "ann|7"], await _db.RowsAsync(Join, P("min", 5)));
        await _db.ExecAsync("create join inner join users on orders.uid = users.id");
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await _db.RowsAsync("EXPLAIN " + Join.Replace("@min", "5", StringComparison.Ordinal))));
        Assert.Equal(["ann|5", "bo|6", "ann|7"], await _db.RowsAsync(Join, P("min", 0)));
        await _db.ExecAsync("INSERT INTO orders (oid, uid, total) VALUES (13, 2, 8)");
        Assert.Equal(["ann|7", "bo|8"], await _db.RowsAsync(Join, P("min", 6)));
        await _db.ExecAsync("DROP TABLE orders");
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync(Join, P("min", 0)));
        Assert.Equal(SqlErrorCode.UnknownTable, ex.SqlCode);
    }

    [Fact]
    public async Task Writes_AreSeenByCachedPointReads()
    {
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        await _db.ExecAsync("UPDATE users SET age = 31 WHERE id = 1");
        Assert.Equal(["ann|31"], await _db.RowsAsync(ByKey, P("id", 1)));
        await _db.ExecAsync("DELETE FROM users WHERE id = 1");
        Assert.Empty(await _db.RowsAsync(ByKey, P("id", 1)));
        await _db.ExecAsync("INSERT INTO users (id, name, age) VALUES (1, 'new', 1)");
        Assert.Equal(["new|1"], await _db.RowsAsync(ByKey, P("id", 1)));
    }

    [Fact]
    public async Task Transaction_SeesItsOwnWrites_ThroughCachedText()
    {
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        var session = _db.SqlSession();
        await (await session.ExecuteAsync("BEGIN")).ToListAsync();
        await (await session.ExecuteAsync("UPDATE users SET age = 99 WHERE id = 1")).ToListAsync();
        var inside = await (await session.ExecuteAsync(ByKey, P("id", 1))).ToListAsync();
        Assert.Equal(["ann|99"], inside.Select(SqlTestHelpers.Render));
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
        await (await session.ExecuteAsync("ROLLBACK")).ToListAsync();
        Assert.Equal(["ann|30"], await _db.RowsAsync(ByKey, P("id", 1)));
    }

    [Theory]
    [InlineData("SELECT COUNT(*), SUM(age), MIN(name), MAX(age), AVG(age) FROM users")]
    [InlineData("SELECT name, COUNT(*) FROM users GROUP BY name ORDER BY name")]
    [InlineData("SELECT DISTINCT name FROM users ORDER BY name DESC LIMIT 2")]
    [InlineData("SELECT a.id, b.id FROM users a INNER JOIN users b ON a.name = b.name WHERE a.id < b.id")]
    [InlineData("SELECT id FROM users WHERE id IN (SELECT id FROM users WHERE age > 35) ORDER BY id")]
    [InlineData("SELECT id FROM users o WHERE EXISTS (SELECT 1 FROM users i WHERE i.name = o.name AND i.id <> o.id) ORDER BY id")]
    [InlineData("SELECT id FROM users WHERE age IS NULL UNION SELECT id FROM users WHERE id = 1")]
    public async Task CachedPlans_GiveTheSameRowsEveryRun(string sql)
    {
        var first = await _db.RowsAsync(sql);
        Assert.NotEmpty(first);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first, await _db.RowsAsync(sql));
        }
    }

    [Fact]
    public async Task CompositeKey_PointReadWithParameters()
    {
        await _db.ExecAsync("CREATE TABLE ev (dev STRING, ts NUMBER, v NUMBER, PRIMARY KEY (dev, ts))");
        await _db.ExecAsync("INSERT INTO ev (dev, ts, v) VALUES ('a', 1, 10), ('a', 2, 20), ('b', 1, 30)");
        const string Sql = "SELECT v FROM ev WHERE dev = @d AND ts = @t";
        Assert.Equal(["10"], await _db.RowsAsync(Sql, new { d = "a", t = 1 }));
        Assert.Equal(["20"], await _db.RowsAsync(Sql, new { d = "a", t = 2 }));
        Assert.Equal(["30"], await _db.RowsAsync(Sql, new { d = "b", t = 1 }));
        Assert.Empty(await _db.RowsAsync(Sql, new { d = "b", t = 2 }));
        Assert.Equal(["20"], await _db.RowsAsync("SELECT v FROM ev WHERE dev = 'a' AND ts = @t", new { t = 2 }));
        Assert.Equal(["1", "2"], await _db.RowsAsync("SELECT ts FROM ev WHERE dev = @d ORDER BY ts", new { d = "a" }));
        Assert.Equal(["2"], await _db.RowsAsync("SELECT ts FROM ev WHERE dev = @d AND ts > @t", new { d = "a", t = 1 }));
    }
}
