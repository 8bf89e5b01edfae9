using System.Globalization;
using System.Text;

namespace KvDb.Sql.Tests.Execution;

/// <summary>
/// Large all-literal INSERT ... VALUES texts are read without an AST (BulkValuesReader); anything else in such a text
/// falls back to the parser. Each case runs the same rows once as one large text and once as small statements (which
/// always take the parser), and the two databases must hold the same rows, or fail with the same error and hold none.
/// </summary>
public sealed class BulkInsertTests
{
    private const string Create = "CREATE TABLE t (id NUMBER, name STRING, score NUMBER, ok BOOLEAN, PRIMARY KEY (id))";

    /// <summary>Enough rows to pass the reader's 4096-character threshold several times over.</summary>
    private static List<string> Rows(int count, Func<int, string>? row = null) =>
        [.. Enumerable.Range(0, count).Select(row ?? (i => string.Create(CultureInfo.InvariantCulture, $"({i}, 'n''{i}', {i * 0.5m}, {(i % 3 == 0 ? "TRUE" : i % 3 == 1 ? "FALSE" : "NULL")})")))];

    private static string Insert(IEnumerable<string> rows, string columns = "(id, name, score, ok)", string table = "t") =>
        $"INSERT INTO {table} {columns} VALUES " + string.Join(",\n  ", rows);

