using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace KvDb.Server.Tests.Http;

/// <summary>Every endpoint and every error class of the HTTP API, against Kestrel on 127.0.0.1.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.MaxRequestBytes = 64 * 1024;
        o.RequestTimeout = TimeSpan.FromSeconds(20);
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Set_Overwrites_AndKeysMayHoldEscapedSlashes()
    {
        Assert.Equal(200, (await _server.PostAsync("/set/a/b", "one", null)).Status);
        Assert.Equal(200, (await _server.PostAsync("/set/a/b", "two", null)).Status);
        Assert.Equal(200, (await _server.PostAsync("/set/x%2Fy/s%20k%25", "slash", null)).Status);
        Assert.Equal(["a/b=two"], TestServer.Items((await _server.GetAsync("/query_begins/a//asc")).Body));
        var (_, slash) = await _server.GetAsync("/query_begins/x%2Fy/s/asc");
        Assert.Equal("s k%", slash.GetProperty("items")[0].GetProperty("sk").GetString());
    }

    [Fact]
    public async Task Queries_UnknownPartitionOrEmptyRange_GiveEmptyResults()
    {
        await _server.PostAsync("/set/p/s1", "v", null);
        foreach (var path in new[]
        {
            "/query_begins/nothing-here/x/asc", "/query_pk_sk_begins/zzz/x/desc", "/query_between/nothing/a/z/asc",
            "/query_between/p/z/a/asc", "/both_between/q/p/a/z/asc",
        })
        {
            var (status, body) = await _server.GetAsync(path);
            Assert.Equal(200, status);
            Assert.Equal(0, body.GetProperty("count").GetInt32());
        }
    }

    [Fact]
    public async Task QueryPkSkBegins_EmptyPkPrefix_OrdersByPartitionThenSortKey()
    {
        await _server.PostAsync("/set/b/2", "x", null);
        await _server.PostAsync("/set/a/9", "x", null);
        await _server.PostAsync("/set/b/1", "x", null);
        var (_, body) = await _server.GetAsync("/query_pk_sk_begins///asc");
        Assert.Equal(["a/9=x", "b/1=x", "b/2=x"], TestServer.Items(body));
    }

    [Fact]
    public async Task Documents_AnyJson_RoundTripsExactly_AndMissingIs404()
    {
        const string doc = """{"id":"x","~k":1,"n":{"deep":[1,2.5,-0.0000003,{"b":true}]},"big":123456789012345678901234567890,"s":"ü","z":null,"e":[],"o":{}}""";
        Assert.Equal(200, (await _server.PostAsync("/save/c/1", doc)).Status);
        using var response = await _server.Client.GetAsync(new Uri("documents/c/1", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(doc).RootElement), text);
        // Numbers are exact decimals: 1e3 is the number 1000, written back in plain form.
        await _server.PostAsync("/save/c/3", """{"x": 1e3, "y": 0.10}""");
        Assert.Equal("""{"x":1000,"y":0.1}""", await _server.Client.GetStringAsync(new Uri("documents/c/3", UriKind.Relative)));
        var (status, missing) = await _server.GetAsync("/documents/c/2");
        Assert.Equal(404, status);
        Assert.Equal("DocumentNotFound", missing.GetProperty("error").GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("[1,2]", 400, "InvalidDocument")]
    [InlineData("{\"a\":", 400, "InvalidDocument")]
    [InlineData("{\"a\": 1e999}", 400, "InvalidDocument")]
    [InlineData("", 400, "EmptyBody")]
    public async Task Save_BadJson_Is400(string body, int status, string detail)
    {
        var (s, error) = await _server.PostAsync("/save/c/1", body);
        Assert.Equal(status, s);
        Assert.Equal(detail, error.GetProperty("error").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Sql_Ddl_Dml_Query_AndParameters()
    {
        var (s1, ddl) = await _server.SqlAsync("CREATE TABLE t (id NUMBER, name STRING, PRIMARY KEY (id))");
        Assert.Equal(200, s1);
        Assert.False(ddl.TryGetProperty("affected", out _));
        var (_, insert) = await _server.SqlAsync("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, @n)", new Dictionary<string, object> { ["n"] = "c" });
        Assert.Equal(3, insert.GetProperty("affected").GetInt64());
        var (_, rows) = await _server.PostAsync("/sql", """{"sql": "SELECT name, id * 1.5 AS x FROM t WHERE id >= ? ORDER BY id", "params": [2]}""");
        Assert.Equal(["name", "x"], rows.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["b|3", "c|4.5"], TestServer.Rows(rows));
    }

    [Theory]
    [InlineData("SELEC 1", "SyntaxError", "Syntax", 1, 1)]
    [InlineData("SELECT * FROM nowhere", "SemanticError", "UnknownTable", 1, 15)]
    [InlineData("SELECT @missing", "ParameterMissing", "MissingParameter", 0, 0)]
    public async Task Sql_Errors_Are400WithTypeDetailAndPosition(string sql, string type, string detail, int line, int column)
    {
        var (status, body) = await _server.SqlAsync(sql);
        Assert.Equal(400, status);
        var e = body.GetProperty("error");
        Assert.Equal(type, e.GetProperty("type").GetString());
        Assert.Equal(detail, e.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString()));
        if (line > 0)
        {
            Assert.Equal(line, e.GetProperty("line").GetInt32());
            Assert.Equal(column, e.GetProperty("column").GetInt32());
        }
    }

    [Fact]
    public async Task Cypher_EncodesNodesRelationshipsPathsAndNumbers()
    {
        var (status, _) = await _server.CypherAsync("CREATE (:Person {name: 'Ann', `~secret`: 1})-[:KNOWS {since: 2020, w: 1.0}]->(:Person {name: 'Bob'})");
        Assert.Equal(200, status);
        var (_, r) = await _server.CypherAsync("MATCH p = (a:Person {name: 'Ann'})-[k:KNOWS]->(b) RETURN a, k, p, 1 AS i, 1.0 AS f, 2.5e20 AS big, 0.0/0.0 AS nan, 1.0/0.0 AS inf, -1.0/0.0 AS ninf, {`~x`: 1, y: [1, 2.0]} AS m");
        var row = r.GetProperty("rows")[0];
        var a = row[0];
        Assert.Equal(JsonValueKind.Number, a.GetProperty("~id").ValueKind);
        Assert.Equal(["Person"], a.GetProperty("~labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("Ann", a.GetProperty("~props").GetProperty("name").GetString());
        Assert.Equal(1, a.GetProperty("~props").GetProperty("~~secret").GetInt32());
        var k = row[1];
        Assert.Equal("KNOWS", k.GetProperty("~type").GetString());
        Assert.Equal(a.GetProperty("~id").GetInt64(), k.GetProperty("~start").GetInt64());
        Assert.Equal("2020", k.GetProperty("~props").GetProperty("since").GetRawText());
        Assert.Equal("1.0", k.GetProperty("~props").GetProperty("w").GetRawText());
        var path = row[2].GetProperty("~path");
        Assert.Equal(3, path.GetArrayLength());
        Assert.Equal("Bob", path[2].GetProperty("~props").GetProperty("name").GetString());
        Assert.Equal(k.GetProperty("~end").GetInt64(), path[2].GetProperty("~id").GetInt64());
        Assert.Equal("1", row[3].GetRawText());
        Assert.Equal("1.0", row[4].GetRawText());
        Assert.Equal("2.5E+20", row[5].GetRawText().Replace(".0E", "E", StringComparison.Ordinal));
        Assert.Contains('.', row[5].GetRawText());
        Assert.Equal("""{"~float":"NaN"}""", row[6].GetRawText());
        Assert.Equal("""{"~float":"Infinity"}""", row[7].GetRawText());
        Assert.Equal("""{"~float":"-Infinity"}""", row[8].GetRawText());
        Assert.Equal("""{"~~x":1,"y":[1,2.0]}""", row[9].GetRawText());
    }

    [Fact]
    public async Task Cypher_ParametersAndNamedGraphs()
    {
        await _server.PostAsync("/cypher", """{"cypher": "CREATE (:N {v: $v, f: $f, l: $l})", "params": {"v": 7, "f": 2.0, "l": [1, "x"]}, "graph": "g1"}""");
        var (_, r) = await _server.PostAsync("/cypher", """{"cypher": "MATCH (n:N) RETURN n.v, n.f, n.l", "graph": "g1"}""");
        Assert.Equal(["7|2.0|[1,\"x\"]"], TestServer.Rows(r));
        var (_, other) = await _server.CypherAsync("MATCH (n:N) RETURN n");
        Assert.Empty(other.GetProperty("rows").EnumerateArray());
    }

    [Theory]
    [InlineData("MATCH (n RETURN n", "SyntaxError")]
    [InlineData("RETURN x", "SyntaxError")]
    [InlineData("MATCH (a)-[r]->(b) MATCH (r) RETURN r", "SyntaxError")]
    [InlineData("RETURN 'a' - 1", "TypeError")]
    public async Task Cypher_Errors_AreClassified(string cypher, string type)
    {
        var (status, body) = await _server.CypherAsync(cypher);
        Assert.Equal(400, status);
        var e = body.GetProperty("error");
        Assert.Equal(type, e.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(e.GetProperty("detail").GetString()));
        Assert.True(type == "TypeError" || e.GetProperty("line").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("/sql", "{\"sql\": 1}", "InvalidField")]
    [InlineData("/sql", "{\"query\": \"select 1\"}", "UnknownField")]
    [InlineData("/sql", "{}", "MissingField")]
    [InlineData("/sql", "{\"sql\": \"select 1\",}", "MalformedJson")]
    [InlineData("/sql", "\"select 1\"", "NotAnObject")]
    [InlineData("/cypher", "{\"cypher\": \"RETURN 1\", \"params\": 5}", "InvalidField")]
    [InlineData("/cypher", "{\"cypher\": \"RETURN 1\", \"graph\": \"a\", \"key\": \"b\"}", "InvalidField")]
    public async Task BadRequestBodies_Are400(string path, string body, string detail)
    {
        var (status, error) = await _server.PostAsync(path, body);
        Assert.Equal(400, status);
        Assert.Equal(detail, error.GetProperty("error").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WrongContentType_Is415_OversizedBody_Is413()
    {
        var (s1, e1) = await _server.PostAsync("/sql", "sql=select+1", "application/x-www-form-urlencoded");
        Assert.Equal(415, s1);
        Assert.Contains("application/json", e1.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var (s2, e2) = await _server.PostAsync("/set/a/b", new string('x', 70 * 1024), null);
        Assert.Equal(413, s2);
        Assert.Equal("RequestTooLarge", e2.GetProperty("error").GetProperty("type").GetString());
        // A chunked body (no Content-Length) over the limit is refused too.
        using var content = new StreamContent(new MemoryStream(new byte[100 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "set/a/c") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/nothing", 404, "UnknownRoute")]
    [InlineData("GET", "/", 404, "UnknownRoute")]
    [InlineData("GET", "/set/a/b", 405, "MethodNotAllowed")]
    [InlineData("POST", "/query_begins/a/b/asc", 405, "MethodNotAllowed")]
    [InlineData("GET", "/query_begins/a/asc", 404, "WrongPathShape")]
    [InlineData("GET", "/query_begins/a/b/sideways", 400, "InvalidOrder")]
    [InlineData("POST", "/set//b", 400, "EmptyKey")]
    public async Task RoutingErrors_AreClear4xx(string method, string path, int status, string detail)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/')) { Content = method == "POST" ? new StringContent("v") : null };
        using var response = await _server.Client.SendAsync(request);
        var (s, body) = await TestServer.ReadAsync(response);
        Assert.Equal(status, s);
        Assert.Equal(detail, body.GetProperty("error").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Health_AndCluster_OnASingleNode()
    {
        var (s, health) = await _server.GetAsync("/health");
        Assert.Equal(200, s);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var (_, cluster) = await _server.GetAsync("/cluster");
        Assert.Equal("single", cluster.GetProperty("mode").GetString());
        Assert.Equal(1.0, cluster.GetProperty("nodes")[0].GetProperty("share").GetDouble());
        var (add, error) = await _server.PostAsync("/cluster/nodes/n9", "");
        Assert.Equal(409, add);
        Assert.Equal("NotClustered", error.GetProperty("error").GetProperty("type").GetString());
    }
}

/// <summary>The API key, the request time limit and graceful shutdown.</summary>
public sealed class SecurityAndLifecycleTests
{
    [Fact]
    public async Task ApiKey_RequiredOnEveryClientRoute()
    {
        await using var server = await TestServer.StartAsync(o => o.ApiKey = "s3cret");
        foreach (var path in new[] { "health", "cluster", "query_begins/a/b/asc", "documents/a/b" })
        {
            using var response = await server.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "health");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cre");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.SendAsync(wrong)).StatusCode);
        server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(200, (await server.SqlAsync("select 1")).Status);
    }

    [Fact]
    public async Task RequestTimeout_CancelsWith408()
    {
        await using var server = await TestServer.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        // A client that stalls while sending its body is cut off by the time limit.
        using var request = new HttpRequestMessage(HttpMethod.Post, "sql") { Content = new SlowContent() };
        using var response = await server.Client.SendAsync(request);
        var (status, body) = await TestServer.ReadAsync(response);
        Assert.Equal(408, status);
        Assert.Equal("Timeout", body.GetProperty("error").GetProperty("type").GetString());
    }

    private sealed class SlowContent : HttpContent
    {
        public SlowContent() => Headers.ContentType = new MediaTypeHeaderValue("application/json");

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"sql\": "));
            await stream.FlushAsync();
            await Task.Delay(2000);
            await stream.WriteAsync(Encoding.UTF8.GetBytes("\"select 1\"}"));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Dispose_FlushesTheLog_DataSurvivesReopen()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-server-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var server = await TestServer.StartAsync(db: KvDatabase.Open(dir));
            await server.PostAsync("/set/p/s", "kept", null);
            await server.SqlAsync("insert into t (a) values (1)");
            await server.DisposeAsync();
            await using var reopened = await TestServer.StartAsync(db: KvDatabase.Open(dir));
            Assert.Equal(["p/s=kept"], TestServer.Items((await reopened.GetAsync("/query_begins/p/s/asc")).Body));
            Assert.Equal(["1"], TestServer.Rows((await reopened.SqlAsync("select a from t")).Body));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task BindIsLoopback_ByDefault()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Address.Port);
        Assert.True(tcp.Connected);
    }
}
