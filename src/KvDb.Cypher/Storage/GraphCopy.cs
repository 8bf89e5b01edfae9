using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using KvDb.Engine;
using KvDb.Storage;

namespace KvDb.Cypher.Storage;

/// <summary>
/// A decoded in-memory copy of one graph: every node (labels and properties) with its relationships in both
/// directions, as arrays in the order the store keeps them (type, other node, relationship id). Statements read
/// nodes and expand them from the copy instead of Core's items when it is current, so an expansion is an array
/// slice and a count is a subtraction.
/// <list type="bullet">
/// <item><b>The stored items stay the truth.</b> A snapshot is used only while the graph table's
/// <see cref="TableStore.ChangeCount"/> equals the count it was made at. Every write statement of this process
/// applies its changes to the copy right after its Core transaction commits (under the graph's write lock, which
/// all Cypher writers and the build hold); when the count moved by anything but that statement's own puts and
/// deletes (a write that did not come through this graph object), the copy is dropped and the next read-only
/// statement builds it again.</item>
/// <item><b>Readers never lock.</b> Node entries are immutable; a change replaces the entries it touches in copies of
/// their 1,024-node chunks and of the chunk directory, then publishes a new snapshot. A statement keeps the
/// snapshot it started with.</item>
/// <item><b>Built on first read.</b> The first read-only statement that finds no current copy scans the graph once
/// (holding the write lock, so writers wait for the build); write statements use a current copy but never build
/// one, so a bulk load that only writes pays nothing for it.</item>
/// <item><b>Bounded.</b> The copy's size is estimated as it is built and changed; above
/// <see cref="KvDbOptions.GraphCacheBytes"/> it is dropped and statements read the store until the graph has
/// halved.</item>
/// </list>
/// Only a database that holds its data in this process keeps a copy (not a cluster client).
/// </summary>
internal sealed class GraphCopy(KvEngine engine, GraphStore graph, long budgetBytes)
{
    private volatile Snapshot? _snapshot;
    private int _building;
    private long _tooLargeAt = -1;

