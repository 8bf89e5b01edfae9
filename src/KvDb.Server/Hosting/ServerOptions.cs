namespace KvDb.Server.Hosting;

/// <summary>Settings of one HTTP server (client API, and the cluster route when the node is clustered).</summary>
internal sealed class ServerOptions
{
    /// <summary>The address to bind; loopback unless told otherwise.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>The client API port (HTTP/1.1 and HTTP/2); 0 picks a free port.</summary>
    public int Port { get; set; } = 7400;

    /// <summary>The node-to-node port (HTTP/2 cleartext only, cluster secret required); null when not clustered.</summary>
    public int? ClusterPort { get; set; }

    /// <summary>When set, every client route needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest accepted request body (413 above it).</summary>
    public long MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long one request may run before it is cancelled (408).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When true, ASP.NET Core logs to the console (warnings and errors).</summary>
    public bool ConsoleLogging { get; set; }
}
