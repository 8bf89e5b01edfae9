using System.Globalization;
using System.Net;
using System.Text;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Transport;

/// <summary>The server side without a web server, and the client side against a scripted HTTP handler.</summary>
public sealed class ClusterHttpEndpointTests
{
    private static readonly byte[] s_secret = Encoding.UTF8.GetBytes("0123456789abcdef");
    private static readonly ClusterRuntime s_runtime = new(new ShiftedTimeProvider(TimeSpan.Zero), new Random(7));

    [Theory]
    [InlineData(null, "ts", "sig", "the X-KvDb-Node header is missing")]
    [InlineData("bad node!", "ts", "sig", "the X-KvDb-Node header is not a valid node id")]
    [InlineData("n1", null, "sig", "the X-KvDb-Timestamp header is missing")]
    [InlineData("n1", "ts", null, "the X-KvDb-Signature header is missing")]
    [InlineData("n1", "ts", "abc", "the X-KvDb-Signature header is not 64 hex digits")]
    [InlineData("n1", "ts", "zz00000000000000000000000000000000000000000000000000000000000000", "the X-KvDb-Signature header is not 64 hex digits")]
    [InlineData("n1", "ts", "0000000000000000000000000000000000000000000000000000000000000000", "the signature does not match (is the cluster secret the same on every node?)")]
    public async Task HandleAsync_BadCredentials_Returns401(string? node, string? timestamp, string? signature, string reason)
    {
        var endpoint = new ClusterHttpEndpoint(TestHandler.Replying(_ => new HeartbeatReply(1)), s_secret, s_runtime);
        var response = await endpoint.HandleAsync(node, timestamp, signature, MessageCodec.Encode(new HeartbeatRequest(1)), default);
        Assert.Equal(401, response.StatusCode);
        Assert.Equal(ClusterHttpEndpoint.TextContentType, response.ContentType);
        Assert.Equal($"Unauthenticated cluster request: {reason}.", Encoding.UTF8.GetString(response.Body));
    }

