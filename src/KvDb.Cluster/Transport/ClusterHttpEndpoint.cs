using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KvDb.Cluster.Runtime;

namespace KvDb.Cluster.Transport;

/// <summary>The answer of <see cref="ClusterHttpEndpoint"/> for the host to write back.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">The response body: an encoded reply (status 200) or a UTF-8 text saying what is wrong.</param>
/// <param name="ContentType">The content type of <paramref name="Body"/>.</param>
public sealed record ClusterHttpResponse(int StatusCode, byte[] Body, string ContentType);

/// <summary>
/// The server side of the HTTP transport, independent of any web framework: the host (Kestrel, HttpListener, ...)
/// maps <c>POST <see cref="RoutePath"/></c> to <see cref="HandleAsync(string, string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
/// and writes back the returned status, content type and body. The endpoint checks the request's signature,
/// sender and timestamp, decodes the message, runs the handler and encodes its reply; it never throws.
/// </summary>
/// <remarks>
/// Status codes: 200 with an encoded reply (a handler that throws produces an <see cref="ErrorReply"/>); 400 for a
/// body that does not decode; 401 for a missing or wrong signature, a bad node id or a timestamp more than
/// <see cref="MaxClockSkew"/> away from this node's clock; 413 for a body over the size limit; 500 when the reply
/// cannot be encoded; 503 when no handler is listening yet or the request was cancelled.
/// </remarks>
public sealed class ClusterHttpEndpoint
{
    /// <summary>The route of node-to-node messages.</summary>
    public const string RoutePath = "/_cluster/v1/message";

    /// <summary>The content type of encoded messages.</summary>
    public const string MessageContentType = "application/x-kvdb-cluster";

    /// <summary>The content type of error texts.</summary>
    public const string TextContentType = "text/plain; charset=utf-8";

    /// <summary>The header naming the sending node.</summary>
    public const string NodeHeader = "X-KvDb-Node";

    /// <summary>The header with the sender's clock in Unix milliseconds (decimal).</summary>
    public const string TimestampHeader = "X-KvDb-Timestamp";

    /// <summary>The header with the lowercase hex HMAC-SHA256 of sender, timestamp and body (see <see cref="HttpClusterTransport"/>).</summary>
    public const string SignatureHeader = "X-KvDb-Signature";

    /// <summary>The default request size limit: 64 MiB.</summary>
    public const long DefaultMaxBodyBytes = 64L * 1024 * 1024;

    private readonly Func<IMessageHandler?> _handler;
    private readonly byte[] _secret;
    private readonly ClusterRuntime _runtime;

    /// <summary>Creates an endpoint serving requests with <paramref name="handler"/>.</summary>
    /// <param name="handler">Serves the decoded requests.</param>
    /// <param name="secret">The cluster secret shared by all nodes (at least 16 bytes; copied).</param>
    /// <param name="runtime">The clock the timestamps are checked against.</param>
    /// <param name="maxBodyBytes">The largest request body accepted.</param>
    public ClusterHttpEndpoint(IMessageHandler handler, byte[] secret, ClusterRuntime runtime, long maxBodyBytes = DefaultMaxBodyBytes)
        : this(ValidHandler(handler), secret, runtime, maxBodyBytes)
    {
    }

