using KvDb.Cluster.Runtime;
using KvDb.Cluster.Simulated;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Tests.Simulated;

public sealed class SimulationNetworkTests
{
    private static readonly NodeId[] s_nodes = ["n1", "n2", "n3", "n4", "n5"];
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void Workload_WithFaults_SameSeedGivesTheSameTrace_DifferentSeedsDiffer()
    {
        var first = Workload.Run(20260101);
        var second = Workload.Run(20260101);
        var other = Workload.Run(20260102);

        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(first.Summary, second.Summary);
        Assert.Equal(SimulationLoopTests.Fnv1a64(first.Trace), first.Hash);
        Assert.NotEqual(first.Hash, other.Hash);
        Assert.NotEqual(first.Trace, other.Trace);

        // The workload really exercised the faults (otherwise the comparison proves little).
        foreach (var needle in new[] { "(loss)", "duplicate #", "(partition)", "crash n4", "restart n4", "(node down)", "timeout #", "(extra reply)", "n3: handle" })
        {
            Assert.Contains(first.Trace, line => line.Contains(needle, StringComparison.Ordinal));
        }

        Assert.Contains("n4:crashed", first.Summary, StringComparison.Ordinal);
        Assert.Empty(first.Errors);
    }

    [Fact]
    public void NoLossNoDuplication_DeliversEveryMessageExactlyOnce()
    {
        var sim = new Simulation(5, new SimulationOptions { MinLatency = TimeSpan.FromMilliseconds(1), MaxLatency = TimeSpan.FromMilliseconds(30) });
        var handled = new Dictionary<long, int>();
        var transports = s_nodes.ToDictionary(n => n, n => sim.Network.CreateTransport(n));
        foreach (var (node, transport) in transports)
        {
            var runtime = sim.CreateRuntime(node);
            transport.Listen(new Handler(async (sender, request, ct) =>
            {
                var epoch = ((HeartbeatRequest)request).Epoch;
                handled[epoch] = handled.GetValueOrDefault(epoch) + 1;
                await runtime.Delay(TimeSpan.FromMilliseconds(runtime.Random.Next(0, 10)), ct);
                return new HeartbeatReply(epoch * 10);
            }));
        }

        var replies = sim.Run(async () =>
        {
            var sends = new List<Task<(long Id, ClusterMessage Reply)>>();
            long id = 0;
            foreach (var from in s_nodes)
            {
                foreach (var to in s_nodes)
                {
                    for (var i = 0; i < 10; i++)
                    {
                        var requestId = ++id;
                        sends.Add(SendAsync(transports[from], to, requestId));
                    }
                }
            }

            return await Task.WhenAll(sends);
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(250, replies.Length);
        Assert.All(replies, r => Assert.Equal(r.Id * 10, ((HeartbeatReply)r.Reply).Epoch));
        Assert.Equal(250, handled.Count);
        Assert.All(handled.Values, count => Assert.Equal(1, count));
        Assert.Equal(250, sim.Network.RequestsSent);
        Assert.Equal(500, sim.Network.MessagesDelivered);
        Assert.Equal(0, sim.Network.MessagesDropped);
        Assert.Equal(0, sim.Network.PendingRequestCount);

        static async Task<(long, ClusterMessage)> SendAsync(IClusterTransport transport, NodeId to, long id) =>
            (id, await transport.SendAsync(to, new HeartbeatRequest(id), s_timeout));
    }

    [Fact]
    public void Latency_IsWithinTheConfiguredBounds()
    {
        var sim = new Simulation(9, new SimulationOptions { MinLatency = TimeSpan.FromMilliseconds(7), MaxLatency = TimeSpan.FromMilliseconds(7) });
        var (a, _) = Pair(sim, "a", "b");

        var roundTrip = sim.Run(async () =>
        {
            var started = sim.Elapsed;
            await a.SendAsync("b", new HeartbeatRequest(1), s_timeout);
            return sim.Elapsed - started;
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMilliseconds(14), roundTrip);

        sim.Network.SetLatency(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(4));
        var trips = sim.Run(async () =>
        {
            var list = new List<TimeSpan>();
            for (var i = 0; i < 200; i++)
            {
                var started = sim.Elapsed;
                await a.SendAsync("b", new HeartbeatRequest(i), s_timeout);
                list.Add(sim.Elapsed - started);
            }

            return list;
        }, TimeSpan.FromMinutes(1));

        Assert.All(trips, t => Assert.InRange(t, TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(8)));
        Assert.True(trips.Distinct().Count() > 50, "latencies should vary");
    }

    [Fact]
    public void Partition_RequestsAcrossItFailAfterExactlyTheTimeout_AndHealRestoresThem()
    {
        var sim = new Simulation(13);
        var transports = s_nodes.ToDictionary(n => n, n => Listening(sim, n));

        sim.Run(async () =>
        {
            sim.Network.Partition(["n1", "n2"], ["n3", "n4", "n5"]);
            var started = sim.Elapsed;
            var ex = await Assert.ThrowsAsync<NodeUnreachableException>(() => transports["n1"].SendAsync("n4", new HeartbeatRequest(1), s_timeout));
            Assert.Equal(s_timeout, sim.Elapsed - started);
            Assert.Equal(new NodeId("n4"), ex.Node);

            started = sim.Elapsed;
            await Assert.ThrowsAsync<NodeUnreachableException>(() => transports["n5"].SendAsync("n2", new HeartbeatRequest(2), TimeSpan.FromSeconds(3)));
            Assert.Equal(TimeSpan.FromSeconds(3), sim.Elapsed - started);

            // Within a side everything works.
            Assert.IsType<HeartbeatReply>(await transports["n1"].SendAsync("n2", new HeartbeatRequest(3), s_timeout));
            Assert.IsType<HeartbeatReply>(await transports["n3"].SendAsync("n5", new HeartbeatRequest(4), s_timeout));

            sim.Network.Isolate("n3");
            await Assert.ThrowsAsync<NodeUnreachableException>(() => transports["n3"].SendAsync("n5", new HeartbeatRequest(5), s_timeout));

            sim.Network.Heal();
            Assert.IsType<HeartbeatReply>(await transports["n1"].SendAsync("n4", new HeartbeatRequest(6), s_timeout));
            Assert.IsType<HeartbeatReply>(await transports["n3"].SendAsync("n5", new HeartbeatRequest(7), s_timeout));
        }, TimeSpan.FromMinutes(1));

        Assert.Contains(sim.Trace, line => line.Contains("net: partition [n1,n2] | [n3,n4,n5]", StringComparison.Ordinal));
        Assert.Contains(sim.Trace, line => line.Contains("drop request #1 n1->n4 HeartbeatRequest (partition)", StringComparison.Ordinal));
        Assert.Contains(sim.Trace, line => line.Contains("timeout #1 n1->n4 HeartbeatRequest after 250.0000ms", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplication_RunsTheHandlerTwice_ButSendReturnsOnce()
    {
        var sim = new Simulation(21, new SimulationOptions { DuplicationProbability = 1 });
        var handled = 0;
        var a = sim.Network.CreateTransport("a");
        sim.Network.CreateTransport("b").Listen(new Handler((_, request, _) =>
        {
            handled++;
            return Task.FromResult<ClusterMessage>(new HeartbeatReply(((HeartbeatRequest)request).Epoch));
        }));

        var completions = 0;
        sim.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var reply = await a.SendAsync("b", new HeartbeatRequest(i), s_timeout);
                completions++;
                Assert.Equal(i, ((HeartbeatReply)reply).Epoch);
            }

            // Let the extra replies arrive too.
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(20, handled);
        Assert.Equal(10, completions);
        Assert.Equal(10, sim.Network.MessagesDuplicated);
        Assert.Equal(10, sim.Trace.Count(line => line.Contains("(copy 2)", StringComparison.Ordinal)));
        Assert.Equal(10, sim.Trace.Count(line => line.Contains("(extra reply)", StringComparison.Ordinal)));
    }

    [Fact]
    public void Loss_OfEveryMessage_MakesRequestsTimeOut()
    {
        var sim = new Simulation(4, new SimulationOptions { LossProbability = 1 });
        var (a, _) = Pair(sim, "a", "b");

        var elapsed = sim.Run(async () =>
        {
            await Assert.ThrowsAsync<NodeUnreachableException>(() => a.SendAsync("b", new HeartbeatRequest(1), s_timeout));
            return sim.Elapsed;
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(s_timeout, elapsed);
        Assert.Equal(0, sim.Network.MessagesDelivered);
        Assert.Contains(sim.Trace, line => line.Contains("drop request #1 a->b HeartbeatRequest (loss)", StringComparison.Ordinal));
    }

    [Fact]
    public void Cancellation_FailsTheSendAtThatVirtualTime()
    {
        var sim = new Simulation(4, new SimulationOptions { LossProbability = 1 });
        var (a, _) = Pair(sim, "a", "b");

        var elapsed = sim.Run(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(40), sim.Time);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.SendAsync("b", new HeartbeatRequest(1), s_timeout, cts.Token));
            return sim.Elapsed;
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMilliseconds(40), elapsed);
        Assert.Equal(0, sim.Network.PendingRequestCount);
    }

    [Fact]
    public void MessageCopier_IsAppliedToEveryDeliveredMessage()
    {
        var copies = 0;
        var sim = new Simulation(4, new SimulationOptions
        {
            MessageCopier = m =>
            {
                copies++;
                return m with { };
            },
        });
        var sent = new HeartbeatRequest(5);
        ClusterMessage? received = null;
        var a = sim.Network.CreateTransport("a");
        var replyObject = new HeartbeatReply(6);
        sim.Network.CreateTransport("b").Listen(new Handler((_, request, _) =>
        {
            received = request;
            return Task.FromResult<ClusterMessage>(replyObject);
        }));

        var reply = sim.Run(() => a.SendAsync("b", sent, s_timeout), TimeSpan.FromMinutes(1));

        Assert.Equal(2, copies);
        Assert.Equal(sent, received);
        Assert.NotSame(sent, received);
        Assert.Equal(replyObject, reply);
        Assert.NotSame(replyObject, reply);
    }

    [Fact]
    public void HandlerException_IsRecordedAndAnsweredWithAnErrorReply()
    {
        var sim = new Simulation(4);
        var a = sim.Network.CreateTransport("a");
        sim.Network.CreateTransport("b").Listen(new Handler((_, _, _) => throw new InvalidDataException("boom")));

        var reply = sim.Run(() => a.SendAsync("b", new HeartbeatRequest(1), s_timeout), TimeSpan.FromMinutes(1));

        Assert.Equal("InvalidDataException: boom", Assert.IsType<ErrorReply>(reply).Message);
        Assert.IsType<InvalidDataException>(Assert.Single(sim.UnobservedErrors));
    }

    [Fact]
    public void Crash_StopsTheNodesWork_AndRestartLetsItListenAgain()
    {
        var sim = new Simulation(77);
        var client = sim.Network.CreateTransport("client");
        var runtime = sim.CreateRuntime("n1");
        var n1 = sim.Network.CreateTransport("n1");
        var ticks = 0;
        var handlerResumed = false;
        var lifetime = sim.NodeLifetime("n1");
        n1.Listen(new Handler(async (_, request, ct) =>
        {
            await runtime.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            handlerResumed = true;
            return new HeartbeatReply(1);
        }));

        sim.Run(async () =>
        {
            var heartbeat = runtime.Time.CreateTimer(_ => ticks++, null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
            var longWork = sim.RunOnNodeAsync("n1", async () =>
            {
                await runtime.Delay(TimeSpan.FromSeconds(10));
                return 1;
            });
            var send = client.SendAsync("n1", new HeartbeatRequest(1), s_timeout);
            await Task.Delay(TimeSpan.FromMilliseconds(50), sim.Time);
            sim.Crash("n1");

            Assert.True(lifetime.IsCancellationRequested);
            Assert.False(sim.IsAlive("n1"));
            await Assert.ThrowsAsync<NodeUnreachableException>(() => longWork);
            await Assert.ThrowsAsync<NodeUnreachableException>(() => send);
            await Assert.ThrowsAsync<NodeUnreachableException>(() => client.SendAsync("n1", new HeartbeatRequest(2), s_timeout));
            await Assert.ThrowsAsync<NodeUnreachableException>(() => sim.RunOnNodeAsync("n1", () => Task.CompletedTask));
            Assert.Throws<InvalidOperationException>(() => n1.Listen(new Handler((_, _, _) => Task.FromResult<ClusterMessage>(new HeartbeatReply(0)))));
            var ticksAtCrash = ticks;
            await Task.Delay(TimeSpan.FromSeconds(20), sim.Time);
            Assert.Equal(ticksAtCrash, ticks);
            Assert.False(handlerResumed);
            heartbeat.Dispose();

            sim.Restart("n1");
            Assert.False(sim.NodeLifetime("n1").IsCancellationRequested);
            var runtime2 = sim.CreateRuntime("n1");
            sim.Network.CreateTransport("n1").Listen(new Handler(async (_, _, _) =>
            {
                await runtime2.Delay(TimeSpan.FromMilliseconds(5));
                return new HeartbeatReply(2);
            }));
            Assert.Equal(2, ((HeartbeatReply)await client.SendAsync("n1", new HeartbeatRequest(3), s_timeout)).Epoch);
            Assert.Equal(5, await sim.RunOnNodeAsync("n1", async () =>
            {
                await runtime2.Delay(TimeSpan.FromSeconds(1));
                return 5;
            }));
        }, TimeSpan.FromMinutes(5));

        Assert.Equal(4, ticks);
        Assert.Contains(sim.Trace, line => line.Contains("sim: crash n1 (incarnation 0)", StringComparison.Ordinal));
        Assert.Contains(sim.Trace, line => line.Contains("sim: restart n1 (incarnation 1)", StringComparison.Ordinal));
        Assert.Contains(sim.Trace, line => line.Contains("drop request #2 client->n1 HeartbeatRequest (node down)", StringComparison.Ordinal));
        Assert.Empty(sim.UnobservedErrors);
    }

    [Fact]
    public void Crash_OfTheSender_CancelsItsPendingRequests()
    {
        var sim = new Simulation(3, new SimulationOptions { LossProbability = 1 });
        var (a, _) = Pair(sim, "a", "b");

        sim.Run(async () =>
        {
            var send = a.SendAsync("b", new HeartbeatRequest(1), s_timeout);
            sim.Schedule(TimeSpan.FromMilliseconds(20), () => sim.Crash("a"));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
            Assert.Equal(TimeSpan.FromMilliseconds(20), sim.Elapsed);
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(0, sim.Network.PendingRequestCount);
    }

    private static (IClusterTransport A, IClusterTransport B) Pair(Simulation sim, NodeId a, NodeId b) =>
        (sim.Network.CreateTransport(a), Listening(sim, b));

    private static IClusterTransport Listening(Simulation sim, NodeId node)
    {
        var transport = sim.Network.CreateTransport(node);
        transport.Listen(new Handler((_, request, _) => Task.FromResult<ClusterMessage>(new HeartbeatReply(((HeartbeatRequest)request).Epoch))));
        return transport;
    }

    internal sealed class Handler(Func<NodeId, ClusterMessage, CancellationToken, Task<ClusterMessage>> handle) : IMessageHandler
    {
        public Task<ClusterMessage> HandleAsync(NodeId sender, ClusterMessage request, CancellationToken cancellationToken) =>
            handle(sender, request, cancellationToken);
    }

    /// <summary>Five nodes exchanging requests under loss, duplication, random latency, a partition and a crash/restart.</summary>
    private static class Workload
    {
        public static (IReadOnlyList<string> Trace, ulong Hash, string Summary, IReadOnlyList<Exception> Errors) Run(int seed)
        {
            var sim = new Simulation(seed, new SimulationOptions
            {
                LossProbability = 0.1,
                DuplicationProbability = 0.1,
                MinLatency = TimeSpan.FromMilliseconds(1),
                MaxLatency = TimeSpan.FromMilliseconds(20),
                MessageCopier = m => m with { },
            });
            var transports = new Dictionary<NodeId, IClusterTransport>();
            var runtimes = new Dictionary<NodeId, ClusterRuntime>();

            void Start(NodeId node)
            {
                var runtime = sim.CreateRuntime(node);
                var transport = sim.Network.CreateTransport(node);
                transport.Listen(new Handler(async (sender, request, ct) =>
                {
                    await runtime.Delay(TimeSpan.FromMilliseconds(runtime.Random.Next(0, 5)), ct);
                    runtime.Trace($"handle {((HeartbeatRequest)request).Epoch} from {sender}");
                    return new HeartbeatReply(((HeartbeatRequest)request).Epoch);
                }));
                runtimes[node] = runtime;
                transports[node] = transport;
            }

            async Task<string> ClientAsync(NodeId self)
            {
                var runtime = runtimes[self];
                var transport = transports[self];
                int ok = 0, failed = 0;
                for (var i = 0; i < 40; i++)
                {
                    var target = s_nodes[runtime.Random.Next(s_nodes.Length)];
                    try
                    {
                        await transport.SendAsync(target, new HeartbeatRequest(i), TimeSpan.FromMilliseconds(60));
                        ok++;
                    }
                    catch (NodeUnreachableException)
                    {
                        failed++;
                    }

                    await runtime.Delay(TimeSpan.FromMilliseconds(runtime.Random.Next(1, 20)));
                }

                runtime.Trace($"client done {ok}/{failed}");
                return $"{self}:{ok}/{failed}";
            }

            foreach (var node in s_nodes)
            {
                Start(node);
            }

            var summary = sim.Run(async () =>
            {
                sim.Schedule(TimeSpan.FromMilliseconds(100), () => sim.Network.Partition(["n1", "n2"], ["n3", "n4", "n5"]));
                sim.Schedule(TimeSpan.FromMilliseconds(250), () => sim.Network.Heal());
                sim.Schedule(TimeSpan.FromMilliseconds(150), () => sim.Crash("n4"));
                sim.Schedule(TimeSpan.FromMilliseconds(300), () =>
                {
                    sim.Restart("n4");
                    Start("n4");
                });
                var clients = s_nodes.Select(n => sim.RunOnNodeAsync(n, () => ClientAsync(n))).ToArray();
                var results = new List<string>();
                foreach (var (node, client) in s_nodes.Zip(clients))
                {
                    try
                    {
                        results.Add(await client);
                    }
                    catch (NodeUnreachableException)
                    {
                        results.Add($"{node}:crashed");
                    }
                }

                return string.Join(";", results);
            }, TimeSpan.FromMinutes(10));

            return (sim.Trace, sim.TraceHash, summary, sim.UnobservedErrors);
        }
    }
}