    [Theory]
    [InlineData(-301_000, 401)]
    [InlineData(-290_000, 200)]
    [InlineData(290_000, 200)]
    [InlineData(301_000, 401)]
    public async Task HandleAsync_TimestampOffset_AllowsFiveMinutes(long offsetMilliseconds, int status)
    {
        var endpoint = new ClusterHttpEndpoint(TestHandler.Replying(_ => new HeartbeatReply(1)), s_secret, s_runtime);
        var body = MessageCodec.Encode(new HeartbeatRequest(1));
        var timestamp = (s_runtime.NowMilliseconds + offsetMilliseconds).ToString(CultureInfo.InvariantCulture);
        var response = await endpoint.HandleAsync("n1", timestamp, Sign("n1", timestamp, body), body, default);
        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task HandleAsync_SignedGarbageTimestamp_Returns401()
    {
        var endpoint = new ClusterHttpEndpoint(TestHandler.Replying(_ => new HeartbeatReply(1)), s_secret, s_runtime);
        var body = MessageCodec.Encode(new HeartbeatRequest(1));
        var response = await endpoint.HandleAsync("n1", "-12", Sign("n1", "-12", body), body, default);
        Assert.Equal(401, response.StatusCode);
        Assert.Contains("not a decimal number of milliseconds", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_HandlerThrows_ReturnsErrorReply()
    {
        var endpoint = new ClusterHttpEndpoint(new TestHandler((_, _, _) => throw new InvalidOperationException("boom")), s_secret, s_runtime);
        var response = await SendAsync(endpoint, new HeartbeatRequest(1));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(new ErrorReply("The handler failed: InvalidOperationException: boom"), MessageCodec.Decode(response.Body));
    }

    [Fact]
    public async Task HandleAsync_HandlerReturnsUnencodableReply_Returns500()
    {
        var endpoint = new ClusterHttpEndpoint(TestHandler.Replying(_ => new StoreReply((ReplyStatus)200, 1, 1)), s_secret, s_runtime);
        var response = await SendAsync(endpoint, new HeartbeatRequest(1));
        Assert.Equal(500, response.StatusCode);
        Assert.StartsWith("The reply could not be encoded: Reply status 200 is not defined.", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_RequestCancelled_Returns503()
    {
        var endpoint = new ClusterHttpEndpoint(new TestHandler(async (_, _, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return new HeartbeatReply(1);
        }), s_secret, s_runtime);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var response = await SendAsync(endpoint, new HeartbeatRequest(1), cancellation.Token);
        Assert.Equal(503, response.StatusCode);
    }

    [Fact]
    public async Task HandleAsync_OverTheLimit_Returns413BeforeAuthenticating()
    {
        var endpoint = new ClusterHttpEndpoint(TestHandler.Replying(_ => new HeartbeatReply(1)), s_secret, s_runtime, maxBodyBytes: 10);
        var response = await endpoint.HandleAsync(null, null, null, new byte[11], default);
        Assert.Equal(413, response.StatusCode);
        Assert.Equal("The request body of 11 bytes exceeds the limit of 10 bytes.", Encoding.UTF8.GetString(response.Body));
        var declared = await endpoint.HandleAsync(null, null, null, new MemoryStream(new byte[3]), contentLength: 1_000_000, default);
        Assert.Equal(413, declared.StatusCode);
        Assert.Equal(401, (await endpoint.HandleAsync(null, null, null, new byte[10], default)).StatusCode);
    }

    [Fact]
    public async Task Transport_EndpointBeforeListen_Returns503_ThenServes()
    {
        await using var transport = new HttpClusterTransport("n1", _ => null, s_secret, s_runtime);
        var endpoint = transport.CreateEndpoint();
        Assert.Equal(503, (await SendAsync(endpoint, new HeartbeatRequest(1))).StatusCode);
        transport.Listen(TestHandler.Replying(_ => new HeartbeatReply(2)));
        var response = await SendAsync(endpoint, new HeartbeatRequest(1));
        Assert.Equal(new HeartbeatReply(2), MessageCodec.Decode(response.Body));
    }

    [Fact]
    public void Constructors_ShortSecret_Throw()
    {
        Assert.Throws<ArgumentException>(() => new ClusterHttpEndpoint(TestHandler.Replying(_ => new HeartbeatReply(1)), new byte[15], s_runtime));
        Assert.Throws<ArgumentException>(() => new HttpClusterTransport("n1", _ => null, new byte[15], s_runtime));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, typeof(ClusterAuthenticationException))]
    [InlineData(HttpStatusCode.Forbidden, typeof(ClusterAuthenticationException))]
    [InlineData(HttpStatusCode.BadRequest, typeof(ClusterProtocolException))]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, typeof(ClusterProtocolException))]
    [InlineData(HttpStatusCode.NotFound, typeof(NodeUnreachableException))]
    [InlineData(HttpStatusCode.InternalServerError, typeof(NodeUnreachableException))]
    [InlineData(HttpStatusCode.ServiceUnavailable, typeof(NodeUnreachableException))]
    public async Task SendAsync_ErrorStatus_MapsToException(HttpStatusCode status, Type expected)
    {
        using var http = new ScriptedHandler(_ => new HttpResponseMessage(status) { Content = new StringContent("why") });
        await using var transport = new HttpClusterTransport("n1", _ => new Uri("http://peer.invalid:7400/base"), s_secret, s_runtime, http);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync("n2", new HeartbeatRequest(1), TimeSpan.FromSeconds(5)));
        Assert.IsType(expected, e);
        Assert.Contains("why", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_UndecodableReply_ThrowsClusterProtocolException()
    {
        using var http = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([0xCB, 1, 16]) });
        await using var transport = new HttpClusterTransport("n1", _ => new Uri("http://peer.invalid/"), s_secret, s_runtime, http);
        var e = await Assert.ThrowsAsync<ClusterProtocolException>(() => transport.SendAsync("n2", new HeartbeatRequest(1), TimeSpan.FromSeconds(5)));
        Assert.Equal("Malformed cluster message: truncated epoch at byte 3.", e.Message);
    }

    [Fact]
    public async Task SendAsync_WritesTheDocumentedRequest()
    {
        HttpRequestMessage? seen = null;
        byte[]? body = null;
        using var http = new ScriptedHandler(request =>
        {
            seen = request;
            body = request.Content!.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(MessageCodec.Encode(new HeartbeatReply(5))) };
        });
        await using var transport = new HttpClusterTransport("n1", _ => new Uri("http://peer.invalid:7400/prefix"), s_secret, s_runtime, http);
        Assert.Equal(new HeartbeatReply(5), await transport.SendAsync("n2", new HeartbeatRequest(4), TimeSpan.FromSeconds(5)));
        Assert.NotNull(seen);
        Assert.Equal(HttpMethod.Post, seen.Method);
        Assert.Equal("http://peer.invalid:7400/prefix/_cluster/v1/message", seen.RequestUri!.AbsoluteUri);
        Assert.Equal(HttpVersion.Version20, seen.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, seen.VersionPolicy);
        Assert.Equal(ClusterHttpEndpoint.MessageContentType, seen.Content!.Headers.ContentType!.MediaType);
        Assert.Equal(MessageCodec.Encode(new HeartbeatRequest(4)), body);
        Assert.Equal("n1", seen.Headers.GetValues(ClusterHttpEndpoint.NodeHeader).Single());
        var timestamp = seen.Headers.GetValues(ClusterHttpEndpoint.TimestampHeader).Single();
        Assert.InRange(long.Parse(timestamp, CultureInfo.InvariantCulture), s_runtime.NowMilliseconds - 60_000, s_runtime.NowMilliseconds);
        Assert.Equal(Sign("n1", timestamp, body!), seen.Headers.GetValues(ClusterHttpEndpoint.SignatureHeader).Single());
    }

    [Fact]
    public async Task SendAsync_UnknownAddress_ThrowsNodeUnreachableWithoutSending()
    {
        var sent = 0;
        using var http = new ScriptedHandler(_ =>
        {
            sent++;
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        await using var transport = new HttpClusterTransport("n1", _ => null, s_secret, s_runtime, http);
        var e = await Assert.ThrowsAsync<NodeUnreachableException>(() => transport.SendAsync("n2", new HeartbeatRequest(1), TimeSpan.FromSeconds(5)));
        Assert.Equal("Node n2 is unreachable: its address is unknown", e.Message);
        Assert.Equal(0, sent);
    }

    private static Task<ClusterHttpResponse> SendAsync(ClusterHttpEndpoint endpoint, ClusterMessage message, CancellationToken cancellationToken = default)
    {
        var body = MessageCodec.Encode(message);
        var timestamp = s_runtime.NowMilliseconds.ToString(CultureInfo.InvariantCulture);
        return endpoint.HandleAsync("n9", timestamp, Sign("n9", timestamp, body), body, cancellationToken);
    }

    private static string Sign(string sender, string timestamp, byte[] body) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            s_secret, Encoding.UTF8.GetBytes(sender + "\n" + timestamp + "\n").Concat(body).ToArray()));

    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
