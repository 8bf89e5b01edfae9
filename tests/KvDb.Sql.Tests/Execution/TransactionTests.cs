namespace KvDb.Sql.Tests.Execution;

public sealed class TransactionTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public Task InitializeAsync() => _db.ExecAsync("CREATE TABLE acct (id STRING, bal NUMBER, PRIMARY KEY (id)); INSERT INTO acct (id, bal) VALUES ('a', 100), ('b', 0)");

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Commit_AppliesAllStatementsAtOnce()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        Assert.True(session.InTransaction);
        await session.ExecuteAsync("UPDATE acct SET bal = bal - 30 WHERE id = 'a'");
        await session.ExecuteAsync("UPDATE acct SET bal = bal + 30 WHERE id = 'b'");
        await session.ExecuteAsync("INSERT INTO acct (id, bal) VALUES ('c', 1)");
        // Not visible to others before COMMIT.
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
        var commit = await session.ExecuteAsync("COMMIT");
        Assert.Equal(3, commit.RowsAffected);
        Assert.False(session.InTransaction);
        Assert.Equal(["a|70", "b|30", "c|1"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    [Fact]
    public async Task Rollback_DiscardsEverything()
    {
        await _db.ExecAsync("BEGIN; DELETE FROM acct; ROLLBACK");
        Assert.Equal(["2"], await _db.RowsAsync("SELECT COUNT(*) FROM acct"));
    }

    [Fact]
    public async Task Commit_Conflict_AppliesNothing()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN; UPDATE acct SET bal = 1 WHERE id = 'a'; INSERT INTO acct (id, bal) VALUES ('z', 5)");
        await _db.ExecAsync("INSERT INTO acct (id, bal) VALUES ('z', 9)");
        var ex = await Assert.ThrowsAsync<SqlException>(() => session.ExecuteAsync("COMMIT").AsTask());
        Assert.Equal(SqlErrorCode.WriteFailed, ex.SqlCode);
        Assert.Equal(["a|100", "b|0", "z|9"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    [Fact]
    public async Task StateErrors_AreReported()
    {
        var commit = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("COMMIT"));
        Assert.Equal(SqlErrorCode.TransactionState, commit.SqlCode);
        var open = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("BEGIN; UPDATE acct SET bal = 5"));
        Assert.Equal(SqlErrorCode.TransactionState, open.SqlCode);
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
        var duplicate = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("BEGIN; INSERT INTO acct (id, bal) VALUES ('x', 1); INSERT INTO acct (id, bal) VALUES ('a', 1); COMMIT"));
        Assert.Equal(SqlErrorCode.WriteFailed, duplicate.SqlCode);
        Assert.Equal("INSERT INTO acct failed: duplicate key (\"a\"); the transaction was rolled back", duplicate.Message);
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
        var nested = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("BEGIN; BEGIN"));
        Assert.Equal(SqlErrorCode.TransactionState, nested.SqlCode);
    }

    [Fact]
    public async Task ReadYourWrites_InsertUpdateDelete_VisibleInTheSessionOnly()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN; INSERT INTO acct (id, bal) VALUES ('c', 7)");
        Assert.Equal(["a|100", "b|0", "c|7"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        Assert.Equal(["7"], await RowsAsync(session, "SELECT bal FROM acct WHERE id = 'c'"));
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));

        await session.ExecuteAsync("UPDATE acct SET bal = bal * 2 WHERE bal > 5");
        Assert.Equal(["a|200", "b|0", "c|14"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        await session.ExecuteAsync("DELETE FROM acct WHERE id = 'a'");
        Assert.Equal(["b|0", "c|14"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        Assert.Empty(await RowsAsync(session, "SELECT bal FROM acct WHERE id = 'a'"));
        Assert.Equal(["2|14"], await RowsAsync(session, "SELECT COUNT(*), SUM(bal) FROM acct"));

        // A deleted key can be inserted again; an inserted row can be deleted again.
        await session.ExecuteAsync("INSERT INTO acct (id, bal) VALUES ('a', 1), ('d', 4); DELETE FROM acct WHERE id = 'd'");
        Assert.Equal(["a|1", "b|0", "c|14"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));

        var commit = await session.ExecuteAsync("COMMIT");
        Assert.Equal(3, commit.RowsAffected);
        Assert.Equal(["a|1", "b|0", "c|14"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    [Fact]
    public async Task ReadYourWrites_Rollback_DiscardsThePendingRows()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN; INSERT INTO acct (id, bal) VALUES ('c', 7); UPDATE acct SET bal = 0 WHERE id = 'a'");
        Assert.Equal(["a|0", "b|0", "c|7"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        await session.ExecuteAsync("ROLLBACK");
        Assert.Equal(["a|100", "b|0"], await RowsAsync(session, "SELECT id, bal FROM acct ORDER BY id"));
        Assert.Equal(["a|100", "b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    [Fact]
    public async Task ReadYourWrites_KeyedAccessJoinsAndSubqueries_SeePendingRows()
    {
        await _db.ExecAsync("""
            CREATE TABLE ev (acct STRING, at NUMBER, amount NUMBER, PRIMARY KEY (acct, at));
            CREATE TABLE tag (id STRING, acct STRING, PRIMARY KEY (id));
            CREATE INDEX by_acct ON tag (acct);
            INSERT INTO ev (acct, at, amount) VALUES ('a', 1, 10), ('a', 2, 20), ('b', 1, 5);
            INSERT INTO tag (id, acct) VALUES ('t1', 'a')
            """);
        var session = _db.SqlSession();
        await session.ExecuteAsync("""
            BEGIN;
            INSERT INTO ev (acct, at, amount) VALUES ('a', 3, 30), ('c', 1, 1);
            DELETE FROM ev WHERE acct = 'a' AND at = 1;
            UPDATE ev SET amount = 6 WHERE acct = 'b' AND at = 1;
            INSERT INTO tag (id, acct) VALUES ('t2', 'b'), ('t3', 'a');
            INSERT INTO acct (id, bal) VALUES ('c', 3)
            """);
        // Point read, partition query with a sort-key range, index query.
        Assert.Equal(["6"], await RowsAsync(session, "SELECT amount FROM ev WHERE acct = 'b' AND at = 1"));
        Assert.Empty(await RowsAsync(session, "SELECT amount FROM ev WHERE acct = 'a' AND at = 1"));
        Assert.Equal(["2|20", "3|30"], await RowsAsync(session, "SELECT at, amount FROM ev WHERE acct = 'a' AND at >= 1 ORDER BY at"));
        Assert.Equal(["t1", "t3"], await RowsAsync(session, "SELECT id FROM tag WHERE acct = 'a' ORDER BY id"));
        Assert.Contains("IndexQuery", string.Join("\n", await RowsAsync(session, "EXPLAIN SELECT id FROM tag WHERE acct = 'a'")), StringComparison.Ordinal);
        // Joins (hash and lookup) and subqueries.
        Assert.Equal(["a|2|20", "a|3|30", "b|1|6", "c|1|1"], await RowsAsync(session, "SELECT acct.id, ev.at, ev.amount FROM ev JOIN acct ON acct.id = ev.acct ORDER BY 1, 2"));
        Assert.Equal(["t1|100", "t2|0", "t3|100"], await RowsAsync(session, "SELECT tag.id, acct.bal FROM tag JOIN acct ON acct.id = tag.acct ORDER BY 1"));
        Assert.Equal(["c"], await RowsAsync(session, "SELECT id FROM acct WHERE id IN (SELECT acct FROM ev WHERE amount = 1)"));
        // INSERT ... SELECT reads the pending rows too.
        await session.ExecuteAsync("INSERT INTO tag (id, acct) SELECT 'x' || acct, acct FROM ev WHERE at = 1");
        Assert.Equal(["t1", "t2", "t3", "xb", "xc"], await RowsAsync(session, "SELECT id FROM tag ORDER BY id"));
        Assert.Equal(["t1"], await _db.RowsAsync("SELECT id FROM tag ORDER BY id"));
        await session.ExecuteAsync("COMMIT");
        Assert.Equal(["t1", "t2", "t3", "xb", "xc"], await _db.RowsAsync("SELECT id FROM tag ORDER BY id"));
        Assert.Equal(["a|2|20", "a|3|30", "b|1|6", "c|1|1"], await _db.RowsAsync("SELECT acct, at, amount FROM ev ORDER BY 1, 2"));
    }

    [Fact]
    public async Task Commit_RowDeletedMeanwhile_AppliesNothing()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN; UPDATE acct SET bal = 1 WHERE id = 'a'; INSERT INTO acct (id, bal) VALUES ('z', 5)");
        await _db.ExecAsync("DELETE FROM acct WHERE id = 'a'");
        var ex = await Assert.ThrowsAsync<SqlException>(() => session.ExecuteAsync("COMMIT").AsTask());
        Assert.Equal("COMMIT failed: row (\"a\") of acct was deleted by another writer meanwhile; the transaction was rolled back, nothing was changed", ex.Message);
        Assert.Equal(["b|0"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    [Fact]
    public async Task Transaction_MoreThan100Rows_IsOneAtomicCommit()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        for (var start = 0; start < 300; start += 100)
        {
            await session.ExecuteAsync("INSERT INTO acct (id, bal) VALUES " + string.Join(", ", Enumerable.Range(start, 100).Select(i => $"('k{i:D3}', {i})")));
        }

        await session.ExecuteAsync("UPDATE acct SET bal = bal + 1 WHERE id LIKE 'k%'");
        Assert.Equal(["302|45250"], await RowsAsync(session, "SELECT COUNT(*), SUM(bal) FROM acct"));
        Assert.Equal(["2"], await _db.RowsAsync("SELECT COUNT(*) FROM acct"));
        var commit = await session.ExecuteAsync("COMMIT");
        Assert.Equal(300, commit.RowsAffected);
        Assert.Equal(["302|45250"], await _db.RowsAsync("SELECT COUNT(*), SUM(bal) FROM acct"));
    }

    [Fact]
    public async Task Commit_OnlyInserts_KeyInsertedMeanwhile_AppliesNothing()
    {
        // Only inserts into one table: COMMIT is a Core bulk insert, with the transaction's message and atomicity.
        await _db.ExecAsync("CREATE TABLE other (id NUMBER, PRIMARY KEY (id))");
        foreach (var alsoOther in new[] { false, true })
        {
            var session = _db.SqlSession();
            await session.ExecuteAsync("BEGIN");
            for (var i = 0; i < 50; i++)
            {
                await session.ExecuteAsync("INSERT INTO acct (id, bal) VALUES (@id, @bal)", new Dictionary<string, object?> { ["id"] = $"n{i:D2}", ["bal"] = i });
            }

            await session.ExecuteAsync("UPDATE acct SET bal = bal * 2 WHERE id = 'n07'"); // still an inserted row
            if (alsoOther)
            {
                await session.ExecuteAsync("INSERT INTO other (id) VALUES (1)"); // two tables: a Core transaction instead
            }

            await _db.ExecAsync("INSERT INTO acct (id, bal) VALUES ('n31', -1)");
            var ex = await Assert.ThrowsAsync<SqlException>(() => session.ExecuteAsync("COMMIT").AsTask());
            Assert.Equal("COMMIT failed: INSERT INTO acct: duplicate key (\"n31\") (inserted by another writer meanwhile); the transaction was rolled back, nothing was changed", ex.Message);
            Assert.Equal(["3|99"], await _db.RowsAsync("SELECT COUNT(*), SUM(bal) FROM acct"));
            Assert.Equal(["0"], await _db.RowsAsync("SELECT COUNT(*) FROM other"));
            await _db.ExecAsync("DELETE FROM acct WHERE id = 'n31'");
        }

        var ok = _db.SqlSession();
        await ok.ExecuteAsync("BEGIN; INSERT INTO acct (id, bal) VALUES ('p', 1), ('q', 2); INSERT INTO acct (id, bal) VALUES ('r', 3)");
        await ok.ExecuteAsync("COMMIT");
        Assert.Equal(["a|100", "b|0", "p|1", "q|2", "r|3"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));

        // Inserted and deleted again in the transaction: not written (and not a plain insert-only COMMIT).
        await ok.ExecuteAsync("BEGIN; INSERT INTO acct (id, bal) VALUES ('s', 1), ('t', 2); DELETE FROM acct WHERE id = 's'; COMMIT");
        Assert.Equal(["a|100", "b|0", "p|1", "q|2", "r|3", "t|2"], await _db.RowsAsync("SELECT id, bal FROM acct ORDER BY id"));
    }

    private static async Task<List<string>> RowsAsync(SqlSession session, string sql)
    {
        var result = await session.ExecuteAsync(sql);
        return [.. (await result.ToListAsync()).Select(SqlTestHelpers.Render)];
    }
}
