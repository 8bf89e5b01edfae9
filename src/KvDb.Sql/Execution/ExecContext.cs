namespace KvDb.Sql.Execution;

/// <summary>
/// What operators may use while they run: the store, the cancellation token and the rows of the statement's
/// (uncorrelated) subqueries, which are computed before the main plan starts.
/// </summary>
internal sealed class ExecContext(IKvStore store, CancellationToken cancellationToken)
{
    private readonly Dictionary<int, List<AttributeValue?[]>> _subqueries = [];

    public IKvStore Store { get; } = store;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public void SetSubquery(int id, List<AttributeValue?[]> rows) => _subqueries[id] = rows;

    public IReadOnlyList<AttributeValue?[]> SubqueryRows(int id) => _subqueries[id];

    public IReadOnlyList<AttributeValue?> SubqueryColumn(int id) => _subqueries[id].Select(r => r[0]).ToList();
}

/// <summary>A row used as a hash key (GROUP BY, DISTINCT, hash joins): NULLs equal each other here.</summary>
internal readonly struct RowKey(AttributeValue?[] values) : IEquatable<RowKey>
{
    public AttributeValue?[] Values { get; } = values;

    public bool Equals(RowKey other)
    {
        if (Values.Length != other.Values.Length)
        {
            return false;
        }

        for (var i = 0; i < Values.Length; i++)
        {
            if (!Equals(Values[i], other.Values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in Values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }
}
