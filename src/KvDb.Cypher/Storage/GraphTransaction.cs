using KvDb.Cypher.Execution;

namespace KvDb.Cypher.Storage;

/// <summary>The current state of a node inside a statement.</summary>
internal sealed class NodeState
{
    private List<string>? _labels;
    private string[]? _storedLabels;
    private Dictionary<string, object?>? _properties;

    public required long Id { get; init; }

    /// <summary>
    /// The stored item of a node read from the store (null for a node this statement created): labels and
    /// properties are decoded from it only when first asked for, and a single property can be read without
    /// decoding the others (<see cref="GetProperty"/>).
    /// </summary>
    public Item? Stored { get; init; }

    /// <summary>The node as the graph's in-memory copy holds it (instead of <see cref="Stored"/>; never changed).</summary>
    public NodeEntry? Cached { get; init; }

    public List<string> Labels
    {
        get => _labels ??= [.. StoredLabels];
        set => _labels = value;
    }

    public Dictionary<string, object?> Properties
    {
        get => _properties ??= Stored is not null ? ValueCodec.DecodeMap(Stored["props"].AsMap()) : Cached is not null ? CopyProperties(Cached) : [];
        set => _properties = value;
    }

    private static Dictionary<string, object?> CopyProperties(NodeEntry entry)
    {
        var result = new Dictionary<string, object?>(entry.Properties.Length, StringComparer.Ordinal);
        foreach (var (key, value) in entry.Properties)
        {
            result[key] = ValueCodec.Copy(value);
        }

        return result;
    }

    /// <summary>The labels as stored (a handful: an array is cheaper to build and search than a set).</summary>
    public string[] StoredLabels
    {
        get => _storedLabels ??= Cached?.Labels ?? DecodeLabels(Stored);
        init => _storedLabels = value;
    }

    /// <summary>The current labels: the statement's when it changed them, else the stored ones (without copying them).</summary>
    public IReadOnlyList<string> CurrentLabels => _labels ?? (IReadOnlyList<string>)StoredLabels;

    /// <summary>One property's current value (null when absent), decoding only that one while the node is unchanged.</summary>
    public object? GetProperty(string key)
    {
        if (_properties is null && Cached is not null)
        {
            return Cached.Property(key);
        }

        if (_properties is not null || Stored is null)
        {
            return Properties.TryGetValue(key, out var value) ? value : null;
        }

        return PropertyPath(key).Resolve(Stored) is { } stored ? ValueCodec.Decode(stored) : null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Expressions.AttributePath> s_propertyPaths = new(StringComparer.Ordinal);

    /// <summary>The path <c>props.key</c> of a stored node item (cached for a bounded number of property names).</summary>
    private static Expressions.AttributePath PropertyPath(string key)
    {
        if (s_propertyPaths.TryGetValue(key, out var path))
        {
            return path;
        }

        path = Expressions.AttributePath.Of("props", key);
        if (s_propertyPaths.Count < 4096)
        {
            s_propertyPaths.TryAdd(key, path);
        }

        return path;
    }

    private static string[] DecodeLabels(Item? item)
    {
        if (item is null)
        {
            return [];
        }

        var stored = item["labels"].AsList();
        var labels = new string[stored.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = stored[i].AsString();
        }

        return labels;
    }

    /// <summary>The stored properties, kept aside before the statement first changes them (null until then).</summary>
    public Dictionary<string, object?>? StoredProperties { get; set; }

    public bool Created { get; init; }

    public bool Deleted { get; set; }

    public bool DetachChecked { get; set; } = true;

    public bool Dirty { get; set; }
}

/// <summary>The current state of a relationship inside a statement.</summary>
internal sealed class RelState
{
    public required RelRef Ref { get; init; }

    public required Dictionary<string, object?> Properties { get; set; }

    public bool Created { get; init; }

    public bool Deleted { get; set; }

    public bool Dirty { get; set; }
}

/// <summary>
/// The reads and buffered writes of one statement. Reads see the statement's own writes (an overlay over the
/// store); <see cref="CommitAsync"/> writes everything as one Core transaction, so a failing statement changes
/// nothing. A statement may write up to <see cref="GraphStore.MaxWriteItems"/> items (Core's largest transaction):
/// a node is 1 item plus 1 per label and 1 per indexed property, a relationship 2.
/// </summary>
internal sealed partial class GraphTransaction(GraphStore graph, CancellationToken cancellationToken)
{
    // Made on first use: a read answered from the graph copy touches none of them.
    private Dictionary<long, NodeState?>? _nodesMade;
    private Dictionary<long, RelState>? _relsMade;
    private Dictionary<long, List<RelState>>? _createdByNodeMade;

    private Dictionary<long, NodeState?> NodeCache => _nodesMade ??= [];

