using System.Diagnostics;
using KvDb.Cluster.Simulated;

namespace KvDb.Cluster.Tests.Simulated;

public sealed class SimulationTimeTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Delay_OfOneHour_CompletesInstantlyAtExactVirtualTime()
    {
        var sim = new Simulation(1);
        var wall = Stopwatch.StartNew();

        var (now, elapsed) = sim.Run(async () =>
        {
            var started = sim.Time.GetTimestamp();
            await Task.Delay(TimeSpan.FromHours(1), sim.Time);
            return (sim.Time.GetUtcNow(), sim.Time.GetElapsedTime(started));
        }, TimeSpan.FromHours(2));

        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(2), $"took {wall.Elapsed} of wall-clock time");
        Assert.Equal(s_start.AddHours(1), now);
        Assert.Equal(TimeSpan.FromHours(1), elapsed);
        Assert.Equal(TimeSpan.FromHours(1), sim.Elapsed);
    }

    [Fact]
    public void Now_WithoutEvents_DoesNotAdvance()
    {
        var sim = new Simulation(1, new SimulationOptions { StartTime = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero) });

        Assert.Equal(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero), sim.Now);
        Assert.Equal(sim.Now, sim.Time.GetUtcNow());
        Assert.Equal(TimeZoneInfo.Utc, sim.Time.LocalTimeZone);
        sim.RunFor(TimeSpan.FromMinutes(3));
        Assert.Equal(TimeSpan.FromMinutes(3), sim.Elapsed);
    }

    [Fact]
    public void Timer_OneShot_FiresOnceAtItsDueTime()
    {
        var sim = new Simulation(1);
        var fired = new List<TimeSpan>();
        using var timer = sim.Time.CreateTimer(_ => fired.Add(sim.Elapsed), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        sim.RunFor(TimeSpan.FromSeconds(60));

        Assert.Equal([TimeSpan.FromSeconds(5)], fired);
    }

    [Fact]
    public void Timer_Periodic_FiresEveryPeriodUntilDisposed()
    {
        var sim = new Simulation(1);
        var fired = new List<TimeSpan>();
        var timer = sim.Time.CreateTimer(state => fired.Add(sim.Elapsed + (TimeSpan)state!), TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        sim.RunFor(TimeSpan.FromSeconds(8));
        timer.Dispose();
        sim.RunFor(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 3, 5, 7], fired.Select(t => t.TotalSeconds));
        Assert.False(timer.Change(TimeSpan.Zero, TimeSpan.Zero));
    }

    [Fact]
    public void Timer_Change_ReschedulesAndInfiniteDueTimeStopsIt()
    {
        var sim = new Simulation(1);
        var fired = new List<double>();
        var timer = sim.Time.CreateTimer(_ => fired.Add(sim.Elapsed.TotalSeconds), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));

        sim.Schedule(TimeSpan.FromSeconds(2), () => Assert.True(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan)));
        sim.Schedule(TimeSpan.FromSeconds(4), () => timer.Change(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)));
        sim.Schedule(TimeSpan.FromSeconds(13), () => timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        sim.RunFor(TimeSpan.FromSeconds(30));

        // 3 (one-shot after the first change), then 6, 9, 12 (periodic), then stopped at 13; never at 10.
        Assert.Equal([3, 6, 9, 12], fired);
        timer.Dispose();
    }

    [Fact]
    public void Timer_CallbackThatDisposesItself_StopsPeriodicTicks()
    {
        var sim = new Simulation(1);
        var count = 0;
        ITimer? timer = null;
        timer = sim.Time.CreateTimer(_ =>
        {
            if (++count == 3)
            {
                timer!.Dispose();
            }
        }, null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        sim.RunFor(TimeSpan.FromSeconds(1));

        Assert.Equal(3, count);
    }

    [Fact]
    public void Timer_InvalidTimes_Throw()
    {
        var sim = new Simulation(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Time.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(-2), Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Time.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void CancellationTokenSource_WithTimeout_CancelsAtExactVirtualTime()
    {
        var sim = new Simulation(1);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3), sim.Time);
        using var later = new CancellationTokenSource(TimeSpan.FromSeconds(100), sim.Time);
        TimeSpan? cancelledAt = null;
        TimeSpan? laterCancelledAt = null;
        cts.Token.Register(() => cancelledAt = sim.Elapsed);
        later.Token.Register(() => laterCancelledAt = sim.Elapsed);
        sim.Schedule(TimeSpan.FromSeconds(1), () => later.CancelAfter(TimeSpan.FromSeconds(4)));

        sim.RunFor(TimeSpan.FromSeconds(2.5));
        Assert.False(cts.IsCancellationRequested);
        sim.RunFor(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(3), cancelledAt);
        Assert.Equal(TimeSpan.FromSeconds(5), laterCancelledAt);
    }

    [Fact]
    public void CancellationTokenSource_WithTimeout_CancelsAwaitedDelay()
    {
        var sim = new Simulation(1);

        var elapsed = sim.Run(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(250), sim.Time);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(TimeSpan.FromHours(1), sim.Time, cts.Token));
            return sim.Elapsed;
        }, TimeSpan.FromHours(2));

        Assert.Equal(TimeSpan.FromMilliseconds(250), elapsed);
    }

    [Fact]
    public void WaitAsync_WithTimeoutOnVirtualTime_ThrowsTimeoutAtThatTime()
    {
        var sim = new Simulation(1);

        var elapsed = sim.Run(async () =>
        {
            var never = new TaskCompletionSource();
            await Assert.ThrowsAsync<TimeoutException>(() => never.Task.WaitAsync(TimeSpan.FromSeconds(7), sim.Time));
            return sim.Elapsed;
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromSeconds(7), elapsed);
    }
}