    internal ClusterHttpEndpoint(Func<IMessageHandler?> handler, byte[] secret, ClusterRuntime runtime, long maxBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBodyBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBodyBytes, Array.MaxLength);
        _handler = handler;
        _secret = ClusterHttpSignature.CheckSecret(secret);
        _runtime = runtime;
        MaxBodyBytes = maxBodyBytes;
    }

    /// <summary>How far a request's timestamp may be from this node's clock.</summary>
    public static TimeSpan MaxClockSkew { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest request body accepted (hosts should let at least this much through).</summary>
    public long MaxBodyBytes { get; }

    /// <summary>Serves one request whose body the host has already read.</summary>
    /// <param name="nodeHeader">The <see cref="NodeHeader"/> value, or null when absent.</param>
    /// <param name="timestampHeader">The <see cref="TimestampHeader"/> value, or null when absent.</param>
    /// <param name="signatureHeader">The <see cref="SignatureHeader"/> value, or null when absent.</param>
    /// <param name="body">The request body.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public async Task<ClusterHttpResponse> HandleAsync(
        string? nodeHeader, string? timestampHeader, string? signatureHeader, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (body.Length > MaxBodyBytes)
        {
            return TooLarge(body.Length);
        }

        if (Authenticate(nodeHeader, timestampHeader, signatureHeader, body.Span) is { } rejection)
        {
            return rejection;
        }

        ClusterMessage request;
        try
        {
            request = MessageCodec.Decode(body.Span);
        }
        catch (ClusterProtocolException e)
        {
            return Text(400, e.Message);
        }

        var handler = _handler();
        if (handler is null)
        {
            return Text(503, "This node is not listening for cluster messages yet.");
        }

        ClusterMessage reply;
        try
        {
            reply = await handler.HandleAsync(new NodeId(nodeHeader!), request, cancellationToken);
            if (reply is null)
            {
                return Text(500, "The handler returned no reply.");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Text(503, "The request was cancelled.");
        }
        catch (Exception e)
        {
            reply = TransportRules.ErrorReplyFor(e);
        }

        try
        {
            return new ClusterHttpResponse(200, MessageCodec.Encode(reply), MessageContentType);
        }
        catch (ArgumentException e)
        {
            return Text(500, $"The reply could not be encoded: {e.Message}");
        }
    }

    /// <summary>
    /// Serves one request, reading its body from <paramref name="body"/> up to <see cref="MaxBodyBytes"/>
    /// (a larger <paramref name="contentLength"/> is refused before anything is read).
    /// </summary>
    /// <param name="nodeHeader">The <see cref="NodeHeader"/> value, or null when absent.</param>
    /// <param name="timestampHeader">The <see cref="TimestampHeader"/> value, or null when absent.</param>
    /// <param name="signatureHeader">The <see cref="SignatureHeader"/> value, or null when absent.</param>
    /// <param name="body">The request body stream.</param>
    /// <param name="contentLength">The declared body length, or null when unknown (HTTP/2 may omit it).</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public async Task<ClusterHttpResponse> HandleAsync(
        string? nodeHeader, string? timestampHeader, string? signatureHeader, Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentLength > MaxBodyBytes)
        {
            return TooLarge(contentLength.Value);
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Clamp(contentLength ?? 16 * 1024, 1, MaxBodyBytes));
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > MaxBodyBytes)
                {
                    return TooLarge(null);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return Text(503, "The request was cancelled while its body was read.");
        }
        catch (IOException e)
        {
            return Text(400, $"The request body could not be read: {e.Message}");
        }

        return await HandleAsync(nodeHeader, timestampHeader, signatureHeader, buffer.WrittenMemory, cancellationToken);
    }

    private ClusterHttpResponse? Authenticate(string? node, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(node))
        {
            return Unauthorized($"the {NodeHeader} header is missing");
        }

        try
        {
            _ = new NodeId(node);
        }
        catch (ArgumentException)
        {
            return Unauthorized($"the {NodeHeader} header is not a valid node id");
        }

        if (string.IsNullOrEmpty(timestamp))
        {
            return Unauthorized($"the {TimestampHeader} header is missing");
        }

        if (string.IsNullOrEmpty(signature))
        {
            return Unauthorized($"the {SignatureHeader} header is missing");
        }

        Span<byte> given = stackalloc byte[32];
        if (signature.Length != 64 ||
            Convert.FromHexString(signature, given, out _, out var written) != OperationStatus.Done || written != 32)
        {
            return Unauthorized($"the {SignatureHeader} header is not 64 hex digits");
        }

        var expected = ClusterHttpSignature.Compute(_secret, node, timestamp, body);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return Unauthorized("the signature does not match (is the cluster secret the same on every node?)");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var sent))
        {
            return Unauthorized($"the {TimestampHeader} header is not a decimal number of milliseconds");
        }

        var skew = Math.Abs((decimal)_runtime.NowMilliseconds - sent);
        return skew > (decimal)MaxClockSkew.TotalMilliseconds
            ? Unauthorized($"the timestamp is {skew:0} ms away from this node's clock (at most {MaxClockSkew.TotalMinutes:0} minutes allowed)")
            : null;
    }

    private static Func<IMessageHandler?> ValidHandler(IMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return () => handler;
    }

    private ClusterHttpResponse TooLarge(long? length) => length is { } n
        ? Text(413, $"The request body of {n} bytes exceeds the limit of {MaxBodyBytes} bytes.")
        : Text(413, $"The request body exceeds the limit of {MaxBodyBytes} bytes.");

    private static ClusterHttpResponse Unauthorized(string reason) => Text(401, $"Unauthenticated cluster request: {reason}.");

    private static ClusterHttpResponse Text(int status, string text) => new(status, Encoding.UTF8.GetBytes(text), TextContentType);
}
