using Microsoft.Extensions.DependencyInjection;

namespace KvDb.Sql.Tests.Execution;

public sealed class EngineTests
{
    [Fact]
    public async Task Catalog_SurvivesReopeningTheDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-sql-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var db = KvDatabase.Open(dir))
            {
                await db.ExecAsync("CREATE TABLE t (id STRING, n NUMBER, PRIMARY KEY (id)); INSERT INTO t (id, n) VALUES ('a', 1)");
                await db.ExecAsync("INSERT INTO auto (name) VALUES ('x'), ('y')");
            }

            await using (var db = KvDatabase.Open(dir))
            {
                // Declared column types are still enforced, and '*' still knows the columns.
                var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (id, n) VALUES ('b', 'two')"));
                Assert.Equal(SqlErrorCode.TypeMismatch, ex.SqlCode);
                Assert.Equal(["a|1"], await db.RowsAsync("SELECT * FROM t"));
                // The id counter continues where it stopped.
                await db.ExecAsync("INSERT INTO auto (name) VALUES ('z')");
                Assert.Equal(["1|x", "2|y", "3|z"], await db.RowsAsync("SELECT * FROM auto ORDER BY id"));
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task AddSql_RegistersTheDatabasesEngine()
    {
        var services = new ServiceCollection();
        services.AddKvDb().AddSql().AddSql();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<SqlEngine>();
        Assert.Same(SqlEngine.For(provider.GetRequiredService<KvDatabase>()), engine);
        var result = await engine.ExecuteAsync("SELECT 1 + 1 AS two");
        Assert.Equal(["two"], result.Columns);
        Assert.Equal(KvNumber.FromInt64(2), (await result.ToListAsync())[0]["two"]);
    }

    [Fact]
    public async Task SecondaryIndex_IsUsedForEquality()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE p (id STRING, city STRING, PRIMARY KEY (id)); INSERT INTO p (id, city) VALUES ('1', 'Oslo'), ('2', 'Rome'), ('3', 'Oslo')");
        await db.ExecAsync("CREATE INDEX by_city ON p (city)");
        var plan = string.Join("\n", await db.RowsAsync("EXPLAIN SELECT id FROM p WHERE city = 'Oslo'"));
        Assert.Contains("IndexQuery p index by_city (= 'Oslo')", plan, StringComparison.Ordinal);
        Assert.Equal(["1", "3"], await db.RowsAsync("SELECT id FROM p WHERE city = 'Oslo' ORDER BY id"));
    }

    [Fact]
    public async Task DropIndex_WithOrWithoutOn_PlannerStopsUsingIt()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE p (id STRING, city STRING, PRIMARY KEY (id)); INSERT INTO p (id, city) VALUES ('1', 'Oslo'), ('2', 'Rome'), ('3', 'Oslo')");
        await db.ExecAsync("CREATE TABLE q (id STRING, city STRING, PRIMARY KEY (id))");
        await db.ExecAsync("CREATE INDEX by_city ON p (city); CREATE INDEX by_city ON q (city); CREATE INDEX only_p ON p (id, city)");

        // SQLite's form finds the table; a name two tables use needs ON (MySQL's form).
        var ambiguous = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("DROP INDEX by_city"));
        Assert.Equal(SqlErrorCode.UnknownIndex, ambiguous.SqlCode);
        Assert.StartsWith("Index name 'by_city' is used by tables p, q; write DROP INDEX by_city ON <table> (line 1, column 1)", ambiguous.Message, StringComparison.Ordinal);

        await db.ExecAsync("DROP INDEX by_city ON p");
        var plan = string.Join("\n", await db.RowsAsync("EXPLAIN SELECT id FROM p WHERE city = 'Oslo'"));
        Assert.DoesNotContain("IndexQuery", plan, StringComparison.Ordinal);
        Assert.Contains("Scan p", plan, StringComparison.Ordinal);
        Assert.Equal(["1", "3"], await db.RowsAsync("SELECT id FROM p WHERE city = 'Oslo' ORDER BY id"));
        Assert.Equal(["only_p"], (await db.DescribeTableAsync("p"))!.Schema.Indexes.Select(i => i.Name).ToList());

        // Now the name is unique: no ON needed; q's index is gone, p's other index stays.
        await db.ExecAsync("DROP INDEX by_city");
        Assert.Empty((await db.DescribeTableAsync("q"))!.Schema.Indexes);
        await db.ExecAsync("DROP INDEX only_p");
        Assert.Empty((await db.DescribeTableAsync("p"))!.Schema.Indexes);

        // Missing index or table: an error naming it, or nothing with IF EXISTS.
        var missing = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("DROP INDEX by_city ON p"));
        Assert.Equal(SqlErrorCode.UnknownIndex, missing.SqlCode);
        Assert.StartsWith("Table 'p' has no index named 'by_city'", missing.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("DROP INDEX nope"));
        Assert.StartsWith("Unknown index 'nope'", unknown.Message, StringComparison.Ordinal);
        var noTable = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("DROP INDEX by_city ON nowhere"));
        Assert.Equal(SqlErrorCode.UnknownTable, noTable.SqlCode);
        await db.ExecAsync("DROP INDEX IF EXISTS by_city ON p; DROP INDEX IF EXISTS nope; DROP INDEX IF EXISTS x ON nowhere");

        // The index can be created again and is used again.
        await db.ExecAsync("CREATE INDEX by_city ON p (city)");
        Assert.Contains("IndexQuery p index by_city", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT id FROM p WHERE city = 'Rome'")), StringComparison.Ordinal);
        Assert.Equal(["2"], await db.RowsAsync("SELECT id FROM p WHERE city = 'Rome'"));
    }

    [Fact]
    public async Task Rows_StreamAndLimitStopsTheScanEarly()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE big (id NUMBER, PRIMARY KEY (id))");
        for (var start = 0; start < 2000; start += 100)
        {
            await db.ExecAsync("INSERT INTO big (id) VALUES " + string.Join(", ", Enumerable.Range(start, 100).Select(i => $"({i})")));
        }

        var seen = 0;
        await foreach (var row in db.Sql("SELECT id FROM big"))
        {
            Assert.NotNull(row[0]);
            if (++seen == 3)
            {
                break;
            }
        }

        Assert.Equal(3, seen);
        Assert.Equal(["5"], await db.RowsAsync("SELECT COUNT(*) FROM (SELECT id FROM big LIMIT 5) AS x"));
    }

    [Fact]
    public async Task Script_RunsStatementsInOrder_ResultIsTheLast()
    {
        await using var db = KvDatabase.OpenInMemory();
        var result = await db.Sql("CREATE TABLE s (id NUMBER, PRIMARY KEY (id)); INSERT INTO s (id) VALUES (1), (2); SELECT COUNT(*) AS n FROM s").ExecuteAsync();
        Assert.Equal(["n"], result.Columns);
        Assert.Equal(-1, result.RowsAffected);
        Assert.Equal(KvNumber.FromInt64(2), (await result.ToListAsync())[0]["n"]);
        Assert.Throws<InvalidOperationException>(() => result.Rows);
    }
}
