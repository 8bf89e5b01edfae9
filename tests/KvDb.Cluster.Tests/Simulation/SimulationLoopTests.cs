using KvDb.Cluster.Simulated;

namespace KvDb.Cluster.Tests.Simulated;

public sealed class SimulationLoopTests
{
    [Fact]
    public void Awaits_AlwaysResumeOnTheLoopThread()
    {
        var sim = new Simulation(7);
        var loopThread = Environment.CurrentManagedThreadId;
        var seen = new List<int>();

        sim.Run(async () =>
        {
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.WhenAll(Task.Delay(TimeSpan.FromMilliseconds(3), sim.Time), Task.Delay(TimeSpan.FromMilliseconds(5), sim.Time));
            seen.Add(Environment.CurrentManagedThreadId);
            await await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(9), sim.Time), Task.Delay(TimeSpan.FromMilliseconds(2), sim.Time));
            seen.Add(Environment.CurrentManagedThreadId);
            var tcs = new TaskCompletionSource<int>();
            sim.Schedule(TimeSpan.FromMinutes(1), () => tcs.SetResult(42));
            Assert.Equal(42, await tcs.Task);
            seen.Add(Environment.CurrentManagedThreadId);
            Assert.IsType<SimulationSynchronizationContext>(SynchronizationContext.Current);
        }, TimeSpan.FromHours(1));

        Assert.Equal(6, seen.Count);
        Assert.All(seen, id => Assert.Equal(loopThread, id));
    }

    [Fact]
    public void Run_ReturnsMainsResult_AndRestoresTheCallersContext()
    {
        var sim = new Simulation(7);
        var before = SynchronizationContext.Current;

        var result = sim.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), sim.Time);
            return "done";
        }, TimeSpan.FromSeconds(2));

        Assert.Equal("done", result);
        Assert.Same(before, SynchronizationContext.Current);
    }

    [Fact]
    public void Run_WhenMainThrows_RethrowsItsException()
    {
        var sim = new Simulation(7);

        var ex = Assert.Throws<FormatException>(() => sim.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
            throw new FormatException("bad");
        }, TimeSpan.FromMinutes(1)));

        Assert.Equal("bad", ex.Message);
        Assert.Throws<ArgumentException>(() => sim.Run(() => throw new ArgumentException("sync"), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Run_WhenMainNeverCompletes_ReportsDeadlockWithTheSeed()
    {
        var sim = new Simulation(424242);
        var never = new TaskCompletionSource();

        var ex = Assert.Throws<SimulationException>(() => sim.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), sim.Time);
            await never.Task;
        }, TimeSpan.FromHours(1)));

        Assert.Equal(424242, ex.Seed);
        Assert.Contains("seed 424242", ex.Message, StringComparison.Ordinal);
        Assert.Contains("deadlock", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), sim.Elapsed);
    }

    [Fact]
    public void Run_WhenBudgetIsExceeded_ReportsItWithTheSeed()
    {
        var sim = new Simulation(99);
        using var ticker = sim.Time.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var ex = Assert.Throws<SimulationException>(() => sim.Run(() => Task.Delay(TimeSpan.FromHours(2), sim.Time), TimeSpan.FromHours(1)));

        Assert.Equal(99, ex.Seed);
        Assert.Contains("seed 99", ex.Message, StringComparison.Ordinal);
        Assert.Contains("budget", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(1), sim.Elapsed);
    }

    [Fact]
    public void Run_WhenWorkLoopsWithoutTimeAdvancing_ReportsALivelock()
    {
        var sim = new Simulation(5, new SimulationOptions { MaxEventsPerRun = 10_000 });

        var ex = Assert.Throws<SimulationException>(() => sim.Run(async () =>
        {
            while (true)
            {
                await Task.Yield();
            }
        }, TimeSpan.FromHours(1)));

        Assert.Contains("livelock", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, sim.Elapsed);
    }

    [Fact]
    public void Run_CannotBeNested()
    {
        var sim = new Simulation(5);

        Assert.Throws<InvalidOperationException>(() => sim.Run(() =>
        {
            sim.RunFor(TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        }, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void EventsDueAtTheSameTime_RunInTheOrderTheyWereScheduled()
    {
        var sim = new Simulation(3);
        var order = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var n = i;
            sim.Schedule(TimeSpan.FromSeconds(n % 2 == 0 ? 1 : 2), () => order.Add(n));
        }

        sim.RunFor(TimeSpan.FromSeconds(2));

        Assert.Equal(Enumerable.Range(0, 20).Where(n => n % 2 == 0).Concat(Enumerable.Range(0, 20).Where(n => n % 2 == 1)), order);
    }

    [Fact]
    public void FireAndForgetErrors_AreRecordedAndTheLoopGoesOn()
    {
        var sim = new Simulation(11);
        sim.Spawn(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
            throw new InvalidOperationException("spawned");
        });
        sim.Spawn("n1", async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
            throw new FormatException("spawned on node");
        });
        sim.Schedule(TimeSpan.FromSeconds(2), () => throw new ArgumentException("scheduled"));
        using var timer = sim.Time.CreateTimer(_ => throw new TimeoutException("timer"), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);

        var result = sim.Run(async () =>
        {
            AsyncVoidThatThrows(sim);
            await Task.Delay(TimeSpan.FromSeconds(10), sim.Time);
            return 1;
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(1, result);
        Assert.Equal(5, sim.UnobservedErrors.Count);
        Assert.Equal(
            ["async void", "scheduled", "spawned", "spawned on node", "timer"],
            sim.UnobservedErrors.Select(e => e.Message).Order(StringComparer.Ordinal));
        Assert.Equal(5, sim.Trace.Count(line => line.Contains("unobserved", StringComparison.Ordinal)));
    }

    [Fact]
    public void ForeignThread_SchedulingWhileRunning_IsRejectedAndFailsTheRun()
    {
        var sim = new Simulation(31337);
        Exception? foreignError = null;

        var ex = Assert.Throws<SimulationException>(() => sim.Run(async () =>
        {
            var thread = new Thread(() => foreignError = Record.Exception(() => sim.Schedule(TimeSpan.Zero, () => { })));
            thread.Start();
            thread.Join();
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
        }, TimeSpan.FromMinutes(1)));

        Assert.IsType<InvalidOperationException>(foreignError);
        Assert.Contains("seed 31337", ex.Message, StringComparison.Ordinal);
        Assert.Contains("foreign thread", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Schedule", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignThread_PostingAContinuation_IsNotRunAndFailsTheRun()
    {
        var sim = new Simulation(8);
        var ran = false;

        var ex = Assert.Throws<SimulationException>(() => sim.Run(async () =>
        {
            var context = SynchronizationContext.Current!;
            var thread = new Thread(() => context.Post(_ => ran = true, null));
            thread.Start();
            thread.Join();
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
        }, TimeSpan.FromMinutes(1)));

        Assert.False(ran);
        Assert.Contains("SynchronizationContext.Post", ex.Message, StringComparison.Ordinal);
        Assert.Single(sim.UnobservedErrors.OfType<SimulationException>());
    }

    [Fact]
    public void ConfigureAwaitFalse_LeavesTheLoopThread_AndTheRunFails()
    {
        var sim = new Simulation(2024);

        // The timer completes the delay on the loop while the loop's context is current, so the runtime queues the
        // context-free continuation to the thread pool; its next use of the simulation is caught. (If the pool is
        // slower than the loop's grace period, the loop reports the deadlock instead: a SimulationException either way.)
        var ex = Assert.Throws<SimulationException>(() => sim.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1), sim.Time);
        }, TimeSpan.FromMinutes(1)));

        Assert.Equal(2024, ex.Seed);
        Assert.True(ex.Message.Contains("foreign thread", StringComparison.Ordinal) || ex.Message.Contains("deadlock", StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Randomness_IsDerivedFromTheSeedAndTheNode()
    {
        static int[] Draws(Random random) => Enumerable.Range(0, 8).Select(_ => random.Next()).ToArray();

        var a = new Simulation(17);
        var b = new Simulation(17);
        var c = new Simulation(18);

        Assert.Equal(Draws(a.Random), Draws(b.Random));
        Assert.NotEqual(Draws(new Simulation(17).Random), Draws(c.Random));
        Assert.Equal(Draws(a.CreateRuntime("n1").Random), Draws(b.CreateRuntime("n1").Random));
        Assert.NotEqual(Draws(new Simulation(17).CreateRuntime("n1").Random), Draws(new Simulation(17).CreateRuntime("n2").Random));
        Assert.NotEqual(Draws(new Simulation(17).CreateRuntime("n1").Random), Draws(new Simulation(18).CreateRuntime("n1").Random));

        // A second runtime for the same node (after a restart) does not replay the first one's numbers.
        var d = new Simulation(17);
        Assert.NotEqual(Draws(d.CreateRuntime("n1").Random), Draws(d.CreateRuntime("n1").Random));
    }

    [Fact]
    public void RuntimeTrace_IsPrefixedWithTimeAndNode_AndHashedStably()
    {
        var sim = new Simulation(1);
        var runtime = sim.CreateRuntime("n7");
        sim.Schedule(TimeSpan.FromMilliseconds(1.5), () => runtime.Trace("hello"));
        sim.RunFor(TimeSpan.FromSeconds(1));
        sim.WriteTrace("end");

        Assert.Equal(["1.5000ms n7: hello", "1000.0000ms sim: end"], sim.Trace);
        Assert.Equal(Fnv1a64(sim.Trace), sim.TraceHash);
        Assert.Equal(2, sim.TraceCount);
    }

    [Fact]
    public void TraceHash_WithoutRecordedLines_IsTheSame()
    {
        var recorded = new Simulation(1);
        var unrecorded = new Simulation(1, new SimulationOptions { RecordTrace = false });
        foreach (var sim in new[] { recorded, unrecorded })
        {
            var runtime = sim.CreateRuntime("n1");
            sim.Schedule(TimeSpan.FromSeconds(1), () => runtime.Trace("tick"));
            sim.RunFor(TimeSpan.FromSeconds(2));
        }

        Assert.Empty(unrecorded.Trace);
        Assert.Single(recorded.Trace);
        Assert.Equal(recorded.TraceHash, unrecorded.TraceHash);
        Assert.NotEqual(new Simulation(1).TraceHash, recorded.TraceHash);
    }

    internal static ulong Fnv1a64(IEnumerable<string> lines)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in lines.SelectMany(line => System.Text.Encoding.UTF8.GetBytes(line + "\n")))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static async void AsyncVoidThatThrows(Simulation sim)
    {
        await Task.Delay(TimeSpan.FromSeconds(4), sim.Time);
        throw new InvalidCastException("async void");
    }
}