    private Dictionary<long, RelState> RelCache => _relsMade ??= [];

    private Dictionary<long, List<RelState>> CreatedByNode => _createdByNodeMade ??= [];
    private long _nextNode = -1;
    private long _nextRel = -1;
    private bool _countersDirty;
    private int _nodesCreated;
    private int _nodesDeleted;
    private int _relsCreated;
    private int _relsDeleted;
    private int _propertiesSet;
    private int _labelsAdded;
    private int _labelsRemoved;

    public GraphStore Graph => graph;

    public CancellationToken CancellationToken => cancellationToken;

    public CypherStatistics Statistics => HasWritten ? new(_nodesCreated, _nodesDeleted, _relsCreated, _relsDeleted, _propertiesSet, _labelsAdded, _labelsRemoved) : s_noChanges;

    private static readonly CypherStatistics s_noChanges = new(0, 0, 0, 0, 0, 0, 0);

    private IKvStore Store => graph.Store;

    private string Table => graph.TableName;

    /// <summary>The node's current state, or null when it does not exist or was deleted by this statement.</summary>
    public async ValueTask<NodeState?> GetNodeAsync(long id)
    {
        var state = await LoadNodeAsync(id).ConfigureAwait(false);
        return state is { Deleted: false } ? state : null;
    }

    /// <summary>The node's state even when deleted in this statement (deleted nodes still answer id()).</summary>
    public async ValueTask<NodeState?> LoadNodeAsync(long id)
    {
        if (NodeCache.TryGetValue(id, out var cached))
        {
            return cached;
        }

        if (Copy is { } copy)
        {
            return NodeCache[id] = FromCopy(copy, id);
        }

        var item = await Store.GetItemAsync(new GetItemRequest(Table, GraphKeys.NodeKey(id)), cancellationToken).ConfigureAwait(false);
        var state = item is null ? null : new NodeState { Id = id, Stored = item };
        NodeCache[id] = state;
        return state;
    }

    private GraphCopy.Snapshot? _copy;
    private bool _copyTaken;

    /// <summary>
    /// The graph's in-memory copy as of this statement's first read (null when there is none current): the statement
    /// reads nodes and relationships from it instead of the store, and keeps reading the same snapshot.
    /// </summary>
    internal GraphCopy.Snapshot? Copy
    {
        get
        {
            if (!_copyTaken)
            {
                _copyTaken = true;
                _copy = graph.Copy?.Current;
            }

            return _copy;
        }
    }

    private static NodeState? FromCopy(GraphCopy.Snapshot copy, long id) => copy.Find(id) is { } entry ? new NodeState { Id = id, Cached = entry } : null;

    /// <summary>Whether this statement has changed anything so far (nodes, labels, properties or relationships).</summary>
    internal bool HasWritten => _nodesCreated + _nodesDeleted + _relsCreated + _relsDeleted + _propertiesSet + _labelsAdded + _labelsRemoved > 0;

    /// <summary>Reads the nodes not yet cached with batch gets of 100 keys (one round trip each in a cluster).</summary>
    private async ValueTask PrefetchNodesAsync(IEnumerable<long> ids)
    {
        if (Copy is { } copy)
        {
            foreach (var id in ids)
            {
                if (!NodeCache.ContainsKey(id))
                {
                    NodeCache[id] = FromCopy(copy, id);
                }
            }

            return;
        }

        foreach (var chunk in ids.Where(id => !NodeCache.ContainsKey(id)).Chunk(100))
        {
            var keys = chunk.Select(GraphKeys.NodeKey).ToList();
            var found = await Store.BatchGetItemAsync([new BatchGetTable(Table, keys)], cancellationToken).ConfigureAwait(false);
            foreach (var id in chunk)
            {
                NodeCache[id] = null;
            }

            if (found.Items.TryGetValue(Table, out var items))
            {
                foreach (var item in items)
                {
                    var state = NodeFromItem(item);
                    NodeCache[state.Id] = state;
                }
            }
        }
    }

    private static NodeState NodeFromItem(Item item) => new() { Id = item["id"].AsNumber().ToInt64(), Stored = item };

    /// <summary>The relationship's state for writing (cached from then on).</summary>
    public RelState GetRel(RelRef rel)
    {
        if (RelCache.TryGetValue(rel.Id, out var state))
        {
            return state;
        }

        state = new RelState { Ref = rel, Properties = ReadProperties(rel) };
        RelCache[rel.Id] = state;
        return state;
    }

    /// <summary>The relationship's current properties for reading: the statement's state if it wrote it, else decoded from the stored item or copied from the graph's copy (not cached).</summary>
    public Dictionary<string, object?> RelProperties(RelRef rel) =>
        RelCache.TryGetValue(rel.Id, out var state) ? state.Properties : ReadProperties(rel);

