using KvDb.Expressions;
using KvDb.Cypher.Execution;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Storage;

internal sealed partial class GraphTransaction
{
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
        List<string>? nulls = null;
        foreach (var (key, value) in properties)
        {
            if (value is null)
            {
                (nulls ??= []).Add(key);
            }
            else
            {
                CheckStorable(key, value);
                _propertiesSet++;
            }
        }

        if (nulls is not null)
        {
            foreach (var key in nulls)
            {
                properties.Remove(key);
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
        var state = new NodeState { Id = id, Labels = distinctLabels, StoredLabels = [], Properties = properties, Created = true, Dirty = true };
        NodeCache[id] = state;
        _nodesCreated++;
        _labelsAdded += distinctLabels.Count;
        CheckWriteCount();
        await TouchAsync(state).ConfigureAwait(false);
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
        RelCache[id] = state;
        AddCreated(start, state);
        if (end != start)
        {
            AddCreated(end, state);
        }

        _relsCreated++;
        CheckWriteCount();
        return rel;
    }

    /// <summary>
    /// Fails as soon as the items created so far (a lower bound of what the commit writes) exceed the limit, so a
    /// runaway statement stops early instead of building millions of items first.
    /// </summary>
    private void CheckWriteCount()
    {
        var lowerBound = (long)_nodesCreated + (2L * _relsCreated);
        if (lowerBound > graph.MaxWriteItems)
        {
            throw TooManyWrites(lowerBound);
        }
    }

    private CypherException TooManyWrites(long count) =>
        new(CypherErrorClass.ResourceLimit, CypherErrorCode.TooManyWrites,
            $"The statement writes more than {graph.MaxWriteItems} items ({count} so far), the most one atomic statement may write (a node is 1 item plus 1 per label and 1 per indexed property, a relationship 2); nothing was changed. Split it into smaller statements.");

    private void AddCreated(long node, RelState state)
    {
        if (!CreatedByNode.TryGetValue(node, out var list))
        {
            CreatedByNode[node] = list = [];
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
        }
        else
        {
            CheckStorable(key, value);
            props[key] = value;
            _propertiesSet++;
        }

        await TouchEntityAsync(entity).ConfigureAwait(false);
    }

    private ValueTask TouchEntityAsync(object entity) =>
        entity is NodeRef n && NodeCache.TryGetValue(n.Id, out var state) && state is not null ? TouchAsync(state) : ValueTask.CompletedTask;

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

        await TouchEntityAsync(entity).ConfigureAwait(false);
    }

    private async ValueTask<Dictionary<string, object?>?> PropertiesForWriteAsync(object entity)
    {
        switch (entity)
        {
            case NodeRef n:
                var node = await GetNodeAsync(n.Id).ConfigureAwait(false) ?? throw DeletedEntity();
                KeepStored(node);
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
        KeepStored(state);
        foreach (var label in labels)
        {
            if (!state.Labels.Contains(label))
            {
                state.Labels.Add(label);
                state.Dirty = true;
                _labelsAdded++;
            }
        }

        await TouchAsync(state).ConfigureAwait(false);
    }

    public async ValueTask RemoveLabelsAsync(NodeRef node, IEnumerable<string> labels)
    {
        var state = await GetNodeAsync(node.Id).ConfigureAwait(false) ?? throw DeletedEntity();
        KeepStored(state);
        foreach (var label in labels)
        {
            if (state.Labels.Remove(label))
            {
                state.Dirty = true;
                _labelsRemoved++;
            }
        }

        await TouchAsync(state).ConfigureAwait(false);
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

        KeepStored(state);
        state.Deleted = true;
        state.Dirty = true;
        _nodesDeleted++;
        await TouchAsync(state).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes all changes, index entries included, as one Core transaction of up to
    /// <see cref="GraphStore.MaxWriteItems"/> actions (or nothing when there are none).
    /// </summary>
    public async ValueTask CommitAsync()
    {
        foreach (var state in NodeCache.Values)
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
        var copy = graph.Copy;
        var nodeChanges = copy is null ? null : new List<GraphCopy.NodeChange>();
        var relChanges = copy is null ? null : new List<GraphCopy.RelChange>();
        foreach (var state in NodeCache.Values)
        {
            if (state is null || !state.Dirty || (state.Created && state.Deleted))
            {
                continue;
            }

            nodeChanges?.Add(new GraphCopy.NodeChange(state.Id, state.Deleted, state.Deleted ? [] : state.Labels, state.Deleted ? s_noProperties : state.Properties));
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
            AddLabelChanges(writes, state, pk);
        }

        foreach (var state in RelCache.Values)
        {
            if (!state.Dirty || (state.Created && state.Deleted))
            {
                continue;
            }

            var r = state.Ref;
            relChanges?.Add(new GraphCopy.RelChange(r.Id, r.Type, r.Start, r.End, state.Deleted, state.Properties));
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

        AddIndexWrites(writes);
        if (writes.Count == 0)
        {
            return;
        }

        if (_catalog is not null)
        {
            // The index definitions this statement maintained entries for must still be the current ones.
            writes.Add(new TransactConditionCheck(Table, IndexCatalog.Key, _catalog.Unchanged()));
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

        if (writes.Count > graph.MaxWriteItems)
        {
            throw TooManyWrites(writes.Count);
        }

        // The copy is valid only at the change count it was made at: a failed or foreign write leaves it stale, and
        // statements then read the store until a read rebuilds it. Until this statement's changes are applied to it,
        // readers keep using the copy as it was before the statement.
        var before = copy?.TableChangeCount;
        if (before is { } started)
        {
            copy!.BeginCommit(started);
        }

        try
        {
            var result = await Store.TransactWriteItemsAsync(writes, new TransactWriteOptions { MaxActions = writes.Count }, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.WriteConflict, "The store rejected the statement's writes (another writer changed the graph's ids or indexes meanwhile); nothing was changed.");
            }

            if (copy is not null && before is { } b && copy.TableChangeCount is { } after)
            {
                copy.Apply(b, after, writes.Count(w => w is not TransactConditionCheck), nodeChanges!, relChanges!);
            }
        }
        finally
        {
            copy?.EndCommit();
        }

        graph.Written();
    }

    private static readonly Dictionary<string, object?> s_noProperties = [];

    /// <summary>
    /// The label items a node gains and loses. (A method of its own: a lambda over the loop variable would allocate its
    /// closure for every node the statement loaded, written or not.)
    /// </summary>
    private void AddLabelChanges(List<TransactWriteItem> writes, NodeState state, string pk)
    {
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
