namespace KvDb.Cluster.Simulated;

/// <summary>Settings of a <see cref="Simulation"/>: the start of virtual time, the network's faults and the run limits.</summary>
public sealed class SimulationOptions
{
    /// <summary>The virtual time at which the simulation starts (default 2026-01-01T00:00:00Z).</summary>
    public DateTimeOffset StartTime { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The smallest one-way latency of a message (default 1 ms).</summary>
    public TimeSpan MinLatency { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The largest one-way latency of a message (default 5 ms); latencies are uniform in [min, max].</summary>
    public TimeSpan MaxLatency { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The probability in [0, 1] that one message (request or reply) is lost (default 0).</summary>
    public double LossProbability { get; set; }

    /// <summary>The probability in [0, 1] that a request is delivered twice, so its handler runs twice (default 0).</summary>
    public double DuplicationProbability { get; set; }

    /// <summary>
    /// Copies every delivered message (each copy of a duplicated request separately, and every reply), so that
    /// nodes never share objects; the cluster tests set it to a binary encode/decode round trip. Null passes the
    /// object itself.
    /// </summary>
    public Func<ClusterMessage, ClusterMessage>? MessageCopier { get; set; }

    /// <summary>
    /// Whether <see cref="Simulation.Trace"/> keeps the trace lines (default true). <see cref="Simulation.TraceHash"/>
    /// is computed either way, so long runs can turn this off and still compare runs.
    /// </summary>
    public bool RecordTrace { get; set; } = true;

    /// <summary>
    /// The most events one call of Run or RunFor may execute (default 20 million): a guard against livelocks
    /// that keep posting work without letting virtual time advance.
    /// </summary>
    public long MaxEventsPerRun { get; set; } = 20_000_000;
}
