namespace KvDb.Cluster.Tests.Transport;

/// <summary>The system clock moved by a fixed offset (a node whose clock is off).</summary>
internal sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
