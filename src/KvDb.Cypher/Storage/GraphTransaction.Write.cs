using KvDb.Expressions;
using KvDb.Cypher.Execution;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Storage;

internal sealed partial class GraphTransaction
{
    /// <summary>The most items one statement may write: Core's transaction limit.</summary>
    public const int MaxWriteItems = 100;

    private async ValueTask LoadCountersAsync()
    {
        if (_nextNode >= 0)
        {
            return;
        }

        var meta = await Store.GetItemAsync(new GetItemRequest(Table, new ItemKey(GraphKeys.MetaPartition, GraphKeys.NodeSortKey)), cancellationToken).ConfigureAwait(false);
        _nextNode = meta?.Get("nextNode")?.AsNumber().ToInt64() ?? 0;
        _nextRel = meta?.Get("nextRel")?.AsNumber().ToInt64() ?? 0;
        _loadedNextNode = meta is null ? null : _nextNode;
    }

    private long? _loadedNextNode;

    // Null properties are not stored (setting null removes); the rest must be storable and count as set.
    private void NormalizeCreatedProperties(Dictionary<string, object?> properties)
    {
        foreach (var (key, value) in properties.ToList())
        {
            if (value is null)
            {
                properties.Remove(key);
            }
            else
            {
                CheckStorable(key, value);
                _propertiesSet++;
            }
        }
    }

    public async ValueTask<NodeRef> CreateNodeAsync(IReadOnlyList<string> labels, Dictionary<string, object?> properties)
    {
        await LoadCountersAsync().ConfigureAwait(false);
        var id = _nextNode++;
        _countersDirty = true;
        NormalizeCreatedProperties(properties);

        var distinctLabels = labels.Distinct().ToList();
        _nodes[id] = new NodeState { Id = id, Labels = distinctLabels, StoredLabels = [], Properties = properties, Created = true, Dirty = true };
        _nodesCreated++;
        _labelsAdded += distinctLabels.Count;
        return new NodeRef(id);
    }

    public async ValueTask<RelRef> CreateRelationshipAsync(string type, long start, long end, Dictionary<string, object?> properties)
    {
        if (await GetNodeAsync(start).ConfigureAwait(false) is null || await GetNodeAsync(end).ConfigureAwait(false) is null)
        {
            throw new CypherException(CypherErrorClass.SemanticError, CypherErrorCode.InvalidArgumentValue, "Cannot create a relationship to a deleted node.");
        }

        if (type.Length > 1000)
        {
            throw ErrorMessages.Argument("A relationship type may have at most 1000 characters.");
        }

        await LoadCountersAsync().ConfigureAwait(false);
        var id = _nextRel++;
        _countersDirty = true;
        NormalizeCreatedProperties(properties);

        var rel = new RelRef(id, type, start, end);
        var state = new RelState { Ref = rel, Properties = properties, Created = true, Dirty = true };
        _rels[id] = state;
        AddCreated(start, state);
        if (end != start)
        {
            AddCreated(end, state);
        }

        _relsCreated++;
        return rel;
    }

    private void AddCreated(long node, RelState state)
    {
        if (!_createdByNode.TryGetValue(node, out var list))
        {
            _createdByNode[node] = list = [];
        }

        list.Add(state);
    }

    private static void CheckStorable(string key, object? value)
    {
        if (!ValueCodec.IsStorable(value))
        {
            throw ErrorMessages.Type($"Property values can only be of primitive types or lists of them; '{key}' is a {ValueCodec.TypeName(value)}.");
        }
    }

    /// <summary>Sets (or, for null, removes) one property of a node or relationship.</summary>
    public async ValueTask SetPropertyAsync(object entity, string key, object? value)
    {
        var props = await PropertiesForWriteAsync(entity).ConfigureAwait(false);
        if (props is null)
        {
            return;
        }

        if (value is null)
        {
            if (props.Remove(key))
            {
                _propertiesSet++;
            }

            return;
        }

        CheckStorable(key, value);
        props[key] = value;
        _propertiesSet++;
    }