    private static async Task<(List<string> Rows, string? Error)> RunAsync(Func<KvDatabase, Task> load, string table = "t")
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Create);
        string? error = null;
        try
        {
            await load(db);
        }
        catch (SqlException e)
        {
            error = e.SqlCode + ": " + e.Message;
        }

        return (await db.RowsAsync($"SELECT * FROM {table} ORDER BY 1"), error);
    }

    /// <summary>The rows as one statement per 20 rows, all in one transaction: the same atomicity as one large statement.</summary>
    private static async Task InsertAsSmallStatementsAsync(KvDatabase db, IReadOnlyList<string> rows, string columns)
    {
        var session = db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        for (var i = 0; i < rows.Count; i += 20)
        {
            await session.ExecuteAsync(Insert(rows.Skip(i).Take(20), columns));
        }

        await session.ExecuteAsync("COMMIT");
    }

    private static async Task AssertSameAsSmallStatementsAsync(IReadOnlyList<string> rows, string? expectError = null, string columns = "(id, name, score, ok)")
    {
        var text = Insert(rows, columns);
        Assert.True(text.Length > 4096);
        var big = await RunAsync(db => db.ExecAsync(text));
        var small = await RunAsync(db => InsertAsSmallStatementsAsync(db, rows, columns));
        Assert.Equal(small.Rows, big.Rows);
        if (expectError is null)
        {
            Assert.Null(big.Error);
            Assert.Equal(rows.Count, big.Rows.Count);
        }
        else
        {
            Assert.NotNull(big.Error);
            Assert.Contains(expectError, big.Error, StringComparison.Ordinal);
            Assert.Empty(big.Rows);
        }
    }

    [Fact]
    public Task PlainLiterals_AreStoredExactly() => AssertSameAsSmallStatementsAsync(Rows(500));

    [Fact]
    public async Task RandomTexts_GiveTheSameRowsOrErrorsAsSmallStatements()
    {
        // Random mixes of what the reader takes (numbers of every form, negative ones, escaped strings, booleans,
        // NULL) and what it must hand to the parser (expressions, comments, nested minus, bad numbers, wrong widths,
        // repeated keys, wrong types), each compared with the same rows inserted by small statements.
        var random = new Random(20261122);
        var faulty = false; // rounds 1 and 3 of every 4 may hold errors (a bad number, a wrong width or type, a repeated key)
        var expressions = false; // rounds 2 and 3 of every 4 may hold values only the parser takes
        bool Rare(int oneIn) => random.Next(oneIn) == 0;
        string Value(int column, int id) => column switch
        {
            0 => faulty && Rare(300) ? "'dup'" : faulty && Rare(300) ? "7" : id.ToString(CultureInfo.InvariantCulture),
            1 => random.Next(8) switch
            {
                0 when faulty && Rare(200) => "42", // a number for a STRING column
                0 => "NULL",
                1 => "'it''s " + id.ToString(CultureInfo.InvariantCulture) + "'",
                2 => "'é\n" + id.ToString(CultureInfo.InvariantCulture) + "'",
                3 when expressions && Rare(10) => "'a' || 'b'",
                _ => "'n" + id.ToString(CultureInfo.InvariantCulture) + "'",
            },
            2 => random.Next(12) switch
            {
                0 => "-" + random.Next(1000).ToString(CultureInfo.InvariantCulture),
                1 => "1.5e3",
                2 => "-0.25",
                3 => ".5",
                4 when expressions && Rare(8) => "- -3",
                5 when faulty && Rare(60) => "1e999",
                6 when expressions && Rare(8) => "2 * 3",
                7 => "NULL",
                _ => random.Next(100_000).ToString(CultureInfo.InvariantCulture),
            },
            _ => random.Next(6) switch
            {
                0 => "TRUE",
                1 => "FALSE",
                2 => "NULL",
                3 when Rare(10) => "/* c */ TRUE",
                4 when faulty && Rare(100) => "1",
                _ => "true",
            },
        };

        var succeeded = 0;
        for (var round = 0; round < 16; round++)
        {
            (faulty, expressions) = (round % 2 == 1, round % 4 >= 2);
            var rows = new List<string>();
            for (var id = 0; id < 250; id++)
            {
                var width = faulty && Rare(400) ? 3 : 4;
                rows.Add("(" + string.Join(", ", Enumerable.Range(0, width).Select(c => Value(c, id + (round * 1000)))) + ")");
            }

            var text = Insert(rows);
            var big = await RunAsync(db => db.ExecAsync(text));
            var small = await RunAsync(db => InsertAsSmallStatementsAsync(db, rows, "(id, name, score, ok)"));
            Assert.Equal(small.Rows, big.Rows);
            Assert.Equal(small.Error is null, big.Error is null);
            if (big.Error is null)
            {
                Assert.Equal(rows.Count, big.Rows.Count);
                succeeded++;
            }
            else
            {
                Assert.Empty(big.Rows);
            }
        }

        Assert.InRange(succeeded, 8, 15); // every clean round, and not every faulty one
    }

    [Fact]
    public Task ExpressionsAndComments_FallBackToTheParser() =>
        AssertSameAsSmallStatementsAsync([.. Rows(300), "(1000, 'x' || 'y', - -2.5, NOT FALSE)", "(1001, /* a comment */ 'z', 1 + 1, TRUE)", "(1002, 'w', -(3), NULL)"]);

    [Fact]
    public Task NegativeNumbers_AndNoColumnList_AreStoredExactly() =>
        AssertSameAsSmallStatementsAsync(
            Rows(400, i => string.Create(CultureInfo.InvariantCulture, $"(-{i + 1}, 'n{i}', -{i}.25e-3, {(i % 2 == 0 ? "TRUE" : "FALSE")})")), columns: "");

    [Fact]
    public Task NoColumnList_RowOfAnotherWidth_FailsAndStoresNothing() =>
        AssertSameAsSmallStatementsAsync([.. Rows(300), "(9999, 'short', 1)"], expectError: "a row has 3 value(s)", columns: "");

    [Fact]
    public Task ColumnsInAnotherOrder_AndQuotedNames_Work() =>
        AssertSameAsSmallStatementsAsync(Rows(300, i => string.Create(CultureInfo.InvariantCulture, $"('s{i}', {i})")), columns: "(\"name\", id)");

    [Fact]
    public Task DuplicateKey_FailsAndStoresNothing() =>
        AssertSameAsSmallStatementsAsync([.. Rows(300), "(7, 'again', 1, TRUE)"], expectError: "7");

    [Fact]
    public Task RowOfAnotherWidth_FailsAndStoresNothing() =>
        AssertSameAsSmallStatementsAsync([.. Rows(300), "(9999, 'short')"], expectError: "a row has 2 value(s)");

    [Theory]
    [InlineData("(9999, 42, 1, TRUE)", "column 't.name' is STRING")]
    [InlineData("(9999, 'x', 'one', TRUE)", "column 't.score' is NUMBER")]
    [InlineData("(9999, 'x', 1, 1)", "column 't.ok' is BOOLEAN")]
    [InlineData("(9999, TRUE, 1, TRUE)", "column 't.name' is STRING")]
    [InlineData("(NULL, 'x', 1, TRUE)", "'t.id' must not be NULL")]
    [InlineData("(TRUE, 'x', 1, TRUE)", "column 't.id' is NUMBER")]
    public async Task WrongTypes_GiveTheSmallStatementsError(string badRow, string expected)
    {
        // The error of the bad row (here the 201st) is exactly the one the parser's path gives, and nothing is stored.
        var rows = Rows(400);
        rows.Insert(200, badRow);
        var text = Insert(rows);
        var big = await RunAsync(db => db.ExecAsync(text));
        var small = await RunAsync(db => InsertAsSmallStatementsAsync(db, rows, "(id, name, score, ok)"));
        Assert.Contains(expected, big.Error, StringComparison.Ordinal);
        Assert.Equal(small.Error, big.Error);
        Assert.Empty(big.Rows);
    }

    [Fact]
    public async Task UntypedColumns_TakeEveryLiteral_ButTheKeyOnlyItsType()
    {
        // An undeclared column of a table created outside SQL takes any literal; its key column takes its Core key type only.
        await using var db = KvDatabase.OpenInMemory();
        await db.CreateTableAsync("ext", new KeyAttribute("k", ScalarType.Number));
        var rows = Enumerable.Range(0, 300).Select(i => string.Create(CultureInfo.InvariantCulture, $"({i}, {(i % 3 == 0 ? "TRUE" : i % 3 == 1 ? "'s'" : "2.5")})")).ToList();
        Assert.Equal(300, await db.ExecAsync(Insert(rows, "(k, v)", "ext")));
        Assert.Equal(["300|100"], await db.RowsAsync("SELECT COUNT(*), COUNT(CASE WHEN v = TRUE THEN 1 END) FROM ext"));
        var keyed = Enumerable.Range(0, 300).Select(i => i == 150 ? "(FALSE, 1)" : string.Create(CultureInfo.InvariantCulture, $"({2000 + i}, 1)"));
        var error = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync(Insert(keyed, "(k, v)", "ext")));
        Assert.Contains("ext.k", error.Message, StringComparison.Ordinal);
        Assert.Equal(["300"], await db.RowsAsync("SELECT COUNT(*) FROM ext"));
    }

    [Fact]
    public Task WrongType_FailsAndStoresNothing() =>
        AssertSameAsSmallStatementsAsync([.. Rows(300), "('text-id', 'x', 1, TRUE)"], expectError: "t.id");

    [Fact]
    public async Task SyntaxErrorAfterManyRows_ReportsItsPosition_AndStoresNothing()
    {
        var text = Insert(Rows(400)) + ",\n  (5000, 'x', 1, TRUE))";
        var (rows, error) = await RunAsync(db => db.ExecAsync(text));
        Assert.Empty(rows);
        Assert.NotNull(error);
        Assert.Contains("line 401", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadNumber_IsTheParserError()
    {
        var text = Insert([.. Rows(300), "(1e999, 'x', 1, TRUE)"]);
        var (rows, error) = await RunAsync(db => db.ExecAsync(text));
        Assert.Empty(rows);
        Assert.Contains("Invalid number 1e999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowedByAnotherStatement_RunsBoth()
    {
        var text = Insert(Rows(300)) + "; INSERT INTO t (id) VALUES (-1)";
        var (rows, error) = await RunAsync(db => db.ExecAsync(text));
        Assert.Null(error);
        Assert.Equal(301, rows.Count);
        Assert.StartsWith("-1|", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task InsideATransaction_RollsBackWithIt()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Create);
        var session = db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        Assert.Equal(300, (await session.ExecuteAsync(Insert(Rows(300)) + ";")).RowsAffected);
        Assert.Equal(["300"], (await (await session.ExecuteAsync("SELECT COUNT(*) FROM t")).ToListAsync()).Select(SqlTestHelpers.Render));
        await session.ExecuteAsync("ROLLBACK");
        Assert.Equal(["0"], await db.RowsAsync("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task MoreRowsThanOneTransactionHolds_IsALimitError_AndStoresNothing()
    {
        // Streamed rows are counted as they are read: the 1,000,001st stops the statement before anything is written.
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id NUMBER, PRIMARY KEY (id))");
        var text = new StringBuilder("INSERT INTO t (id) VALUES (0)", 12_000_000);
        for (var i = 1; i <= 1_000_000; i++)
        {
            text.Append(",(").Append(i).Append(')');
        }

        var ex = await Assert.ThrowsAsync<SqlException>(() => db.ExecAsync(text.ToString()));
        Assert.Equal(SqlErrorCode.LimitExceeded, ex.SqlCode);
        Assert.StartsWith("INSERT INTO t changes more than 1000000 rows; one statement may change at most 1000000 rows", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["0"], await db.RowsAsync("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task HashDbStyleTable_GetsGeneratedIds()
    {
        await using var db = KvDatabase.OpenInMemory();
        var text = Insert(Rows(300, i => string.Create(CultureInfo.InvariantCulture, $"('p{i}', {i})")), "(name, age)", "people");
        Assert.Equal(300, await db.ExecAsync(text));
        var rows = await db.RowsAsync("SELECT id, name FROM people ORDER BY id");
        Assert.Equal(300, rows.Count);
        Assert.Equal(300, rows.Select(r => r.Split('|')[0]).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "p" + i).Order(StringComparer.Ordinal), rows.Select(r => r.Split('|')[1]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MaterializedJoins_SeeBulkInserts()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE a (id NUMBER, b NUMBER, PRIMARY KEY (id))");
        await db.ExecAsync("CREATE TABLE b (id NUMBER, label STRING, PRIMARY KEY (id))");
        await db.ExecAsync("create join inner join b on a.b = b.id");
        var text = new StringBuilder("INSERT INTO a (id, b) VALUES ");
        text.AppendJoin(", ", Enumerable.Range(0, 600).Select(i => string.Create(CultureInfo.InvariantCulture, $"({i}, {i % 3})")));
        await db.ExecAsync(text.ToString());
        await db.ExecAsync("INSERT INTO b (id, label) VALUES (0, 'zero'), (1, 'one')");
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await db.RowsAsync("SELECT COUNT(*) FROM a INNER JOIN b ON a.b = b.id") is ["400"])
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("The materialized join did not reach 400 rows.");
    }
}