    private static Dictionary<string, object?> ReadProperties(RelRef rel)
    {
        if (rel.Stored is { } stored)
        {
            return ValueCodec.DecodeMap(stored["props"].AsMap());
        }

        if (!rel.FromCopy)
        {
            throw new InvalidOperationException($"Relationship {rel.Id} was not read through this transaction.");
        }

        var result = new Dictionary<string, object?>(rel.Cached?.Length ?? 0, StringComparer.Ordinal);
        foreach (var (key, value) in rel.Cached ?? [])
        {
            result[key] = ValueCodec.Copy(value);
        }

        return result;
    }

    /// <summary>Ids of all live nodes, or of those with <paramref name="label"/>, in id order.</summary>
    public async ValueTask<List<long>> NodeIdsAsync(string? label)
    {
        var ids = new SortedSet<long>();
        ItemKey? start = null;
        do
        {
            var request = new QueryRequest(Table)
            {
                IndexName = label is null ? GraphKeys.NodesIndex : GraphKeys.LabelsIndex,
                PartitionKey = label is null ? AttributeValue.FromString("n") : AttributeValue.FromString(label),
                ExclusiveStartKey = start,
            };
            var page = await Store.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                if (label is null)
                {
                    var id = item["id"].AsNumber().ToInt64();
                    if (!NodeCache.ContainsKey(id))
                    {
                        NodeCache[id] = NodeFromItem(item);
                    }

                    ids.Add(id);
                }
                else
                {
                    ids.Add(item["nid"].AsNumber().ToInt64());
                }
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        foreach (var (id, state) in NodeCache)
        {
            if (state is { Deleted: false } && (label is null || state.CurrentLabels.Contains(label)))
            {
                ids.Add(id);
            }
        }

        await PrefetchNodesAsync(ids).ConfigureAwait(false);
        var result = new List<long>(ids.Count);
        foreach (var id in ids)
        {
            var state = await GetNodeAsync(id).ConfigureAwait(false);
            if (state is not null && (label is null || state.CurrentLabels.Contains(label)))
            {
                result.Add(id);
            }
        }

        return result;
    }

    /// <summary>
    /// How many nodes carry <paramref name="label"/> (or all nodes), as stored (for planning). Counting walks the
    /// label's index entries, so counts are cached per <see cref="GraphStore.Generation"/>.
    /// </summary>
    public async ValueTask<long> CountNodesAsync(string? label)
    {
        var key = label is null ? "" : ":" + label;
        var generation = graph.Generation;
        if (graph.TryGetCount(key, out var cached))
        {
            return cached;
        }

        long count = 0;
        ItemKey? start = null;
        do
        {
            var page = await Store.QueryAsync(new QueryRequest(Table)
            {
                IndexName = label is null ? GraphKeys.NodesIndex : GraphKeys.LabelsIndex,
                PartitionKey = AttributeValue.FromString(label ?? "n"),
                CountOnly = true,
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            count += page.Count;
            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        graph.SetCount(generation, key, count);
        return count;
    }

    /// <summary>
    /// The live relationships of a node: outgoing, incoming or both, of the given types (all types when empty).
    /// Each is one sort-key prefix query on the node's partition. A self-loop is returned once for "both".
    /// </summary>
    public async ValueTask<List<RelRef>> ExpandAsync(long node, Ast.RelDirection direction, IReadOnlyList<string> types)
    {
        var result = new List<RelRef>();
        HashSet<long>? seen = null;
        var pk = AttributeValue.FromString(GraphKeys.NodePk(node));
        for (var d = 0; d < 2; d++)
        {
            var dir = d == 0 ? 'o' : 'i';
            if ((dir == 'o' && direction == Ast.RelDirection.Incoming) || (dir == 'i' && direction == Ast.RelDirection.Outgoing))
            {
                continue;
            }

            for (var t = 0; t < Math.Max(1, types.Count); t++)
            {
                var type = types.Count == 0 ? null : types[t];
                if (type is not null && IndexOf(types, type) < t)
                {
                    continue; // a repeated type
                }

                if (Copy is { } copy)
                {
                    ExpandCopy(copy, node, dir, type, direction, result, ref seen);
                    continue;
                }

                ItemKey? start = null;
                do
                {
                    var page = await Store.QueryAsync(new QueryRequest(Table)
                    {
                        PartitionKey = pk,
                        SortKeyCondition = GraphKeys.PrefixCondition(dir, type),
                        ExclusiveStartKey = start,
                    }, cancellationToken).ConfigureAwait(false);
                    foreach (var item in page.Items)
                    {
                        // Everything but the properties is in the sort key: dir, type length and type, other node, rel id.
                        var (other, rid, keyType) = GraphKeys.ParseRelationshipKey(item, type is null);
                        RelRef rel;
                        if (RelCache.TryGetValue(rid, out var state))
                        {
                            if (state.Deleted)
                            {
                                continue;
                            }

                            rel = state.Ref;
                        }
                        else
                        {
                            rel = new RelRef(rid, type ?? keyType!, dir == 'o' ? node : other, dir == 'o' ? other : node) { Stored = item };
                        }

                        // Only a self-loop is seen in both directions.
                        if (direction == Ast.RelDirection.Both && rel.Start == rel.End && !(seen ??= []).Add(rid))
                        {
                            continue;
                        }

                        result.Add(rel);
                    }

                    start = page.LastEvaluatedKey;
                }
                while (start is not null);
            }
        }

        if (CreatedByNode.TryGetValue(node, out var created))
        {
            foreach (var state in created)
            {
                var r = state.Ref;
                var matchesDirection = direction switch
                {
                    Ast.RelDirection.Outgoing => r.Start == node,
                    Ast.RelDirection.Incoming => r.End == node,
                    _ => true,
                };
                if (!state.Deleted && matchesDirection && (types.Count == 0 || IndexOf(types, r.Type) >= 0))
                {
                    result.Add(r);
                }
            }
        }

        return result;
    }

    /// <summary>The relationships of one direction and type (all types for null) of a node in the graph's copy, as <see cref="ExpandAsync"/> reads them from the store.</summary>
    private void ExpandCopy(GraphCopy.Snapshot copy, long node, char dir, string? type, Ast.RelDirection direction, List<RelRef> result, ref HashSet<long>? seen)
    {
        if (copy.Find(node) is not { } entry)
        {
            return;
        }

        var edges = dir == 'o' ? entry.Outgoing : entry.Incoming;
        var (from, to) = NodeEntry.Range(edges, type is null ? null : graph.Copy!.FindType(type), all: type is null);
        for (var i = from; i < to; i++)
        {
            var edge = edges[i];
            RelRef rel;
            if (RelCache.TryGetValue(edge.Rid, out var state))
            {
                if (state.Deleted)
                {
                    continue;
                }

                rel = state.Ref;
            }
            else
            {
                rel = new RelRef(edge.Rid, edge.Type.Name, dir == 'o' ? node : edge.Other, dir == 'o' ? edge.Other : node) { Cached = edge.Properties, FromCopy = true };
            }

            if (direction == Ast.RelDirection.Both && rel.Start == rel.End && !(seen ??= []).Add(edge.Rid))
            {
                continue;
            }

            result.Add(rel);
        }
    }

    /// <summary>
    /// How many relationships <see cref="ExpandAsync"/> would return, counted by Core (one count-only sort-key prefix
    /// query per direction and type, no item read) when this statement has not changed any relationship; otherwise
    /// (and for undirected expansions, where a self-loop must count once) by expanding.
    /// </summary>
    public async ValueTask<long> CountRelationshipsAsync(long node, Ast.RelDirection direction, IReadOnlyList<string> types)
    {
        if (direction == Ast.RelDirection.Both || RelCache.Count > 0 || CreatedByNode.Count > 0)
        {
            return (await ExpandAsync(node, direction, types).ConfigureAwait(false)).Count;
        }

        var dir = direction == Ast.RelDirection.Outgoing ? 'o' : 'i';
        if (Copy is { } copy)
        {
            return copy.Find(node)?.Count(dir == 'o', types, graph.Copy!) ?? 0;
        }

        var pk = AttributeValue.FromString(GraphKeys.NodePk(node));
        long count = 0;
        for (var t = 0; t < Math.Max(1, types.Count); t++)
        {
            var type = types.Count == 0 ? null : types[t];
            if (type is null || IndexOf(types, type) == t) // a repeated type counts once
            {
                count += await CountAsync(new QueryRequest(Table) { PartitionKey = pk, SortKeyCondition = GraphKeys.PrefixCondition(dir, type), CountOnly = true }).ConfigureAwait(false);
            }
        }

        return count;
    }

    /// <summary>The number of items a query selects, counted by Core page by page.</summary>
    private async ValueTask<long> CountAsync(QueryRequest query)
    {
        long count = 0;
        ItemKey? start = null;
        query = query.CountOnly ? query : query with { CountOnly = true };
        do
        {
            var page = await Store.QueryAsync(start is null ? query : query with { ExclusiveStartKey = start }, cancellationToken).ConfigureAwait(false);
            count += page.Count;
            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        return count;
    }

    internal static int IndexOf(IReadOnlyList<string> types, string type)
    {
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] == type)
            {
                return i;
            }
        }

        return -1;
    }
}
