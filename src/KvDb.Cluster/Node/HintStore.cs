namespace KvDb.Cluster.Node;

/// <summary>
/// Hinted handoff: writes a replica missed while unreachable, kept by the coordinator and delivered when the
/// replica answers heartbeats again. Delivery is an ordinary store (a replica keeps the newer of its own state
/// and the hint), so a hint can never overwrite a newer value. Hints live in memory and are bounded per node:
/// what is dropped or lost with a coordinator crash is repaired by anti-entropy.
/// </summary>
internal sealed class HintStore(int maxPerNode)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<NodeId, Queue<(string Table, CellEntry Entry)>> _hints = [];

    public long Dropped { get; private set; }

    public void Add(NodeId node, string table, CellEntry entry)
    {
        lock (_lock)
        {
            if (!_hints.TryGetValue(node, out var queue))
            {
                _hints[node] = queue = new Queue<(string, CellEntry)>();
            }

            if (queue.Count >= maxPerNode)
            {
                queue.Dequeue();
                Dropped++;
            }

            queue.Enqueue((table, entry));
        }
    }

    public int Count(NodeId node)
    {
        lock (_lock)
        {
            return _hints.TryGetValue(node, out var q) ? q.Count : 0;
        }
    }

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _hints.Values.Sum(q => q.Count);
            }
        }
    }

    /// <summary>Takes up to <paramref name="max"/> hints for a node (the caller puts back what it could not deliver).</summary>
    public List<(string Table, CellEntry Entry)> Take(NodeId node, int max)
    {
        lock (_lock)
        {
            var taken = new List<(string, CellEntry)>();
            if (_hints.TryGetValue(node, out var q))
            {
                while (taken.Count < max && q.Count > 0)
                {
                    taken.Add(q.Dequeue());
                }
            }

            return taken;
        }
    }

    public void Forget(NodeId node)
    {
        lock (_lock)
        {
            _hints.Remove(node);
        }
    }
}
