namespace KvDb.Cluster.Placement;

/// <summary>Small helpers over replica lists (a handful of nodes each, so linear scans win).</summary>
internal static class NodeLists
{
    /// <summary>Same nodes in the same order; null equals only null.</summary>
    public static bool SequenceEqual(IReadOnlyList<NodeId>? a, IReadOnlyList<NodeId>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Same nodes in any order (the lists never hold duplicates).</summary>
    public static bool SetEqual(IReadOnlyList<NodeId> a, IReadOnlyList<NodeId> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!Contains(b, a[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Contains(IReadOnlyList<NodeId> list, NodeId node)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == node)
            {
                return true;
            }
        }

        return false;
    }

    public static int GetSequenceHashCode(IReadOnlyList<NodeId>? list)
    {
        if (list is null)
        {
            return 0;
        }

        var hash = new HashCode();
        for (var i = 0; i < list.Count; i++)
        {
            hash.Add(list[i]);
        }

        return hash.ToHashCode();
    }

    public static string Format(IReadOnlyList<NodeId>? list) => list is null ? "(none)" : string.Join(", ", list);
}