    /// <summary><c>n = map</c> (replace all) or <c>n += map</c> (merge).</summary>
    public async ValueTask SetPropertiesAsync(object entity, IReadOnlyDictionary<string, object?> map, bool merge)
    {
        var props = await PropertiesForWriteAsync(entity).ConfigureAwait(false);
        if (props is null)
        {
            return;
        }

        if (!merge)
        {
            _propertiesSet += props.Keys.Count(k => !map.ContainsKey(k));
            props.Clear();
        }

        foreach (var (key, value) in map)
        {
            await SetPropertyAsync(entity, key, value).ConfigureAwait(false);
        }
    }

    private async ValueTask<Dictionary<string, object?>?> PropertiesForWriteAsync(object entity)
    {
        switch (entity)
        {
            case NodeRef n:
                var node = await GetNodeAsync(n.Id).ConfigureAwait(false) ?? throw DeletedEntity();
                node.Dirty = true;
                return node.Properties;
            case RelRef r:
                var rel = GetRel(r);
                if (rel.Deleted)
                {
                    throw DeletedEntity();
                }

                rel.Dirty = true;
                return rel.Properties;
            default:
                throw ErrorMessages.Type($"Properties can only be set on nodes and relationships, not on a {ValueCodec.TypeName(entity)}.");
        }
    }

    private static CypherException DeletedEntity() =>
        new(CypherErrorClass.SemanticError, CypherErrorCode.InvalidArgumentValue, "The node or relationship was deleted earlier in this statement.");

    public async ValueTask AddLabelsAsync(NodeRef node, IEnumerable<string> labels)
    {
        var state = await GetNodeAsync(node.Id).ConfigureAwait(false) ?? throw DeletedEntity();
        foreach (var label in labels)
        {
            if (!state.Labels.Contains(label))
            {
                state.Labels.Add(label);
                state.Dirty = true;
                _labelsAdded++;
            }
        }
    }

    public async ValueTask RemoveLabelsAsync(NodeRef node, IEnumerable<string> labels)
    {
        var state = await GetNodeAsync(node.Id).ConfigureAwait(false) ?? throw DeletedEntity();
        foreach (var label in labels)
        {
            if (state.Labels.Remove(label))
            {
                state.Dirty = true;
                _labelsRemoved++;
            }
        }
    }

    public void DeleteRelationship(RelRef rel)
    {
        var state = GetRel(rel);
        if (!state.Deleted)
        {
            state.Deleted = true;
            state.Dirty = true;
            _relsDeleted++;
        }
    }

    /// <summary>Deletes a node; with <paramref name="detach"/> its relationships too, otherwise commit checks it has none.</summary>
    public async ValueTask DeleteNodeAsync(NodeRef node, bool detach)
    {
        var state = await LoadNodeAsync(node.Id).ConfigureAwait(false);
        if (state is null || state.Deleted)
        {
            return;
        }

        if (detach)
        {
            foreach (var rel in await ExpandAsync(node.Id, Ast.RelDirection.Both, []).ConfigureAwait(false))
            {
                DeleteRelationship(rel);
            }
        }
        else
        {
            state.DetachChecked = false;
        }

        state.Deleted = true;
        state.Dirty = true;
        _nodesDeleted++;
    }

