namespace KvDb.Cypher.Storage;

/// <summary>
/// An inclusive range of index-entry sort keys, in Core's (code point) order; <see cref="ValueKey"/> is set when the
/// range holds exactly the entries of one value (an equality seek the graph copy's hash map can answer).
/// </summary>
internal readonly record struct IndexRange(string Low, string High, string? ValueKey = null)
{
    /// <summary>All entries whose sort key starts with <paramref name="prefix"/>.</summary>
    public static IndexRange Prefix(string prefix) => new(prefix, prefix + IndexKeys.MaxChar);

    /// <summary>The entries of the value whose key is <paramref name="valueKey"/>.</summary>
    public static IndexRange Equal(string valueKey) => Prefix(valueKey + IndexKeys.Separator) with { ValueKey = valueKey };
}

internal sealed partial class GraphTransaction
{
    private IndexCatalog? _catalog;

    // Nodes changed by this statement: their index keys as stored and as they are now (one slot per catalog index).
    private Dictionary<long, IndexedNode>? _indexedMade;

    private Dictionary<long, IndexedNode> IndexedNodes => _indexedMade ??= [];

    // Per index id: the current entry keys of the nodes this statement changed, so seeks see the statement's writes.
    private Dictionary<long, SortedSet<string>>? _overlayMade;

    private Dictionary<long, SortedSet<string>> IndexOverlay => _overlayMade ??= [];

    private sealed class IndexedNode(string?[] stored)
    {
        public string?[] Stored { get; } = stored;

        public string?[] Current { get; } = (string?[])stored.Clone();
    }

    /// <summary>The index definitions as of this statement (read once; the commit checks they are still current).</summary>
    /// <summary>The index catalog as the graph copy holds it, without a read (null without a copy).</summary>
    public IndexCatalog? CatalogFromCopy()
    {
        if (_catalog is null && Copy is { } copy)
        {
            _catalog = graph.CachedCatalog is { } known && known.Version == copy.Catalog.Version ? known : copy.Catalog;
        }

        return _catalog;
    }

    public async ValueTask<IndexCatalog> CatalogAsync()
    {
        CatalogFromCopy();

        if (_catalog is null)
        {
            var item = await Store.GetItemAsync(new GetItemRequest(Table, IndexCatalog.Key), cancellationToken).ConfigureAwait(false);
            var version = item?.Get("version")?.AsNumber().ToInt64() ?? 0;
            _catalog = graph.CachedCatalog is { } cached && cached.Version == version ? cached : IndexCatalog.FromItem(item);
            graph.CachedCatalog = _catalog;
        }

        return _catalog;
    }

    /// <summary>Keeps a stored node's properties aside before the statement first changes them.</summary>
    private static void KeepStored(NodeState state)
    {
        if (!state.Created)
        {
            state.StoredProperties ??= new Dictionary<string, object?>(state.Properties, StringComparer.Ordinal);
        }
    }

    /// <summary>Recomputes a changed node's index keys (after <see cref="KeepStored"/> and the change).</summary>
    private async ValueTask TouchAsync(NodeState state)
    {
        var catalog = await CatalogAsync().ConfigureAwait(false);
        var indexes = catalog.Indexes;
        if (indexes.Count == 0)
        {
            return;
        }

        if (!IndexedNodes.TryGetValue(state.Id, out var entry))
        {
            var stored = new string?[indexes.Count];
            if (!state.Created)
            {
                for (var i = 0; i < indexes.Count; i++)
                {
                    stored[i] = EntryKey(indexes[i], state.Id, state.StoredLabels, state.StoredProperties ?? state.Properties);
                }
            }

            IndexedNodes[state.Id] = entry = new IndexedNode(stored);
        }

        for (var i = 0; i < indexes.Count; i++)
        {
            var key = state.Deleted ? null : EntryKey(indexes[i], state.Id, state.Labels, state.Properties);
            if (key == entry.Current[i])
            {
                continue;
            }

            if (!IndexOverlay.TryGetValue(indexes[i].Id, out var overlay))
            {
                IndexOverlay[indexes[i].Id] = overlay = new SortedSet<string>(IndexKeys.CodePointComparer.Instance);
            }

            if (entry.Current[i] is { } old)
            {
                overlay.Remove(old);
            }

            if (key is not null)
            {
                overlay.Add(key);
            }

            entry.Current[i] = key;
        }
    }

    private static string? EntryKey(PropertyIndex index, long node, ICollection<string> labels, Dictionary<string, object?> properties) =>
        labels.Contains(index.Label) && properties.TryGetValue(index.Property, out var value) && IndexKeys.ValueKey(value) is { } key
            ? IndexKeys.EntrySortKey(key, node)
            : null;