    // Relationship types and property names, shared by all snapshots: equal names are one string (and one
    // RelType), so a copy does not hold a name per entry and lookups compare references first.
    private readonly ConcurrentDictionary<string, RelType> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);

    /// <summary>How many times the copy was built (for tests).</summary>
    internal int Builds => Volatile.Read(ref _builds);

    private int _builds;

    // The version of the snapshot a write statement of this graph object is committing over (-1 for none).
    private long _committing = -1;

    /// <summary>
    /// The snapshot that matches the stored graph now, or null. While a write statement of this graph object commits,
    /// the table's count has moved but its changes are not in the copy yet: readers then keep the snapshot from before
    /// that statement (a consistent state; the store itself may hold half of the transaction at that moment). A read
    /// that races with the end of such a commit looks again.
    /// </summary>
    public Snapshot? Current
    {
        get
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var committing = Interlocked.Read(ref _committing);
                var snapshot = _snapshot;
                if (snapshot is null)
                {
                    return null;
                }

                if ((snapshot.Table.ChangeCount == snapshot.Version || committing == snapshot.Version) && ReferenceEquals(engine.FindTable(graph.TableName), snapshot.Table))
                {
                    return snapshot;
                }
            }

            return null;
        }
    }

    /// <summary>A write statement of this graph object is about to commit over the table's count <paramref name="before"/> (under the write lock).</summary>
    public void BeginCommit(long before)
    {
        if (_snapshot is { } snapshot && snapshot.Version == before)
        {
            Interlocked.Exchange(ref _committing, before);
        }
    }

    /// <summary>The commit begun by <see cref="BeginCommit"/> ended (after <see cref="Apply"/>, or failed).</summary>
    public void EndCommit() => Interlocked.Exchange(ref _committing, -1);

    /// <summary>Whether the last build did not fit the budget and the graph has not halved since.</summary>
    public bool TooLarge
    {
        get
        {
            var at = Interlocked.Read(ref _tooLargeAt);
            return at >= 0 && engine.FindTable(graph.TableName) is { } table && table.ItemCount * 2 > at;
        }
    }

    /// <summary>Where statements read the graph from, for EXPLAIN.</summary>
    public string Describe() =>
        Current is { } s ? $"in-memory copy: {s.NodeCount} nodes, {s.RelationshipCount} relationships"
        : TooLarge ? "stored items: the in-memory copy is over its memory budget"
        : "stored items: the in-memory copy is built on the next read";

    /// <summary>The graph table's change count now (null when the table is gone).</summary>
    public long? TableChangeCount => engine.FindTable(graph.TableName)?.ChangeCount;

    private RelType? _lastType;

    /// <summary>The copy's type of a name (null when no relationship has it); the last one found is kept, since statements ask for the same few.</summary>
    public RelType? FindType(string name)
    {
        var last = _lastType;
        if (last is not null && (ReferenceEquals(last.Name, name) || last.Name == name))
        {
            return last;
        }

        var found = _types.GetValueOrDefault(name);
        if (found is not null)
        {
            _lastType = found;
        }

        return found;
    }

    public string? FindKey(string name) => _keys.GetValueOrDefault(name);

    private RelType Type(string name) => _types.GetOrAdd(name, static n => new RelType(n));

    private string Key(string name) => _keys.GetOrAdd(name, name);

    /// <summary>Drops the copy (the next read-only statement builds it again).</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>
    /// Builds the copy when there is none and none is being built. Called by read-only statements before they run;
    /// a statement that finds another one building does not wait for it (it reads the store).
    /// </summary>
    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (Current is not null || TooLarge || Interlocked.CompareExchange(ref _building, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await graph.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Current is null && engine.FindTable(graph.TableName) is { } table)
                {
                    await BuildAsync(table, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                graph.WriteLock.Release();
            }
        }
        finally
        {
            Volatile.Write(ref _building, 0);
        }
    }

    private async ValueTask BuildAsync(TableStore table, CancellationToken cancellationToken)
    {
        var version = table.ChangeCount;
        var builders = new Dictionary<long, NodeBuilder>();
        var catalog = IndexCatalog.FromItem(null);
        long bytes = 0;
        ItemKey? start = null;
        do
        {
            var page = await graph.Store.ScanAsync(new ScanRequest(graph.TableName) { ExclusiveStartKey = start, Limit = 4096 }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                if (PartitionNode(item) is not { } id)
                {
                    // Index entries, the id counters and the index catalog (pk "#meta", sk "indexes").
                    if (item[GraphKeys.PartitionKey].AsString() == GraphKeys.MetaPartition && item[GraphKeys.SortKey].AsString() == IndexCatalog.SortKey)
                    {
                        catalog = IndexCatalog.FromItem(item);
                    }

                    continue;
                }

                var sk = item.StoredSortKey;
                var kind = sk.Length > 0 ? (char)sk[0] : item[GraphKeys.SortKey].AsString()[0];
                if (kind is not ('#' or 'o' or 'i'))
                {
                    continue; // labels (read from the node item)
                }

                if (!builders.TryGetValue(id, out var builder))
                {
                    builders[id] = builder = new NodeBuilder();
                }

                if (kind == '#')
                {
                    builder.Node = item;
                    bytes += 160;
                    continue;
                }

                bytes += 32;

                var (other, rid, type) = GraphKeys.ParseRelationshipKey(item, withType: true);
                var edge = new Edge(Type(type!), other, rid, Properties(item["props"].AsMap()));
                (kind == 'o' ? builder.Out : builder.In).Add(edge);
            }

            start = page.LastEvaluatedKey;
            if (bytes > budgetBytes)
            {
                break;
            }
        }
        while (start is not null);

        if (bytes > budgetBytes)
        {
            OverBudget(table);
            return;
        }

        bytes = 0;
        long relationships = 0;
        if (builders.Keys.Any(id => !ChunkedArray<NodeEntry>.Fits(id)))
        {
            return; // ids this large never come from the graph's counter
        }

        var chunks = ChunkedArray<NodeEntry>.Empty.ToBuilder();
        long nodes = 0;
        foreach (var (id, builder) in builders)
        {
            if (builder.Node is not { } node)
            {
                continue; // relationships of a node being deleted by another writer: the version check below drops this build
            }

            builder.Out.Sort(EdgeOrder);
            builder.In.Sort(EdgeOrder);
            var labels = node["labels"].AsList();
            var labelArray = new string[labels.Count];
            for (var i = 0; i < labelArray.Length; i++)
            {
                labelArray[i] = Key(labels[i].AsString());
            }

            var entry = new NodeEntry(id, labelArray, Properties(node["props"].AsMap()) ?? [], [.. builder.Out], [.. builder.In]);
            chunks.Set(id, entry);
            bytes += entry.EstimateBytes();
            relationships += builder.Out.Count;
            nodes++;
        }

        if (bytes > budgetBytes)
        {
            OverBudget(table);
            return;
        }

        var all = chunks.ToArray();
        var indexes = ImmutableDictionary<long, HeldIndex>.Empty;
        foreach (var index in catalog.Indexes)
        {
            var held = HeldIndex.Build(index, all);
            indexes = indexes.Add(index.Id, held);
            bytes += held.Bytes;
        }

        if (bytes > budgetBytes)
        {
            OverBudget(table);
            return;
        }

        if (table.ChangeCount == version)
        {
            Interlocked.Exchange(ref _tooLargeAt, -1);
            _snapshot = new Snapshot(table, version, all, nodes, relationships, bytes, indexes, catalog, []);
            Interlocked.Increment(ref _builds);
        }
    }

    /// <summary>The copy does not fit: dropped, and not built again until the table has half the items it has now.</summary>
    private void OverBudget(TableStore table)
    {
        Interlocked.Exchange(ref _tooLargeAt, Math.Max(1, table.ItemCount));
        _snapshot = null;
    }

    private static long? PartitionNode(Item item)
    {
        var pk = item.StoredPartitionKey;
        if (pk.Length > 0)
        {
            return pk.Length == 17 && pk[0] == (byte)'n' ? GraphKeys.ParseHex(pk[1..]) : null;
        }

        var text = item[GraphKeys.PartitionKey].AsString();
        return text.Length == 17 && text[0] == 'n' ? GraphKeys.ParseHex(text.AsSpan(1)) : null;
    }

    /// <summary>Decoded properties with shared names and shared small integers (null for none).</summary>
    private KeyValuePair<string, object?>[]? Properties(AttributeMap map)
    {
        if (map.Count == 0)
        {
            return null;
        }

        var result = new KeyValuePair<string, object?>[map.Count];
        var i = 0;
        foreach (var (key, value) in map)
        {
            var decoded = ValueCodec.Decode(value);
            result[i++] = new KeyValuePair<string, object?>(Key(key), decoded is long l and >= SmallMin and < SmallMax ? s_small[l - SmallMin] : decoded);
        }

        return result;
    }

    private const long SmallMin = -128;
    private const long SmallMax = 1024;

    // One boxed object per small integer: a copy does not hold a box per property, and the boxes stay in cache.
    private static readonly object[] s_small = [.. Enumerable.Range((int)SmallMin, (int)(SmallMax - SmallMin)).Select(i => (object)(long)i)];

    /// <summary>The most property columns a copy keeps.</summary>
    public const int MaxColumns = 16;

    /// <summary>
    /// The column of a property in <paramref name="snapshot"/> (its values by node id), made from the snapshot's
    /// nodes when it has none yet and published with it unless a write replaced the snapshot meanwhile (then the next
    /// statement makes it again); null when the copy keeps <see cref="MaxColumns"/> columns already or it would not fit.
    /// Writes keep published columns current.
    /// </summary>
    public PropertyColumn? Column(Snapshot snapshot, string key)
    {
        key = Key(key);
        return FindColumn(snapshot, key) ?? MakeColumn(snapshot, key, PropertyOf(key));
    }

    private static Func<NodeEntry, object?> PropertyOf(string key) => entry => entry.Property(key);

    /// <summary>
    /// A column of how many relationships of one type (all types for null) each node has in one direction, made and
    /// kept like a property column: a count of a node's hop is then one array read.
    /// </summary>
    public PropertyColumn? DegreeColumn(Snapshot snapshot, bool outgoing, string? type)
    {
        // Property names never start with U+0001: the derived column cannot be confused with a property's.
        var key = DegreeColumnName(outgoing, type);
        return FindColumn(snapshot, key) ?? MakeColumn(snapshot, key, DegreeOf(outgoing, type));
    }

    /// <summary>The name of <see cref="DegreeColumn"/>'s column (for <see cref="FindColumn"/>).</summary>
    public string DegreeColumnName(bool outgoing, string? type) => DerivedKey('\u0001', outgoing, type);

    /// <summary>The name of <see cref="NeighbourColumn"/>'s column (for <see cref="FindColumn"/>).</summary>
    public string NeighbourColumnName(bool outgoing, string type) => DerivedKey('\u0002', outgoing, type);

    private Func<NodeEntry, object?> DegreeOf(bool outgoing, string? type)
    {
        IReadOnlyList<string> types = type is null ? [] : [type];
        return entry => entry.Count(outgoing, types, this) is var count and > 0 ? Small(count) : null;
    }

    /// <summary>
    /// A column of each node's other-node ids over its relationships of one type in one direction (null for none),
    /// in store order: walking a hop reads one array per node instead of the node's entry and relationship list. A
    /// node whose relationships in that direction all have the type shares its entry's array.
    /// </summary>
    public PropertyColumn? NeighbourColumn(Snapshot snapshot, bool outgoing, string type)
    {
        // Nor with U+0002.
        var key = NeighbourColumnName(outgoing, type);
        return FindColumn(snapshot, key) ?? MakeColumn(snapshot, key, NeighboursOf(outgoing, type));
    }

    private Func<NodeEntry, object?> NeighboursOf(bool outgoing, string type) => entry =>
    {
        var edges = outgoing ? entry.Outgoing : entry.Incoming;
        var (from, to) = NodeEntry.Range(edges, FindType(type), all: false);
        return to == from ? null : from == 0 && to == edges.Length ? entry.Others(outgoing) : entry.Others(outgoing)[from..to];
    };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(char Kind, bool Outgoing, string Type), string> _derivedKeys = new();

    /// <summary>The interned name of a derived column: a lookup, not a concatenation, once made.</summary>
    private string DerivedKey(char kind, bool outgoing, string? type) =>
        _derivedKeys.TryGetValue((kind, outgoing, type ?? "\u0001"), out var key)
            ? key
            : _derivedKeys.GetOrAdd((kind, outgoing, type ?? "\u0001"), k => Key(k.Kind + (k.Outgoing ? "o" : "i") + k.Type));

    /// <summary>The snapshot's column of that name (an interned name, compared by reference), or null.</summary>
    public static PropertyColumn? FindColumn(Snapshot snapshot, string key)
    {
        foreach (var column in snapshot.Columns)
        {
            if (ReferenceEquals(column.Key, key))
            {
                return column;
            }
        }

        return null;
    }

    private static object Small(long value) => value is >= SmallMin and < SmallMax ? s_small[value - SmallMin] : value;

    /// <summary>Makes a column the snapshot lacks (callers look for it with <see cref="FindColumn"/> first).</summary>
    private PropertyColumn? MakeColumn(Snapshot snapshot, string key, Func<NodeEntry, object?> of)
    {
        if (snapshot.Columns.Length >= MaxColumns)
        {
            return null;
        }

        var made = PropertyColumn.Build(key, of, snapshot.Nodes);
        if (snapshot.Bytes + made.Bytes > budgetBytes)
        {
            return null;
        }

#pragma warning disable CS0420 // a volatile field passed by reference: Interlocked gives the same guarantee
        Interlocked.CompareExchange(ref _snapshot, snapshot.WithColumn(made), snapshot);
#pragma warning restore CS0420
        return made;
    }

    /// <summary>
    /// Applies one committed write statement: <paramref name="before"/> and <paramref name="after"/> are the table's
    /// change counts around its Core transaction, <paramref name="writes"/> the puts and deletes it held. Called under
    /// the graph's write lock.
    /// </summary>
    public void Apply(long before, long after, int writes, IReadOnlyCollection<NodeChange> nodes, IReadOnlyCollection<RelChange> relationships)
    {
        var snapshot = _snapshot;
        if (snapshot is null)
        {
            return;
        }

        if (snapshot.Version != before || after - before != writes || !ReferenceEquals(engine.FindTable(graph.TableName), snapshot.Table))
        {
            _snapshot = null; // someone else wrote the table too: rebuilt on the next read
            return;
        }

        var changed = new Dictionary<long, PendingNode>();
        PendingNode Pending(long id)
        {
            if (!changed.TryGetValue(id, out var pending))
            {
                changed[id] = pending = new PendingNode(snapshot.Find(id));
            }

            return pending;
        }

        foreach (var node in nodes)
        {
            var pending = Pending(node.Id);
            pending.Deleted = node.Deleted;
            if (!node.Deleted)
            {
                var labels = new string[node.Labels.Count];
                for (var i = 0; i < labels.Length; i++)
                {
                    labels[i] = Key(node.Labels[i]);
                }

                pending.Labels = labels;
                pending.Properties = Properties(node.Properties) ?? [];
            }
        }

        foreach (var rel in relationships)
        {
            var type = Type(rel.Type);
            var props = rel.Deleted ? null : Properties(rel.Properties);
            var start = Pending(rel.Start);
            var end = Pending(rel.End);
            start.RemovedOut.Add(rel.Id);
            end.RemovedIn.Add(rel.Id);
            if (!rel.Deleted)
            {
                start.AddedOut.Add(new Edge(type, rel.End, rel.Id, props));
                end.AddedIn.Add(new Edge(type, rel.Start, rel.Id, props));
            }
        }

        var entries = snapshot.Nodes.ToBuilder();
        long nodeCount = snapshot.NodeCount, relCount = snapshot.RelationshipCount, bytes = snapshot.Bytes;
        var indexes = snapshot.Indexes;
        var indexBuilders = indexes.Count == 0 ? null : indexes.ToDictionary(kv => kv.Key, kv => kv.Value.Entries.ToBuilder());
        var columns = snapshot.Columns.Select(c => c.ToBuilder()).ToArray();
        foreach (var (id, pending) in changed)
        {
            var old = pending.Old;
            NodeEntry? entry;
            if (pending.Deleted)
            {
                entry = null;
            }
            else
            {
                if (old is null && pending.Labels is null)
                {
                    _snapshot = null; // a relationship of a node the copy does not know: never expected, so start over
                    return;
                }

                entry = new NodeEntry(id, pending.Labels ?? old!.Labels, pending.Properties ?? old!.Properties,
                    Merge(old?.Outgoing, pending.RemovedOut, pending.AddedOut), Merge(old?.Incoming, pending.RemovedIn, pending.AddedIn));
            }

            if (!ChunkedArray<NodeEntry>.Fits(id))
            {
                _snapshot = null;
                return;
            }

            entries.Set(id, entry);
            foreach (var column in columns)
            {
                bytes += column.Set(id, entry is null ? null : column.Of(entry));
            }

            if (indexBuilders is not null)
            {
                foreach (var (indexId, held) in indexes)
                {
                    bytes += HeldIndex.Change(indexBuilders[indexId], held.Definition, id, old, entry);
                }
            }

            nodeCount += (entry is null ? 0 : 1) - (old is null ? 0 : 1);
            relCount += (entry?.Outgoing.Length ?? 0) - (old?.Outgoing.Length ?? 0);
            bytes += (entry?.EstimateBytes() ?? 0) - (old?.EstimateBytes() ?? 0);
        }

        if (bytes > budgetBytes)
        {
            OverBudget(snapshot.Table);
            return;
        }

        if (indexBuilders is not null)
        {
            foreach (var (indexId, builder) in indexBuilders)
            {
                indexes = indexes.SetItem(indexId, indexes[indexId] with { Entries = builder.ToMap() });
            }
        }

        _snapshot = new Snapshot(snapshot.Table, after, entries.ToArray(), nodeCount, relCount, bytes, indexes, snapshot.Catalog, [.. columns.Select(c => c.ToColumn())]);
    }

    /// <summary>
    /// An index command (it changed index entries and the catalog, no node or relationship): the copy stays current,
    /// with an in-memory index for each index of <paramref name="catalog"/>.
    /// </summary>
    public void Advance(long before, long after, IndexCatalog catalog)
    {
        if (_snapshot is not { } snapshot)
        {
            return;
        }

        if (snapshot.Version != before)
        {
            _snapshot = null;
            return;
        }

        var indexes = ImmutableDictionary<long, HeldIndex>.Empty;
        var bytes = snapshot.Bytes - snapshot.Indexes.Values.Sum(i => i.Bytes);
        foreach (var index in catalog.Indexes)
        {
            var held = snapshot.Indexes.TryGetValue(index.Id, out var kept) ? kept : HeldIndex.Build(index, snapshot.Nodes);
            indexes = indexes.Add(index.Id, held);
            bytes += held.Bytes;
        }

        _snapshot = new Snapshot(snapshot.Table, after, snapshot.Nodes, snapshot.NodeCount, snapshot.RelationshipCount, bytes, indexes, catalog, snapshot.Columns);
    }

    private KeyValuePair<string, object?>[]? Properties(IReadOnlyDictionary<string, object?> properties) =>
        properties.Count == 0 ? null : Properties(ValueCodec.EncodeMap(properties).AsMap());

    private static Edge[] Merge(Edge[]? old, HashSet<long> removed, List<Edge> added)
    {
        var result = new List<Edge>((old?.Length ?? 0) + added.Count);
        if (old is not null)
        {
            foreach (var edge in old)
            {
                if (!removed.Contains(edge.Rid))
                {
                    result.Add(edge);
                }
            }
        }

        if (added.Count > 0)
        {
            result.AddRange(added);
            result.Sort(EdgeOrder);
        }

        return [.. result];
    }

    /// <summary>The store's order of one node's relationships in one direction: type (length, then UTF-8), other node, id.</summary>
    internal static readonly Comparison<Edge> EdgeOrder = (a, b) =>
    {
        var c = RelType.Compare(a.Type, b.Type);
        return c != 0 ? c : a.Other != b.Other ? ((ulong)a.Other).CompareTo((ulong)b.Other) : ((ulong)a.Rid).CompareTo((ulong)b.Rid);
    };

    private sealed class NodeBuilder
    {
        public Item? Node { get; set; }

        public List<Edge> Out { get; } = [];

        public List<Edge> In { get; } = [];
    }

    private sealed class PendingNode(NodeEntry? old)
    {
        public NodeEntry? Old { get; } = old;

        public bool Deleted { get; set; }

        public string[]? Labels { get; set; }

        public KeyValuePair<string, object?>[]? Properties { get; set; }

        public HashSet<long> RemovedOut { get; } = [];

        public HashSet<long> RemovedIn { get; } = [];

        public List<Edge> AddedOut { get; } = [];

        public List<Edge> AddedIn { get; } = [];
    }

    /// <summary>A node a committed statement created, changed or deleted, as it is now.</summary>
    internal readonly record struct NodeChange(long Id, bool Deleted, IReadOnlyList<string> Labels, IReadOnlyDictionary<string, object?> Properties);

    /// <summary>A relationship a committed statement created, changed or deleted, as it is now.</summary>
    internal readonly record struct RelChange(long Id, string Type, long Start, long End, bool Deleted, IReadOnlyDictionary<string, object?> Properties);

    /// <summary>One published state of the copy.</summary>
    internal sealed class Snapshot(TableStore table, long version, ChunkedArray<NodeEntry> nodes, long nodeCount, long relationships, long bytes, ImmutableDictionary<long, HeldIndex> indexes, IndexCatalog catalog, PropertyColumn[] columns)
    {
        /// <summary>Property columns made so far (values by node id; see <see cref="GraphCopy.Column"/>).</summary>
        public PropertyColumn[] Columns { get; } = columns;

        public Snapshot WithColumn(PropertyColumn column) =>
            new(Table, Version, Nodes, NodeCount, RelationshipCount, Bytes + column.Bytes, Indexes, Catalog, [.. Columns, column]);

        /// <summary>The index catalog as stored at <see cref="Version"/> (the table has not changed since while the snapshot is current).</summary>
        public IndexCatalog Catalog { get; } = catalog;

        /// <summary>The graph's property indexes, by index id, as value key to node ids (equality seeks).</summary>
        public ImmutableDictionary<long, HeldIndex> Indexes { get; } = indexes;

        /// <summary>The nodes an equality seek of <paramref name="index"/> finds for a value key, or null when the copy does not hold the index.</summary>
        public long[]? Seek(long index, string valueKey) =>
            Indexes.TryGetValue(index, out var held) ? held.Entries.Get(valueKey) ?? [] : null;

        public TableStore Table { get; } = table;

        public long Version { get; } = version;

        /// <summary>The nodes by id.</summary>
        public ChunkedArray<NodeEntry> Nodes { get; } = nodes;

        public long NodeCount { get; } = nodeCount;

        public long RelationshipCount { get; } = relationships;

        /// <summary>Estimated bytes the copy holds.</summary>
        public long Bytes { get; } = bytes;

        public NodeEntry? Find(long id) => Nodes.Get(id);
    }
}

