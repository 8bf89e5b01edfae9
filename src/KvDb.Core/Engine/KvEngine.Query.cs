using KvDb.Expressions;
using KvDb.Storage;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    public ValueTask<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Query(request, cancellationToken));
    }

    public ValueTask<QueryResult> ScanAsync(ScanRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Scan(request, cancellationToken));
    }

    internal QueryResult Query(QueryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var baseTable = Table(request.TableName);
        var index = request.IndexName is null ? null : ResolveIndex(baseTable, request.IndexName);
        var table = index?.Entries ?? baseTable;
        var schema = index is null ? table.Schema : new TableSchema(baseTable.Name, index.Schema.PartitionKey, index.Schema.SortKey);
        var limit = CheckLimit(request.Limit, table.Name);
        if ((request.PartitionKey is null) == (request.PartitionKeyCondition is null))
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Query on table \"{table.Name}\": give either a partition key value or a partition key condition (begins_with, BETWEEN, <, <=, >, >=), not {(request.PartitionKey is null ? "neither" : "both")}.");
        }

        if (request.SortKeyCondition is not null && schema.SortKey is null)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Query on table \"{table.Name}\": the table has no sort key, so a sort key condition cannot be used.");
        }

        var skRange = request.SortKeyCondition is null
            ? KeyRange.All
            : index is null
                ? BuildRange(table, request.SortKeyCondition, schema.SortKey!, "sort key")
                : BuildIndexRange(baseTable, index, request.SortKeyCondition);
        byte[]? startPk = null;
        byte[]? startSk = null;
        if (request.ExclusiveStartKey is { } start)
        {
            (startPk, startSk) = EncodeKey(table, start);
        }

        var ttl = TtlCutoff(baseTable);
        if (request.PartitionKey is not null)
        {
            var pk = KeyCodec.Encode(request.PartitionKey, schema.PartitionKey, true, schema.Name);
            if (startPk is not null && !startPk.AsSpan().SequenceEqual(pk))
            {
                throw new KvDbException(KvErrorCode.InvalidQuery,
                    $"Query on table \"{table.Name}\": the exclusive start key {request.ExclusiveStartKey} is not in the queried partition {ItemKey.Describe(request.PartitionKey)}.");
            }

            var leaf = table.GetPartitionLeaf(pk, HashIndex.Hash(pk));
            if (leaf is Partition counted && request.CountOnly && request.Filter is null && ttl is null && startSk is null
                && (index is null || request.SortKeyCondition is null)
                && CountInPartition(counted, request.SortKeyCondition, skRange) is var total && total <= limit)
            {
                // The sort-key range (the whole partition, a prefix, a BETWEEN...) counted from the trie's subtree
                // counts: no record visited, and nothing to collect. An index partition (its entries keyed by the
                // index's sort key and the item's key) is counted whole only.
                return new QueryResult([], total, total, null);
            }

            var collector = new Collector(table, request.Filter, request.Projection, limit, request.CountOnly, ttl, cancellationToken);
            if (leaf is byte[] record)
            {
                if (startPk is null)
                {
                    collector.Offer(pk, record);
                }
            }
            else if (leaf is Partition partition)
            {
                var range = startSk is null ? skRange : After(skRange, startSk, request.Descending);
                ScanPartition(partition, range, request.Descending, collector);
            }

            return collector.Result();
        }

        var rangeCollector = new Collector(table, request.Filter, request.Projection, limit, request.CountOnly, ttl, cancellationToken);
        var pkRange = BuildRange(baseTable, request.PartitionKeyCondition!, schema.PartitionKey, "partition key");
        RunRange(table, pkRange, skRange, request.Descending, startPk, startSk, rangeCollector, 0, 1);
        return rangeCollector.Result();
    }

    internal QueryResult Scan(ScanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var baseTable = Table(request.TableName);
        var table = request.IndexName is null ? baseTable : ResolveIndex(baseTable, request.IndexName).Entries;
        var limit = CheckLimit(request.Limit, baseTable.Name);
        if (request.TotalSegments is < 1 or > 1_000_000)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Scan on table \"{table.Name}\": TotalSegments must be between 1 and 1000000, not {request.TotalSegments}.");
        }

        if (request.Segment < 0 || request.Segment >= request.TotalSegments)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Scan on table \"{table.Name}\": Segment must be between 0 and TotalSegments - 1 ({request.TotalSegments - 1}), not {request.Segment}.");
        }

        byte[]? startPk = null;
        byte[]? startSk = null;
        if (request.ExclusiveStartKey is { } start)
        {
            (startPk, startSk) = EncodeKey(table, start);
        }

        var collector = new Collector(table, request.Filter, request.Projection, limit, request.CountOnly, TtlCutoff(baseTable), cancellationToken);
        RunRange(table, KeyRange.All, KeyRange.All, false, startPk, startSk, collector, request.Segment, request.TotalSegments);
        return collector.Result();
    }

    /// <summary>
    /// How many items of a partition the sort-key range holds, from the trie's subtree counts: one walk for a prefix
    /// (or none for the whole partition), two (one per bound) for other ranges.
    /// </summary>
    private static int CountInPartition(Partition partition, KeyCondition? condition, in KeyRange range) => condition switch
    {
        null => partition.Items.Count,
        { Operator: KeyOperator.BeginsWith } => partition.Items.CountPrefix(range.Lower),
        _ => partition.Items.CountRange(range),
    };

    /// <summary>Walks the partitions whose keys fall in <paramref name="pkRange"/>, in key order.</summary>
    private static void RunRange(TableStore table, KeyRange pkRange, KeyRange skRange, bool descending,
        byte[]? startPk, byte[]? startSk, Collector collector, int segment, int totalSegments)
    {
        if (startPk is not null)
        {
            // Resume at the start partition (inclusive when it may hold more items after the start key).
            pkRange = table.HasSortKey ? From(pkRange, startPk, descending) : After(pkRange, startPk, descending);
        }

        var cursor = table.PartitionKeys.Scan(pkRange, descending);
        while (cursor.MoveNext())
        {
            var leaf = cursor.Current!;
            var pk = leaf is Partition p ? p.Key : ItemCodec.RecordKey((byte[])leaf).ToArray();
            if (totalSegments > 1 && SegmentOf(pk, totalSegments) != segment)
            {
                continue;
            }

            if (leaf is byte[] record)
            {
                if (!collector.Offer(pk, record))
                {
                    return;
                }

                continue;
            }

            var partition = (Partition)leaf;
            var range = startSk is not null && partition.Key.AsSpan().SequenceEqual(startPk)
                ? After(skRange, startSk, descending)
                : skRange;
            if (!ScanPartition(partition, range, descending, collector))
            {
                return;
            }
        }
    }

    private static bool ScanPartition(Partition partition, in KeyRange range, bool descending, Collector collector)
    {
        var cursor = partition.Items.Scan(range, descending);
        while (cursor.MoveNext())
        {
            if (!collector.Offer(partition.Key, (byte[])cursor.Current!))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stable segment assignment (FNV-1a), so a parallel scan's segments survive restarts.</summary>
    internal static int SegmentOf(ReadOnlySpan<byte> pk, int totalSegments)
    {
        var h = 2166136261u;
        foreach (var b in pk)
        {
            h = (h ^ b) * 16777619u;
        }

        return (int)(h % (uint)totalSegments);
    }

    /// <summary>The sort-key range of an index query: a range of entry keys (see <see cref="IndexStore"/>).</summary>
    private static KeyRange BuildIndexRange(TableStore table, IndexStore index, KeyCondition condition)
    {
        var sortKey = index.Schema.SortKey ?? throw new KvDbException(KvErrorCode.InvalidQuery,
            $"Query on index \"{index.Schema.Name}\" of table \"{table.Name}\": the index has no sort key, so a sort key condition cannot be used.");
        CheckBoundType(table, condition.Value, sortKey, "index sort key");
        byte[]? hi = null;
        if (condition.Operator == KeyOperator.Between)
        {
            CheckBoundType(table, condition.Value2, sortKey, "index sort key");
            hi = KeyCodec.EncodeBound(condition.Value2!);
        }

        // Reuse the table-key validation (BETWEEN order, begins_with on numbers) before mapping to entry keys.
        BuildRange(table, condition, sortKey, "index sort key");
        return IndexStore.EntryRange(condition.Operator, KeyCodec.EncodeBound(condition.Value), hi);
    }

    private static int CheckLimit(int? limit, string table)
    {
        if (limit is null)
        {
            return int.MaxValue;
        }

        return limit.Value >= 1
            ? limit.Value
            : throw new KvDbException(KvErrorCode.InvalidQuery, $"Query on table \"{table}\": Limit must be at least 1, not {limit.Value}.");
    }

    /// <summary>The encoded range a key condition selects.</summary>
    internal static KeyRange BuildRange(TableStore table, KeyCondition condition, KeyAttribute attribute, string role)
    {
        ArgumentNullException.ThrowIfNull(condition);
        CheckBoundType(table, condition.Value, attribute, role);
        var v = KeyCodec.EncodeBound(condition.Value);
        switch (condition.Operator)
        {
            case KeyOperator.Equal:
                return new KeyRange(v, true, v, true);
            case KeyOperator.LessThan:
                return new KeyRange(null, false, v, false);
            case KeyOperator.LessThanOrEqual:
                return new KeyRange(null, false, v, true);
            case KeyOperator.GreaterThan:
                return new KeyRange(v, false, null, false);
            case KeyOperator.GreaterThanOrEqual:
                return new KeyRange(v, true, null, false);
            case KeyOperator.Between:
            {
                if (condition.Value2 is null)
                {
                    throw new KvDbException(KvErrorCode.InvalidQuery, $"Query on table \"{table.Name}\": BETWEEN on the {role} \"{attribute.Name}\" needs an upper bound.");
                }

                CheckBoundType(table, condition.Value2, attribute, role);
                var hi = KeyCodec.EncodeBound(condition.Value2);
                if (v.AsSpan().SequenceCompareTo(hi) > 0)
                {
                    throw new KvDbException(KvErrorCode.InvalidQuery,
                        $"Query on table \"{table.Name}\": BETWEEN on the {role} \"{attribute.Name}\" has its lower bound {ItemKey.Describe(condition.Value)} above its upper bound {ItemKey.Describe(condition.Value2)}.");
                }

                return new KeyRange(v, true, hi, true);
            }

            case KeyOperator.BeginsWith:
                if (attribute.Type == ScalarType.Number)
                {
                    throw new KvDbException(KvErrorCode.InvalidQuery,
                        $"Query on table \"{table.Name}\": begins_with cannot be used on the {role} \"{attribute.Name}\" because it is a number (N); use it on S or B keys.");
                }

                return KeyRange.Prefix(v);
            default:
                throw new KvDbException(KvErrorCode.InvalidQuery, $"Query on table \"{table.Name}\": unknown key operator {condition.Operator}.");
        }
    }

    private static void CheckBoundType(TableStore table, AttributeValue? value, KeyAttribute attribute, string role)
    {
        ArgumentNullException.ThrowIfNull(value);
        var expected = attribute.Type switch
        {
            ScalarType.String => AttributeKind.String,
            ScalarType.Number => AttributeKind.Number,
            _ => AttributeKind.Binary,
        };
        if (value.Kind != expected)
        {
            throw new KvDbException(KvErrorCode.InvalidQuery,
                $"Query on table \"{table.Name}\": the {role} \"{attribute.Name}\" is {attribute.Type.ToShortName()}, but the condition compares it with a {value.Kind.ToShortName()} value.");
        }
    }

    // The part of the range strictly after the start key in the direction of travel.
    private static KeyRange After(in KeyRange range, byte[] start, bool descending)
    {
        if (!descending)
        {
            return range.Lower is null || start.AsSpan().SequenceCompareTo(range.Lower) >= 0
                ? new KeyRange(start, false, range.Upper, range.UpperInclusive)
                : range;
        }

        return range.Upper is null || start.AsSpan().SequenceCompareTo(range.Upper) <= 0
            ? new KeyRange(range.Lower, range.LowerInclusive, start, false)
            : range;
    }

    // The part of the range from the start key (inclusive) in the direction of travel.
    private static KeyRange From(in KeyRange range, byte[] start, bool descending)
    {
        if (!descending)
        {
            return range.Lower is null || start.AsSpan().SequenceCompareTo(range.Lower) > 0
                ? new KeyRange(start, true, range.Upper, range.UpperInclusive)
                : range;
        }

        return range.Upper is null || start.AsSpan().SequenceCompareTo(range.Upper) < 0
            ? new KeyRange(range.Lower, range.LowerInclusive, start, true)
            : range;
    }

    /// <summary>Applies limit, filter and projection to examined records and builds the page.</summary>
    private sealed class Collector
    {
        private readonly TableStore _table;
        private readonly Condition? _filter;
        private readonly Projection? _projection;
        private readonly int _limit;
        private readonly bool _countOnly;
        private readonly CancellationToken _cancellationToken;
        private readonly (string Attribute, KvNumber Now)? _ttl;
        private readonly List<Item> _items;
        private int _count;
        private int _scanned;
        private byte[]? _lastPk;
        private byte[]? _lastRecord;
        private bool _more;

        public Collector(TableStore table, Condition? filter, Projection? projection, int limit, bool countOnly, (string, KvNumber)? ttl, CancellationToken cancellationToken)
        {
            _ttl = ttl;
            _items = new List<Item>(countOnly ? 0 : Math.Min(limit, 16)); // grows for long pages; most key queries return a few items
            _table = table;
            _filter = filter;
            _projection = projection;
            _limit = limit;
            _countOnly = countOnly;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Offers the next record in order; false when the page is full (the walk must stop).</summary>
        public bool Offer(byte[] pk, byte[] record)
        {
            if (_scanned == _limit)
            {
                _more = true; // something lies beyond the page: the caller gets a resume key
                return false;
            }

            if ((_scanned & 1023) == 1023)
            {
                _cancellationToken.ThrowIfCancellationRequested();
            }

            if (_countOnly && _ttl is null && _filter is null)
            {
                // Nothing to decide on the item: count the record without materializing it.
                _scanned++;
                _count++;
                _lastPk = pk;
                _lastRecord = record;
                return true;
            }

            var item = _table.ItemOf(record);
            if (_ttl is { } ttl && IsExpired(item, ttl.Attribute, ttl.Now))
            {
                return true; // expired items are gone for readers even before the sweeper removes them
            }

            _scanned++;
            if (_filter is null || _filter.Evaluate(item))
            {
                _count++;
                if (!_countOnly)
                {
                    _items.Add(_projection is null ? item : _projection.Apply(item));
                }
            }

            _lastPk = pk;
            _lastRecord = record;
            return true;
        }

        public QueryResult Result() =>
            new(_items, _count, _scanned, _more ? _table.KeyOf(_lastPk!, _lastRecord!) : null);
    }
}
