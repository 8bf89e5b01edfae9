namespace KvDb.Sql.Tests.Execution;

/// <summary>Every INSERT, UPDATE and DELETE is one Core transaction, however many rows it changes.</summary>
public sealed class StatementAtomicityTests
{
    private static string Values(int from, int count, Func<int, string> row) =>
        string.Join(", ", Enumerable.Range(from, count).Select(row));

    [Fact]
    public async Task Insert_500Rows_LastCollides_ChangesNothing()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id NUMBER, v NUMBER, PRIMARY KEY (id)); INSERT INTO t (id, v) VALUES (499, -1)");
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (id, v) VALUES " + Values(0, 500, i => $"({i}, {i})")));
        Assert.Equal(SqlErrorCode.WriteFailed, ex.SqlCode);
        Assert.StartsWith("INSERT INTO t failed: duplicate key", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("; nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["1|499|-1"], await db.RowsAsync("SELECT COUNT(*), MIN(id), SUM(v) FROM t"));
    }

    [Fact]
    public async Task Insert_DuplicateOfAStoredRow_NamesItsKey()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id STRING, v NUMBER, PRIMARY KEY (id)); INSERT INTO t (id, v) VALUES ('b', 1)");
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (v, id) VALUES (1, 'a'), (2, 'b'), (3, 'c')"));
        Assert.Equal("INSERT INTO t failed: duplicate key (\"b\"); nothing was changed", ex.Message);
        Assert.Equal(["b|1"], await db.RowsAsync("SELECT id, v FROM t"));
    }

    [Fact]
    public async Task Insert_RowsCoreRejects_ReportedInRowOrderAfterRepeatedKeys()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id STRING, v NUMBER, PRIMARY KEY (id))");

        // Row 2 repeats row 1 before row 3's empty key (which Core rejects): the repeat is reported.
        var repeated = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (id, v) VALUES ('a', 1), ('a', 2), ('', 3)"));
        Assert.Equal("INSERT INTO t gives the key (\"a\") twice", repeated.Message);

        // Row 2's empty key comes before the repeat in row 3: Core's message for row 2.
        var empty = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (id, v) VALUES ('a', 1), ('', 2), ('a', 3)"));
        Assert.Equal(SqlErrorCode.WriteFailed, empty.SqlCode);
        Assert.StartsWith("INSERT on t failed: ", empty.Message, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Message, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("; nothing was changed", empty.Message, StringComparison.Ordinal);

        // A later row's SQL error still comes first (it is found while the rows are read).
        var type = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO t (id, v) VALUES ('', 1), ('b', 'x')"));
        Assert.Equal(SqlErrorCode.TypeMismatch, type.SqlCode);
        Assert.Equal(["0"], await db.RowsAsync("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task InsertSelect_And_Update_1000Rows_ApplyFully()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id NUMBER, v NUMBER, PRIMARY KEY (id))");
        Assert.Equal(1000, await db.ExecAsync("INSERT INTO t (id, v) VALUES " + Values(0, 1000, i => $"({i}, {i})")));
        Assert.Equal(1000, await db.ExecAsync("UPDATE t SET v = v + 1"));
        Assert.Equal(["1000|500500|1|1000"], await db.RowsAsync("SELECT COUNT(*), SUM(v), MIN(v), MAX(v) FROM t"));

        await db.ExecAsync("CREATE TABLE copy (id NUMBER, v NUMBER, PRIMARY KEY (id))");
        Assert.Equal(1000, await db.ExecAsync("INSERT INTO copy (id, v) SELECT id, v * 2 FROM t"));
        Assert.Equal(["1000|1001000"], await db.RowsAsync("SELECT COUNT(*), SUM(v) FROM copy"));
        Assert.Equal(1000, await db.ExecAsync("DELETE FROM copy WHERE v > 0"));
        Assert.Equal(["0"], await db.RowsAsync("SELECT COUNT(*) FROM copy"));
    }

    [Fact]
    public async Task Update_1000Rows_FailingRow_ChangesNothing()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id NUMBER, v NUMBER, d MAP, PRIMARY KEY (id))");
        await db.ExecAsync("INSERT INTO t (id, v) VALUES " + Values(0, 1000, i => $"({i}, {i})"));
        // Rows 0..998 get a map; row 999 has none, so SET d.x fails inside Core for that row only: no row changes.
        var map = AttributeValue.FromMap([new KeyValuePair<string, AttributeValue>("x", AttributeValue.FromNumber(0))]);
        Assert.Equal(999, await db.ExecAsync("UPDATE t SET d = @map WHERE id < 999", new { map }));
        Assert.Equal(999, await db.ExecAsync("UPDATE t SET d.x = 1 WHERE id < 999"));
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("UPDATE t SET v = 0, d.x = 1"));
        Assert.Equal(SqlErrorCode.WriteFailed, ex.SqlCode);
        Assert.Equal(["499500|999"], await db.RowsAsync("SELECT SUM(v), SUM(d.x) FROM t"));
    }

    [Fact]
    public async Task Statement_OverTheRowLimit_IsRejectedBeforeWriting()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE n (id NUMBER, PRIMARY KEY (id)); CREATE TABLE big (id NUMBER, PRIMARY KEY (id))");
        await db.ExecAsync("INSERT INTO n (id) VALUES " + Values(0, 1001, i => $"({i})"));
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync("INSERT INTO big (id) SELECT a.id * 1001 + b.id FROM n a CROSS JOIN n b"));
        Assert.Equal(SqlErrorCode.LimitExceeded, ex.SqlCode);
        Assert.Equal("INSERT INTO big changes 1002001 rows; one statement may change at most 1000000 rows (it is applied as one atomic Core transaction); nothing was changed", ex.Message);
        Assert.Equal(["0"], await db.RowsAsync("SELECT COUNT(*) FROM big"));
    }
}