    /// <summary>The entry deletes and puts for every index key this statement changed.</summary>
    private void AddIndexWrites(List<TransactWriteItem> writes)
    {
        if (_catalog is null)
        {
            return;
        }

        foreach (var (node, entry) in IndexedNodes)
        {
            for (var i = 0; i < entry.Stored.Length; i++)
            {
                if (entry.Stored[i] == entry.Current[i])
                {
                    continue;
                }

                var pk = IndexKeys.Partition(_catalog.Indexes[i].Id);
                if (entry.Stored[i] is { } old)
                {
                    writes.Add(new TransactDelete(Table, new ItemKey(pk, old)));
                }

                if (entry.Current[i] is { } current)
                {
                    writes.Add(new TransactPut(Table, EntryItem(pk, current, node)));
                }
            }
        }
    }

    public static Item EntryItem(string pk, string sk, long node) =>
        Item.Create().Set(GraphKeys.PartitionKey, pk).Set(GraphKeys.SortKey, sk).Set("nid", node).Build();

    /// <summary>
    /// Equality seeks answered by the graph copy's in-memory index (null when a range is not one value's entries or
    /// the copy does not hold the index): the nodes, in id order, as the Core seek would find them.
    /// </summary>
    private List<long>? SeekCopy(GraphCopy.Snapshot copy, PropertyIndex index, IReadOnlyList<IndexRange> ranges)
    {
        var result = new List<long>();
        foreach (var range in ranges)
        {
            if (range.ValueKey is not { } key || copy.Seek(index.Id, key) is not { } ids)
            {
                return null;
            }

            foreach (var id in ids)
            {
                if (copy.Find(id) is not null)
                {
                    result.Add(id);
                }
            }
        }

        if (ranges.Count > 1)
        {
            result = [.. result.Distinct()];
        }

        result.Sort();
        return result;
    }

    /// <summary>
    /// The live nodes with an entry of <paramref name="index"/> in any of <paramref name="ranges"/>, in id order:
    /// stored entries plus the statement's own changes. A candidate may no longer match (its stored entry is stale
    /// within this statement, or two values share a key), so callers check every candidate again.
    /// </summary>
    public async ValueTask<List<long>> IndexSeekAsync(PropertyIndex index, IReadOnlyList<IndexRange> ranges)
    {
        if (!HasWritten && Copy is { } copy && SeekCopy(copy, index, ranges) is { } found)
        {
            return found;
        }

        var ids = new HashSet<long>();
        var comparer = IndexKeys.CodePointComparer.Instance;

        foreach (var range in ranges)
        {
            if (comparer.Compare(range.Low, range.High) > 0)
            {
                continue;
            }

            ItemKey? start = null;
            do
            {
                var page = await Store.QueryAsync(new QueryRequest(Table)
                {
                    PartitionKey = AttributeValue.FromString(IndexKeys.Partition(index.Id)),
                    SortKeyCondition = KeyCondition.Between(AttributeValue.FromString(range.Low), AttributeValue.FromString(range.High)),
                    ExclusiveStartKey = start,
                }, cancellationToken).ConfigureAwait(false);
                foreach (var item in page.Items)
                {
                    ids.Add(item["nid"].AsNumber().ToInt64());
                }

                start = page.LastEvaluatedKey;
            }
            while (start is not null);

            if (IndexOverlay.TryGetValue(index.Id, out var overlay))
            {
                foreach (var key in overlay.GetViewBetween(range.Low, range.High))
                {
                    ids.Add(IndexKeys.NodeOf(key));
                }
            }
        }

        await PrefetchNodesAsync(ids).ConfigureAwait(false);
        var result = new List<long>(ids.Count);
        foreach (var id in ids)
        {
            if (await GetNodeAsync(id).ConfigureAwait(false) is not null)
            {
                result.Add(id);
            }
        }

        result.Sort();
        return result;
    }

    /// <summary>How many stored entries of <paramref name="index"/> fall in <paramref name="ranges"/> (for planning).</summary>
    public async ValueTask<long> IndexCountAsync(PropertyIndex index, IReadOnlyList<IndexRange> ranges)
    {
        long count = 0;
        foreach (var range in ranges)
        {
            if (IndexKeys.CodePointComparer.Instance.Compare(range.Low, range.High) > 0)
            {
                continue;
            }

            count += await CountAsync(new QueryRequest(Table)
            {
                PartitionKey = AttributeValue.FromString(IndexKeys.Partition(index.Id)),
                SortKeyCondition = KeyCondition.Between(AttributeValue.FromString(range.Low), AttributeValue.FromString(range.High)),
            }).ConfigureAwait(false);
        }

        return count;
    }
}
