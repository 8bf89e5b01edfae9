namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// Checks that a history of register operations is linearizable. Keys are independent registers, so the history
/// is split by key (linearizability is compositional) and each key is searched on its own with
/// <see cref="WglSearch"/>. Open operations may take effect at any point after their invocation, or never.
/// Operations whose times are equal count as concurrent.
/// </summary>
/// <example>
/// <code>
/// var recorder = new HistoryRecorder();
/// var id = recorder.Invoke(clientId: 1, "k", RegisterOp.Write("a"), time: 10);
/// recorder.Complete(id, RegisterResult.Ok, time: 12);
/// var result = LinearizabilityChecker.Check(recorder.ToHistory());
/// Assert.True(result.IsLinearizable, result.Explanation);
/// </code>
/// </example>
internal static class LinearizabilityChecker
{
    /// <summary>
    /// The default search budget per key, one to three seconds at worst. Linearizable histories of 2,000
    /// operations with concurrency 10 take well under a million steps.
    /// </summary>
    public const long DefaultMaxStepsPerKey = 10_000_000;

    /// <summary>
    /// Checks <paramref name="history"/>. The verdict is <see cref="LinearizabilityOutcome.NotLinearizable"/> when
    /// some key fails, otherwise <see cref="LinearizabilityOutcome.Unknown"/> when some key's search exceeded
    /// <paramref name="maxStepsPerKey"/> steps, otherwise <see cref="LinearizabilityOutcome.Linearizable"/>.
    /// </summary>
    public static LinearizabilityResult Check(History history, long maxStepsPerKey = DefaultMaxStepsPerKey)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStepsPerKey);
        var steps = 0L;
        string? unknownKey = null;
        foreach (var group in history.Operations.GroupBy(o => o.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var search = new WglSearch(group.Key, group);
            var outcome = search.Run(maxStepsPerKey);
            steps += search.Steps;
            if (outcome == LinearizabilityOutcome.NotLinearizable)
            {
                return new LinearizabilityResult(outcome, group.Key, search.Explain(), steps, search.LongestPrefix, search.Blocked);
            }

            unknownKey ??= outcome == LinearizabilityOutcome.Unknown ? group.Key : null;
        }

        return unknownKey is null
            ? new LinearizabilityResult(LinearizabilityOutcome.Linearizable, null, "Linearizable.", steps, [], [])
            : new LinearizabilityResult(
                LinearizabilityOutcome.Unknown,
                unknownKey,
                $"Unknown: the search for key '{unknownKey}' exceeded {maxStepsPerKey} steps; no other key is a violation.",
                steps,
                [],
                []);
    }
}
