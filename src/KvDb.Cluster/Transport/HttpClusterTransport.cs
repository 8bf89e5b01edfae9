using System.Net;
using System.Net.Http.Headers;
using System.Text;
using KvDb.Cluster.Runtime;

namespace KvDb.Cluster.Transport;

/// <summary>
/// The HTTP/2 transport: each request is a <c>POST {base}/_cluster/v1/message</c> whose body is the
/// <see cref="MessageCodec"/> encoding, signed with the cluster secret. The receiving node serves it with a
/// <see cref="ClusterHttpEndpoint"/> (see <see cref="CreateEndpoint"/>) mapped into its web host.
/// </summary>
/// <remarks>
/// Headers: <c>X-KvDb-Node</c> (the sender), <c>X-KvDb-Timestamp</c> (the sender's clock, Unix milliseconds) and
/// <c>X-KvDb-Signature</c> = lowercase hex HMAC-SHA256(secret, sender + "\n" + timestamp + "\n" + body). Only
/// HTTP/2 is spoken (prior knowledge over <c>http://</c>, ALPN over <c>https://</c>). Outcomes: a decoded reply;
/// <see cref="NodeUnreachableException"/> for connection failures, timeouts, 404 and 5xx; <see cref="ClusterAuthenticationException"/>
/// for 401 and 403; <see cref="ClusterProtocolException"/> for other 4xx and undecodable replies;
/// <see cref="OperationCanceledException"/> when the caller cancels.
/// </remarks>
public sealed class HttpClusterTransport : IClusterTransport
{
    private const int MaxErrorTextLength = 500;

    private static readonly MediaTypeHeaderValue s_contentType = new(ClusterHttpEndpoint.MessageContentType);

    private readonly Func<NodeId, Uri?> _addressBook;
    private readonly byte[] _secret;
    private readonly ClusterRuntime _runtime;
    private readonly HttpClient _client;
    private volatile IMessageHandler? _handler;
    private volatile bool _disposed;

    /// <summary>Creates the transport of node <paramref name="self"/>.</summary>
    /// <param name="self">This node.</param>
    /// <param name="addressBook">The base URI of each node (e.g. <c>http://10.0.0.7:7400/</c>), or null when unknown.</param>
    /// <param name="secret">The cluster secret shared by all nodes (at least 16 bytes; copied).</param>
    /// <param name="runtime">The clock for timestamps and timeouts.</param>
    /// <param name="httpHandler">
    /// The HTTP handler to send with (not disposed by the transport); by default a <see cref="SocketsHttpHandler"/>
    /// with pooled, multiplexed HTTP/2 connections, keep-alive pings and no proxy, owned by the transport.
    /// </param>
    public HttpClusterTransport(NodeId self, Func<NodeId, Uri?> addressBook, byte[] secret, ClusterRuntime runtime, HttpMessageHandler? httpHandler = null)
    {
        ArgumentNullException.ThrowIfNull(addressBook);
        ArgumentNullException.ThrowIfNull(runtime);
        if (self.Value is null)
        {
            throw new ArgumentException("The node id is the default value.", nameof(self));
        }

        Self = self;
        _addressBook = addressBook;
        _secret = ClusterHttpSignature.CheckSecret(secret);
        _runtime = runtime;
        _client = httpHandler is null ? new HttpClient(CreateDefaultHandler(), disposeHandler: true) : new HttpClient(httpHandler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan; // each request has its own timeout
    }

    /// <inheritdoc />
    public NodeId Self { get; }

    /// <summary>Registers the handler that serves this node's requests (through the endpoint made by <see cref="CreateEndpoint"/>).</summary>
    /// <exception cref="InvalidOperationException">A handler is already registered.</exception>
    public void Listen(IMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException($"Node {Self} already has a handler.");
        }
    }

    /// <summary>
    /// Creates the server side for this node: an endpoint with the same secret and clock that serves requests with
    /// the handler registered by <see cref="Listen"/> (503 until one is).
    /// </summary>
    /// <param name="maxBodyBytes">The largest request body accepted.</param>
    public ClusterHttpEndpoint CreateEndpoint(long maxBodyBytes = ClusterHttpEndpoint.DefaultMaxBodyBytes) =>
        new(() => _handler, _secret, _runtime, maxBodyBytes);

    /// <inheritdoc />
    public async Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        TransportRules.Validate(timeout);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var baseUri = _addressBook(target) ?? throw new NodeUnreachableException(target, "its address is unknown");
        var body = MessageCodec.Encode(request);
        var timestamp = ClusterHttpSignature.FormatTimestamp(_runtime.NowMilliseconds);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri.AbsoluteUri.TrimEnd('/') + ClusterHttpEndpoint.RoutePath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = s_contentType;
        message.Headers.TryAddWithoutValidation(ClusterHttpEndpoint.NodeHeader, Self.Value);
        message.Headers.TryAddWithoutValidation(ClusterHttpEndpoint.TimestampHeader, timestamp);
        message.Headers.TryAddWithoutValidation(ClusterHttpEndpoint.SignatureHeader, ClusterHttpSignature.ComputeHex(_secret, Self.Value, timestamp, body));

        using var timeoutSource = new CancellationTokenSource(timeout, _runtime.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var content = await response.Content.ReadAsByteArrayAsync(linked.Token);
            var status = (int)response.StatusCode;
            return status switch
            {
                200 => MessageCodec.Decode(content),
                401 or 403 => throw new ClusterAuthenticationException($"Node {target} rejected the request from {Self} ({status}): {ErrorText(content)}"),
                404 or >= 500 => throw new NodeUnreachableException(target, $"HTTP {status}: {ErrorText(content)}"),
                _ => throw new ClusterProtocolException($"Node {target} rejected the request from {Self} ({status}): {ErrorText(content)}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new NodeUnreachableException(target, $"no reply within {timeout.TotalMilliseconds:0} ms", e);
        }
        catch (HttpRequestException e)
        {
            throw new NodeUnreachableException(target, e.Message, e);
        }
        catch (IOException e)
        {
            throw new NodeUnreachableException(target, e.Message, e);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        KeepAlivePingDelay = TimeSpan.FromSeconds(30),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
    };

    private static string ErrorText(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content, 0, Math.Min(content.Length, MaxErrorTextLength * 4));
        return text.Length > MaxErrorTextLength ? text[..MaxErrorTextLength] + "..." : text;
    }
}
