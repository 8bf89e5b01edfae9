using System.Net;
using KvDb.Cluster.Node;
using KvDb.Cluster.Transport;
using KvDb.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvDb.Server.Hosting;

/// <summary>
/// A running KvDb HTTP server on Kestrel. The client API listens on <see cref="ServerOptions.Port"/> with HTTP/1.1
/// and HTTP/2; a clustered node also listens on <see cref="ServerOptions.ClusterPort"/> with HTTP/2 only (the cluster
/// transport uses HTTP/2 prior knowledge, which Kestrel accepts on cleartext only on an HTTP/2-only endpoint), where
/// the only route is <see cref="ClusterHttpEndpoint.RoutePath"/>. Disposing stops accepting requests, lets the ones in
/// flight finish, then disposes the cluster node and the database (which flushes and closes its log).
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ClusterNode? _node;
    private readonly KvDatabase _db;
    private readonly bool _ownsDatabase;
    private int _disposed;

    private ServerHost(WebApplication app, KvDbApi api, KvDatabase db, ClusterNode? node, bool ownsDatabase)
    {
        _app = app;
        Api = api;
        _db = db;
        _node = node;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The API being served.</summary>
    public KvDbApi Api { get; }

    /// <summary>The client API's base address, e.g. <c>http://127.0.0.1:7400/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The node-to-node base address, when clustered.</summary>
    public Uri? ClusterAddress { get; private set; }

    /// <summary>
    /// Starts a server. <paramref name="db"/> is the database to serve (for a clustered node: a
    /// <see cref="KvDatabase"/> over <c>node.Store</c>); <paramref name="ownsDatabase"/> says whether disposing the host
    /// disposes it.
    /// </summary>
    public static async Task<ServerHost> StartAsync(ServerOptions options, KvDatabase db, bool ownsDatabase,
        ClusterNode? node = null, ClusterHttpEndpoint? clusterEndpoint = null, CancellationToken cancellationToken = default)
    {
        if (!IPAddress.TryParse(options.Bind, out var bind))
        {
            throw new ArgumentException($"--bind must be an IP address such as 127.0.0.1 or 0.0.0.0, found '{options.Bind}'.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The API checks the body size itself to answer with a JSON 413. Kestrel's limit is a backstop set well
            // above it, so that Kestrel can still drain a refused body and the client reads the 413 instead of a reset.
            k.Limits.MaxRequestBodySize = Math.Max((options.MaxRequestBytes * 2) + (1 << 20), clusterEndpoint?.MaxBodyBytes ?? 0);
            k.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            k.Listen(bind, options.Port, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            if (options.ClusterPort is { } clusterPort)
            {
                k.Listen(bind, clusterPort, o => o.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var app = builder.Build();
        var api = new KvDbApi(db, node, options, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KvDb.Server"));
        var host = new ServerHost(app, api, db, node, ownsDatabase);
        app.Run(async context =>
        {
            if (options.ClusterPort is not null && clusterEndpoint is not null && context.Connection.LocalPort == host.ClusterAddress?.Port)
            {
                await ServeClusterAsync(context, clusterEndpoint);
                return;
            }

            await api.HandleAsync(context);
        });
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        // Kestrel reports the endpoints in the order they were configured.
        host.Address = new Uri(addresses[0].GetLeftPart(UriPartial.Authority) + "/");
        if (options.ClusterPort is not null)
        {
            host.ClusterAddress = new Uri(addresses[1].GetLeftPart(UriPartial.Authority) + "/");
        }

        return host;
    }

    private static async Task ServeClusterAsync(HttpContext context, ClusterHttpEndpoint endpoint)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || request.Path != ClusterHttpEndpoint.RoutePath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = ClusterHttpEndpoint.TextContentType;
            await context.Response.WriteAsync($"The cluster port serves only POST {ClusterHttpEndpoint.RoutePath}; the client API is on the other port.");
            return;
        }

        var result = await endpoint.HandleAsync(
            request.Headers[ClusterHttpEndpoint.NodeHeader],
            request.Headers[ClusterHttpEndpoint.TimestampHeader],
            request.Headers[ClusterHttpEndpoint.SignatureHeader],
            request.Body,
            request.ContentLength,
            context.RequestAborted);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.StatusCode = result.StatusCode;
        context.Response.ContentType = result.ContentType;
        context.Response.ContentLength = result.Body.Length;
        await context.Response.Body.WriteAsync(result.Body);
    }

    /// <summary>Stops gracefully: in-flight requests finish (up to 10 s), then the node and the database are closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Requests that did not finish in time are abandoned; the database is still closed cleanly below.
            }
        }

        await _app.DisposeAsync();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_ownsDatabase)
        {
            await _db.DisposeAsync();
        }
    }
}
