namespace KvDb.Cluster.Transport;

/// <summary>Checks shared by the transports.</summary>
internal static class TransportRules
{
    /// <summary>A timeout must be positive or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static void Validate(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive or infinite.");
        }
    }

    /// <summary>What the caller receives when the target's handler throws: every transport answers the same way.</summary>
    public static ErrorReply ErrorReplyFor(Exception e) => new($"The handler failed: {e.GetType().Name}: {e.Message}");
}
