namespace KvDb.Cluster.Simulated;

/// <summary>
/// The simulation itself failed: its virtual-time or event budget ran out, it deadlocked (main unfinished and
/// nothing left to run), or it was used from a thread other than its own. The message includes the seed.
/// </summary>
public sealed class SimulationException : Exception
{
    /// <summary>Creates the exception for a run with <paramref name="seed"/>.</summary>
    public SimulationException(int seed, string message, Exception? inner = null)
        : base($"Simulation (seed {seed}): {message}", inner)
    {
        Seed = seed;
    }

    /// <summary>Creates the exception (serialization-friendly constructor set).</summary>
    public SimulationException() : base("The simulation failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public SimulationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SimulationException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The seed of the failed run (replay it with the same seed).</summary>
    public int Seed { get; }
}
