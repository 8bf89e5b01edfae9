using KvDb.Cluster.Membership;
using KvDb.Cluster.Node;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;
using KvDb.Expressions;
using KvDb.Storage;

namespace KvDb.Cluster;

public sealed partial class ClusteredKvStore
{
    private const int PageSize = 1000;

    /// <summary>
    /// Runs a query. A key query (one partition key) reads a quorum of that partition's replica set; a
    /// partition-key range or prefix query asks every node and merges in (partition key, sort key) order; a
    /// secondary-index query asks every node (index queries are eventually consistent, as in DynamoDB).
    /// Every item returned by a key or range query is the linearizable value of that item: replicas that
    /// disagree are settled (and repaired) by a Paxos read. Filter and projection apply on the coordinator.
    /// </summary>
    public async ValueTask<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        if (request.Limit is <= 0)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"Query on table \"{schema.Name}\": Limit must be at least 1, not {request.Limit}.");
        }

        if ((request.PartitionKey is null) == (request.PartitionKeyCondition is null))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"Query on table \"{schema.Name}\": give either a partition key or a partition-key condition.");
        }

        if (request.IndexName is not null)
        {
            return await IndexQueryAsync(schema, request, cancellationToken);
        }

        if (request.PartitionKey is { } pk)
        {
            KeyCodec.CheckType(pk, schema.PartitionKey, true, schema.Name);
            if (request.ExclusiveStartKey is { } esk && !esk.PartitionKey.Equals(pk))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Query on table \"{schema.Name}\": the exclusive start key {esk} is not in the queried partition {ItemKey.Describe(pk)}.");
            }
        }

        var collector = new Collector(request.Filter, request.Projection, request.Limit, request.CountOnly);
        var start = request.ExclusiveStartKey;
        Comparison<ItemKey> order = request.PartitionKey is not null
            ? (a, b) => CompareSortKeys(a, b) * (request.Descending ? -1 : 1)
            : (a, b) => ComparePrimaryKeys(a, b) * (request.Descending ? -1 : 1);
        while (!collector.Full)
        {
            var pageRequest = request with { Filter = null, Projection = null, CountOnly = false, Limit = Math.Min(PageSize, collector.Remaining), ExclusiveStartKey = start };
            var (cells, bound) = request.PartitionKey is { } partitionKey
                ? await PartitionPageAsync(schema, pageRequest, PartitionToken.Of(partitionKey), order, cancellationToken)
                : await FanOutPageAsync(schema, pageRequest, order, cancellationToken);
            var processed = await FeedAsync(schema.Name, cells, collector, null, cancellationToken);
            if (collector.Full)
            {
                return collector.Result(more: bound is not null || processed < cells.Count);
            }

            if (bound is null)
            {
                break;
            }

            start = bound;
        }

        return collector.Result(more: false);
    }

    /// <summary>One page of a single-partition query from a quorum of its replica set.</summary>
    private async Task<(List<(ItemKey Key, CellState State)> Cells, ItemKey? Bound)> PartitionPageAsync(
        TableSchema schema, QueryRequest page, ulong token, Comparison<ItemKey> order, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var placement = _node.Placement;
            var sets = placement.ReplicaSets(token);
            var message = new KeyQueryRequest(placement.Config.Epoch, page);
            var outcome = await Quorum.GatherAsync<KeyQueryReply>(sets, _node.Options.ReadQuorumFor, n => _node.SendAsync(n, message, ct), r => r.Status == ReplyStatus.Ok);
            if (outcome.Reached)
            {
                var replies = outcome.Replies.Where(r => r.Reply.Status == ReplyStatus.Ok).Select(r => (r.Node, r.Reply.Cells, r.Reply.LastEvaluatedKey)).ToArray();
                return await MergeAsync(schema.Name, replies, (_, _) => true, order, ct);
            }

            await RetryOrFailAsync(schema.Name, attempt, outcome.Replies.Select(r => r.Reply.Status), ct);
        }
    }

    /// <summary>One page of a partition-key range query: every member answers, replies merge in key order.</summary>
    private async Task<(List<(ItemKey Key, CellState State)> Cells, ItemKey? Bound)> FanOutPageAsync(
        TableSchema schema, QueryRequest page, Comparison<ItemKey> order, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var placement = _node.Placement;
            var nodes = placement.Config.Members.Where(m => m.State != MemberState.Dead).Select(m => m.Id).ToArray();
            var message = new KeyQueryRequest(placement.Config.Epoch, page);
            var outcome = await Quorum.GatherAsync<KeyQueryReply>([nodes], n => n, n => _node.SendAsync(n, message, ct), r => r.Status == ReplyStatus.Ok);
            var replies = outcome.Replies.Where(r => r.Reply.Status == ReplyStatus.Ok).Select(r => (r.Node, r.Reply.Cells, r.Reply.LastEvaluatedKey)).ToArray();
            if (outcome.Replies.All(r => r.Reply.Status is not (ReplyStatus.StaleEpoch or ReplyStatus.UnknownTable)))
            {
                var answered = replies.Select(r => r.Node).ToHashSet();
                var readQuorum = _node.Options.ReadQuorumFor;
                if (outcome.Reached || UnansweredHoldNothingAlone(placement, answered, readQuorum))
                {
                    return await MergeAsync(schema.Name, replies, (node, key) => placement.ReplicaSets(CellKeys.TokenOf(key)).Any(s => s.Contains(node)), order, ct);
                }

                if (attempt + 1 >= _node.Options.MaxAttempts)
                {
                    throw new KvDbException(KvErrorCode.ClusterUnavailable,
                        $"Query on table \"{schema.Name}\": too many nodes are unreachable to read a quorum of every partition ({outcome.Unreachable.Count} unreachable).");
                }
            }

            await RetryOrFailAsync(schema.Name, attempt, outcome.Replies.Select(r => r.Reply.Status), ct);
        }
    }

    /// <summary>True when every range still has a read quorum among the nodes that answered.</summary>
    private static bool UnansweredHoldNothingAlone(ClusterPlacement placement, HashSet<NodeId> answered, Func<int, int> readQuorum)
    {
        foreach (var ring in new[] { placement.Current, placement.Next })
        {
            if (ring is null)
            {
                continue;
            }

            foreach (var range in ring.Ranges)
            {
                if (range.Replicas.Count(answered.Contains) < readQuorum(range.Replicas.Count))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private async Task RetryOrFailAsync(string table, int attempt, IEnumerable<ReplyStatus> statuses, CancellationToken ct)
    {
        var list = statuses.ToArray();
        if (attempt + 1 >= _node.Options.MaxAttempts)
        {
            throw new KvDbException(KvErrorCode.ClusterUnavailable, $"Table \"{table}\": no quorum of replicas answered after {_node.Options.MaxAttempts} attempts.");
        }

        if (list.Any(s => s is ReplyStatus.StaleEpoch or ReplyStatus.UnknownTable or ReplyStatus.NotMember))
        {
            await _node.RefreshConfigAsync(ct);
        }

        await _node.Runtime.Delay(TimeSpan.FromMilliseconds(5 << Math.Min(attempt, 6)), ct);
    }

    /// <summary>
    /// Merges replicas' pages: only keys up to the smallest point where a truncated page stopped are certain;
    /// a key whose replicas (those that hold its partition) all report the same accepted ballot is taken as is,
    /// any disagreement (a missing copy, an older version, a tombstone elsewhere) is settled by a Paxos read.
    /// </summary>
    private async Task<(List<(ItemKey Key, CellState State)> Cells, ItemKey? Bound)> MergeAsync(
        string table,
        IReadOnlyList<(NodeId Node, IReadOnlyList<CellEntry> Cells, ItemKey? Last)> replies,
        Func<NodeId, ItemKey, bool> holds,
        Comparison<ItemKey> order,
        CancellationToken ct)
    {
        ItemKey? bound = null;
        foreach (var r in replies)
        {
            if (r.Last is { } last && (bound is null || order(last, bound.Value) < 0))
            {
                bound = last;
            }
        }

        var byKey = new SortedDictionary<ItemKey, List<(NodeId, CellEntry)>>(Comparer<ItemKey>.Create(order));
        foreach (var (node, cells, _) in replies)
        {
            foreach (var cell in cells)
            {
                if (bound is { } b && order(cell.Key, b) > 0)
                {
                    break;
                }

                if (!holds(node, cell.Key))
                {
                    continue; // a copy left on a node that no longer replicates this partition
                }

                if (!byKey.TryGetValue(cell.Key, out var list))
                {
                    byKey[cell.Key] = list = [];
                }

                list.Add((node, cell));
            }
        }

        var result = new List<(ItemKey, CellState)>(byKey.Count);
        foreach (var (key, copies) in byKey)
        {
            var holders = replies.Count(r => holds(r.Node, key));
            var agreed = copies.Count == holders && copies.All(c => c.Item2.Accepted == copies[0].Item2.Accepted);
            result.Add((key, agreed ? copies[0].Item2.State : await Coordinator.ReadAsync(table, key, ct)));
        }

        return (result, bound);
    }

    private static int CompareSortKeys(ItemKey a, ItemKey b) =>
        a.SortKey is null || b.SortKey is null ? 0 : KeyCodec.EncodeBound(a.SortKey).AsSpan().SequenceCompareTo(KeyCodec.EncodeBound(b.SortKey));

    private static int ComparePrimaryKeys(ItemKey a, ItemKey b)
    {
        var c = KeyCodec.EncodeBound(a.PartitionKey).AsSpan().SequenceCompareTo(KeyCodec.EncodeBound(b.PartitionKey));
        return c != 0 ? c : CompareSortKeys(a, b);
    }

    private static int CompareTokenOrder(ItemKey a, ItemKey b)
    {
        var c = CellKeys.MetaPartition(a).AsSpan().SequenceCompareTo(CellKeys.MetaPartition(b));
        return c != 0 ? c : CellKeys.MetaSort(a).AsSpan().SequenceCompareTo(CellKeys.MetaSort(b));
    }

    // ------------------------------------------------------------------ scans

    /// <summary>
    /// Scans a table in ring-token order, one token range at a time from a quorum of its replicas, so that a
    /// scan that runs while ranges move between nodes still returns every item exactly once (positions are
    /// tokens, which do not move). Segments split the token space into equal parts.
    /// </summary>
    public async ValueTask<QueryResult> ScanAsync(ScanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = await SchemaAsync(request.TableName, cancellationToken);
        if (request.Limit is <= 0)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery, $"Scan on table \"{schema.Name}\": Limit must be at least 1, not {request.Limit}.");
        }

        if (request.TotalSegments < 1 || request.Segment < 0 || request.Segment >= request.TotalSegments)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Scan on table \"{schema.Name}\": Segment must be between 0 and TotalSegments - 1 ({request.TotalSegments - 1}), not {request.Segment}.");
        }

        IndexSchema? index = null;
        if (request.IndexName is not null)
        {
            index = schema.Indexes.FirstOrDefault(i => i.Name == request.IndexName)
                ?? throw new KvDbException(KvErrorCode.InvalidQuery, $"Table \"{schema.Name}\" has no index named \"{request.IndexName}\".");
        }

        var width = ulong.MaxValue / (ulong)request.TotalSegments;
        var segmentFrom = (ulong)request.Segment * width;
        var segmentTo = request.Segment == request.TotalSegments - 1 ? ulong.MaxValue : segmentFrom + width - 1;
        var position = segmentFrom;
        ItemKey? after = null;
        if (request.ExclusiveStartKey is { } esk)
        {
            CheckKey(schema, esk);
            position = CellKeys.TokenOf(esk);
            after = esk;
        }

        var collector = new Collector(request.Filter, request.Projection, request.Limit, request.CountOnly);
        while (!collector.Full && position >= segmentFrom && position <= segmentTo)
        {
            var rangeEnd = Math.Min(segmentTo, RangeEndOf(_node.Placement, position));
            var (cells, more) = await RangePageAsync(schema.Name, position, rangeEnd, after, Math.Min(PageSize, collector.Remaining), cancellationToken);
            var processed = await FeedAsync(schema.Name, cells, collector, index is null ? null : item => HasIndexKeys(index, item), cancellationToken);
            if (collector.Full)
            {
                return collector.Result(more: more || rangeEnd < segmentTo || processed < cells.Count);
            }

            if (more)
            {
                after = cells.Count > 0 ? cells[^1].Key : after;
                continue;
            }

            if (rangeEnd == segmentTo)
            {
                break;
            }

            position = rangeEnd + 1;
            after = null;
        }

        return collector.Result(more: false);
    }

    /// <summary>Feeds merged cells to the collector (visible items only) until it is full; returns how many cells it used.</summary>
    private async Task<int> FeedAsync(string table, List<(ItemKey Key, CellState State)> cells, Collector collector, Func<Item, bool>? accept, CancellationToken ct)
    {
        var processed = 0;
        foreach (var (key, state) in cells)
        {
            if (collector.Full)
            {
                break;
            }

            processed++;
            var item = await VisibleAsync(table, key, state, ct);
            if (item is not null && (accept is null || accept(item)))
            {
                collector.Add(key, item);
            }
        }

        return processed;
    }

    private static bool HasIndexKeys(IndexSchema index, Item item) =>
        item.TryGetValue(index.PartitionKey.Name, out _) && (index.SortKey is null || item.TryGetValue(index.SortKey.Name, out _));

    /// <summary>The end of the token range containing <paramref name="token"/> in both rings (the smaller end).</summary>
    private static ulong RangeEndOf(ClusterPlacement placement, ulong token)
    {
        var end = EndIn(placement.Current, token);
        return placement.Next is { } next ? Math.Min(end, EndIn(next, token)) : end;
    }

    private static ulong EndIn(HashRing ring, ulong token)
    {
        var ranges = ring.Ranges;
        int lo = 0, hi = ranges.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (ranges[mid].To < token)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return ranges[lo].To;
    }

    /// <summary>One page of one token range from a read quorum of its replica set(s), tombstones settled.</summary>
    private async Task<(List<(ItemKey Key, CellState State)> Cells, bool More)> RangePageAsync(string table, ulong from, ulong to, ItemKey? after, int limit, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var placement = _node.Placement;
            var sets = placement.ReplicaSets(from);
            var message = new RangeFetchRequest(placement.Config.Epoch, table, from, to, after, limit);
            var outcome = await Quorum.GatherAsync<RangeFetchReply>(sets, _node.Options.ReadQuorumFor, n => _node.SendAsync(n, message, ct), r => r.Status == ReplyStatus.Ok);
            if (outcome.Reached)
            {
                var ok = outcome.Replies.Where(r => r.Reply.Status == ReplyStatus.Ok).ToArray();
                var replies = ok.Select(r => (r.Node, r.Reply.Cells, r.Reply.More && r.Reply.Cells.Count > 0 ? r.Reply.Cells[^1].Key : (ItemKey?)null)).ToArray();
                var (cells, bound) = await MergeAsync(table, replies, (_, _) => true, CompareTokenOrder, ct);
                return (cells, bound is not null);
            }

            await RetryOrFailAsync(table, attempt, outcome.Replies.Select(r => r.Reply.Status), ct);
        }
    }

    // ------------------------------------------------------------------ secondary indexes

    /// <summary>
    /// An index query: every node answers from its local index; copies are merged by primary key (newest
    /// accepted ballot wins, and the winner must still match the key condition), ordered by (index sort key,
    /// primary key). Eventually consistent, like DynamoDB's global secondary indexes. Each page reads every
    /// match of the index partition key, so keep index partitions selective.
    /// </summary>
    private async Task<QueryResult> IndexQueryAsync(TableSchema schema, QueryRequest request, CancellationToken ct)
    {
        var index = schema.Indexes.FirstOrDefault(i => i.Name == request.IndexName)
            ?? throw new KvDbException(KvErrorCode.InvalidQuery, $"Table \"{schema.Name}\" has no index named \"{request.IndexName}\".");
        var placement = _node.Placement;
        var nodes = placement.Config.Members.Where(m => m.State != MemberState.Dead).Select(m => m.Id).ToArray();
        var newest = new Dictionary<string, (ItemKey Key, CellEntry Cell)>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            ItemKey? start = null;
            do
            {
                KeyQueryReply reply;
                try
                {
                    var message = new KeyQueryRequest(placement.Config.Epoch, request with { Filter = null, Projection = null, CountOnly = false, Limit = PageSize, ExclusiveStartKey = start });
                    if (await _node.SendAsync(node, message, ct) is not KeyQueryReply { Status: ReplyStatus.Ok } r)
                    {
                        break;
                    }

                    reply = r;
                }
                catch (Exception e) when (e is Transport.NodeUnreachableException or KvDbException)
                {
                    break; // another replica holds the same items
                }

                foreach (var cell in reply.Cells)
                {
                    var id = Convert.ToHexString(CellKeys.MetaPartition(cell.Key)) + "/" + Convert.ToHexString(CellKeys.MetaSort(cell.Key));
                    if (!newest.TryGetValue(id, out var seen) || cell.Accepted > seen.Cell.Accepted)
                    {
                        newest[id] = (cell.Key, cell);
                    }
                }

                start = reply.LastEvaluatedKey;
            }
            while (start is not null);
        }

        AttributeValue? IndexSort(Item item) => index.SortKey is null ? null : item.TryGetValue(index.SortKey.Name, out var v) ? v : null;
        var matches = new List<(ItemKey Key, Item Item)>();
        foreach (var (key, cell) in newest.Values)
        {
            var item = await VisibleAsync(schema.Name, key, cell.State, ct);
            if (item is null || !item.TryGetValue(index.PartitionKey.Name, out var ipk) || !ipk.Equals(request.PartitionKey) ||
                (index.SortKey is not null && IndexSort(item) is null) ||
                (request.SortKeyCondition is { } cond && !Matches(cond, IndexSort(item)!)))
            {
                continue;
            }

            matches.Add((key, item));
        }

        int Compare((ItemKey Key, Item Item) a, (ItemKey Key, Item Item) b)
        {
            var c = index.SortKey is null ? 0 : KeyCodec.EncodeBound(IndexSort(a.Item)!).AsSpan().SequenceCompareTo(KeyCodec.EncodeBound(IndexSort(b.Item)!));
            return (c != 0 ? c : ComparePrimaryKeys(a.Key, b.Key)) * (request.Descending ? -1 : 1);
        }

        matches.Sort(Compare);
        var from = 0;
        if (request.ExclusiveStartKey is { } esk)
        {
            var at = matches.FindIndex(m => ComparePrimaryKeys(m.Key, esk) == 0);
            from = at < 0 ? 0 : at + 1;
        }

        var collector = new Collector(request.Filter, request.Projection, request.Limit, request.CountOnly);
        for (var i = from; i < matches.Count && collector.Add(matches[i].Key, matches[i].Item); i++)
        {
        }

        return collector.Result(more: collector.Full && from + collector.Evaluated < matches.Count);
    }

    private static bool Matches(KeyCondition condition, AttributeValue value)
    {
        if (value.Kind != condition.Value.Kind)
        {
            return false;
        }

        var v = KeyCodec.EncodeBound(value);
        var a = KeyCodec.EncodeBound(condition.Value);
        var c = v.AsSpan().SequenceCompareTo(a);
        return condition.Operator switch
        {
            KeyOperator.Equal => c == 0,
            KeyOperator.LessThan => c < 0,
            KeyOperator.LessThanOrEqual => c <= 0,
            KeyOperator.GreaterThan => c > 0,
            KeyOperator.GreaterThanOrEqual => c >= 0,
            KeyOperator.Between => c >= 0 && v.AsSpan().SequenceCompareTo(KeyCodec.EncodeBound(condition.Value2!)) <= 0,
            KeyOperator.BeginsWith => v.AsSpan().StartsWith(a),
            _ => false,
        };
    }

    /// <summary>Applies Limit (items evaluated), the filter, the projection and CountOnly to items in result order.</summary>
    private sealed class Collector(Condition? filter, Projection? projection, int? limit, bool countOnly)
    {
        private readonly List<Item> _items = [];
        private ItemKey? _last;
        private int _count;

        public int Evaluated { get; private set; }

        public bool Full => limit is { } l && Evaluated >= l;

        public int Remaining => limit is { } l ? l - Evaluated : int.MaxValue;

        /// <summary>Adds one evaluated item; false once the limit is reached (the item is not taken).</summary>
        public bool Add(ItemKey key, Item item)
        {
            if (Full)
            {
                return false;
            }

            Evaluated++;
            _last = key;
            if (filter is null || filter.Evaluate(item))
            {
                _count++;
                if (!countOnly)
                {
                    _items.Add(projection is null ? item : projection.Apply(item));
                }
            }

            return true;
        }

        public QueryResult Result(bool more) => new(_items, _count, Evaluated, more ? _last : null);
    }
}
