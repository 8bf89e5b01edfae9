using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KvDb.Cluster.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KvDb.Cluster.Tests.Transport;

/// <summary>
/// One Kestrel server on 127.0.0.1 (HTTP/2 only, cleartext) per test class, hosting any number of nodes:
/// node <c>n</c> is served at <c>{BaseAddress}n/_cluster/v1/message</c> by the endpoint registered for it.
/// </summary>
public sealed class ClusterHttpServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The endpoint of each hosted node.</summary>
    public ConcurrentDictionary<string, ClusterHttpEndpoint> Endpoints { get; } = new(StringComparer.Ordinal);

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A loopback address where nothing listens (connections are refused).</summary>
    public Uri ClosedAddress { get; private set; } = null!;

    /// <summary>The base URI of a hosted node.</summary>
    public Uri NodeAddress(NodeId node) => new(BaseAddress, node.Value + "/");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The endpoint enforces its own limit (413) and must see the whole request to do so.
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.MapPost("/{node}" + ClusterHttpEndpoint.RoutePath, async context =>
        {
            var node = (string)context.Request.RouteValues["node"]!;
            if (!Endpoints.TryGetValue(node, out var endpoint))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await ServeAsync(context, endpoint);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        ClosedAddress = new Uri($"http://127.0.0.1:{closedPort}/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
    }

    /// <summary>What a host does with a <see cref="ClusterHttpEndpoint"/> (the snippet production hosts copy).</summary>
    public static async Task ServeAsync(HttpContext context, ClusterHttpEndpoint endpoint)
    {
        var request = context.Request;
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
}
