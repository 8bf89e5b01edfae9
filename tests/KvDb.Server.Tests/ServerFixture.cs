using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KvDb.Server.Hosting;

namespace KvDb.Server.Tests;

/// <summary>A KvDb server on 127.0.0.1 (a free port) over an in-memory database, started and stopped by the test.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(object host, HttpClient client, KvDatabase db)
    {
        Host = host;
        Client = client;
        Database = db;
    }

    internal object Host { get; }

    public HttpClient Client { get; }

    public KvDatabase Database { get; }

    public Uri Address => Client.BaseAddress!;

    internal static async Task<TestServer> StartAsync(Action<ServerOptions>? configure = null, KvDatabase? db = null)
    {
        var options = new ServerOptions { Port = 0 };
        configure?.Invoke(options);
        db ??= KvDatabase.OpenInMemory();
        var host = await ServerHost.StartAsync(options, db, ownsDatabase: true);
        var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        return new TestServer(host, client, db);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await ((ServerHost)Host).DisposeAsync();
    }

    public async Task<(int Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative));
        return await ReadAsync(response);
    }

    public async Task<(int Status, JsonElement Body)> PostAsync(string path, string body, string? contentType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.PostAsync(new Uri(path.TrimStart('/'), UriKind.Relative), content);
        return await ReadAsync(response);
    }

    public Task<(int Status, JsonElement Body)> SqlAsync(string sql, object? parameters = null) =>
        PostAsync("/sql", JsonSerializer.Serialize(parameters is null ? new Dictionary<string, object?> { ["sql"] = sql } : new Dictionary<string, object?> { ["sql"] = sql, ["params"] = parameters }));

    public Task<(int Status, JsonElement Body)> CypherAsync(string cypher, object? parameters = null, string? key = null)
    {
        var body = new Dictionary<string, object?> { ["cypher"] = cypher };
        if (parameters is not null)
        {
            body["params"] = parameters;
        }

        if (key is not null)
        {
            body["key"] = key;
        }

        return PostAsync("/cypher", JsonSerializer.Serialize(body));
    }

    public static async Task<(int Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{(int)response.StatusCode} not JSON: {text}");
        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>The rows of a result as strings "a|b|c" (each cell as its JSON text, strings bare).</summary>
    public static List<string> Rows(JsonElement result) =>
        [.. result.GetProperty("rows").EnumerateArray().Select(r => string.Join("|", r.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())))];

    /// <summary>The items of a key-value result as "pk/sk=value".</summary>
    public static List<string> Items(JsonElement result) =>
        [.. result.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("pk").GetString()}/{i.GetProperty("sk").GetString()}={i.GetProperty("value").GetString()}")];
}
