using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using KvDb.Expressions;
using KvDb.Mapping;

namespace KvDb;

/// <summary>
/// An immutable typed query on one partition, built on <see cref="KvQuery"/>: <see cref="Where(Expression{Func{T, bool}})"/> translates a C#
/// predicate into a sort-key condition and a filter; terminals execute it and map the items to
/// <typeparamref name="T"/>.
/// </summary>
/// <typeparam name="T">The mapped class or record.</typeparam>
public sealed class KvQuery<T> : IAsyncEnumerable<T>
    where T : class
{
    private readonly KvQuery _query;
    private readonly ItemMapper<T> _mapper;

    internal KvQuery(KvQuery query, ItemMapper<T> mapper)
    {
        _query = query;
        _mapper = mapper;
    }

    /// <summary>The underlying untyped query.</summary>
    public KvQuery Untyped => _query;

    private KvQuery<T> With(KvQuery query) => new(query, _mapper);

    /// <summary>
    /// Restricts the query with a predicate. Top-level <c>&amp;&amp;</c> terms on the sort key (<c>==</c>, <c>&lt;</c>,
    /// <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>StartsWith</c>, and a <c>&gt;=</c> / <c>&lt;=</c> pair, which becomes
    /// BETWEEN) become the sort-key condition — one per query; any further sort-key terms and everything else become
    /// the filter. Several calls are ANDed. Throws <see cref="NotSupportedException"/> naming any sub-expression
    /// that cannot be translated.
    /// </summary>
    public KvQuery<T> Where(Expression<Func<T, bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var hasKeyCondition = _query.ToRequest().SortKeyCondition is not null;
        var sortKey = hasKeyCondition ? null : _mapper.SortKey;
        var translation = PredicateTranslator.Translate(predicate, _mapper.Object, _mapper.PartitionKey, sortKey, _mapper.SortKeyAttribute?.Type);
        var query = _query;
        if (translation.KeyCondition is not null)
        {
            query = query.Where(translation.KeyCondition);
        }

        if (translation.Filter is not null)
        {
            query = query.Filter(translation.Filter);
        }

        return With(query);
    }

    /// <summary>Restricts the sort key directly.</summary>
    public KvQuery<T> Where(KeyCondition sortKeyCondition) => With(_query.Where(sortKeyCondition));

    /// <summary>Adds a filter condition (ANDed with earlier filters).</summary>
    public KvQuery<T> Filter(Condition filter) => With(_query.Filter(filter));

    /// <summary>Descending sort-key order.</summary>
    public KvQuery<T> Descending() => With(_query.Descending());

    /// <summary>Ascending sort-key order (the default).</summary>
    public KvQuery<T> Ascending() => With(_query.Ascending());

    /// <summary>Returns at most <paramref name="count"/> objects (counted after the filter).</summary>
    public KvQuery<T> Take(int count) => With(_query.Take(count));

    /// <summary>How many items each underlying page examines.</summary>
    public KvQuery<T> PageSize(int pageSize) => With(_query.PageSize(pageSize));

    /// <summary>Resumes after this key.</summary>
    public KvQuery<T> StartAfter(ItemKey key) => With(_query.StartAfter(key));

    /// <summary>The request this query sends: its sort-key condition and filter show what <see cref="Where(Expression{Func{T, bool}})"/> produced.</summary>
    public QueryRequest ToRequest() => _query.ToRequest();

    /// <summary>Describes how the query runs (see <see cref="KvQuery.Explain"/>).</summary>
    public string Explain() => _query.Explain();

    /// <summary>Runs the query and collects the objects.</summary>
    public async ValueTask<List<T>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<T>();
        await foreach (var item in _query.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(_mapper.FromItem(item));
        }

        return list;
    }

    /// <summary>The first object, or null.</summary>
    public async ValueTask<T?> FirstOrDefaultAsync(CancellationToken cancellationToken = default)
    {
        var item = await _query.FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return item is null ? null : _mapper.FromItem(item);
    }

    /// <summary>Counts matching items without reading them.</summary>
    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _query.CountAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var item in _query.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return _mapper.FromItem(item);
        }
    }

    /// <summary>Enumerates with a cancellation token.</summary>
    public ConfiguredCancelableAsyncEnumerable<T> WithCancellation(CancellationToken cancellationToken) =>
        ((IAsyncEnumerable<T>)this).WithCancellation(cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Explain();
}

/// <summary>
/// An immutable typed scan of a whole table (or one segment), built on <see cref="KvScan"/>; <see cref="Where"/>
/// translates a C# predicate into a filter.
/// </summary>
/// <typeparam name="T">The mapped class or record.</typeparam>
public sealed class KvScan<T> : IAsyncEnumerable<T>
    where T : class
{
    private readonly KvScan _scan;
    private readonly ItemMapper<T> _mapper;

    internal KvScan(KvScan scan, ItemMapper<T> mapper)
    {
        _scan = scan;
        _mapper = mapper;
    }

    /// <summary>The underlying untyped scan.</summary>
    public KvScan Untyped => _scan;

    private KvScan<T> With(KvScan scan) => new(scan, _mapper);

    /// <summary>Adds a filter translated from a predicate (ANDed with earlier filters); see <see cref="KvQuery{T}.Where(Expression{Func{T, bool}})"/> for what translates.</summary>
    public KvScan<T> Where(Expression<Func<T, bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var translation = PredicateTranslator.Translate(predicate, _mapper.Object, _mapper.PartitionKey, null, null);
        return translation.Filter is null ? this : With(_scan.Filter(translation.Filter));
    }

    /// <summary>Adds a filter condition (ANDed with earlier filters).</summary>
    public KvScan<T> Filter(Condition filter) => With(_scan.Filter(filter));

    /// <summary>Scans only segment <paramref name="segment"/> of <paramref name="totalSegments"/> (parallel scans).</summary>
    public KvScan<T> Segment(int segment, int totalSegments) => With(_scan.Segment(segment, totalSegments));

    /// <summary>Returns at most <paramref name="count"/> objects.</summary>
    public KvScan<T> Take(int count) => With(_scan.Take(count));

    /// <summary>Resumes after this key.</summary>
    public KvScan<T> StartAfter(ItemKey key) => With(_scan.StartAfter(key));

    /// <summary>The request this scan sends.</summary>
    public ScanRequest ToRequest() => _scan.ToRequest();

    /// <summary>Describes how the scan runs (see <see cref="KvScan.Explain"/>).</summary>
    public string Explain() => _scan.Explain();

    /// <summary>Runs the scan and collects the objects.</summary>
    public async ValueTask<List<T>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<T>();
        await foreach (var item in ((IAsyncEnumerable<Item>)_scan).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(_mapper.FromItem(item));
        }

        return list;
    }

    /// <summary>The first object, or null.</summary>
    public async ValueTask<T?> FirstOrDefaultAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var item in ((IAsyncEnumerable<Item>)_scan.Take(1)).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            return _mapper.FromItem(item);
        }

        return null;
    }

    /// <summary>Counts matching items without reading them.</summary>
    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _scan.CountAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var item in ((IAsyncEnumerable<Item>)_scan).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return _mapper.FromItem(item);
        }
    }

    /// <summary>Enumerates with a cancellation token.</summary>
    public ConfiguredCancelableAsyncEnumerable<T> WithCancellation(CancellationToken cancellationToken) =>
        ((IAsyncEnumerable<T>)this).WithCancellation(cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Explain();
}
