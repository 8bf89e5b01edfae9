using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KvDb.Cluster;
using KvDb.Cluster.Membership;
using KvDb.Cluster.Node;
using KvDb.Cluster.Placement;
using KvDb.Cypher;
using KvDb.Json;
using KvDb.Server.Hosting;
using KvDb.Sql;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace KvDb.Server.Http;

/// <summary>
/// The client HTTP API of one node: hash-db's key-value and document endpoints, <c>/sql</c>, <c>/cypher</c>,
/// <c>/health</c> and <c>/cluster</c>. Routing is done here on the raw request target, segment by segment, so that
/// an escaped <c>/</c> (<c>%2F</c>) inside a key stays part of the key (hash-db could not store such keys).
/// Every answer is JSON; every failure is a JSON error (see <see cref="ApiError"/>).
/// </summary>
internal sealed partial class KvDbApi
{
    /// <summary>The Core table behind <c>/set</c> and <c>/query_*</c>: partition key <c>pk</c> (S), sort key <c>sk</c> (S), attribute <c>value</c>.</summary>
    public const string KvTable = "kv";

    /// <summary>The Core table behind <c>/save</c> and <c>/documents</c>: <c>collection</c> (S), <c>id</c> (S), the document in <c>doc</c> (M).</summary>
    public const string DocumentTable = "documents";

    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = false, SkipValidation = false };
    private static readonly string[] s_routes =
    [
        "POST /set/{pk}/{sk}", "GET /query_begins/{pk}/{prefix}/{asc|desc}", "GET /query_pk_sk_begins/{pkPrefix}/{skPrefix}/{asc|desc}",
        "GET /query_between/{pk}/{from}/{to}/{asc|desc}", "GET /both_between/{fromPk}/{toPk}/{fromSk}/{toSk}/{asc|desc}",
        "POST /save/{collection}/{id}", "GET /documents/{collection}/{id}", "POST /sql", "POST /cypher", "GET /health", "GET /cluster",
        "POST /cluster/nodes/{id}", "DELETE /cluster/nodes/{id}",
    ];

    private readonly KvDatabase _db;
    private readonly ClusterNode? _node;
    private readonly ServerOptions _options;
    private readonly ILogger _logger;
    private readonly byte[]? _apiKey;
    private readonly SemaphoreSlim _tablesLock = new(1, 1);
    private volatile bool _tablesReady;

    public KvDbApi(KvDatabase db, ClusterNode? node, ServerOptions options, ILogger logger)
    {
        _db = db;
        _node = node;
        _options = options;
        _logger = logger;
        _apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : Encoding.UTF8.GetBytes(options.ApiKey);
    }

    /// <summary>The database the API serves.</summary>
    public KvDatabase Database => _db;

    /// <summary>Serves one request (never throws).</summary>
    public async Task HandleAsync(HttpContext context)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        try
        {
            if (_apiKey is not null && !Authorized(context.Request))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                throw new ApiException(new ApiError(StatusCodes.Status401Unauthorized, "Unauthorized", "MissingOrWrongApiKey",
                    "This server requires an API key: send the header 'Authorization: Bearer <key>'."));
            }

            await DispatchAsync(context, linked.Token);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            await WriteErrorAsync(context, new ApiError(StatusCodes.Status408RequestTimeout, "Timeout", "RequestTimeout",
                $"The request did not finish within the server's limit of {_options.RequestTimeout.TotalSeconds:0.###} s and was cancelled."));
        }
        catch (Exception e)
        {
            var error = ApiError.From(e);
            if (error.Status >= 500)
            {
                _logger.LogError(e, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            await WriteErrorAsync(context, error);
        }
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(header[Prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _apiKey);
    }

    private async Task DispatchAsync(HttpContext context, CancellationToken ct)
    {
        var method = context.Request.Method;
        var segments = Segments(context);
        var route = segments.Length == 0 ? "" : segments[0];
        switch (route)
        {
            case "set":
                Expect(context, segments, "POST", 3, "POST /set/{pk}/{sk}");
                await SetAsync(context, segments[1], segments[2], ct);
                return;
            case "query_begins":
                Expect(context, segments, "GET", 4, "GET /query_begins/{pk}/{prefix}/{asc|desc}");
                await QueryBeginsAsync(context, segments[1], segments[2], Order(segments[3]), ct);
                return;
            case "query_pk_sk_begins":
                Expect(context, segments, "GET", 4, "GET /query_pk_sk_begins/{pkPrefix}/{skPrefix}/{asc|desc}");
                await QueryPkSkBeginsAsync(context, segments[1], segments[2], Order(segments[3]), ct);
                return;
            case "query_between":
                Expect(context, segments, "GET", 5, "GET /query_between/{pk}/{from}/{to}/{asc|desc}");
                await QueryBetweenAsync(context, segments[1], segments[2], segments[3], Order(segments[4]), ct);
                return;
            case "both_between":
                Expect(context, segments, "GET", 6, "GET /both_between/{fromPk}/{toPk}/{fromSk}/{toSk}/{asc|desc}");
                await BothBetweenAsync(context, segments[1], segments[2], segments[3], segments[4], Order(segments[5]), ct);
                return;
            case "save":
                Expect(context, segments, "POST", 3, "POST /save/{collection}/{id}");
                await SaveDocumentAsync(context, segments[1], segments[2], ct);
                return;
            case "documents":
                Expect(context, segments, "GET", 3, "GET /documents/{collection}/{id}");
                await GetDocumentAsync(context, segments[1], segments[2], ct);
                return;
            case "sql":
                Expect(context, segments, "POST", 1, "POST /sql");
                await SqlAsync(context, ct);
                return;
            case "cypher":
                Expect(context, segments, "POST", 1, "POST /cypher");
                await CypherAsync(context, ct);
                return;
            case "health":
                Expect(context, segments, "GET", 1, "GET /health");
                await HealthAsync(context);
                return;
            case "cluster" when segments.Length == 1:
                Expect(context, segments, "GET", 1, "GET /cluster");
                await ClusterStatusAsync(context);
                return;
            case "cluster" when segments.Length == 3 && segments[1] == "nodes":
                if (method is not ("POST" or "DELETE"))
                {
                    throw MethodNotAllowed(context, method, "POST, DELETE", "/cluster/nodes/{id}");
                }

                await ChangeMembershipAsync(context, segments[2], add: method == "POST", ct);
                return;
            default:
                throw new ApiException(ApiError.NotFound("UnknownRoute",
                    $"No route for {method} {context.Request.Path}. Routes: {string.Join(", ", s_routes)}."));
        }
    }

    private static void Expect(HttpContext context, string[] segments, string method, int count, string shape)
    {
        if (segments.Length != count)
        {
            throw new ApiException(ApiError.NotFound("WrongPathShape",
                $"{context.Request.Path} has {segments.Length - 1} path parameter(s) after /{segments[0]}; expected {shape} ({count - 1}). Escape a '/' inside a key as %2F."));
        }

        if (context.Request.Method != method && !(method == "GET" && context.Request.Method == "HEAD"))
        {
            throw MethodNotAllowed(context, context.Request.Method, method, "/" + segments[0]);
        }
    }

    private static ApiException MethodNotAllowed(HttpContext context, string method, string allowed, string path)
    {
        context.Response.Headers.Allow = allowed;
        return new ApiException(new ApiError(StatusCodes.Status405MethodNotAllowed, "MethodNotAllowed", "MethodNotAllowed",
            $"{method} is not allowed on {path}; use {allowed}."));
    }

    /// <summary>The path segments of the raw request target, each percent-decoded once.</summary>
    private static string[] Segments(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Absolute-form request target: keep only the path.
            var uri = new Uri(raw);
            raw = uri.AbsolutePath;
        }

        var trimmed = raw.Trim('/');
        if (trimmed.Length == 0)
        {
            return [];
        }

        var parts = raw.TrimStart('/').Split('/');
        if (parts.Length > 1 && parts[^1].Length == 0 && !raw.EndsWith("//", StringComparison.Ordinal))
        {
            // One trailing slash is tolerated ("/sql/").
            parts = parts[..^1];
        }

        for (var i = 0; i < parts.Length; i++)
        {
            try
            {
                parts[i] = Uri.UnescapeDataString(parts[i]);
            }
            catch (UriFormatException)
            {
                throw new ApiException(ApiError.BadRequest("InvalidPath", $"Path segment {i + 1} is not valid percent-encoded text."));
            }
        }

        return parts;
    }

    private static bool Order(string order) => order switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw new ApiException(ApiError.BadRequest("InvalidOrder", $"The last path segment must be 'asc' or 'desc', found '{order}'.")),
    };

    // ------------------------------------------------------------------ bodies and answers

    /// <summary>Reads the request body, enforcing the size limit (413) and, when <paramref name="json"/>, the content type (415).</summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, bool json, CancellationToken ct)
    {
        var request = context.Request;
        if (json && request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            throw new ApiException(new ApiError(StatusCodes.Status415UnsupportedMediaType, "UnsupportedMediaType", "WrongContentType",
                $"The body must be JSON (Content-Type: application/json), found '{contentType}'. With curl, add -H 'Content-Type: application/json'."));
        }

        var max = _options.MaxRequestBytes;
        if (request.ContentLength > max)
        {
            throw TooLarge(max);
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, max) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, ct);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > max)
            {
                throw TooLarge(max);
            }
        }

        return buffer.WrittenMemory;
    }

    private static ApiException TooLarge(long max) => new(new ApiError(StatusCodes.Status413PayloadTooLarge, "RequestTooLarge", "BodyTooLarge",
        $"The request body is larger than the server's limit of {max} bytes."));

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            write(writer);
        }

        await SendAsync(context, status, buffer.WrittenMemory);
    }

    private static async Task SendAsync(HttpContext context, int status, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Headers.ContentLength = null;
        await WriteJsonAsync(context, error.Status, error.Write);
    }

    private static string Utf8(ReadOnlyMemory<byte> body, string what)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new ApiException(ApiError.BadRequest("InvalidUtf8", $"The {what} is not valid UTF-8 text."));
        }
    }

    private static void RequireKey(string value, string name)
    {
        if (value.Length == 0)
        {
            throw new ApiException(ApiError.BadRequest("EmptyKey", $"The {name} must not be empty."));
        }
    }

    private static string Invariant(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
