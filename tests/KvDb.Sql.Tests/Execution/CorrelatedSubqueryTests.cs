namespace KvDb.Sql.Tests.Execution;

/// <summary>Subqueries that read columns of the enclosing query: EXISTS, NOT EXISTS, IN, NOT IN and scalars.</summary>
public sealed class CorrelatedSubqueryTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public async Task InitializeAsync()
    {
        await _db.ExecAsync("""
            CREATE TABLE dept (id NUMBER, name STRING, budget NUMBER, PRIMARY KEY (id));
            CREATE TABLE emp (id NUMBER, dept NUMBER, name STRING, salary NUMBER, boss NUMBER, PRIMARY KEY (id));
            INSERT INTO dept (id, name, budget) VALUES (1, 'eng', 100), (2, 'ops', 10), (3, 'empty', NULL), (4, 'nulls', 5);
            INSERT INTO emp (id, dept, name, salary, boss) VALUES
              (1, 1, 'ann', 50, NULL), (2, 1, 'bo', 30, 1), (3, 1, 'cy', 30, 1),
              (4, 2, 'di', 8, NULL), (5, 2, 'ed', NULL, 4),
              (6, 4, 'fay', NULL, NULL), (7, NULL, 'gil', 1, NULL)
            """);
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ExistsAndNotExists_InWhere()
    {
        Assert.Equal(["eng", "nulls", "ops"], await _db.RowsAsync("SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id) ORDER BY name"));
        Assert.Equal(["empty"], await _db.RowsAsync("SELECT name FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id)"));
        // Two outer columns, and a condition only on the inner table.
        Assert.Equal(["eng", "ops"], await _db.RowsAsync("SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id AND e.salary < d.budget AND e.boss IS NULL) ORDER BY name"));
        Assert.Equal(["ops"], await _db.RowsAsync("SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id AND e.salary > d.budget / 2)"));
    }

    [Fact]
    public async Task ScalarSubquery_InSelectAndWhere()
    {
        Assert.Equal(["empty|0|NULL", "eng|3|110", "nulls|1|NULL", "ops|2|8"], await _db.RowsAsync(
            "SELECT d.name, (SELECT COUNT(*) FROM emp e WHERE e.dept = d.id), (SELECT SUM(salary) FROM emp e WHERE e.dept = d.id) FROM dept d ORDER BY 1"));
        // Employees earning their department's maximum.
        Assert.Equal(["ann", "di"], await _db.RowsAsync(
            "SELECT name FROM emp o WHERE salary = (SELECT MAX(salary) FROM emp i WHERE i.dept = o.dept) ORDER BY name"));
        // Self-join through a scalar subquery: the boss's name.
        Assert.Equal(["bo|ann", "cy|ann", "ed|di"], await _db.RowsAsync(
            "SELECT e.name, (SELECT b.name FROM emp b WHERE b.id = e.boss) FROM emp e WHERE e.boss IS NOT NULL ORDER BY 1"));
        Assert.Equal(["eng", "ops", "nulls", "empty"], await _db.RowsAsync(
            "SELECT name FROM dept d ORDER BY (SELECT COUNT(*) FROM emp e WHERE e.dept = d.id) DESC, name"));
        var many = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT d.name, (SELECT e.name FROM emp e WHERE e.dept = d.id) FROM dept d"));
        Assert.Equal(SqlErrorCode.SubqueryCardinality, many.SqlCode);
    }

    [Fact]
    public async Task InAndNotIn_WithNulls_FollowThreeValuedLogic()
    {
        // Salaries of dept 2 are {8, NULL}: x IN is true for 8, unknown otherwise; NOT IN is never true.
        Assert.Equal(["di"], await _db.RowsAsync("SELECT name FROM emp o WHERE salary IN (SELECT i.salary FROM emp i WHERE i.dept = 2 AND i.id <> o.id OR i.id = 4) ORDER BY name"));
        Assert.Equal(["empty|false", "eng|true", "nulls|NULL", "ops|NULL"], await _db.RowsAsync(
            "SELECT d.name, 30 IN (SELECT salary FROM emp e WHERE e.dept = d.id) FROM dept d ORDER BY 1"));
        Assert.Equal(["empty|true", "eng|false", "nulls|NULL", "ops|NULL"], await _db.RowsAsync(
            "SELECT d.name, 30 NOT IN (SELECT salary FROM emp e WHERE e.dept = d.id) FROM dept d ORDER BY 1"));
        // Not found among non-NULLs is false, among a NULL unknown; NULL on the left is unknown unless the subquery is empty.
        Assert.Equal(["empty|false", "eng|false", "nulls|NULL", "ops|NULL"], await _db.RowsAsync(
            "SELECT d.name, d.budget IN (SELECT salary FROM emp e WHERE e.dept = d.id) FROM dept d ORDER BY 1"));
        Assert.Equal(["ed|NULL", "fay|NULL", "gil|false"], await _db.RowsAsync(
            "SELECT e.name, e.salary IN (SELECT i.salary FROM emp i WHERE i.dept = e.dept) FROM emp e WHERE e.id >= 5 ORDER BY 1"));
    }

    [Fact]
    public async Task GroupedOuterQuery_HavingAndNestedCorrelation()
    {
        // The outer reference inside HAVING reads the group key.
        Assert.Equal(["1|3"], await _db.RowsAsync(
            "SELECT dept, COUNT(*) FROM emp GROUP BY dept HAVING COUNT(*) > (SELECT COUNT(*) FROM dept WHERE id = dept + 10) + 2"));
        Assert.Equal(["1|110|100", "2|8|10"], await _db.RowsAsync(
            "SELECT e.dept, SUM(e.salary), (SELECT d.budget FROM dept d WHERE d.id = e.dept) FROM emp e WHERE e.dept IN (1, 2) GROUP BY e.dept ORDER BY 1"));
        // Two levels: the innermost query reads the outermost one's column.
        Assert.Equal(["eng", "ops"], await _db.RowsAsync("""
            SELECT d.name FROM dept d
            WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id AND EXISTS (SELECT 1 FROM emp b WHERE b.id = e.boss AND b.dept = d.id))
            ORDER BY 1
            """));
        // A derived table inside a correlated subquery.
        Assert.Equal(["eng|2", "ops|1"], await _db.RowsAsync(
            "SELECT d.name, (SELECT COUNT(*) FROM (SELECT id FROM emp WHERE emp.dept = d.id AND emp.boss IS NOT NULL) AS x) FROM dept d WHERE d.id <= 2 ORDER BY 1"));
    }

    [Fact]
    public async Task CorrelatedSubqueryInJoinCondition_ReadsTheLeftRow()
    {
        // The top earner of each department, found in ON (hash join on dept, the subquery checked per pair).
        Assert.Equal(["eng|ann", "ops|di"], await _db.RowsAsync(
            "SELECT d.name, e.name FROM dept d JOIN emp e ON e.dept = d.id AND e.salary = (SELECT MAX(x.salary) FROM emp x WHERE x.dept = d.id) ORDER BY 1"));
        Assert.Equal(["empty|NULL", "eng|ann", "nulls|NULL", "ops|di"], await _db.RowsAsync(
            "SELECT d.name, e.name FROM dept d LEFT JOIN emp e ON e.dept = d.id AND e.salary = (SELECT MAX(x.salary) FROM emp x WHERE x.dept = d.id) ORDER BY 1"));
    }

    [Fact]
    public async Task CorrelatedKeyAccess_OnATableMadeOutsideSql_UsesOnlyTypedKeys()
    {
        // A Core table with an index on an attribute SQL has no type for: the index is not used for the outer value
        // (a type check could not be made), the partition key is.
        await _db.Store.CreateTableAsync(new TableSchema("ext", new KeyAttribute("k", ScalarType.Number)));
        await _db.Store.CreateIndexAsync("ext", IndexSchema.Global("by_v", new KeyAttribute("v", ScalarType.Number)));
        foreach (var (k, v) in new[] { (1, 1), (2, 1), (3, 2) })
        {
            await _db.Store.PutItemAsync(new PutItemRequest("ext", Item.Create().Set("k", AttributeValue.FromNumber(k)).Set("v", AttributeValue.FromNumber(v)).Build()));
        }

        const string Query = "SELECT d.id, (SELECT COUNT(*) FROM ext WHERE ext.v = d.id), (SELECT COUNT(*) FROM ext WHERE ext.k = d.id) FROM dept d ORDER BY 1";
        Assert.Equal(["1|2|1", "2|1|1", "3|0|1", "4|0|0"], await _db.RowsAsync(Query));
        var plan = string.Join("\n", await _db.RowsAsync("EXPLAIN " + Query));
        Assert.DoesNotContain("IndexQuery", plan, StringComparison.Ordinal);
        Assert.Contains("PointRead ext key (k = outer d.id)", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAndDelete_WithCorrelatedSubqueries()
    {
        Assert.Equal(3, await _db.ExecAsync("UPDATE dept SET budget = (SELECT COUNT(*) FROM emp WHERE emp.dept = dept.id) WHERE id <= 3"));
        Assert.Equal(["1|3", "2|2", "3|0", "4|5"], await _db.RowsAsync("SELECT id, budget FROM dept ORDER BY id"));
        Assert.Equal(1, await _db.ExecAsync("DELETE FROM dept WHERE NOT EXISTS (SELECT 1 FROM emp WHERE emp.dept = dept.id)"));
        Assert.Equal(["1", "2", "4"], await _db.RowsAsync("SELECT id FROM dept ORDER BY id"));
    }

    [Fact]
    public async Task Explain_ShowsTheCorrelation_AndUnknownNamesStillFail()
    {
        var plan = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id)"));
        Assert.Contains("EXISTS(subquery #0 correlated on d.id)", plan, StringComparison.Ordinal);
        Assert.Contains("Subquery #0 (correlated, run per distinct outer values):", plan, StringComparison.Ordinal);
        Assert.Contains("(e.dept = outer d.id)", plan, StringComparison.Ordinal);
        // An equality on the inner key becomes a point read keyed by the outer value (NULL or another type finds nothing).
        var keyed = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT e.name, (SELECT b.name FROM emp b WHERE b.id = e.boss) FROM emp e"));
        Assert.Contains("PointRead emp AS b key (id = outer e.boss)", keyed, StringComparison.Ordinal);
        Assert.Equal(["ann|NULL", "bo|ann", "cy|ann", "di|NULL", "ed|di", "fay|NULL", "gil|NULL"], await _db.RowsAsync(
            "SELECT e.name, (SELECT b.name FROM emp b WHERE b.id = e.boss) FROM emp e ORDER BY 1"));
        Assert.Equal(["ann|NULL"], await _db.RowsAsync("SELECT e.name, (SELECT b.name FROM emp b WHERE b.id = e.name) FROM emp e WHERE e.id = 1"));
        var unknown = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.nope)"));
        Assert.Equal(SqlErrorCode.UnknownColumn, unknown.SqlCode);
        var ungrouped = await Assert.ThrowsAsync<SqlException>(() => _db.RowsAsync("SELECT dept FROM emp GROUP BY dept HAVING EXISTS (SELECT 1 FROM dept WHERE dept.id = emp.salary)"));
        Assert.Equal(SqlErrorCode.InvalidStatement, ungrouped.SqlCode);
    }

    [Fact]
    public async Task SameOuterValues_RunTheSubqueryOnce()
    {
        // 200 outer rows with 2 distinct values: results agree with the uncorrelated form.
        await _db.ExecAsync("CREATE TABLE many (id NUMBER, k NUMBER, PRIMARY KEY (id))");
        await _db.ExecAsync("INSERT INTO many (id, k) VALUES " + string.Join(", ", Enumerable.Range(0, 200).Select(i => $"({i}, {1 + (i % 2)})")));
        Assert.Equal(["1|100|3", "2|100|2"], await _db.RowsAsync(
            "SELECT k, COUNT(*), MAX((SELECT COUNT(*) FROM emp WHERE emp.dept = many.k)) FROM many GROUP BY k ORDER BY k"));
    }

    [Fact]
    public async Task InsideATransaction_CorrelatedSubqueriesSeePendingRows()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN; INSERT INTO emp (id, dept, name, salary) VALUES (8, 3, 'hal', 2); UPDATE emp SET boss = 8 WHERE id = 7");
        var result = await session.ExecuteAsync(
            "SELECT d.name, (SELECT COUNT(*) FROM emp e WHERE e.dept = d.id), (SELECT b.name FROM emp b WHERE b.id = (SELECT g.boss FROM emp g WHERE g.id = 7)) FROM dept d WHERE d.id = 3");
        Assert.Equal(["empty|1|hal"], [.. (await result.ToListAsync()).Select(SqlTestHelpers.Render)]);
        Assert.Equal(["empty|0"], await _db.RowsAsync("SELECT d.name, (SELECT COUNT(*) FROM emp e WHERE e.dept = d.id) FROM dept d WHERE d.id = 3"));
        await session.ExecuteAsync("ROLLBACK");
    }
}
