namespace KvDb.Cluster.Simulated;

/// <summary>
/// Virtual time: <see cref="GetUtcNow"/> and <see cref="GetTimestamp"/> move only when the simulation runs an
/// event, and timers are events on the simulation's queue. <c>Task.Delay(delay, time)</c>,
/// <c>new CancellationTokenSource(delay, time)</c> and <c>task.WaitAsync(timeout, time)</c> all work on it. A node's
/// clock (<see cref="Simulation.CreateRuntime"/>) runs its timer callbacks under the node's context: after the
/// node crashes they never fire again.
/// </summary>
public sealed class SimulatedTime : TimeProvider
{
    private readonly Simulation _simulation;
    private readonly NodeState? _node;

    internal SimulatedTime(Simulation simulation, NodeState? node)
    {
        _simulation = simulation;
        _node = node;
    }

    /// <summary>The node whose clock this is (null for the simulation's global clock).</summary>
    public NodeId? Node => _node?.Id;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _simulation.Now;

    /// <summary>UTC, so that local-time conversions do not depend on the machine.</summary>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>One tick per 100 ns of virtual time (<see cref="TimeSpan.TicksPerSecond"/> per second).</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The virtual time in ticks (the start time's UTC ticks plus the elapsed virtual time).</summary>
    public override long GetTimestamp() => _simulation.Now.UtcTicks;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        SimulatedTimer.Validate(dueTime, period);
        _simulation.EnsureLoopThread("TimeProvider.CreateTimer");
        var context = _node is null ? _simulation.GlobalContext : _node.Context;
        var timer = new SimulatedTimer(_simulation, context, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }
}

/// <summary>
/// A timer on virtual time. Each <see cref="Change"/> starts a new generation, so a tick queued by an earlier
/// generation (or after <see cref="Dispose"/>) is ignored when it comes up. Periodic ticks are queued before the
/// callback runs, at the scheduled time plus the period. A period of zero or infinite means one-shot (as in
/// FakeTimeProvider; a zero period would otherwise spin forever at one instant).
/// </summary>
internal sealed class SimulatedTimer : ITimer
{
    private static readonly ContextCallback s_invoke = static state =>
    {
        var timer = (SimulatedTimer)state!;
        timer._callback(timer._state);
    };

    private static readonly SendOrPostCallback s_tick = static state =>
    {
        var tick = (Tick)state!;
        tick.Timer.Fire(tick.Generation);
    };

    private readonly Simulation _simulation;
    private readonly SimulationSynchronizationContext _context;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private readonly ExecutionContext? _executionContext;
    private long _generation;
    private long _periodTicks = -1;
    private bool _disposed;

    public SimulatedTimer(Simulation simulation, SimulationSynchronizationContext context, TimerCallback callback, object? state)
    {
        _simulation = simulation;
        _context = context;
        _callback = callback;
        _state = state;

        // Like System.Threading.Timer, flow the creator's AsyncLocals into the callback.
        _executionContext = ExecutionContext.Capture();
    }

    public static void Validate(TimeSpan dueTime, TimeSpan period)
    {
        const long MaxMilliseconds = 0xfffffffe;
        if ((dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan) || dueTime.TotalMilliseconds > MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be non-negative, or infinite.");
        }

        if ((period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan) || period.TotalMilliseconds > MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be non-negative, or infinite.");
        }
    }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, period);
        if (_disposed)
        {
            return false;
        }

        _simulation.EnsureLoopThread("ITimer.Change");
        _generation++;
        _periodTicks = period == TimeSpan.Zero || period == Timeout.InfiniteTimeSpan ? -1 : period.Ticks;
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _simulation.Enqueue(_simulation.ElapsedTicks + dueTime.Ticks, _context, s_tick, new Tick(this, _generation));
        }

        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        _generation++;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Fire(long generation)
    {
        if (_disposed || generation != _generation)
        {
            return;
        }

        if (_periodTicks > 0)
        {
            _simulation.Enqueue(_simulation.ElapsedTicks + _periodTicks, _context, s_tick, new Tick(this, generation));
        }

        if (_executionContext is null)
        {
            _callback(_state);
        }
        else
        {
            ExecutionContext.Run(_executionContext, s_invoke, this);
        }
    }

    private sealed record Tick(SimulatedTimer Timer, long Generation);
}
