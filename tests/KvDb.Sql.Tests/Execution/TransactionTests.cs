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
        // Not visible before COMMIT, to others and to the session itself.
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
        var twice = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("BEGIN; UPDATE acct SET bal = 5 WHERE id = 'a'; DELETE FROM acct WHERE id = 'a'; COMMIT"));
        Assert.Contains("may change each row once", twice.Message, StringComparison.Ordinal);
        var nested = await Assert.ThrowsAsync<SqlException>(() => _db.ExecAsync("BEGIN; BEGIN"));
        Assert.Equal(SqlErrorCode.TransactionState, nested.SqlCode);
    }
}
