using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;
using KvDb.Server.Hosting;
using KvDb.Server.Http;

namespace KvDb.Server.Cli;

/// <summary>
/// <c>kvdb cluster</c>: local nodes in separate processes (the same executable with the hidden <c>node</c>
/// subcommand) talking over the HTTP cluster transport, each with its own data directory under <c>--data</c>.
/// Node <c>nK</c> serves the client API on <c>base-port + K - 1</c> and the node-to-node route on
/// <c>base-port + 1000 + K - 1</c>. The generated cluster secret reaches the nodes through the environment
/// (<c>KVDB_CLUSTER_SECRET</c>), never the command line; it is kept in <c>DIR/cluster.json</c> (owner-only) so that
/// <c>add-node</c> can start more nodes.
/// </summary>
internal static partial class ClusterCommand
{
    public const string SecretVariable = "KVDB_CLUSTER_SECRET";
    public const int ClusterPortOffset = 1000;

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return args[0] switch
            {
                "add-node" => await AddNodeAsync(args[1..], console, ct),
                "remove-node" => await RemoveNodeAsync(args[1..], console, ct),
                "status" => await StatusAsync(args[1..], console, ct),
                _ => throw new CliException($"kvdb cluster: unknown subcommand '{args[0]}'; use add-node, remove-node or status (or options to start a cluster)."),
            };
        }

        var a = CliArgs.Parse("kvdb cluster", args, ["nodes", "base-port", "data"]);
        a.ExpectPositional(0, 0, "kvdb cluster [--nodes N] [--base-port P] [--data DIR]");
        var count = a.Int("nodes", 3, 1, 32);
        var basePort = a.Int("base-port", 7400, 1, 65535 - ClusterPortOffset - 64);
        var directory = Path.GetFullPath(a.Value("data", "kvdb-cluster"));
        Directory.CreateDirectory(directory);
        var state = ClusterState.TryLoad(directory);
        if (state is not null && state.Nodes.Any(n => IsRunning(n.Pid)))
        {
            throw new CliException($"kvdb cluster: a cluster from {directory} is already running (pids {string.Join(", ", state.Nodes.Select(n => n.Pid))}).");
        }

        // A restart of an existing cluster keeps its secret and members; a new one gets a fresh secret.
        state = state is not null && state.Nodes.Count > 0 ? state with { BasePort = state.BasePort }
            : new ClusterState(basePort, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                [.. Enumerable.Range(1, count).Select(k => new NodeEntry("n" + k.ToString(CultureInfo.InvariantCulture), 0))]);
        var members = string.Join(",", state.Nodes.Select(n => n.Id));
        var processes = new List<Process>();
        try
        {
            var started = new List<NodeEntry>();
            foreach (var node in state.Nodes)
            {
                var process = StartNode(state, node.Id, members, directory);
                processes.Add(process);
                started.Add(node with { Pid = process.Id });
            }

            state = state with { Nodes = started };
            state.Save(directory);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var node in state.Nodes)
            {
                await WaitHealthyAsync(http, state.ClientUri(node.Id), node.Id, requireMember: true, TimeSpan.FromSeconds(60), ct);
            }

            console.Out.WriteLine($"KvDb cluster of {state.Nodes.Count} nodes, data in {directory}:");
            console.Out.Write(TablePrinter.Format(["node", "client API", "cluster port", "pid"],
                [.. state.Nodes.Select(n => (IReadOnlyList<string>)[n.Id, state.ClientUri(n.Id).ToString(), state.ClusterUri(n.Id).Port.ToString(CultureInfo.InvariantCulture), n.Pid.ToString(CultureInfo.InvariantCulture)])]));
            console.Out.WriteLine("ready; Ctrl+C stops every node (kvdb cluster add-node / remove-node / status work meanwhile)");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                console.Out.WriteLine("stopping the cluster");
            }
        }
        finally
        {
            // Nodes added later by add-node are in the state file too.
            var all = ClusterState.TryLoad(directory)?.Nodes.Select(n => n.Pid).ToHashSet() ?? [];
            all.UnionWith(processes.Select(p => p.Id));
            await StopProcessesAsync(all, TimeSpan.FromSeconds(10));
            foreach (var p in processes)
            {
                p.Dispose();
            }

            if (ClusterState.TryLoad(directory) is { } last)
            {
                (last with { Nodes = [.. last.Nodes.Select(n => n with { Pid = 0 })] }).Save(directory);
            }
        }

        console.Out.WriteLine("cluster stopped");
        return 0;
    }

    private static async Task<int> StatusAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb cluster status", args, ["data"]);
        a.ExpectPositional(0, 0, "kvdb cluster status [--data DIR]");
        var (state, _) = LoadRunning(a);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var status = await GetStatusAsync(http, state, null, ct);
        PrintStatus(console.Out, status.RootElement);
        return 0;
    }

    private static void PrintStatus(TextWriter o, JsonElement status)
    {
        o.WriteLine($"epoch {status.GetProperty("epoch").GetInt64()}{(status.GetProperty("inTransition").GetBoolean() ? " (rebalancing)" : "")}");
        o.Write(TablePrinter.Format(["node", "state", "share"],
            [.. status.GetProperty("nodes").EnumerateArray().Select(n => (IReadOnlyList<string>)[n.GetProperty("id").GetString()!, n.GetProperty("state").GetString()!,
                (n.GetProperty("share").GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %"])]));
    }

    private static async Task<int> AddNodeAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb cluster add-node", args, ["data", "timeout"]);
        a.ExpectPositional(0, 0, "kvdb cluster add-node [--data DIR]");
        var timeout = TimeSpan.FromSeconds(a.Int("timeout", 300, 1, 86400));
        var (state, directory) = LoadRunning(a);
        var next = state.Nodes.Select(n => int.Parse(n.Id.AsSpan(1), CultureInfo.InvariantCulture)).Max() + 1;
        var id = "n" + next.ToString(CultureInfo.InvariantCulture);
        var process = StartNode(state, id, "", directory);
        state = state with { Nodes = [.. state.Nodes, new NodeEntry(id, process.Id)] };
        state.Save(directory);
        process.Dispose();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await WaitHealthyAsync(http, state.ClientUri(id), id, requireMember: false, TimeSpan.FromSeconds(60), ct);
        console.Out.WriteLine($"started {id} (client API {state.ClientUri(id)}); adding it to the cluster");
        var via = state.Nodes.First(n => n.Id != id).Id;
        await SendChangeAsync(http, state.ClientUri(via), HttpMethod.Post, id, ct);
        await WaitRebalancedAsync(http, state, id, joining: true, console, timeout, ct);
        console.Out.WriteLine($"{id} is a member; data rebalanced");
        return 0;
    }

    private static async Task<int> RemoveNodeAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb cluster remove-node", args, ["data", "timeout"]);
        a.ExpectPositional(1, 1, "kvdb cluster remove-node ID [--data DIR]");
        var timeout = TimeSpan.FromSeconds(a.Int("timeout", 300, 1, 86400));
        var id = a.Positional[0];
        var (state, directory) = LoadRunning(a);
        var entry = state.Nodes.FirstOrDefault(n => n.Id == id)
            ?? throw new CliException($"kvdb cluster remove-node: no node '{id}' in {directory}; nodes: {string.Join(", ", state.Nodes.Select(n => n.Id))}.");
        if (state.Nodes.Count <= 1)
        {
            throw new CliException("kvdb cluster remove-node: the cluster has one node; it cannot remove its last node.");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var via = state.Nodes.First(n => n.Id != id).Id;
        await SendChangeAsync(http, state.ClientUri(via), HttpMethod.Delete, id, ct);
        console.Out.WriteLine($"decommissioning {id}: its ranges move to the other nodes");
        await WaitRebalancedAsync(http, state with { Nodes = [.. state.Nodes.Where(n => n.Id != id)] }, id, joining: false, console, timeout, ct);
        await StopProcessesAsync([entry.Pid], TimeSpan.FromSeconds(10));
        state = state with { Nodes = [.. state.Nodes.Where(n => n.Id != id)] };
        state.Save(directory);
        console.Out.WriteLine($"{id} left the cluster and was stopped");
        return 0;
    }

    private static (ClusterState State, string Directory) LoadRunning(CliArgs a)
    {
        var directory = Path.GetFullPath(a.Value("data", "kvdb-cluster"));
        var state = ClusterState.TryLoad(directory)
            ?? throw new CliException($"{a.Command}: no cluster in {directory} (start one with: kvdb cluster --data {directory}).");
        if (!state.Nodes.Any(n => IsRunning(n.Pid)))
        {
            throw new CliException($"{a.Command}: the cluster in {directory} is not running (start it with: kvdb cluster --data {directory}).");
        }

        return (state, directory);
    }

    private static async Task SendChangeAsync(HttpClient http, Uri via, HttpMethod method, string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(via, "cluster/nodes/" + Uri.EscapeDataString(id)));
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"{via} refused the membership change ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Polls <c>GET /cluster</c> on every live node, drawing a progress bar, until the change has completed.</summary>
    private static async Task WaitRebalancedAsync(HttpClient http, ClusterState state, string id, bool joining, CliConsole console, TimeSpan timeout, CancellationToken ct)
    {
        var bar = new ProgressBar(console, joining ? $"adding {id}" : $"removing {id}");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            long done = 0, total = 0, items = 0;
            var finished = true;
            foreach (var node in state.Nodes)
            {
                try
                {
                    using var doc = await GetJsonAsync(http, new Uri(state.ClientUri(node.Id), "cluster"), ct);
                    var root = doc.RootElement;
                    var p = root.GetProperty("progress");
                    done += p.GetProperty("rangesDone").GetInt64();
                    total += p.GetProperty("rangesTotal").GetInt64();
                    items += p.GetProperty("itemsMoved").GetInt64();
                    var member = root.GetProperty("nodes").EnumerateArray().FirstOrDefault(n => n.GetProperty("id").GetString() == id);
                    var complete = !root.GetProperty("inTransition").GetBoolean()
                        && (joining ? member.ValueKind == JsonValueKind.Object && member.GetProperty("state").GetString() == "Normal" : member.ValueKind != JsonValueKind.Object);
                    finished &= complete;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    finished = false;
                }
            }

            bar.Report(total == 0 ? (finished ? 1 : 0) : (double)done / total, $"{done}/{total} ranges, {items} items moved");
            if (finished)
            {
                bar.Complete($"{items} items moved");
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                bar.Complete("timed out");
                throw new CliException($"The membership change of {id} did not complete within {timeout.TotalSeconds:0} s; check 'kvdb cluster status'.");
            }

            await Task.Delay(200, ct);
        }
    }

    private static async Task<JsonDocument> GetStatusAsync(HttpClient http, ClusterState state, string? preferred, CancellationToken ct)
    {
        foreach (var node in state.Nodes.OrderBy(n => n.Id == preferred ? 0 : 1))
        {
            try
            {
                return await GetJsonAsync(http, new Uri(state.ClientUri(node.Id), "cluster"), ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // Try the next node.
            }
        }

        throw new CliException("No node of the cluster answers GET /cluster.");
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        using var response = await http.GetAsync(uri, ct);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
    }

    private static async Task WaitHealthyAsync(HttpClient http, Uri client, string id, bool requireMember, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                using var response = await http.GetAsync(new Uri(client, "health"), ct);
                if (response.IsSuccessStatusCode || (!requireMember && (int)response.StatusCode == 503))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, ct);
        }

        throw new CliException($"Node {id} did not become healthy at {client} within {timeout.TotalSeconds:0} s.");
    }

    // ------------------------------------------------------------------ processes

    /// <summary>Starts <c>kvdb node</c> for <paramref name="id"/> (the same executable, or <c>dotnet KvDb.Server.dll</c>).</summary>
    private static Process StartNode(ClusterState state, string id, string members, string directory)
    {
        var (file, prefix) = SelfCommand();
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (var p in prefix)
        {
            info.ArgumentList.Add(p);
        }

        foreach (var arg in new[]
        {
            "node", "--id", id, "--members", members, "--base-port", state.BasePort.ToString(CultureInfo.InvariantCulture),
            "--data", Path.Combine(directory, id),
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[SecretVariable] = state.Secret;
        return Process.Start(info) ?? throw new CliException($"Cannot start the node process {file}.");
    }

    private static (string File, string[] Prefix) SelfCommand()
    {
        var assembly = typeof(ClusterCommand).Assembly.Location;
        var apphost = Path.Combine(Path.GetDirectoryName(assembly)!, OperatingSystem.IsWindows() ? "KvDb.Server.exe" : "KvDb.Server");
        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) is "kvdb" or "KvDb.Server")
        {
            return (processPath, []);
        }

        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
        {
            dotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
        }

        return (dotnet, [assembly]);
    }

    internal static bool IsRunning(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Asks each process to stop (SIGTERM: the node finishes requests and flushes its log), then kills what is left.</summary>
    internal static async Task StopProcessesAsync(IEnumerable<int> pids, TimeSpan grace)
    {
        var live = new List<Process>();
        foreach (var pid in pids.Where(p => p > 0))
        {
            try
            {
                var p = Process.GetProcessById(pid);
                if (p.HasExited)
                {
                    p.Dispose();
                    continue;
                }

                live.Add(p);
                if (!OperatingSystem.IsWindows())
                {
                    _ = SendSigterm(pid, 15);
                }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        using var timeout = new CancellationTokenSource(OperatingSystem.IsWindows() ? TimeSpan.Zero : grace);
        foreach (var p in live)
        {
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }
            finally
            {
                p.Dispose();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSigterm(int pid, int signal);

    // ------------------------------------------------------------------ the node process

    /// <summary>The hidden <c>kvdb node</c>: one cluster node (started by <c>kvdb cluster</c>).</summary>
    public static async Task<int> NodeAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb node", args, ["id", "members", "base-port", "data", "replication"]);
        a.ExpectPositional(0, 0, "kvdb node --id nK --members n1,n2,... --base-port P --data DIR");
        var id = a.Value("id") ?? throw new CliException("kvdb node: --id is required.");
        var basePort = a.Int("base-port", 7400, 1, 65535 - ClusterPortOffset - 64);
        var state = new ClusterState(basePort, "", []);
        var index = NodeIndex(id);
        var secretText = Environment.GetEnvironmentVariable(SecretVariable)
            ?? throw new CliException($"kvdb node: the cluster secret must be in the environment variable {SecretVariable}.");
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(secretText);
        }
        catch (FormatException)
        {
            throw new CliException($"kvdb node: {SecretVariable} must be base64.");
        }

        var members = a.Value("members", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => new NodeId(m)).ToArray();
        foreach (var m in members)
        {
            NodeIndex(m.Value);
        }

        var local = KvdbCli.OpenDirectory(a.Value("data") ?? throw new CliException("kvdb node: --data is required."));
        var options = new ClusterOptions { ReplicationFactor = a.Int("replication", 3, 1, 7) };
        var transport = new HttpClusterTransport(new NodeId(id), n => TryIndex(n.Value) is { } k ? state.ClusterUri("n" + k.ToString(CultureInfo.InvariantCulture)) : null!,
            secret, ClusterRuntime.System);
        var node = new ClusterNode(new NodeId(id), local, transport, members, options) { DisposeLocalDatabase = true };
        var db = new KvDatabase(node.Store);
        var server = new ServerOptions { Port = basePort + index - 1, ClusterPort = basePort + ClusterPortOffset + index - 1, ConsoleLogging = true };
        await using var host = await ServerHost.StartAsync(server, db, ownsDatabase: false, node, transport.CreateEndpoint(), ct);
        await node.StartAsync(ct);
        console.Out.WriteLine($"node {id}: client API {host.Address}, cluster {host.ClusterAddress}, members [{string.Join(",", members)}]");
        if (node.IsMember)
        {
            await HashDbKv.EnsureTablesAsync(db, ct);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            console.Out.WriteLine($"node {id}: stopping");
        }

        return 0;
    }

    private static int NodeIndex(string id) =>
        TryIndex(id) ?? throw new CliException($"A local cluster's node ids are n1, n2, ...; found '{id}'.");

    private static int? TryIndex(string id) =>
        id.Length > 1 && id[0] == 'n' && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k is > 0 and <= 64 ? k : null;
}

/// <summary>One node of a local cluster: its id and process id (0 when not running).</summary>
internal sealed record NodeEntry(string Id, int Pid);

/// <summary>The state file <c>cluster.json</c> of a local cluster (owner-only: it holds the cluster secret).</summary>
internal sealed record ClusterState(int BasePort, string Secret, IReadOnlyList<NodeEntry> Nodes)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public Uri ClientUri(string id) => new($"http://127.0.0.1:{BasePort + int.Parse(id.AsSpan(1), CultureInfo.InvariantCulture) - 1}/");

    public Uri ClusterUri(string id) => new($"http://127.0.0.1:{BasePort + ClusterCommand.ClusterPortOffset + int.Parse(id.AsSpan(1), CultureInfo.InvariantCulture) - 1}/");

    public static ClusterState? TryLoad(string directory)
    {
        var path = Path.Combine(directory, "cluster.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} is not a valid cluster state file: {e.Message}");
        }
    }

    public void Save(string directory)
    {
        var path = Path.Combine(directory, "cluster.json");
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, s_json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