/// <summary>
/// One property index of a <see cref="GraphCopy"/>: its nodes by value key (<see cref="IndexKeys.ValueKey"/>, the key
/// Core's entries use, so a seek finds the same candidates), for equality seeks without a Core query.
/// </summary>
internal sealed record HeldIndex(PropertyIndex Definition, ValueMap Entries)
{
    private const long BytesPerEntry = 120;

    public long Bytes => Entries.Count * BytesPerEntry;

    public static HeldIndex Build(PropertyIndex definition, ChunkedArray<NodeEntry> nodes)
    {
        var groups = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var entry in nodes.Values)
        {
            if (KeyOf(definition, entry) is { } key)
            {
                if (!groups.TryGetValue(key, out var ids))
                {
                    groups[key] = ids = [];
                }

                ids.Add(entry.Id);
            }
        }

        return new HeldIndex(definition, ValueMap.Create(groups.Select(g => new KeyValuePair<string, long[]>(g.Key, [.. g.Value]))));
    }

    /// <summary>Moves node <paramref name="id"/> from its old key to its new one; returns the change of <see cref="Bytes"/>.</summary>
    public static long Change(ValueMap.Builder entries, PropertyIndex definition, long id, NodeEntry? old, NodeEntry? now)
    {
        var oldKey = KeyOf(definition, old);
        var newKey = KeyOf(definition, now);
        if (oldKey == newKey)
        {
            return 0;
        }

        long delta = 0;
        if (oldKey is not null && entries.Get(oldKey) is { } ids)
        {
            var rest = Array.FindAll(ids, n => n != id);
            if (rest.Length == 0)
            {
                entries.Set(oldKey, null);
                delta -= BytesPerEntry;
            }
            else
            {
                entries.Set(oldKey, rest);
            }
        }

        if (newKey is not null)
        {
            if (entries.Get(newKey) is { } existing)
            {
                entries.Set(newKey, [.. existing, id]);
            }
            else
            {
                entries.Set(newKey, [id]);
                delta += BytesPerEntry;
            }
        }

        return delta;
    }

    private static string? KeyOf(PropertyIndex definition, NodeEntry? entry) =>
        entry is not null && entry.HasLabel(definition.Label) && entry.Property(definition.Property) is { } value ? IndexKeys.ValueKey(value) : null;
}

