using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KvDb.Server.Http;
using KvDb.Sql;

namespace KvDb.Benchmarks.Server;

/// <summary>
/// <c>dotnet run -c Release -- server-latency [N]</c>: issue 7's HTTP benchmarks with percentiles, outside
/// BenchmarkDotNet. One client (one HttpClient, SocketsHttpHandler, HTTP/1.1 keep-alive, one request in flight)
/// against a KvDb server on 127.0.0.1 in this process.
/// <list type="number">
/// <item>Sequential <c>POST /set</c>: after a warm-up, N requests (default 20,000) each timed; requests/s, mean, p50,
/// p90, p99, max, per storage mode (memory, file OsBuffered, file Fsync).</item>
/// <item>Where a <c>/set</c> goes: <c>GET /health</c> over the same connection (Kestrel + dispatch + client, no
/// database) and the same write without HTTP (<c>HashDbKv.SetAsync</c> on the served database).</item>
/// <item>The three-table join (200 rows per table) through <c>POST /sql</c>, planned and materialized, with the
/// layers timed separately: parse and plan (<c>EXPLAIN</c>), execution (rows enumerated), execution plus the JSON
/// writer the server uses, and the whole HTTP request; also (as HTML comments) the p50 of consecutive batches of cold
/// requests, showing how long the JIT takes to settle, and the request timed with the caller blocking on it as
/// BenchmarkDotNet does.</item>
/// </list>
/// </summary>
public static class ServerLatencyMeasurement
{
    private const int JoinRequests = 2_000;

    public static void Run(TextWriter output, int requests) => RunAsync(output, requests).GetAwaiter().GetResult();

