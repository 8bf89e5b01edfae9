using System.Text.Json;
using KvDb.Server.Cli;

namespace KvDb.Server.Tests.Cli;

/// <summary>The kvdb commands, run in-process with captured output.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kvdb-cli-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Out, string Err)> RunWithInputAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var code = await KvdbCli.RunAsync(args, new CliConsole(output, error, reader, interactive: false), CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    [Fact]
    public async Task Demo_RunsHashDbScenario_WithCorrectResults()
    {
        var (code, output, error) = await RunAsync("demo", "--data", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("people-100-2020-06-01 | friends-2020-06-01 | 1, 2, 3", output, StringComparison.Ordinal);
        Assert.Contains("(8 items)", output, StringComparison.Ordinal);
        Assert.Contains("1000  | Simon       | Tree", output, StringComparison.Ordinal);
        Assert.Contains("(7 rows)", output, StringComparison.Ordinal);
        Assert.Contains("Samuel     | Tasya      | Thoughts  | John", output, StringComparison.Ordinal);
        Assert.Contains("""{"name":"Sam Squire","age":32,"score":9.5""", output, StringComparison.Ordinal);
        Assert.Contains("1  | Sam Squire", output, StringComparison.Ordinal);
        // The data stays, in the layout the server uses: a second run starts over cleanly.
        var (again, output2, _) = await RunAsync("demo", "--data", _dir);
        Assert.Equal(0, again);
        Assert.Contains("removing table", output2, StringComparison.Ordinal);
        Assert.Contains("(7 rows)", output2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_And_Cypher_AgainstADataDirectory_PrintAlignedTables()
    {
        Assert.Equal(0, (await RunAsync("sql", "insert into people (name, age) values ('Ann', 31), ('Bob', 4)", "--data", _dir)).Code);
        var (code, output, _) = await RunAsync("sql", "select name, age from people where age > @min order by name", "--data", _dir, "--params", """{"min": 1}""");
        Assert.Equal(0, code);
        Assert.Equal("name | age\n-----+----\nAnn  | 31\nBob  | 4\n(2 rows)\n", output.ReplaceLineEndings("\n"));
        var (c2, cypher, _) = await RunAsync("cypher", "CREATE (a:P {n: 1}) RETURN a.n AS n, 2.0 AS f", "--data", _dir, "--graph", "g");
        Assert.Equal(0, c2);
        Assert.StartsWith("n | f\n--+----\n1 | 2.0\n(1 row)\n", cypher.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_AgainstAServerUrl_AndErrorsNameThePosition()
    {
        await using var server = await TestServer.StartAsync();
        var url = server.Address.ToString();
        Assert.Equal(0, (await RunAsync("sql", "insert into t (x) values (1)", "--url", url)).Code);
        var (code, output, _) = await RunAsync("sql", "select x from t", "--url", url);
        Assert.Equal(0, code);
        Assert.Contains("x\n-\n1\n(1 row)", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var (bad, _, error) = await RunAsync("sql", "select * frm t", "--url", url);
        Assert.Equal(1, bad);
        Assert.Contains("error: SyntaxError (Syntax) at line 1, column 10", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "nope" }, "unknown command 'nope'")]
    [InlineData(new[] { "sql" }, "missing argument")]
    [InlineData(new[] { "sql", "select 1", "--dta", "x" }, "unknown option --dta")]
    [InlineData(new[] { "serve", "--port", "99999" }, "--port must be a whole number from 0 to 65535")]
    [InlineData(new[] { "serve", "--durability", "sometimes" }, "--durability must be fsync, osbuffered or none, not \"sometimes\"")]
    [InlineData(new[] { "serve", "--in-memory", "--durability", "none" }, "--durability applies to a data directory")]
    [InlineData(new[] { "sql", "select 1", "--url", "ftp://x" }, "--url must be an http://")]
    [InlineData(new[] { "sql", "select 1", "--params", "{bad" }, "--params is not valid JSON")]
    [InlineData(new[] { "cluster", "explode" }, "unknown subcommand 'explode'")]
    public async Task BadCommandLines_ExitWith2_AndSayWhatIsWrong(string[] args, string message)
    {
        var (code, _, error) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_MultiLineStatements_BothLanguages_Timing_History()
    {
        var history = Path.Combine(_dir, "history");
        Directory.CreateDirectory(_dir);
        const string Input = """
            insert into t (a, b)
              values (1, 'x');
            \timing
            select a,
                   b from t;
            match (n) return count(n) as c;
            \timing
            select nope from;
            \history
            \q
            """;
        var (code, output, _) = await RunWithInputAsync(Input, "shell", "--data", Path.Combine(_dir, "db"), "--history", history);
        Assert.Equal(0, code);
        var text = output.ReplaceLineEndings("\n");
        Assert.Contains("1 row affected", text, StringComparison.Ordinal);
        Assert.Contains("a | b\n--+--\n1 | x\n(1 row)\n", text, StringComparison.Ordinal);
        Assert.Contains("ms (sql)", text, StringComparison.Ordinal);
        Assert.Contains("c\n-\n0\n(1 row)\n", text, StringComparison.Ordinal);
        Assert.Contains("ms (cypher)", text, StringComparison.Ordinal);
        Assert.Contains("error: SyntaxError", text, StringComparison.Ordinal);
        Assert.Contains("select a,        b from t", text, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(history).Length);
    }

    [Fact]
    public void Shell_DetectsCypher()
    {
        Assert.True(ShellCommand.IsCypher("MATCH (n) RETURN n"));
        Assert.True(ShellCommand.IsCypher("  create (a:X)"));
        Assert.False(ShellCommand.IsCypher("CREATE TABLE t (a NUMBER, PRIMARY KEY (a))"));
        Assert.False(ShellCommand.IsCypher("select 1"));
    }

    [Fact]
    public async Task ImportExport_JsonLinesAndCsv_RoundTrip()
    {
        Directory.CreateDirectory(_dir);
        var db = Path.Combine(_dir, "db");
        var jsonl = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(jsonl, Enumerable.Range(1, 60).Select(i => "{\"id\": " + i + ", \"name\": \"n" + i + "\", \"tags\": [\"a\", \"b\"], \"m\": {\"x\": " + i + ".5}}"));
        var (code, output, error) = await RunAsync("import", jsonl, "--table", "things", "--pk", "id:N", "--data", db);
        Assert.True(code == 0, error);
        Assert.Contains("imported 60 items", output, StringComparison.Ordinal);
        Assert.Contains("100%", error, StringComparison.Ordinal);
        var csv = Path.Combine(_dir, "out.csv");
        Assert.Equal(0, (await RunAsync("export", csv, "--table", "things", "--data", db)).Code);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("id,name,tags,m", lines[0]);
        Assert.Equal(61, lines.Length);
        Assert.Contains("7,n7,\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"x\"\":7.5}\"", lines);
        // CSV back in: numbers stay numbers, quoted commas survive.
        var csvIn = Path.Combine(_dir, "in.csv");
        File.WriteAllText(csvIn, "k,v,n\n\"a,1\",\"he said \"\"hi\"\"\",3\nb,,4.25\n");
        Assert.Equal(0, (await RunAsync("import", csvIn, "--table", "c", "--pk", "k", "--data", db)).Code);
        var jsonOut = Path.Combine(_dir, "c.jsonl");
        Assert.Equal(0, (await RunAsync("export", jsonOut, "--table", "c", "--data", db)).Code);
        var items = File.ReadAllLines(jsonOut).Select(l => JsonDocument.Parse(l).RootElement).OrderBy(e => e.GetProperty("k").GetString()).ToList();
        Assert.Equal("he said \"hi\"", items[0].GetProperty("v").GetString());
        Assert.Equal(3, items[0].GetProperty("n").GetInt32());
        Assert.False(items[1].TryGetProperty("v", out _));
        Assert.Equal(4.25m, items[1].GetProperty("n").GetDecimal());
        // A bad line is named.
        File.WriteAllText(jsonl, "{\"id\": 1}\n{\"id\": \n");
        var (bad, _, badError) = await RunAsync("import", jsonl, "--table", "things", "--data", db);
        Assert.Equal(2, bad);
        Assert.Contains("line 2", badError, StringComparison.Ordinal);
    }
}
