namespace KvDb.Cluster.Runtime;

/// <summary>
/// Where cluster code gets time, timers and randomness. Production uses the system clock and
/// <see cref="Random.Shared"/>; the simulation injects virtual time and a seeded generator so that one seed
/// reproduces one run exactly. Cluster code never reads the clock, starts timers or draws random numbers
/// any other way.
/// </summary>
public sealed class ClusterRuntime
{
    /// <summary>Creates a runtime.</summary>
    public ClusterRuntime(TimeProvider time, Random random, Action<string>? trace = null)
    {
        Time = time ?? throw new ArgumentNullException(nameof(time));
        Random = random ?? throw new ArgumentNullException(nameof(random));
        TraceSink = trace;
    }

    /// <summary>The system clock and the shared thread-safe generator.</summary>
    public static ClusterRuntime System { get; } = new(TimeProvider.System, Random.Shared);

    /// <summary>Clock and timers (virtual under simulation).</summary>
    public TimeProvider Time { get; }

    /// <summary>Randomness (seeded under simulation; not thread-safe there, which is fine: the simulation is single-threaded).</summary>
    public Random Random { get; }

    /// <summary>Receives trace events (the simulation records them to compare runs).</summary>
    public Action<string>? TraceSink { get; }

    /// <summary>Records one trace event when tracing is on.</summary>
    public void Trace(string message) => TraceSink?.Invoke(message);

    /// <summary>Milliseconds since the Unix epoch by <see cref="Time"/>.</summary>
    public long NowMilliseconds => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A delay on <see cref="Time"/> (virtual under simulation).</summary>
    public Task Delay(TimeSpan delay, CancellationToken cancellationToken = default) => Task.Delay(delay, Time, cancellationToken);
}
