using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Transport;

public sealed class HttpTransportTests(ClusterHttpServerFixture server) : TransportConformanceTests, IClassFixture<ClusterHttpServerFixture>
{
    private static readonly byte[] s_secret = Encoding.UTF8.GetBytes("a cluster secret of enough bytes");
    private static int s_next;

    private readonly ConcurrentDictionary<NodeId, bool> _down = new();

    protected override Task<IReadOnlyList<IClusterTransport>> CreateAsync(int count) =>
        Task.FromResult<IReadOnlyList<IClusterTransport>>([.. Enumerable.Range(0, count).Select(_ => AddNode())]);

    protected override Task SetDownAsync(IClusterTransport node, bool down)
    {
        _down[node.Self] = down;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Post_WithoutSignature_Returns401()
    {
        await using var node = AddNode();
        node.Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        using var client = RawClient();
        using var response = await client.SendAsync(RawRequest(node.Self, MessageCodec.Encode(new HeartbeatRequest(1)), sender: "node-x", timestamp: Now(), signature: null));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Unauthenticated cluster request: the X-KvDb-Signature header is missing.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_SignedByTheSpecification_Returns200WithTheReply()
    {
        // The signature computed here from the documented formula, independently of the transport's code.
        await using var node = AddNode();
        var handler = TestHandler.Replying(r => new HeartbeatReply(((HeartbeatRequest)r).Epoch * 2));
        node.Listen(handler);
        var body = MessageCodec.Encode(new HeartbeatRequest(21));
        var timestamp = Now();
        using var client = RawClient();
        using var response = await client.SendAsync(RawRequest(node.Self, body, "node-x", timestamp, Sign(s_secret, "node-x", timestamp, body)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(2, 0), response.Version);
        Assert.Equal(ClusterHttpEndpoint.MessageContentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new HeartbeatReply(42), MessageCodec.Decode(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(new NodeId("node-x"), handler.Received.Single().Sender);
    }

    [Fact]
    public async Task Post_TamperedBody_Returns401()
    {
        await using var node = AddNode();
        node.Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        var timestamp = Now();
        var signature = Sign(s_secret, "node-x", timestamp, MessageCodec.Encode(new HeartbeatRequest(1)));
        using var client = RawClient();
        using var response = await client.SendAsync(RawRequest(node.Self, MessageCodec.Encode(new HeartbeatRequest(2)), "node-x", timestamp, signature));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SendAsync_WithWrongSecret_ThrowsClusterAuthenticationException()
    {
        await using var node = AddNode();
        var handler = TestHandler.Replying(_ => new HeartbeatReply(1));
        node.Listen(handler);
        await using var intruder = new HttpClusterTransport("intruder", Address, Encoding.UTF8.GetBytes("some other secret, 16+ bytes"), ClusterRuntime.System);
        var e = await Assert.ThrowsAsync<ClusterAuthenticationException>(() => intruder.SendAsync(node.Self, new HeartbeatRequest(1), Generous));
        Assert.Equal(
            $"Node {node.Self} rejected the request from intruder (401): Unauthenticated cluster request: the signature does not match (is the cluster secret the same on every node?).",
            e.Message);
        Assert.Empty(handler.Received);
    }

    [Fact]
    public async Task SendAsync_WithClockSixMinutesOff_ThrowsClusterAuthenticationException_FourMinutesIsAccepted()
    {
        await using var node = AddNode();
        node.Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        await using var late = new HttpClusterTransport("late", Address, s_secret, new ClusterRuntime(new ShiftedTimeProvider(TimeSpan.FromMinutes(-6)), new Random(1)));
        var e = await Assert.ThrowsAsync<ClusterAuthenticationException>(() => late.SendAsync(node.Self, new HeartbeatRequest(1), Generous));
        Assert.Contains("away from this node's clock (at most 5 minutes allowed)", e.Message, StringComparison.Ordinal);

        await using var early = new HttpClusterTransport("early", Address, s_secret, new ClusterRuntime(new ShiftedTimeProvider(TimeSpan.FromMinutes(4)), new Random(1)));
        Assert.IsType<HeartbeatReply>(await early.SendAsync(node.Self, new HeartbeatRequest(1), Generous));
    }

    [Fact]
    public async Task Post_MalformedSignedBody_Returns400NamingTheProblem()
    {
        await using var node = AddNode();
        node.Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        byte[] body = [MessageCodec.Magic, MessageCodec.Version, 99];
        var timestamp = Now();
        using var client = RawClient();
        using var response = await client.SendAsync(RawRequest(node.Self, body, "node-x", timestamp, Sign(s_secret, "node-x", timestamp, body)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Malformed cluster message: message type 99 is unknown at byte 2.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_UnknownRoute_Returns404()
    {
        using var client = RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "_cluster/v1/nothing-here"))
        {
            Content = new ByteArrayContent([1]),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task SendAsync_OversizedBody_Gets413AsClusterProtocolException()
    {
        await using var node = AddNode(maxBodyBytes: 256 * 1024);
        var handler = TestHandler.Replying(_ => new StoreReply(ReplyStatus.Ok, 1, 0));
        node.Listen(handler);
        await using var sender = AddNode();
        var e = await Assert.ThrowsAsync<ClusterProtocolException>(() => sender.SendAsync(node.Self, LargeStoreRequest(2 * 1024 * 1024), Generous));
        Assert.StartsWith($"Node {node.Self} rejected the request from {sender.Self} (413): The request body of ", e.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Received);

        // A body just under the limit still goes through.
        Assert.IsType<StoreReply>(await sender.SendAsync(node.Self, LargeStoreRequest(128 * 1024), Generous));
    }

    [Fact]
    public async Task Post_OversizedBodyWithoutContentLength_Returns413()
    {
        await using var node = AddNode(maxBodyBytes: 64 * 1024);
        node.Listen(TestHandler.Replying(_ => new HeartbeatReply(1)));
        var body = new byte[200 * 1024];
        var timestamp = Now();
        using var client = RawClient();
        using var request = RawRequest(node.Self, body, "node-x", timestamp, Sign(s_secret, "node-x", timestamp, body));
        request.Content = new StreamContent(new UnseekableStream(body)); // no Content-Length: the endpoint counts
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ClusterHttpEndpoint.MessageContentType);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("The request body exceeds the limit of 65536 bytes.", await response.Content.ReadAsStringAsync());
    }

    private HttpClusterTransport AddNode(long maxBodyBytes = ClusterHttpEndpoint.DefaultMaxBodyBytes)
    {
        var self = new NodeId($"h{Interlocked.Increment(ref s_next)}");
        var transport = new HttpClusterTransport(self, Address, s_secret, ClusterRuntime.System);
        server.Endpoints[self.Value] = transport.CreateEndpoint(maxBodyBytes);
        return transport;
    }

    private Uri? Address(NodeId node) =>
        !server.Endpoints.ContainsKey(node.Value) ? null
        : _down.TryGetValue(node, out var down) && down ? server.ClosedAddress
        : server.NodeAddress(node);

    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Sign(byte[] secret, string sender, string timestamp, byte[] body) =>
        Convert.ToHexString(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(sender + "\n" + timestamp + "\n").Concat(body).ToArray())).ToLowerInvariant();

    private static HttpClient RawClient() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private HttpRequestMessage RawRequest(NodeId target, byte[] body, string? sender, string? timestamp, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.NodeAddress(target), ClusterHttpEndpoint.RoutePath.TrimStart('/')))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20, // h2c with prior knowledge: the server speaks HTTP/2 only
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ClusterHttpEndpoint.MessageContentType);
        AddHeader(request, ClusterHttpEndpoint.NodeHeader, sender);
        AddHeader(request, ClusterHttpEndpoint.TimestampHeader, timestamp);
        AddHeader(request, ClusterHttpEndpoint.SignatureHeader, signature);
        return request;
    }

    private static void AddHeader(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.Add(name, value);
        }
    }

    /// <summary>A read-only stream of unknown length, so the request goes without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
