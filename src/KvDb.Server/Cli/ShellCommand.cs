using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using KvDb.Server.Http;

namespace KvDb.Server.Cli;

/// <summary>
/// <c>kvdb shell</c>: an interactive SQL and Cypher prompt. A statement may span lines and ends with <c>;</c>.
/// The language is detected per statement (MATCH, MERGE, UNWIND, RETURN, OPTIONAL MATCH, <c>CREATE (</c> ... are
/// Cypher) unless fixed with <c>\sql</c> or <c>\cypher</c>; <c>\timing</c> prints each statement's time;
/// statements are appended to a history file (<c>~/.kvdb_history</c>) that <c>\history</c> lists.
/// </summary>
internal static partial class ShellCommand
{
    private const string Help = """
        Statements end with ';' and may span lines. Commands:
          \sql      run statements as SQL          \cypher   run statements as Cypher
          \auto     detect the language (default)   \graph NAME  the Cypher graph (default: default)
          \timing   print each statement's time     \history  the last 20 statements
          \help     this text                       \q        quit
        """;

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb shell", args, ["data", "url", "api-key", "history"]);
        a.ExpectPositional(0, 0, "kvdb shell [--data DIR | --url URL] [--history FILE]");
        var historyPath = a.Value("history") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kvdb_history");
        await using var target = QueryTarget.Open(a);
        var o = console.Out;
        o.WriteLine($"kvdb shell on {target.Description}. Statements end with ';'. \\help for commands, \\q to quit.");
        string? mode = null;
        string? graph = null;
        var timing = false;
        var buffer = new StringBuilder();
        while (!ct.IsCancellationRequested)
        {
            if (console.Interactive)
            {
                o.Write(buffer.Length == 0 ? (mode ?? "kvdb") + "> " : "   -> ");
            }

            var line = await console.In.ReadLineAsync(ct);
            if (line is null)
            {
                break;
            }

            var trimmed = line.Trim();
            if (buffer.Length == 0 && trimmed.StartsWith('\\'))
            {
                var parts = trimmed.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                switch (parts[0])
                {
                    case "\\q" or "\\quit":
                        return 0;
                    case "\\timing":
                        timing = !timing;
                        o.WriteLine("timing " + (timing ? "on" : "off"));
                        break;
                    case "\\sql":
                        mode = "sql";
                        o.WriteLine("statements run as SQL");
                        break;
                    case "\\cypher":
                        mode = "cypher";
                        o.WriteLine("statements run as Cypher");
                        break;
                    case "\\auto":
                        mode = null;
                        o.WriteLine("the language is detected per statement");
                        break;
                    case "\\graph":
                        graph = parts.Length > 1 ? parts[1] : null;
                        o.WriteLine("graph: " + (graph ?? "default"));
                        break;
                    case "\\history":
                        foreach (var entry in ReadHistory(historyPath).TakeLast(20))
                        {
                            o.WriteLine(entry);
                        }

                        break;
                    case "\\help" or "\\?":
                        o.WriteLine(Help);
                        break;
                    default:
                        o.WriteLine($"unknown command {parts[0]}; \\help lists the commands");
                        break;
                }

                continue;
            }

            if (trimmed.Length == 0 && buffer.Length == 0)
            {
                continue;
            }

            buffer.AppendLine(line);
            if (!trimmed.EndsWith(';'))
            {
                continue;
            }

            var statement = buffer.ToString().Trim().TrimEnd(';').Trim();
            buffer.Clear();
            if (statement.Length == 0)
            {
                continue;
            }

            AppendHistory(historyPath, statement);
            var language = mode ?? (IsCypher(statement) ? "cypher" : "sql");
            var clock = Stopwatch.StartNew();
            try
            {
                using var result = language == "sql"
                    ? await target.SqlAsync(statement, null, ct)
                    : await target.CypherAsync(statement, graph, null, ct);
                TablePrinter.Print(o, result.RootElement);
            }
            catch (ApiException e)
            {
                KvdbCli.PrintError(o, e.Error);
            }

            if (timing)
            {
                o.WriteLine($"time: {clock.Elapsed.TotalMilliseconds:0.###} ms ({language})");
            }
        }

        if (buffer.Length > 0)
        {
            o.WriteLine("(the last statement was not run: it did not end with ';')");
        }

        return 0;
    }

    /// <summary>True when a statement reads as Cypher rather than SQL.</summary>
    public static bool IsCypher(string statement) => CypherStart().IsMatch(statement);

    [GeneratedRegex(@"^\s*(explain\s+|profile\s+)?(match|optional\s+match|merge|unwind|return|with|detach\s+delete|call|create\s*\()", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CypherStart();

    private static void AppendHistory(string path, string statement)
    {
        try
        {
            File.AppendAllText(path, statement.ReplaceLineEndings(" ") + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // History is a convenience; a read-only home directory must not stop the shell.
        }
    }

    private static IEnumerable<string> ReadHistory(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
