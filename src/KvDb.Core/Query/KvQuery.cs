using System.Runtime.CompilerServices;
using System.Text;
using KvDb.Expressions;

namespace KvDb;

/// <summary>
/// An immutable fluent key query: every method returns a new query; <c>ToListAsync</c>, <c>CountAsync</c>,
/// <c>FirstOrDefaultAsync</c> and enumeration execute it, walking pages as needed.
/// </summary>
public sealed class KvQuery : IAsyncEnumerable<Item>
{
    private readonly KvTable _table;
    private readonly QueryRequest _request;
    private readonly int? _take;
    private readonly int? _pageSize;

    internal KvQuery(KvTable table, QueryRequest request, int? take = null, int? pageSize = null)
    {
        _table = table;
        _request = request;
        _take = take;
        _pageSize = pageSize;
    }

    private KvQuery With(QueryRequest request) => new(_table, request, _take, _pageSize);

    /// <summary>Restricts the sort key: <c>Where(sk =&gt; sk.BeginsWith("messages"))</c>.</summary>
    public KvQuery Where(Func<KeyConditionBuilder, KeyCondition> sortKeyCondition)
    {
        ArgumentNullException.ThrowIfNull(sortKeyCondition);
        return Where(sortKeyCondition(KeyConditionBuilder.Instance));
    }

    /// <summary>Restricts the sort key.</summary>
    public KvQuery Where(KeyCondition sortKeyCondition) => With(_request with { SortKeyCondition = sortKeyCondition });

    /// <summary>Adds a filter on non-key attributes (ANDed with earlier filters).</summary>
    public KvQuery Filter(Condition filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return With(_request with { Filter = _request.Filter is null ? filter : Condition.And(_request.Filter, filter) });
    }

    /// <summary>Adds a filter written in DynamoDB's condition syntax.</summary>
    public KvQuery Filter(string expression, IReadOnlyDictionary<string, AttributeValue>? values = null, IReadOnlyDictionary<string, string>? names = null) =>
        Filter(Condition.Parse(expression, names, values));

    /// <summary>Returns only these attribute paths.</summary>
    public KvQuery Select(params string[] paths) => With(_request with { Projection = Projection.Of(paths) });

    /// <summary>Descending key order.</summary>
    public KvQuery Descending() => With(_request with { Descending = true });

    /// <summary>Ascending key order (the default).</summary>
    public KvQuery Ascending() => With(_request with { Descending = false });

    /// <summary>Resumes after this key.</summary>
    public KvQuery StartAfter(ItemKey key) => With(_request with { ExclusiveStartKey = key });

    /// <summary>Returns at most <paramref name="count"/> items (counted after the filter).</summary>
    public KvQuery Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new KvQuery(_table, _request, count, _pageSize);
    }

    /// <summary>How many items each underlying page examines.</summary>
    public KvQuery PageSize(int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return new KvQuery(_table, _request, _take, pageSize);
    }

    /// <summary>The request this query sends (without the Take limit, which the client applies across pages).</summary>
    public QueryRequest ToRequest() => _request;

    /// <summary>Runs one page: at most <paramref name="limit"/> items examined, with the resume key.</summary>
    public ValueTask<QueryResult> ToPageAsync(int limit, CancellationToken cancellationToken = default) =>
        _table.Database.Store.QueryAsync(_request with { Limit = limit }, cancellationToken);

    /// <summary>Runs the query and collects the items.</summary>
    public async ValueTask<List<Item>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<Item>();
        await foreach (var item in WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>The first item, or null.</summary>
    public async ValueTask<Item?> FirstOrDefaultAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var item in Take(1).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            return item;
        }

        return null;
    }

    /// <summary>Counts matching items without returning them.</summary>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        long total = 0;
        var request = _request with { CountOnly = true, Limit = _pageSize ?? _table.Database.Options.QueryPageSize };
        while (true)
        {
            var page = await _table.Database.Store.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            total += page.Count;
            if (_take is { } take && total >= take)
            {
                return take;
            }

            if (page.LastEvaluatedKey is null)
            {
                return total;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerator<Item> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var remaining = _take ?? int.MaxValue;
        if (remaining == 0)
        {
            yield break;
        }

        var pageSize = _pageSize ?? _table.Database.Options.QueryPageSize;
        var request = _request;
        while (true)
        {
            // Without a filter every examined item is returned, so the page need not exceed what is left.
            var limit = request.Filter is null ? Math.Min(pageSize, remaining) : pageSize;
            var page = await _table.Database.Store.QueryAsync(request with { Limit = limit }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
                if (--remaining == 0)
                {
                    yield break;
                }
            }

            if (page.LastEvaluatedKey is null)
            {
                yield break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }
    }

    /// <summary>Enumerates with a cancellation token.</summary>
    public ConfiguredCancelableAsyncEnumerable<Item> WithCancellation(CancellationToken cancellationToken) =>
        ((IAsyncEnumerable<Item>)this).WithCancellation(cancellationToken);

    /// <summary>Describes how the query runs: which structure answers it and what is filtered.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.Append("Query ").Append(_table.Name).AppendLine();
        if (_request.PartitionKey is not null)
        {
            sb.Append("  partition: key = ").Append(ItemKey.Describe(_request.PartitionKey)).AppendLine(" (hash index probe)");
        }
        else
        {
            sb.Append("  partitions: key ").Append(_request.PartitionKeyCondition).AppendLine(" (partition-key trie range)");
        }

        sb.Append("  sort key: ").Append(_request.SortKeyCondition?.ToString() ?? "all").AppendLine(_request.SortKeyCondition is null ? string.Empty : " (sort-key trie range)");
        sb.Append("  order: ").AppendLine(_request.Descending ? "descending" : "ascending");
        if (_request.Filter is not null)
        {
            sb.Append("  filter: ").Append(_request.Filter).AppendLine();
        }

        if (_request.Projection is not null)
        {
            sb.Append("  projection: ").AppendJoin(", ", _request.Projection.Paths).AppendLine();
        }

        if (_take is not null)
        {
            sb.Append("  take: ").Append(_take).AppendLine();
        }

        return sb.ToString().TrimEnd();
    }

    /// <inheritdoc />
    public override string ToString() => Explain();
}

