namespace KvDb.Cluster.Tests.Checking;

/// <summary>An immutable history of register operations, as recorded by <see cref="HistoryRecorder"/>.</summary>
internal sealed class History
{
    /// <summary>Creates a history from operations (ids must be unique); throws <see cref="ArgumentException"/> on malformed ones.</summary>
    public History(IEnumerable<HistoryOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var list = operations.ToArray();
        var ids = new HashSet<int>();
        foreach (var operation in list)
        {
            operation.Validate();
            if (!ids.Add(operation.Id))
            {
                throw new ArgumentException($"Duplicate operation id {operation.Id}.", nameof(operations));
            }
        }

        Operations = list;
    }

    /// <summary>The operations in invocation order of recording.</summary>
    public IReadOnlyList<HistoryOperation> Operations { get; }

    /// <summary>Renders one operation per line.</summary>
    public override string ToString() => string.Join('\n', Operations);
}