    /// <summary>Writes all changes as one Core transaction (or nothing when there are none).</summary>
    public async ValueTask CommitAsync()
    {
        foreach (var state in _nodes.Values)
        {
            if (state is { Deleted: true, DetachChecked: false })
            {
                state.Deleted = false;
                var remaining = await ExpandAsync(state.Id, Ast.RelDirection.Both, []).ConfigureAwait(false);
                state.Deleted = true;
                if (remaining.Count > 0)
                {
                    throw new CypherException(CypherErrorClass.ConstraintVerificationFailed, CypherErrorCode.DeleteConnectedNode,
                        $"Cannot delete node<{state.Id}>, because it still has relationships. To delete this node, you must first delete its relationships, or use DETACH DELETE.");
                }
            }
        }

        var writes = new List<TransactWriteItem>();
        foreach (var state in _nodes.Values)
        {
            if (state is null || !state.Dirty || (state.Created && state.Deleted))
            {
                continue;
            }

            var pk = GraphKeys.NodePk(state.Id);
            if (state.Deleted)
            {
                writes.Add(new TransactDelete(Table, new ItemKey(pk, GraphKeys.NodeSortKey)));
                foreach (var label in state.StoredLabels)
                {
                    writes.Add(new TransactDelete(Table, new ItemKey(pk, GraphKeys.LabelSk(label))));
                }

                continue;
            }

            writes.Add(new TransactPut(Table, Item.Create()
                .Set(GraphKeys.PartitionKey, pk)
                .Set(GraphKeys.SortKey, GraphKeys.NodeSortKey)
                .Set("nk", "n")
                .Set("id", state.Id)
                .Set("labels", AttributeValue.FromList(state.Labels.Select(AttributeValue.FromString)))
                .Set("props", ValueCodec.EncodeMap(state.Properties))
                .Build()));
            foreach (var label in state.Labels.Where(l => !state.StoredLabels.Contains(l)))
            {
                writes.Add(new TransactPut(Table, Item.Create()
                    .Set(GraphKeys.PartitionKey, pk).Set(GraphKeys.SortKey, GraphKeys.LabelSk(label))
                    .Set("lbl", label).Set("nid", state.Id).Build()));
            }

            foreach (var label in state.StoredLabels.Where(l => !state.Labels.Contains(l)))
            {
                writes.Add(new TransactDelete(Table, new ItemKey(pk, GraphKeys.LabelSk(label))));
            }
        }

        foreach (var state in _rels.Values)
        {
            if (!state.Dirty || (state.Created && state.Deleted))
            {
                continue;
            }

            var r = state.Ref;
            var outKey = new ItemKey(GraphKeys.NodePk(r.Start), GraphKeys.OutSk(r.Type, r.End, r.Id));
            var inKey = new ItemKey(GraphKeys.NodePk(r.End), GraphKeys.InSk(r.Type, r.Start, r.Id));
            if (state.Deleted)
            {
                writes.Add(new TransactDelete(Table, outKey));
                writes.Add(new TransactDelete(Table, inKey));
                continue;
            }

            writes.Add(new TransactPut(Table, RelItem(outKey, state)));
            writes.Add(new TransactPut(Table, RelItem(inKey, state)));
        }

        if (writes.Count == 0)
        {
            return;
        }

        if (_countersDirty)
        {
            // Optimistic check: another writer on the same store (another KvDatabase or process) that allocated
            // ids since we read the counters makes the whole statement fail instead of reusing ids.
            var unchanged = _loadedNextNode is { } loaded
                ? Condition.Path("nextNode").Equal(AttributeValue.FromNumber(loaded))
                : Condition.AttributeNotExists("nextNode");
            writes.Add(new TransactPut(Table, Item.Create()
                .Set(GraphKeys.PartitionKey, GraphKeys.MetaPartition).Set(GraphKeys.SortKey, GraphKeys.NodeSortKey)
                .Set("nextNode", _nextNode).Set("nextRel", _nextRel).Build(), unchanged));
        }

        if (writes.Count > MaxWriteItems)
        {
            throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.TooManyWrites,
                $"The statement writes {writes.Count} items but one atomic statement may write at most {MaxWriteItems} (a node is 1 item plus 1 per label, a relationship 2); split it into smaller statements.");
        }

        var result = await Store.TransactWriteItemsAsync(writes, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.WriteConflict, "The store rejected the statement's writes; nothing was changed.");
        }
    }

    private static Item RelItem(ItemKey key, RelState state) => Item.Create()
        .Set(GraphKeys.PartitionKey, key.PartitionKey)
        .Set(GraphKeys.SortKey, key.SortKey!)
        .Set("rid", state.Ref.Id)
        .Set("type", state.Ref.Type)
        .Set("start", state.Ref.Start)
        .Set("end", state.Ref.End)
        .Set("props", ValueCodec.EncodeMap(state.Properties))
        .Build();
}