/// <summary>A relationship type of a <see cref="GraphCopy"/> (one object per name) with its store order.</summary>
internal sealed class RelType(string name)
{
    public string Name { get; } = name;

    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(name);

    /// <summary>
    /// The order of the types' sort-key parts: UTF-16 length (the 4 hex digits before the type), then UTF-8 bytes
    /// (Core's order; UTF-8 is prefix-free, so types of equal length never tie on a prefix).
    /// </summary>
    public static int Compare(RelType a, RelType b) =>
        ReferenceEquals(a, b) ? 0
        : a.Name.Length != b.Name.Length ? a.Name.Length.CompareTo(b.Name.Length)
        : a._utf8.AsSpan().SequenceCompareTo(b._utf8);
}

/// <summary>A relationship in a node's copy: its type, the node at its other end, its id and properties (null for none).</summary>
internal readonly record struct Edge(RelType Type, long Other, long Rid, KeyValuePair<string, object?>[]? Properties);

/// <summary>An immutable node of a <see cref="GraphCopy"/>.</summary>
internal sealed class NodeEntry(long id, string[] labels, KeyValuePair<string, object?>[] properties, Edge[] outgoing, Edge[] incoming)
{
    public long Id { get; } = id;

    public string[] Labels { get; } = labels;

    public KeyValuePair<string, object?>[] Properties { get; } = properties;

