namespace KvDb.Sql.Tests.Execution;

public sealed class SingleTableTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public async Task InitializeAsync()
    {
        await _db.ExecAsync("CREATE TABLE people (id STRING, name STRING, age NUMBER, city STRING, PRIMARY KEY (id))");
        Assert.Equal(5, await _db.ExecAsync("""
            INSERT INTO people (id, name, age, city) VALUES
              ('p1', 'Ted', 29, 'Oslo'), ('p2', 'Fred', 45, 'Rome'), ('p3', 'Simon', 29, NULL),
              ('p4', 'Sam', 31, 'Oslo'), ('p5', 'Ann', NULL, 'Rome')
            """));
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Select_WhereEquals_IsExactNotPrefix()
    {
        await _db.ExecAsync("INSERT INTO people (id, name, age) VALUES ('p6', 'Zed', 290)");
        Assert.Equal(["Simon", "Ted"], await _db.RowsAsync("SELECT name FROM people WHERE age = 29 ORDER BY name"));
    }

    [Fact]
    public async Task Select_AllAndPredicatesApply()
    {
        Assert.Equal(["Sam"], await _db.RowsAsync("SELECT name FROM people WHERE city = 'Oslo' AND age > 30"));
        Assert.Equal(["Fred", "Sam", "Ted"], await _db.RowsAsync("select name from people where age >= 31 or city = 'Oslo' order by name"));
    }

    [Fact]
    public async Task Select_NullsFollowThreeValuedLogic()
    {
        Assert.Equal(["Ann", "Fred", "Sam", "Ted"], await _db.RowsAsync("SELECT name FROM people WHERE NOT (city IS NULL) ORDER BY name"));
        // Ann: 'Rome' <> 'Oslo' is TRUE, so TRUE OR UNKNOWN is TRUE; Simon: UNKNOWN OR TRUE is TRUE.
        Assert.Equal(["Ann", "Fred", "Simon", "Ted"], await _db.RowsAsync("SELECT name FROM people WHERE city <> 'Oslo' OR age = 29 ORDER BY name"));
        Assert.Empty(await _db.RowsAsync("SELECT name FROM people WHERE city = 'Paris' AND age = NULL"));
        // age = NULL is unknown for every row; NOT unknown is still unknown.
        Assert.Empty(await _db.RowsAsync("SELECT name FROM people WHERE NOT (age = NULL)"));
        Assert.Equal(["Ann"], await _db.RowsAsync("SELECT name FROM people WHERE age IS NULL"));
        Assert.Equal(["Simon"], await _db.RowsAsync("SELECT name FROM people WHERE city IS NULL"));
        Assert.Equal(["Simon|NULL|NULL"], await _db.RowsAsync("SELECT name, city, age + NULL FROM people WHERE id = 'p3'"));
    }

    [Fact]
    public async Task Select_OrderByLimitOffsetDistinct()
    {
        Assert.Equal(["Fred|45", "Sam|31", "Simon|29"], await _db.RowsAsync("SELECT name, age FROM people ORDER BY age DESC, name LIMIT 3"));
        Assert.Equal(["Simon|29", "Ted|29"], await _db.RowsAsync("SELECT name, age FROM people ORDER BY age DESC, name LIMIT 2 OFFSET 2"));
        Assert.Equal(["NULL", "Oslo", "Rome"], await _db.RowsAsync("SELECT DISTINCT city FROM people ORDER BY city"));
        Assert.Equal(["Ann|NULL"], await _db.RowsAsync("SELECT name, age FROM people ORDER BY age LIMIT 1"));
        Assert.Equal(["Fred", "Ann"], await _db.RowsAsync("SELECT name FROM people WHERE city = 'Rome' ORDER BY 1 DESC"));
    }

    [Fact]
    public async Task Select_GroupByHavingAggregates()
    {
        Assert.Equal(
            ["NULL|1|29|29|29|29", "Oslo|2|60|30|29|31", "Rome|1|45|45|45|45"],
            await _db.RowsAsync("SELECT city, COUNT(age), SUM(age), AVG(age), MIN(age), MAX(age) FROM people GROUP BY city ORDER BY city"));
        Assert.Equal(["Oslo|2", "Rome|2"], await _db.RowsAsync("SELECT city, COUNT(*) AS n FROM people GROUP BY city HAVING COUNT(*) > 1 ORDER BY n DESC, city"));
        Assert.Equal(["5|3|4"], await _db.RowsAsync("SELECT COUNT(*), COUNT(DISTINCT age), COUNT(age) FROM people"));
        Assert.Equal(["0|NULL"], await _db.RowsAsync("SELECT COUNT(*), SUM(age) FROM people WHERE age > 100"));
        Assert.Equal(["33.5"], await _db.RowsAsync("SELECT AVG(age) FROM people"));
    }

    [Fact]
    public async Task Select_ExactDecimalArithmetic()
    {
        Assert.Equal(["0.3|1.5|2|-7"], await _db.RowsAsync("SELECT 0.1 + 0.2, 3 / 2, 10 % 4, -(3 + 4)"));
        Assert.Equal(["0.33333333333333333333333333333333333333"], await _db.RowsAsync("SELECT 1 / 3.0"));
    }

    [Fact]
    public async Task Select_DivisionByZero_IsClearError()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT age / 0 FROM people"));
        Assert.Equal(SqlErrorCode.DivisionByZero, ex.SqlCode);
        Assert.StartsWith("Division by zero", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Select_TypeMismatch_IsClearError()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name + 1 FROM people"));
        Assert.Equal(SqlErrorCode.TypeMismatch, ex.SqlCode);
        Assert.Contains("cannot apply '+' to STRING", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Select_UnknownNames_AreErrorsWithPositions()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT nme FROM people"));
        Assert.Equal(SqlErrorCode.UnknownColumn, ex.SqlCode);
        Assert.Equal("Unknown column 'nme' (line 1, column 8)\nSELECT nme FROM people\n       ^^^", ex.Message);
        var table = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT 1 FROM\n  peple"));
        Assert.Equal(SqlErrorCode.UnknownTable, table.SqlCode);
        Assert.Equal((2, 3), (table.Line, table.Column));
    }

    [Fact]
    public async Task Select_ExpressionsAndFunctions()
    {
        Assert.Equal(["TED|ted|3|Te|young"], await _db.RowsAsync(
            "SELECT UPPER(name), LOWER(name), LENGTH(name), SUBSTR(name, 1, 2), CASE WHEN age > 30 THEN 'old' ELSE 'young' END FROM people WHERE id = 'p1'"));
        Assert.Equal(["Ann|Rome", "Simon|age 29"], await _db.RowsAsync(
            "SELECT name, COALESCE(city, 'age ' || CAST(age AS STRING), 'unknown') FROM people WHERE age IS NULL OR city IS NULL ORDER BY name"));
        Assert.Equal(["Fred", "Sam", "Ted"], await _db.RowsAsync("SELECT name FROM people WHERE name LIKE '%e%' OR name LIKE 'S_m' ORDER BY name"));
        Assert.Equal(["Fred", "Sam"], await _db.RowsAsync("SELECT name FROM people WHERE age BETWEEN 30 AND 50 ORDER BY name"));
        Assert.Equal(["Ann", "Fred"], await _db.RowsAsync("SELECT name FROM people WHERE id IN ('p2', 'p5', 'zz') ORDER BY name"));
    }

    [Fact]
    public async Task Select_Parameters_NamedAndPositional()
    {
        Assert.Equal(["Fred"], await _db.RowsAsync("SELECT name FROM people WHERE age = @age", new { age = 45 }));
        Assert.Equal(["Ted"], await _db.RowsAsync("SELECT name FROM people WHERE age = ? AND city = ?", new object[] { 29, "Oslo" }));
        Assert.Equal(["Sam"], await _db.RowsAsync("SELECT name FROM people WHERE name = @n", new Dictionary<string, object?> { ["n"] = "Sam" }));
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM people WHERE age = @nope"));
        Assert.Equal(SqlErrorCode.MissingParameter, ex.SqlCode);
    }

    [Fact]
    public async Task Insert_Parameters_AreTypedValues_InAndOutOfTransactions()
    {
        // Literals and parameters are read without the binder: the values must still be typed, NULL must leave the
        // attribute out, and the same text must take new values on every run.
        Assert.Equal(1, await _db.ExecAsync("INSERT INTO people (id, name, age, city) VALUES (@id, @name, @age, @city)", new { id = "q1", name = "Una", age = 52L, city = (string?)null }));
        Assert.Equal(2, await _db.ExecAsync("INSERT INTO people (id, name, age) VALUES (?, ?, ?), ('q3', ?, 7.5)", new object[] { "q2", "Vic", 33, "Wes" }));
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        foreach (var (id, name) in new[] { ("q4", "Xia"), ("q5", "Yul") })
        {
            await session.ExecuteAsync("INSERT INTO people (id, name, age) VALUES (@id, @name, @age)", new Dictionary<string, object?> { ["id"] = id, ["name"] = name, ["age"] = 60 });
        }

        await session.ExecuteAsync("COMMIT");
        Assert.Equal(["q1|Una|52|", "q2|Vic|33|", "q3|Wes|7.5|", "q4|Xia|60|", "q5|Yul|60|"],
            await _db.RowsAsync("SELECT id || '|' || name || '|' || CAST(age AS STRING) || '|' || COALESCE(city, '') FROM people WHERE id >= 'q' ORDER BY id"));
    }

    [Fact]
    public async Task Parameters_FromADictionary_MatchIgnoringCaseAndAtSign()
    {
        // Exact names are looked up directly; other spellings fall back to the case-insensitive copy.
        Assert.Equal(["Fred"], await _db.RowsAsync("SELECT name FROM people WHERE age = @age", new Dictionary<string, object?> { ["age"] = 45 }));
        Assert.Equal(["Fred"], await _db.RowsAsync("SELECT name FROM people WHERE age = @age", new Dictionary<string, object?> { ["@AGE"] = 45 }));
        Assert.Equal(["Sam"], await _db.RowsAsync("SELECT name FROM people WHERE age = @Age AND city = @city", new Dictionary<string, object?> { ["age"] = 31, ["@City"] = "Oslo" }));
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM people WHERE age = @other", new Dictionary<string, object?> { ["age"] = 45 }));
        Assert.Equal(SqlErrorCode.MissingParameter, ex.SqlCode);
        var bad = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM people WHERE age = @age", new Dictionary<string, object?> { ["age"] = new object() }));
        Assert.Contains("'@age' has unsupported type Object", bad.Message, StringComparison.Ordinal);
        var positional = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM people WHERE age = ? OR age = ?", new object[] { 45, new object() }));
        Assert.Contains("'?2' has unsupported type Object", positional.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insert_BadParameters_AreClearErrors_AndStoreNothing()
    {
        var missing = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, name) VALUES ('r1', 'a'), ('r2', @nope)"));
        Assert.Equal(SqlErrorCode.MissingParameter, missing.SqlCode);
        Assert.Contains("@nope", missing.Message, StringComparison.Ordinal);
        var mismatch = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, age) VALUES (@id, @age)", new { id = "r3", age = "old" }));
        Assert.Equal(SqlErrorCode.TypeMismatch, mismatch.SqlCode);
        Assert.Contains("people.age", mismatch.Message, StringComparison.Ordinal);
        var nullKey = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, name) VALUES ('r4', 'b'), (@id, 'c')", new { id = (string?)null }));
        Assert.Equal(SqlErrorCode.TypeMismatch, nullKey.SqlCode);
        var twice = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, name) VALUES (@id, 'd'), ('r5', 'e'), (@id, 'f')", new { id = "r5" }));
        Assert.Contains("twice", twice.Message, StringComparison.Ordinal);
        Assert.Empty(await _db.RowsAsync("SELECT id FROM people WHERE id >= 'r'"));
        Assert.Equal(5L, (await _db.Sql("SELECT COUNT(*) FROM people").ToListAsync())[0].GetAttribute(0)!.AsNumber().ToInt64());
    }

    [Fact]
    public async Task Update_SetsSeveralColumns_OnlyWhereMatches()
    {
        Assert.Equal(2, await _db.ExecAsync("UPDATE people SET age = age + 1, city = 'Bergen' WHERE city = 'Oslo'"));
        Assert.Equal(["p1|30|Bergen", "p4|32|Bergen"], await _db.RowsAsync("SELECT id, age, city FROM people WHERE city = 'Bergen' ORDER BY id"));
        Assert.Equal(1, await _db.ExecAsync("UPDATE people SET city = NULL WHERE id = 'p2'"));
        Assert.Equal(["Fred|NULL"], await _db.RowsAsync("SELECT name, city FROM people WHERE id = 'p2'"));
    }

    [Fact]
    public async Task Update_FailingRow_ChangesNothing()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("UPDATE people SET age = 100 / (age - 45)"));
        Assert.Equal(SqlErrorCode.DivisionByZero, ex.SqlCode);
        Assert.Equal(["NULL", "29", "29", "31", "45"], await _db.RowsAsync("SELECT age FROM people ORDER BY age"));
        var type = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("UPDATE people SET age = 'old' WHERE id = 'p1'"));
        Assert.Equal(SqlErrorCode.TypeMismatch, type.SqlCode);
        var key = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("UPDATE people SET id = 'x'"));
        Assert.Equal(SqlErrorCode.InvalidStatement, key.SqlCode);
    }

    [Fact]
    public async Task Delete_RemovesMatchingRows()
    {
        Assert.Equal(2, await _db.ExecAsync("DELETE FROM people WHERE age = 29"));
        Assert.Equal(["p2", "p4", "p5"], await _db.RowsAsync("SELECT id FROM people ORDER BY id"));
        Assert.Equal(3, await _db.ExecAsync("DELETE FROM people"));
        Assert.Equal(["0"], await _db.RowsAsync("SELECT COUNT(*) FROM people"));
    }

    [Fact]
    public async Task Insert_DuplicateKey_FailsWholeStatement()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, name) VALUES ('n1', 'New'), ('p1', 'Dup')"));
        Assert.Equal(SqlErrorCode.WriteFailed, ex.SqlCode);
        Assert.Contains("duplicate key", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await _db.RowsAsync("SELECT id FROM people WHERE id = 'n1'"));
        var twice = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id) VALUES ('n2'), ('n2')"));
        Assert.Contains("twice", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insert_MoreThan100Rows_FailureUndoesEarlierChunks()
    {
        var values = string.Join(", ", Enumerable.Range(0, 250).Select(i => $"('bulk{i}', {i})"));
        Assert.Equal(250, await _db.ExecAsync($"INSERT INTO people (id, age) VALUES {values}"));
        Assert.Equal(["255"], await _db.RowsAsync("SELECT COUNT(*) FROM people"));
        var clash = string.Join(", ", Enumerable.Range(0, 250).Select(i => $"('more{i}', {i})")) + ", ('p1', 1)";
        await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync($"INSERT INTO people (id, age) VALUES {clash}"));
        Assert.Equal(["255"], await _db.RowsAsync("SELECT COUNT(*) FROM people"));
    }

    [Fact]
    public async Task Insert_TypeChecked_AgainstDeclaredColumns()
    {
        var ex = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, age) VALUES ('x', 'old')"));
        Assert.Equal(SqlErrorCode.TypeMismatch, ex.SqlCode);
        var unknown = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, nope) VALUES ('x', 1)"));
        Assert.Equal(SqlErrorCode.UnknownColumn, unknown.SqlCode);
        var nullKey = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("INSERT INTO people (id, age) VALUES (NULL, 1)"));
        Assert.Equal(SqlErrorCode.TypeMismatch, nullKey.SqlCode);
    }

    [Fact]
    public async Task Explain_ShowsPointReadForKeyEquality()
    {
        var plan = await _db.RowsAsync("EXPLAIN SELECT name FROM people WHERE id = 'p1' AND age > 3");
        Assert.Equal("Project people.name AS name", plan[0]);
        Assert.Equal("  Filter ((people.id = 'p1') AND (people.age > 3))", plan[1]);
        Assert.StartsWith("    PointRead people key (id = 'p1') filter:", plan[2], StringComparison.Ordinal);
        Assert.Contains("filter:", plan[2], StringComparison.Ordinal);
        Assert.Equal(["Ted"], await _db.RowsAsync("SELECT name FROM people WHERE id = 'p1' AND age > 3"));
        var scan = await _db.RowsAsync("EXPLAIN SELECT name FROM people LIMIT 2");
        Assert.Equal("    Scan people limit: 2", scan[2]);
    }

    [Fact]
    public async Task CreateTable_Errors()
    {
        var exists = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("CREATE TABLE people (id STRING, PRIMARY KEY (id))"));
        Assert.Equal(SqlErrorCode.AlreadyExists, exists.SqlCode);
        await _db.ExecAsync("CREATE TABLE IF NOT EXISTS people (id STRING, PRIMARY KEY (id))");
        var noKey = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("CREATE TABLE t (a STRING)"));
        Assert.Equal(SqlErrorCode.InvalidStatement, noKey.SqlCode);
        await _db.ExecAsync("DROP TABLE people");
        var gone = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT * FROM people"));
        Assert.Equal(SqlErrorCode.UnknownTable, gone.SqlCode);
        await _db.ExecAsync("DROP TABLE IF EXISTS people");
    }
}
