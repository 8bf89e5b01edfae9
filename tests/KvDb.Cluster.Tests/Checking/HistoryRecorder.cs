namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// Records invocations and completions of register operations; thread-safe. Operations never completed stay open
/// (the client saw a timeout or an unknown outcome). Take a snapshot with <see cref="ToHistory"/> and check it with
/// <see cref="LinearizabilityChecker.Check"/>.
/// </summary>
internal sealed class HistoryRecorder
{
    private readonly Lock _lock = new();
    private readonly List<HistoryOperation> _operations = [];

    /// <summary>Records that <paramref name="clientId"/> invoked <paramref name="op"/> on <paramref name="key"/> at <paramref name="time"/>; returns the operation id.</summary>
    public int Invoke(int clientId, string key, RegisterOp op, long time)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            var id = _operations.Count;
            _operations.Add(new HistoryOperation(id, clientId, key, op, time, null, null));
            return id;
        }
    }

    /// <summary>
    /// Records that operation <paramref name="opId"/> returned <paramref name="result"/> at <paramref name="time"/>.
    /// Throws <see cref="ArgumentException"/> for an unknown id, a time before the invocation or a result that does
    /// not fit the operation, and <see cref="InvalidOperationException"/> when already completed.
    /// </summary>
    public void Complete(int opId, RegisterResult result, long time)
    {
        lock (_lock)
        {
            if ((uint)opId >= (uint)_operations.Count)
            {
                throw new ArgumentException($"Unknown operation id {opId}.", nameof(opId));
            }

            var operation = _operations[opId];
            if (!operation.IsOpen)
            {
                throw new InvalidOperationException($"Operation #{opId} is already complete.");
            }

            var completed = operation with { Result = result, CompleteTime = time };
            completed.Validate();
            _operations[opId] = completed;
        }
    }

    /// <summary>A snapshot of everything recorded so far.</summary>
    public History ToHistory()
    {
        lock (_lock)
        {
            return new History(_operations);
        }
    }
}
