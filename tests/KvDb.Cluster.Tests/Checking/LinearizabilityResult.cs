namespace KvDb.Cluster.Tests.Checking;

/// <summary>The verdict of <see cref="LinearizabilityChecker.Check"/>.</summary>
internal enum LinearizabilityOutcome
{
    /// <summary>Every key's operations have a linearization.</summary>
    Linearizable,

    /// <summary>Some key's operations have none.</summary>
    NotLinearizable,

    /// <summary>The step budget ran out before a verdict: neither a pass nor a failure.</summary>
    Unknown,
}

/// <summary>A checker verdict with, when not linearizable, the key and the operations that explain it.</summary>
internal sealed class LinearizabilityResult
{
    internal LinearizabilityResult(
        LinearizabilityOutcome outcome,
        string? key,
        string explanation,
        long steps,
        IReadOnlyList<HistoryOperation> longestPrefix,
        IReadOnlyList<HistoryOperation> blocked)
    {
        Outcome = outcome;
        Key = key;
        Explanation = explanation;
        Steps = steps;
        LongestPrefix = longestPrefix;
        Blocked = blocked;
    }

    /// <summary>The verdict.</summary>
    public LinearizabilityOutcome Outcome { get; }

    /// <summary>True only for <see cref="LinearizabilityOutcome.Linearizable"/>.</summary>
    public bool IsLinearizable => Outcome == LinearizabilityOutcome.Linearizable;

    /// <summary>The key that is not linearizable (or ran out of budget); null when linearizable.</summary>
    public string? Key { get; }

    /// <summary>A readable account of the verdict, listing the operations involved with their times and results.</summary>
    public string Explanation { get; }

    /// <summary>Search steps taken over all keys checked.</summary>
    public long Steps { get; }

    /// <summary>When not linearizable: the longest linearization found for <see cref="Key"/>, in linearization order.</summary>
    public IReadOnlyList<HistoryOperation> LongestPrefix { get; }

    /// <summary>
    /// When not linearizable: the operations that could come next after <see cref="LongestPrefix"/>, none of which
    /// the register's specification allows there.
    /// </summary>
    public IReadOnlyList<HistoryOperation> Blocked { get; }

    /// <inheritdoc/>
    public override string ToString() => Explanation;
}