    public Edge[] Outgoing { get; } = outgoing;

    public Edge[] Incoming { get; } = incoming;

    private long[]? _outOthers;
    private long[]? _inOthers;

    /// <summary>
    /// The other nodes of <see cref="Outgoing"/> or <see cref="Incoming"/> alone (same positions), made on first use:
    /// counting reads 8 bytes per relationship instead of 32.
    /// </summary>
    public long[] Others(bool outgoing)
    {
        ref var others = ref outgoing ? ref _outOthers : ref _inOthers;
        if (others is null)
        {
            var edges = outgoing ? Outgoing : Incoming;
            var made = new long[edges.Length];
            for (var i = 0; i < made.Length; i++)
            {
                made[i] = edges[i].Other;
            }

            others = made; // equal arrays whoever makes it first
        }

        return others;
    }

    /// <summary>A property's value (null when absent); <paramref name="key"/> compares by reference first.</summary>
    public object? Property(string key) => Find(Properties, key);

    public static object? Find(KeyValuePair<string, object?>[]? properties, string key)
    {
        if (properties is null)
        {
            return null;
        }

        foreach (var (k, v) in properties)
        {
            if (ReferenceEquals(k, key))
            {
                return v;
            }
        }

        foreach (var (k, v) in properties)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                return v;
            }
        }

        return null;
    }

    public bool HasLabel(string label)
    {
        foreach (var l in Labels)
        {
            if (string.Equals(l, label, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The slice of <paramref name="edges"/> of one type (all of them for null; empty when the copy has no such type).</summary>
    public static (int Start, int End) Range(Edge[] edges, RelType? type, bool all)
    {
        if (all)
        {
            return (0, edges.Length);
        }

        if (type is null || edges.Length == 0)
        {
            return (0, 0);
        }

        // Most nodes have relationships of one type in a direction: then the ends decide without a search.
        if (ReferenceEquals(edges[0].Type, type) && ReferenceEquals(edges[^1].Type, type))
        {
            return (0, edges.Length);
        }

        return (Bound(edges, type, upper: false), Bound(edges, type, upper: true));
    }

    // The first edge whose type orders after (upper) or not before (lower) the type.
    private static int Bound(Edge[] edges, RelType type, bool upper)
    {
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = RelType.Compare(edges[mid].Type, type);
            if (c < 0 || (upper && c == 0))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>How many relationships the node has in one direction of the given types (all types for none; a repeated type counts once).</summary>
    public long Count(bool outgoing, IReadOnlyList<string> types, GraphCopy copy)
    {
        var edges = outgoing ? Outgoing : Incoming;
        if (types.Count == 0)
        {
            return edges.Length;
        }

        long count = 0;
        for (var t = 0; t < types.Count; t++)
        {
            if (GraphTransaction.IndexOf(types, types[t]) == t)
            {
                var (from, to) = Range(edges, copy.FindType(types[t]), all: false);
                count += to - from;
            }
        }

        return count;
    }

    /// <summary>Estimated bytes of the entry and what only it references (types and property names are shared).</summary>
    public long EstimateBytes()
    {
        // 32 bytes per relationship and direction, 8 more for the other-node arrays counts make.
        long bytes = 64 + 24 + (8L * Labels.Length) + 4 * 24 + (40L * (Outgoing.Length + Incoming.Length)) + PropertiesBytes(Properties);
        foreach (var edge in Outgoing)
        {
            bytes += PropertiesBytes(edge.Properties);
        }

        foreach (var edge in Incoming)
        {
            bytes += PropertiesBytes(edge.Properties);
        }

        return bytes;
    }

    private static long PropertiesBytes(KeyValuePair<string, object?>[]? properties)
    {
        if (properties is null)
        {
            return 0;
        }

        long bytes = 24 + (16L * properties.Length);
        foreach (var (_, value) in properties)
        {
            bytes += ValueBytes(value);
        }

        return bytes;
    }

    private static long ValueBytes(object? value) => value switch
    {
        null => 0,
        string s => 22 + (2L * s.Length),
        List<object?> list => 32 + (8L * list.Count) + list.Sum(ValueBytes),
        _ => 24,
    };
}

/// <summary>
/// An immutable map of value keys to node ids with cheap changes: a hash table whose buckets live in a
/// <see cref="ChunkedArray{T}"/>, so a change copies the chunk directory, the chunks it touches and their buckets,
/// and snapshots share the rest. A lookup is a hash, two array reads (the chunk's slot, the bucket) and a scan of a
/// bucket that holds each entry's hash, a number key's value and a single node id in place: a seek of a number held
/// by one node reads no other object (a balanced tree would be ~17 dependent reads at 100,000 keys).
/// </summary>
internal sealed class ValueMap
{
    private const int InitialBuckets = 1024;

    private readonly ChunkedArray<Entry[]> _buckets;
    private readonly int _mask;

    private ValueMap(ChunkedArray<Entry[]> buckets, int mask, int count)
    {
        _buckets = buckets;
        _mask = mask;
        Count = count;
    }

    public int Count { get; }

    public static ValueMap Create(IEnumerable<KeyValuePair<string, long[]>> entries)
    {
        var builder = new ValueMap(ChunkedArray<Entry[]>.Empty, InitialBuckets - 1, 0).ToBuilder();
        foreach (var (key, ids) in entries)
        {
            builder.Set(key, ids);
        }

        return builder.ToMap();
    }

    public long[]? Get(string key) => Find(_buckets, _mask, new Probe(key))?.Ids;

    public IEnumerable<KeyValuePair<string, long[]>> Entries => _buckets.Values.SelectMany(bucket => bucket).Select(e => new KeyValuePair<string, long[]>(e.Key, e.Ids));

    public Builder ToBuilder() => new(this);

    private static Entry? Find(ChunkedArray<Entry[]> buckets, int mask, Probe probe) => Find(buckets.Get(probe.Hash & mask), probe);

    private static Entry? Find(Entry[]? bucket, Probe probe)
    {
        foreach (var entry in bucket ?? [])
        {
            if (probe.Matches(entry))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>A key with what a lookup compares first: its hash and, for a number's key, the number's bits.</summary>
    private readonly struct Probe
    {
        public Probe(string key)
        {
            Key = key;
            Hash = StringComparer.Ordinal.GetHashCode(key) & int.MaxValue;

            // A number's key is "n" and 16 hex digits of its order-preserving bits: equal bits, equal keys.
            ulong bits = 0;
            IsNumber = key.Length == 17 && key[0] == 'n' &&
                       ulong.TryParse(key.AsSpan(1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out bits);
            Bits = bits;
        }

        public string Key { get; }

        public int Hash { get; }

        public bool IsNumber { get; }

        public ulong Bits { get; }

        /// <summary>Whether an entry has this key; a number's compares its bits, without reading the entry's key.</summary>
        public bool Matches(Entry entry) =>
            entry.Hash == Hash && (IsNumber ? entry.IsNumber && entry.Bits == Bits : string.Equals(entry.Key, Key, StringComparison.Ordinal));
    }

    /// <summary>One key's entry; a key held by one node keeps its id in place (<see cref="Many"/> null).</summary>
    private readonly struct Entry(Probe probe, long[] ids)
    {
        public string Key { get; } = probe.Key;

        public int Hash { get; } = probe.Hash;

        public bool IsNumber { get; } = probe.IsNumber;

        public ulong Bits { get; } = probe.Bits;

        public long Single { get; } = ids.Length == 1 ? ids[0] : 0;

        public long[]? Many { get; } = ids.Length == 1 ? null : ids;

        public long[] Ids => Many ?? [Single];
    }

    /// <summary>Changes on a private copy of what they touch; <see cref="ToMap"/> publishes them.</summary>
    internal sealed class Builder(ValueMap from)
    {
        private ChunkedArray<Entry[]>.Builder _buckets = from._buckets.ToBuilder();
        private int _mask = from._mask;
        private int _count = from.Count;

        public long[]? Get(string key)
        {
            var probe = new Probe(key);
            return Find(_buckets.Get(probe.Hash & _mask), probe)?.Ids;
        }

        /// <summary>Sets the ids of a key (null removes it).</summary>
        public void Set(string key, long[]? ids)
        {
            var probe = new Probe(key);
            var b = probe.Hash & _mask;
            var bucket = _buckets.Get(b) ?? [];
            var at = Array.FindIndex(bucket, probe.Matches);
            if (ids is null)
            {
                if (at >= 0)
                {
                    _buckets.Set(b, bucket.Length == 1 ? null : [.. bucket[..at], .. bucket[(at + 1)..]]);
                    _count--;
                }

                return;
            }

            if (at >= 0)
            {
                var replaced = (Entry[])bucket.Clone();
                replaced[at] = new Entry(probe, ids);
                _buckets.Set(b, replaced);
                return;
            }

            _buckets.Set(b, [.. bucket, new Entry(probe, ids)]);
            if (++_count > (_mask + 1) * 2)
            {
                Grow();
            }
        }

        // Twice the buckets once there are two keys per bucket: every entry is placed again.
        private void Grow()
        {
            var entries = _buckets.Values.SelectMany(bucket => bucket).ToList();
            _mask = ((_mask + 1) * 2) - 1;
            var buckets = new Dictionary<int, List<Entry>>();
            foreach (var entry in entries)
            {
                var b = entry.Hash & _mask;
                if (!buckets.TryGetValue(b, out var list))
                {
                    buckets[b] = list = [];
                }

                list.Add(entry);
            }

            _buckets = ChunkedArray<Entry[]>.Empty.ToBuilder();
            foreach (var (b, list) in buckets)
            {
                _buckets.Set(b, [.. list]);
            }
        }

        public ValueMap ToMap() => new(_buckets.ToArray(), _mask, _count);
    }
}

/// <summary>One property's values by node id (null where a node lacks it), in chunks of 1,024 nodes shared between snapshots.</summary>
internal sealed class PropertyColumn(string key, Func<NodeEntry, object?> of, ChunkedArray<object> values)
{
    private readonly ChunkedArray<object> _values = values;

    /// <summary>The property name, or for a derived column a name no property has (see <see cref="GraphCopy.DegreeColumn"/>).</summary>
    public string Key { get; } = key;

    /// <summary>A node's value in this column.</summary>
    public Func<NodeEntry, object?> Of { get; } = of;

    /// <summary>Estimated bytes: the directory and the chunks (values are the nodes' own objects).</summary>
    public long Bytes => _values.Bytes;

    public object? Get(long id) => _values.Get(id);

    /// <inheritdoc cref="ChunkedArray{T}.Gather"/>
    public void Gather(ReadOnlySpan<long> ids, Span<object?> into) => _values.Gather(ids, into);

    /// <summary>The sum of the integer values of several ids (a count column's total; other values count 0).</summary>
    public long Sum(ReadOnlySpan<long> ids)
    {
        var batch = default(Batch);
        Span<object?> values = batch;
        long sum = 0;
        for (var start = 0; start < ids.Length; start += Batch.Size)
        {
            var part = ids[start..Math.Min(ids.Length, start + Batch.Size)];
            _values.Gather(part, values);
            foreach (var value in values[..part.Length])
            {
                sum = checked(sum + (value is long l ? l : 0));
            }
        }

        return sum;
    }

    /// <summary>Room for a batch of column values on the stack.</summary>
    [System.Runtime.CompilerServices.InlineArray(Size)]
    internal struct Batch
    {
        public const int Size = 64;

        private object? _value;
    }

    public static PropertyColumn Build(string key, Func<NodeEntry, object?> of, ChunkedArray<NodeEntry> nodes)
    {
        var builder = ChunkedArray<object>.Empty.ToBuilder();
        foreach (var entry in nodes.Values)
        {
            builder.Set(entry.Id, of(entry));
        }

        return new PropertyColumn(key, of, builder.ToArray());
    }

    public Builder ToBuilder() => new(this);

    /// <summary>Changes on copies of the chunks they touch.</summary>
    internal sealed class Builder(PropertyColumn from)
    {
        private readonly ChunkedArray<object>.Builder _values = from._values.ToBuilder();

        public string Key => from.Key;

        public Func<NodeEntry, object?> Of => from.Of;

        /// <summary>Sets a node's value; returns the change of the estimated bytes.</summary>
        public long Set(long id, object? value) => _values.Set(id, value);

        public PropertyColumn ToColumn() => new(from.Key, from.Of, _values.ToArray());
    }
}

/// <summary>
/// Values by node id in chunks of 1,024, shared between snapshots of a <see cref="GraphCopy"/>: a change copies only
/// the chunk directory and the chunks it touches (<see cref="Builder"/>), so readers of the old array are unaffected.
/// </summary>
internal sealed class ChunkedArray<T>(T?[]?[] chunks)
    where T : class
{
    private const int ChunkBits = 10;
    private const int ChunkSize = 1 << ChunkBits;

    public static ChunkedArray<T> Empty { get; } = new([]);

    private readonly T?[]?[] _chunks = chunks;

    /// <summary>Estimated bytes of the directory and the chunks (not of the values).</summary>
    public long Bytes => (8L * _chunks.Length) + (_chunks.Count(c => c is not null) * ChunkBytes);

    private const long ChunkBytes = (8L * ChunkSize) + 24;

    /// <summary>Whether an id can be held (ids come from the graph's counter, so this never fails in practice).</summary>
    public static bool Fits(long id) => id >= 0 && id >> ChunkBits < int.MaxValue / 2;

    public T? Get(long id) => At(_chunks, id);

    /// <summary>
    /// The values of several ids. One tight loop keeps many of the (usually missed) cache lines in flight at once,
    /// where a read per id among other work waits for each in turn.
    /// </summary>
    public void Gather(ReadOnlySpan<long> ids, Span<T?> into)
    {
        var chunks = _chunks;
        for (var i = 0; i < ids.Length; i++)
        {
            into[i] = At(chunks, ids[i]);
        }
    }

    /// <summary>The values in id order.</summary>
    public IEnumerable<T> Values => ValuesOf(_chunks);

    private static T? At(T?[]?[] chunks, long id) =>
        (ulong)(id >> ChunkBits) < (ulong)chunks.Length && chunks[id >> ChunkBits] is { } chunk ? chunk[id & (ChunkSize - 1)] : null;

    private static IEnumerable<T> ValuesOf(T?[]?[] chunks)
    {
        foreach (var chunk in chunks)
        {
            foreach (var value in chunk ?? [])
            {
                if (value is not null)
                {
                    yield return value;
                }
            }
        }
    }

    public Builder ToBuilder() => new(this);

    /// <summary>Changes on copies of what they touch; <see cref="ToArray"/> publishes them.</summary>
    internal sealed class Builder(ChunkedArray<T> from)
    {
        private T?[]?[] _chunks = (T?[]?[])from._chunks.Clone();
        private readonly HashSet<long> _copied = [];

        public T? Get(long id) => At(_chunks, id);

        public IEnumerable<T> Values => ValuesOf(_chunks);

        /// <summary>Sets the value of an id (<see cref="Fits"/>); returns the bytes the directory and new chunks added.</summary>
        public long Set(long id, T? value)
        {
            var c = id >> ChunkBits;
            long bytes = 0;
            if (c >= _chunks.Length)
            {
                if (value is null)
                {
                    return 0;
                }

                var grown = _chunks.Length;
                Array.Resize(ref _chunks, (int)Math.Max(c + 1, _chunks.Length * 2L));
                bytes += 8L * (_chunks.Length - grown);
            }

            if (_chunks[c] is null)
            {
                if (value is null)
                {
                    return bytes;
                }

                _chunks[c] = new T?[ChunkSize];
                _copied.Add(c);
                bytes += ChunkBytes;
            }
            else if (_copied.Add(c))
            {
                _chunks[c] = (T?[])_chunks[c]!.Clone();
            }

            _chunks[c]![id & (ChunkSize - 1)] = value;
            return bytes;
        }

        /// <summary>The array with the changes (the builder is not used afterwards).</summary>
        public ChunkedArray<T> ToArray() => new(_chunks);
    }
}
