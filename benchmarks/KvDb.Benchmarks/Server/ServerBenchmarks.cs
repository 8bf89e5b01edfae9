using System.Text;
using BenchmarkDotNet.Attributes;

namespace KvDb.Benchmarks.Server;

/// <summary>
/// Issue 7, first benchmark: sequential <c>POST /set/{pk}/{sk}</c> over HTTP/1.1 keep-alive from one client (one
/// request in flight), against a KvDb server on 127.0.0.1 in this process. Each operation stores a new key
/// (<c>people-{n % 100}</c> / <c>messages-{n}</c>, a 24-byte value). The baseline is <c>GET /health</c> on the same
/// server: the cost of Kestrel, the API's dispatch and the client without any database work.
/// hash-db: 315 requests/s, 2.9 ms p50 (in memory, no persistence); goal >= 30x (>= 9,450 requests/s, <= 106 us/op).
/// </summary>
[MemoryDiagnoser]
public class ServerSetBenchmarks
{
    private BenchServer? _server;
    private long _n;

    [Params(ServerStorage.Memory, ServerStorage.FileOsBuffered, ServerStorage.FileFsync)]
    public ServerStorage Storage { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = BenchServer.StartAsync(Storage).GetAwaiter().GetResult();
        PostSet().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server = null;
    }

    [Benchmark(Baseline = true)]
    public Task<int> GetHealth() => _server!.HealthAsync();

    [Benchmark]
    public Task<int> PostSet()
    {
        var n = _n++;
        return _server!.SetAsync(
            BenchServer.SetUri("people-" + (n % 100).ToString(System.Globalization.CultureInfo.InvariantCulture), "messages-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Encoding.UTF8.GetBytes("hello, message number " + (n % 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>
/// Issue 7, second benchmark: hash-db's three-table join (<see cref="ServerJoinData"/>, 200 rows per table, 200 rows out)
/// through <c>POST /sql</c> from one client over HTTP/1.1 keep-alive, planned as joins or answered from the
/// materialized join (<c>create join</c>). In-memory server (hash-db's durability; a read does not touch the log).
/// hash-db: 119 ms; goal <= 2 ms.
/// </summary>
[MemoryDiagnoser]
public class ServerSqlJoinBenchmarks
{
    private BenchServer? _server;
    private byte[] _body = [];

    [Params(false, true)]
    public bool Materialized { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = BenchServer.StartAsync(ServerStorage.Memory).GetAwaiter().GetResult();
        ServerJoinData.LoadAsync(_server, Materialized).GetAwaiter().GetResult();
        _body = BenchServer.SqlBody(ServerJoinData.Query);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server = null;
    }

    [Benchmark]
    public async Task<int> PostSqlJoin() => (await _server!.SqlAsync(_body).ConfigureAwait(false)).Length;
}
