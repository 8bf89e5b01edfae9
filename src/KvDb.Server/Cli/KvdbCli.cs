using System.Text.Json;
using KvDb.Server.Hosting;
using KvDb.Server.Http;

namespace KvDb.Server.Cli;

/// <summary>
/// The <c>kvdb</c> command line: <c>serve</c>, <c>sql</c>, <c>cypher</c>, <c>shell</c>, <c>import</c>, <c>export</c>,
/// <c>demo</c>, <c>cluster</c> (and the hidden <c>node</c> that <c>cluster</c> starts). Exit codes: 0 success,
/// 1 the operation failed (an error from the database or server), 2 the command line is wrong.
/// </summary>
internal static partial class KvdbCli
{
    public const string Usage = """
        kvdb - the KvDb command-line tool

        Usage:
          kvdb demo [--data DIR]                        hash-db's example scenario on an embedded database, step by step
          kvdb serve [--data DIR] [--port P] [--bind ADDR] [--api-key KEY] [--in-memory] [--durability fsync|osbuffered|none]
                     [--max-body BYTES] [--timeout SECONDS]
                                                        one node with the HTTP API (default ./kvdb-data, 127.0.0.1:7400)
          kvdb sql "STATEMENT" [--data DIR | --url URL] [--params JSON] [--api-key KEY]
          kvdb cypher "STATEMENT" [--data DIR | --url URL] [--graph NAME] [--params JSON] [--api-key KEY]
          kvdb shell [--data DIR | --url URL] [--history FILE]
                                                        interactive SQL and Cypher (statements end with ';')
          kvdb import FILE --table NAME [--format jsonl|csv] [--pk NAME[:S|N]] [--sk NAME[:S|N]] [--data DIR]
          kvdb export FILE --table NAME [--format jsonl|csv] [--data DIR]
          kvdb cluster [--nodes N] [--base-port P] [--data DIR]
                                                        N local nodes in separate processes over HTTP (Ctrl+C stops all)
          kvdb cluster status|add-node|remove-node ID [--data DIR]
                                                        manage the cluster started from DIR (default ./kvdb-cluster)
        Environment: KVDB_API_KEY is the default for --api-key.
        """;

