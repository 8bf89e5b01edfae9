using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KvDb.Server.Cli;

namespace KvDb.Server.Tests.Cluster;

/// <summary>
/// <c>kvdb cluster</c> end to end with real node processes over the HTTP transport: start 3 nodes, write, add a 4th,
/// read every item, remove a node, read again. Bounded in time; every process is stopped at the end.
/// </summary>
public sealed class ClusterEndToEndTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kvdb-cluster-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        // Safety net: whatever the test did, no node process outlives it.
        if (ClusterState.TryLoad(_dir) is { } state)
        {
            ClusterCommand.StopProcessesAsync(state.Nodes.Select(n => n.Pid), TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
        }

        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static int FreeBasePort()
    {
        // Pick a base port whose client and cluster ports (for 4 nodes) are free now.
        var random = new Random();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var basePort = random.Next(20000, 40000);
            if (Enumerable.Range(0, 4).All(i => IsFree(basePort + i) && IsFree(basePort + ClusterCommand.ClusterPortOffset + i)))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException("no free ports");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task ThreeNodes_AddFourth_RemoveOne_EveryItemReadable()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
        var basePort = FreeBasePort();
        using var clusterOut = new StringWriter();
        using var clusterErr = new StringWriter();
        var cluster = Task.Run(() => KvdbCli.RunAsync(["cluster", "--nodes", "3", "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _dir],
            new CliConsole(TextWriter.Synchronized(clusterOut), TextWriter.Synchronized(clusterErr), new StringReader(""), false), stop.Token));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            Uri Node(int k) => new($"http://127.0.0.1:{basePort + k - 1}/");
            while (!clusterOut.ToString().Contains("ready", StringComparison.Ordinal))
            {
                Assert.False(cluster.IsCompleted, $"the cluster stopped: {clusterOut} {clusterErr} {(cluster.IsCompleted ? cluster.Result : 0)}");
                await Task.Delay(200, bound.Token);
            }

            // Write through node 1 (tables are created by the first key-value request).
            const int Count = 40;
            for (var i = 0; i < Count; i++)
            {
                using var content = new StringContent("v" + i);
                using var set = await http.PostAsync(new Uri(Node(1 + (i % 3)), $"set/p{i % 7}/s{i:D3}"), content, bound.Token);
                Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync(bound.Token));
            }

            async Task CheckAllAsync(int[] nodes)
            {
                foreach (var k in nodes)
                {
                    var found = 0;
                    for (var p = 0; p < 7; p++)
                    {
                        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(Node(k), $"query_begins/p{p}/s/asc"), bound.Token));
                        foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
                        {
                            var i = int.Parse(item.GetProperty("sk").GetString()![1..], System.Globalization.CultureInfo.InvariantCulture);
                            Assert.Equal("v" + i, item.GetProperty("value").GetString());
                            found++;
                        }
                    }

                    Assert.Equal(Count, found);
                }
            }

            await CheckAllAsync([1, 2, 3]);
            var console = new CliConsole(new StringWriter(), new StringWriter(), new StringReader(""), false);
            var added = await KvdbCli.RunAsync(["cluster", "add-node", "--data", _dir, "--timeout", "60"], console, bound.Token);
            Assert.True(added == 0, $"{console.Out} {console.Error}");
            Assert.Contains("[##############################] 100%", console.Error.ToString(), StringComparison.Ordinal);
            await CheckAllAsync([1, 2, 3, 4]);
            using (var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(Node(4), "cluster"), bound.Token)))
            {
                Assert.Equal(4, status.RootElement.GetProperty("nodes").GetArrayLength());
            }

            var removed = await KvdbCli.RunAsync(["cluster", "remove-node", "n2", "--data", _dir, "--timeout", "60"], console, bound.Token);
            Assert.True(removed == 0, $"{console.Out} {console.Error}");
            await CheckAllAsync([1, 3, 4]);
        }
        finally
        {
            await stop.CancelAsync();
            var code = await cluster.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, code);
        }
    }
}