    private static async Task RunAsync(TextWriter output, int requests)
    {
        output.WriteLine($"KvDb.Server sequential HTTP/1.1 keep-alive, one client, server in-process on 127.0.0.1 ({Environment.ProcessorCount} cores, load {LoadAverage()})");
        output.WriteLine();
        output.WriteLine($"POST /set/{{pk}}/{{sk}}: {requests:N0} timed requests after a warm-up (new key each request, 24-byte value)");
        output.WriteLine();
        output.WriteLine("| Storage | req/s | mean us | p50 us | p90 us | p99 us | max us | GC gen0 | alloc/req (client + server) | GET /health p50 us (alloc) | same write without HTTP p50 us (mean) |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        // Memory is measured first and again last: on a loaded 2-core VM the first server also pays for JIT tiering.
        var round = 0;
        foreach (var storage in new[] { ServerStorage.Memory, ServerStorage.FileOsBuffered, ServerStorage.FileFsync, ServerStorage.Memory })
        {
            round++;
            await using var server = await BenchServer.StartAsync(storage);
            long n = 0;
            var value = Encoding.UTF8.GetBytes("hello, message number 42");
            Task Set(int i)
            {
                var k = n++;
                return server.SetAsync(BenchServer.SetUri("people-" + I(k % 100), "messages-" + I(k)), value);
            }

            await WarmUpAsync(Set, storage == ServerStorage.FileFsync ? 1_000 : 5_000);
            var set = await MeasureAsync(requests, Set);
            await MeasureAsync(1_000, _ => server.HealthAsync());
            var health = await MeasureAsync(Math.Min(requests, 10_000), _ => server.HealthAsync());
            await HashDbKv.SetAsync(server.Database, "direct", "warm", "x", CancellationToken.None);
            var direct = await MeasureAsync(Math.Min(requests, 10_000), i => HashDbKv.SetAsync(server.Database, "direct-" + I(i % 100), "messages-" + I(i), "hello, message number 42", CancellationToken.None).AsTask());
            output.WriteLine($"| {storage}{(round == 4 ? " (again)" : "")} | {set.PerSecond:N0} | {set.Mean:N1} | {set.P50:N1} | {set.P90:N1} | {set.P99:N1} | {set.Max:N0} | {set.Gen0:N0} | {set.BytesPerOp / 1024:N1} KB | {health.P50:N1} ({health.BytesPerOp / 1024:N1} KB) | {direct.P50:N1} ({direct.Mean:N1}) |");
        }

        var fsync = await RawFsyncAsync();
        output.WriteLine();
        output.WriteLine($"The disk: a 100-byte append + fsync (FileStream.Flush(true)) in the temp directory, 2,000 times: p50 {fsync.P50:N1} us, mean {fsync.Mean:N1} us, p99 {fsync.P99:N1} us ({fsync.PerSecond:N0}/s).");
        output.WriteLine();
        output.WriteLine($"POST /sql three-table join, {ServerJoinData.Rows} rows per table, {ServerJoinData.Rows} rows out, in-memory server: {JoinRequests:N0} timed requests per row (us)");
        output.WriteLine();
        output.WriteLine("| Join | req/s | mean | p50 | p99 | answer bytes | EXPLAIN in-process p50 | execute + read rows p50 | + JSON writer p50 | /sql point select over HTTP p50 |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var materialized in new[] { false, true })
        {
            await using var server = await BenchServer.StartAsync(ServerStorage.Memory);
            await ServerJoinData.LoadAsync(server, materialized);
            var body = BenchServer.SqlBody(ServerJoinData.Query);
            var answerBytes = (await server.SqlAsync(body)).Length;
            var db = server.Database;
            var point = BenchServer.SqlBody("select people.people_name from people where people.id = 7");

            // From cold: the p50 of consecutive batches of 250 requests (how long JIT tiering takes to settle here).
            var trend = new List<string>();
            var clock = Stopwatch.StartNew();
            for (var batch = 0; batch < 12; batch++)
            {
                var b = await MeasureAsync(250, _ => server.SqlAsync(body));
                trend.Add($"{clock.Elapsed.TotalSeconds:0.0}s:{b.P50:N0}");
            }

            output.WriteLine($"<!-- {(materialized ? "materialized" : "planned")} from cold, p50 us per 250 requests (elapsed:p50): {string.Join(' ', trend)} -->");

            // Warm every path first (tiered JIT settles in the background, slowly on a loaded machine), then time.
            await WarmUpAsync(_ => server.SqlAsync(body), 500);
            await WarmUpAsync(_ => ExplainAsync(db), 500);
            await WarmUpAsync(_ => ExecuteAsync(db, json: false), 500);
            await WarmUpAsync(_ => ExecuteAsync(db, json: true), 500);
            await WarmUpAsync(_ => server.SqlAsync(point), 500);
            var http = await MeasureAsync(JoinRequests, _ => server.SqlAsync(body));
            var plan = await MeasureAsync(JoinRequests, _ => ExplainAsync(db));
            var exec = await MeasureAsync(JoinRequests, _ => ExecuteAsync(db, json: false));
            var json = await MeasureAsync(JoinRequests, _ => ExecuteAsync(db, json: true));
            var pointHttp = await MeasureAsync(JoinRequests, _ => server.SqlAsync(point));
            var blocking = await Task.Factory.StartNew(
                () => MeasureAsync(JoinRequests, _ =>
                {
                    server.SqlAsync(body).GetAwaiter().GetResult();
                    return Task.CompletedTask;
                }).GetAwaiter().GetResult(),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            output.WriteLine($"<!-- {(materialized ? "materialized" : "planned")}: HTTP alloc/req {http.BytesPerOp / 1024:N0} KB, gen0 {http.Gen0}; caller blocking per request (as BenchmarkDotNet does): p50 {blocking.P50:N0} us, mean {blocking.Mean:N0} us -->");
            output.WriteLine($"| {(materialized ? "materialized (create join)" : "planned joins")} | {http.PerSecond:N0} | {http.Mean:N0} | {http.P50:N0} | {http.P99:N0} | {answerBytes:N0} | {plan.P50:N0} | {exec.P50:N0} | {json.P50:N0} | {pointHttp.P50:N0} |");
        }

        output.WriteLine();
        output.WriteLine($"load after: {LoadAverage()}");
    }

    private static async Task<Stats> RawFsyncAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "kvdb-bench-fsync-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            var record = new byte[100];
            Task Append(int i)
            {
                file.Write(record);
                file.Flush(flushToDisk: true);
                return Task.CompletedTask;
            }

            await MeasureAsync(200, Append);
            return await MeasureAsync(2_000, Append);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task ExplainAsync(KvDatabase db)
    {
        var result = await db.Sql("EXPLAIN " + ServerJoinData.Query).ExecuteAsync();
        await foreach (var row in result.Rows)
        {
            _ = row;
        }
    }

    private static async Task ExecuteAsync(KvDatabase db, bool json)
    {
        var result = await db.Sql(ServerJoinData.Query).ExecuteAsync();
        if (json)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            await using var writer = new Utf8JsonWriter(buffer);
            await ResultJson.WriteSqlAsync(writer, result, CancellationToken.None);
            return;
        }

        var rows = 0;
        await foreach (var row in result.Rows)
        {
            rows += row.Count > 0 ? 1 : 0;
        }

        if (rows != ServerJoinData.Rows)
        {
            throw new InvalidOperationException($"join returned {rows} rows");
        }
    }

    /// <summary>Runs the operation at least <paramref name="count"/> times and for at least two seconds.</summary>
    private static async Task WarmUpAsync(Func<int, Task> operation, int count)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count || clock.Elapsed < TimeSpan.FromSeconds(2); i++)
        {
            await operation(i);
        }
    }

    private readonly record struct Stats(double PerSecond, double Mean, double P50, double P90, double P99, double Max, double BytesPerOp, int Gen0);

    private static async Task<Stats> MeasureAsync(int count, Func<int, Task> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var ticks = new long[count];
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        var total = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await operation(i);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        total.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        gen0 = GC.CollectionCount(0) - gen0;
        Array.Sort(ticks);
        double Us(long t) => t * 1_000_000.0 / Stopwatch.Frequency;
        double Pct(double p) => Us(ticks[Math.Min(count - 1, (int)Math.Ceiling(p * count) - 1)]);
        return new Stats(count / total.Elapsed.TotalSeconds, total.Elapsed.TotalMicroseconds / count, Pct(0.50), Pct(0.90), Pct(0.99), Us(ticks[^1]), allocated / (double)count, gen0);
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