    /// <summary>Runs one command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "serve" => await ServeAsync(rest, console, ct),
                "sql" => await StatementAsync("sql", rest, console, ct),
                "cypher" => await StatementAsync("cypher", rest, console, ct),
                "demo" => await DemoCommand.RunAsync(rest, console, ct),
                "shell" => await ShellCommand.RunAsync(rest, console, ct),
                "import" => await ImportExportCommand.ImportAsync(rest, console, ct),
                "export" => await ImportExportCommand.ExportAsync(rest, console, ct),
                "cluster" => await ClusterCommand.RunAsync(rest, console, ct),
                "node" => await ClusterCommand.NodeAsync(rest, console, ct),
                "--version" or "version" => Version(console),
                _ => throw new CliException($"kvdb: unknown command '{args[0]}'. Run 'kvdb help' for the commands."),
            };
        }
        catch (CliException e)
        {
            console.Error.WriteLine(e.Message);
            return 2;
        }
        catch (ApiException e)
        {
            PrintError(console.Error, e.Error);
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (KvDbException e)
        {
            PrintError(console.Error, ApiError.From(e));
            return 1;
        }
    }

    /// <summary>Prints an error as <c>error: SyntaxError (Syntax) at line 1, column 8: message</c>.</summary>
    public static void PrintError(TextWriter error, ApiError e)
    {
        var where = e.Line > 0 ? $" at line {e.Line}, column {e.Column}" : "";
        error.WriteLine($"error: {e.Type} ({e.Detail}){where}: {e.Message}");
    }

    private static int Version(CliConsole console)
    {
        console.Out.WriteLine("kvdb " + typeof(KvdbCli).Assembly.GetName().Version);
        return 0;
    }

    private static async Task<int> ServeAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb serve", args, ["data", "port", "bind", "api-key", "max-body", "timeout", "durability"], ["in-memory", "quiet"]);
        a.ExpectPositional(0, 0, "kvdb serve [--data DIR] [--port P] [--bind ADDR]");
        var options = new ServerOptions
        {
            Port = a.Int("port", 7400, 0, 65535),
            Bind = a.Value("bind", "127.0.0.1"),
            ApiKey = a.Value("api-key") ?? Environment.GetEnvironmentVariable("KVDB_API_KEY"),
            MaxRequestBytes = a.Int("max-body", 16 * 1024 * 1024, 1024, int.MaxValue),
            RequestTimeout = TimeSpan.FromSeconds(a.Int("timeout", 30, 1, 86400)),
            ConsoleLogging = !a.Flag("quiet"),
        };
        if (a.Flag("in-memory") && a.Value("data") is not null)
        {
            throw new CliException("kvdb serve: give either --data or --in-memory, not both.");
        }

        var durability = a.Value("durability", "fsync").ToLowerInvariant() switch
        {
            "fsync" => Durability.Fsync,
            "osbuffered" => Durability.OsBuffered,
            "none" => Durability.None,
            var other => throw new CliException($"kvdb serve: --durability must be fsync, osbuffered or none, not \"{other}\"."),
        };
        if (a.Flag("in-memory") && a.Value("durability") is not null)
        {
            throw new CliException("kvdb serve: --durability applies to a data directory, not to --in-memory.");
        }

        var directory = a.Value("data", "kvdb-data");
        var db = a.Flag("in-memory") ? KvDatabase.OpenInMemory() : OpenDirectory(directory, durability);
        await HashDbKv.EnsureTablesAsync(db, ct);
        ServerHost host;
        try
        {
            host = await ServerHost.StartAsync(options, db, ownsDatabase: true, cancellationToken: ct);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            await db.DisposeAsync();
            throw new CliException($"kvdb serve: cannot listen on {options.Bind}:{options.Port}: {e.Message}");
        }

        await using (host)
        {
            var where = a.Flag("in-memory") ? "an in-memory database" : Path.GetFullPath(directory);
            console.Out.WriteLine($"KvDb serving {where} at {host.Address} (Ctrl+C to stop)");
            if (options.ApiKey is not null)
            {
                console.Out.WriteLine("API key required: send 'Authorization: Bearer <key>'.");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                console.Out.WriteLine("stopping: finishing requests in flight, then closing the database");
            }
        }

        console.Out.WriteLine("stopped; the log is flushed and closed");
        return 0;
    }

    internal static KvDatabase OpenDirectory(string directory, Durability durability = Durability.Fsync)
    {
        try
        {
            return KvDatabase.Open(directory, new KvDbOptions { Durability = durability });
        }
        catch (KvDbException e) when (e.Code == KvErrorCode.DatabaseInUse)
        {
            throw new CliException($"The data directory {Path.GetFullPath(directory)} is in use by another process: {e.Message}");
        }
    }

    private static async Task<int> StatementAsync(string language, string[] args, CliConsole console, CancellationToken ct)
    {
        var command = "kvdb " + language;
        var a = language == "sql"
            ? CliArgs.Parse(command, args, ["data", "url", "params", "api-key"])
            : CliArgs.Parse(command, args, ["data", "url", "params", "api-key", "graph"]);
        a.ExpectPositional(1, 1, $"{command} \"STATEMENT\" [--data DIR | --url URL] [--params JSON]");
        await using var target = QueryTarget.Open(a);
        using var result = language == "sql"
            ? await target.SqlAsync(a.Positional[0], a.Value("params"), ct)
            : await target.CypherAsync(a.Positional[0], a.Value("graph"), a.Value("params"), ct);
        TablePrinter.Print(console.Out, result.RootElement);
        return 0;
    }

    /// <summary>The result JSON of a statement (for callers that print it differently).</summary>
    internal static string Render(JsonDocument result)
    {
        using var writer = new StringWriter();
        TablePrinter.Print(writer, result.RootElement);
        return writer.ToString();
    }
}