/// <summary>An immutable fluent scan of a whole table (or one segment of it).</summary>
public sealed class KvScan : IAsyncEnumerable<Item>
{
    private readonly KvTable _table;
    private readonly ScanRequest _request;
    private readonly int? _take;

    internal KvScan(KvTable table, ScanRequest request, int? take = null)
    {
        _table = table;
        _request = request;
        _take = take;
    }

    private KvScan With(ScanRequest request) => new(_table, request, _take);

    /// <summary>Adds a filter (ANDed with earlier filters).</summary>
    public KvScan Filter(Condition filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return With(_request with { Filter = _request.Filter is null ? filter : Condition.And(_request.Filter, filter) });
    }

    /// <summary>Adds a filter written in DynamoDB's condition syntax.</summary>
    public KvScan Filter(string expression, IReadOnlyDictionary<string, AttributeValue>? values = null, IReadOnlyDictionary<string, string>? names = null) =>
        Filter(Condition.Parse(expression, names, values));

    /// <summary>Returns only these attribute paths.</summary>
    public KvScan Select(params string[] paths) => With(_request with { Projection = Projection.Of(paths) });

    /// <summary>Scans only segment <paramref name="segment"/> of <paramref name="totalSegments"/> (parallel scans).</summary>
    public KvScan Segment(int segment, int totalSegments) => With(_request with { Segment = segment, TotalSegments = totalSegments });

    /// <summary>Resumes after this key.</summary>
    public KvScan StartAfter(ItemKey key) => With(_request with { ExclusiveStartKey = key });

    /// <summary>Returns at most <paramref name="count"/> items.</summary>
    public KvScan Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new KvScan(_table, _request, count);
    }

    /// <summary>The request this scan sends.</summary>
    public ScanRequest ToRequest() => _request;

    /// <summary>Runs one page.</summary>
    public ValueTask<QueryResult> ToPageAsync(int limit, CancellationToken cancellationToken = default) =>
        _table.Database.Store.ScanAsync(_request with { Limit = limit }, cancellationToken);

    /// <summary>Runs the scan and collects the items.</summary>
    public async ValueTask<List<Item>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<Item>();
        await foreach (var item in ((IAsyncEnumerable<Item>)this).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>Counts matching items.</summary>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        long total = 0;
        var request = _request with { CountOnly = true, Limit = _table.Database.Options.QueryPageSize };
        while (true)
        {
            var page = await _table.Database.Store.ScanAsync(request, cancellationToken).ConfigureAwait(false);
            total += page.Count;
            if (_take is { } take && total >= take)
            {
                return take;
            }

            if (page.LastEvaluatedKey is null)
            {
                return total;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerator<Item> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var remaining = _take ?? int.MaxValue;
        if (remaining == 0)
        {
            yield break;
        }

        var pageSize = _table.Database.Options.QueryPageSize;
        var request = _request;
        while (true)
        {
            var limit = request.Filter is null ? Math.Min(pageSize, remaining) : pageSize;
            var page = await _table.Database.Store.ScanAsync(request with { Limit = limit }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
                if (--remaining == 0)
                {
                    yield break;
                }
            }

            if (page.LastEvaluatedKey is null)
            {
                yield break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }
    }

    /// <summary>Describes how the scan runs.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.Append("Scan ").Append(_table.Name);
        if (_request.TotalSegments > 1)
        {
            sb.Append(" segment ").Append(_request.Segment).Append('/').Append(_request.TotalSegments);
        }

        sb.AppendLine().AppendLine("  order: partition key, then sort key (partition-key trie walk)");
        if (_request.Filter is not null)
        {
            sb.Append("  filter: ").Append(_request.Filter).AppendLine();
        }

        if (_take is not null)
        {
            sb.Append("  take: ").Append(_take).AppendLine();
        }

        return sb.ToString().TrimEnd();
    }
}
