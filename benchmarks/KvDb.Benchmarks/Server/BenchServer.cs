using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KvDb.Server.Hosting;

namespace KvDb.Benchmarks.Server;

/// <summary>Where the served database keeps its data.</summary>
public enum ServerStorage
{
    /// <summary><see cref="KvDatabase.OpenInMemory"/>: nothing on disk (hash-db's own durability: it keeps everything in memory).</summary>
    Memory,

    /// <summary>File mode with <see cref="Durability.OsBuffered"/>: each write reaches the OS before the answer (survives a process crash).</summary>
    FileOsBuffered,

    /// <summary>File mode with the default <see cref="Durability.Fsync"/>: each write is fsynced before the answer (what <c>kvdb serve</c> uses).</summary>
    FileFsync,
}

/// <summary>
/// A KvDb server (Kestrel via <see cref="ServerHost"/>) on 127.0.0.1 and a free port, in this process, and one client:
/// one <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/> with one connection, HTTP/1.1 exactly,
/// keep-alive; callers await each request before sending the next.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    private static readonly MediaTypeHeaderValue s_text = new("text/plain") { CharSet = "utf-8" };
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly ServerHost _host;
    private readonly string? _directory;

    private BenchServer(ServerHost host, KvDatabase db, HttpClient client, string? directory)
    {
        _host = host;
        Database = db;
        Client = client;
        _directory = directory;
    }

    public KvDatabase Database { get; }

    public HttpClient Client { get; }

    public static KvDatabase OpenDatabase(ServerStorage storage, out string? directory)
    {
        directory = null;
        if (storage == ServerStorage.Memory)
        {
            return KvDatabase.OpenInMemory();
        }

        directory = Path.Combine(Path.GetTempPath(), "kvdb-bench-server-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return KvDatabase.Open(directory, new KvDbOptions
        {
            Durability = storage == ServerStorage.FileFsync ? Durability.Fsync : Durability.OsBuffered,
        });
    }

    public static async Task<BenchServer> StartAsync(ServerStorage storage)
    {
        var db = OpenDatabase(storage, out var directory);
        var host = await ServerHost.StartAsync(new ServerOptions { Port = 0, Bind = "127.0.0.1" }, db, ownsDatabase: true);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = host.Address,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
        return new BenchServer(host, db, client, directory);
    }

    /// <summary>A relative URI of <c>/set/{pk}/{sk}</c>.</summary>
    public static Uri SetUri(string pk, string sk) => new("set/" + Uri.EscapeDataString(pk) + "/" + Uri.EscapeDataString(sk), UriKind.Relative);

    /// <summary><c>POST /set/{pk}/{sk}</c> with a text body; returns the length of the (fully read) answer.</summary>
    public async Task<int> SetAsync(Uri uri, byte[] value)
    {
        using var content = new ByteArrayContent(value);
        content.Headers.ContentType = s_text;
        using var response = await Client.PostAsync(uri, content).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Check(response, body);
        return body.Length;
    }

    /// <summary>The JSON body <c>{"sql": text}</c>.</summary>
    public static byte[] SqlBody(string sql) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["sql"] = sql });

    /// <summary><c>POST /sql</c> with a prebuilt JSON body; returns the (fully read) answer.</summary>
    public async Task<byte[]> SqlAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = s_json;
        using var response = await Client.PostAsync(new Uri("sql", UriKind.Relative), content).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Check(response, answer);
        return answer;
    }

    public Task<byte[]> SqlAsync(string sql) => SqlAsync(SqlBody(sql));

    /// <summary><c>GET /health</c>: the HTTP stack's floor (Kestrel, routing, a small JSON answer, the client).</summary>
    public async Task<int> HealthAsync()
    {
        using var response = await Client.GetAsync(new Uri("health", UriKind.Relative)).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Check(response, body);
        return body.Length;
    }

    private static void Check(HttpResponseMessage response, byte[] body)
    {
        if (response.StatusCode != HttpStatusCode.OK || response.Version != HttpVersion.Version11)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode} (HTTP/{response.Version}): {Encoding.UTF8.GetString(body)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }
}
