using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KvDb.Cypher;
using KvDb.Server.Http;
using KvDb.Sql;

namespace KvDb.Server.Cli;

/// <summary>
/// Where <c>kvdb sql</c>, <c>kvdb cypher</c> and <c>kvdb shell</c> send statements: an embedded database in a data
/// directory, or a server URL. Both answer with the HTTP API's JSON (the local one encodes with the same code as the
/// server), so output and errors look the same either way.
/// </summary>
internal abstract class QueryTarget : IAsyncDisposable
{
    public abstract string Description { get; }

    /// <summary>Runs SQL; the result JSON, or an <see cref="ApiException"/>.</summary>
    public abstract Task<JsonDocument> SqlAsync(string text, string? parametersJson, CancellationToken ct);

    /// <summary>Runs Cypher; the result JSON, or an <see cref="ApiException"/>.</summary>
    public abstract Task<JsonDocument> CypherAsync(string text, string? graph, string? parametersJson, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    /// <summary>Opens the target named by <c>--url</c> or <c>--data</c> (default <c>./kvdb-data</c>).</summary>
    public static QueryTarget Open(CliArgs args)
    {
        var url = args.Value("url");
        var data = args.Value("data");
        if (url is not null && data is not null)
        {
            throw new CliException($"{args.Command}: give either --url or --data, not both.");
        }

        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new CliException($"{args.Command}: --url must be an http:// or https:// address, found '{url}'.");
            }

            return new RemoteTarget(uri, args.Value("api-key") ?? Environment.GetEnvironmentVariable("KVDB_API_KEY"));
        }

        return new LocalTarget(data ?? "kvdb-data");
    }

    /// <summary>Builds a request body from the statement and optional parameters JSON (validated like the server does).</summary>
    protected static byte[] Body(string field, string text, string? parametersJson, string? graph = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString(field, text);
            if (graph is not null)
            {
                w.WriteString("graph", graph);
            }

            if (parametersJson is not null)
            {
                w.WritePropertyName("params");
                try
                {
                    using var p = JsonDocument.Parse(parametersJson);
                    p.RootElement.WriteTo(w);
                }
                catch (JsonException e)
                {
                    throw new CliException($"--params is not valid JSON: {e.Message}");
                }
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>An embedded database in a data directory (opened for the life of the target).</summary>
internal sealed class LocalTarget : QueryTarget
{
    private readonly string _directory;
    private KvDatabase? _db;

    public LocalTarget(string directory)
    {
        _directory = directory;
    }

    public override string Description => "data directory " + Path.GetFullPath(_directory);

    public KvDatabase Database
    {
        get
        {
            if (_db is null)
            {
                try
                {
                    _db = KvDatabase.Open(_directory);
                }
                catch (KvDbException e) when (e.Code == KvErrorCode.DatabaseInUse)
                {
                    throw new CliException($"The data directory {Path.GetFullPath(_directory)} is in use by another process (a running 'kvdb serve'?). Use --url http://127.0.0.1:7400 to talk to it.");
                }
            }

            return _db;
        }
    }

    public override async Task<JsonDocument> SqlAsync(string text, string? parametersJson, CancellationToken ct)
    {
        var request = Guard(() => RequestJson.ParseSql(Body("sql", text, parametersJson)));
        try
        {
            var result = await Database.Sql(request.Text, request.Parameters).ExecuteAsync(ct);
            var buffer = new ArrayBufferWriter<byte>();
            await using (var w = new Utf8JsonWriter(buffer))
            {
                await ResultJson.WriteSqlAsync(w, result, ct);
            }

            return JsonDocument.Parse(buffer.WrittenMemory);
        }
        catch (Exception e) when (e is KvDbException or ArgumentException)
        {
            throw new ApiException(ApiError.From(e));
        }
    }

    public override async Task<JsonDocument> CypherAsync(string text, string? graph, string? parametersJson, CancellationToken ct)
    {
        var request = Guard(() => RequestJson.ParseCypher(Body("cypher", text, parametersJson, graph)));
        try
        {
            var result = await Database.Graph(request.Graph ?? CypherDatabaseExtensions.DefaultGraphName).CypherAsync(request.Text, request.Parameters, ct);
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                ResultJson.WriteCypher(w, result);
            }

            return JsonDocument.Parse(buffer.WrittenMemory);
        }
        catch (Exception e) when (e is KvDbException or ArgumentException)
        {
            throw new ApiException(ApiError.From(e));
        }
    }

    private static T Guard<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (JsonException e)
        {
            throw new ApiException(ApiError.From(e));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }
}

/// <summary>A KvDb server reached over HTTP.</summary>
internal sealed class RemoteTarget : QueryTarget
{
    private readonly HttpClient _http;

    public RemoteTarget(Uri baseAddress, string? apiKey)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public override string Description => "server " + _http.BaseAddress;

    public override Task<JsonDocument> SqlAsync(string text, string? parametersJson, CancellationToken ct) =>
        PostAsync("sql", Body("sql", text, parametersJson), ct);

    public override Task<JsonDocument> CypherAsync(string text, string? graph, string? parametersJson, CancellationToken ct) =>
        PostAsync("cypher", Body("cypher", text, parametersJson, graph), ct);

    /// <summary>POSTs JSON; a JSON error answer becomes an <see cref="ApiException"/>.</summary>
    public async Task<JsonDocument> PostAsync(string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(path, content, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"Cannot reach {_http.BaseAddress}: {e.Message}");
        }

        using (response)
        {
            return await ReadAsync(response, ct);
        }
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw new CliException($"The server answered {(int)response.StatusCode} with a body that is not JSON: {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(200, bytes.Length)))}");
        }

        if (response.IsSuccessStatusCode)
        {
            return doc;
        }

        using (doc)
        {
            var e = doc.RootElement.TryGetProperty("error", out var err) ? err : default;
            string Str(string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            int Num(string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            throw new ApiException(new ApiError((int)response.StatusCode, Str("type"), Str("detail"), Str("message"), Num("line"), Num("column")));
        }
    }

    public override ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
