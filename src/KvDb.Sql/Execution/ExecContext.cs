using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution;

/// <summary>
/// What operators may use while they run: the store, the cancellation token, the open transaction's pending rows and
/// the rows of the statement's subqueries. Uncorrelated subqueries are computed before the main plan starts;
/// correlated ones are computed per distinct tuple of outer values (cached for the statement) by the operator that
/// evaluates them, before it evaluates the row (<see cref="PrepareCorrelatedAsync"/>). A correlated subquery runs
/// in a child context whose <see cref="Outer"/> holds those values. Nothing here is global: one context per statement.
/// </summary>
internal sealed class ExecContext
{
    // Created on first use: most statements (point reads) have no subqueries.
    private Dictionary<int, List<AttributeValue?[]>>? _subqueries;
    private Dictionary<int, LogicalPlan>? _correlated;
    private Dictionary<(int Id, RowKey Outer), List<AttributeValue?[]>>? _cache;

    public ExecContext(IKvStore store, CancellationToken cancellationToken)
    {
        Store = store;
        CancellationToken = cancellationToken;
    }

    private ExecContext(ExecContext parent, AttributeValue?[] outer)
    {
        Store = parent.Store;
        CancellationToken = parent.CancellationToken;
        Pending = parent.Pending;
        Parameters = parent.Parameters;
        // Shared with the parent (created here when the parent has not needed them yet).
        _subqueries = parent._subqueries ??= [];
        _correlated = parent._correlated ??= [];
        _cache = parent._cache ??= [];
        Outer = outer;
    }

    public IKvStore Store { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The open transaction's changes, overlaid on every read (null outside a transaction or when it changed nothing).</summary>
    public PendingWrites? Pending { get; init; }

    /// <summary>The statement's parameter values, by <see cref="BoundParameter.Index"/> (null when it was bound with literal values).</summary>
    public AttributeValue?[]? Parameters { get; init; }

    /// <summary>Inside a correlated subquery: the values of its arguments (<see cref="BoundOuterRef"/>).</summary>
    public AttributeValue?[]? Outer { get; }

    public void SetSubquery(int id, List<AttributeValue?[]> rows) => (_subqueries ??= [])[id] = rows;

    public void SetCorrelated(int id, LogicalPlan plan) => (_correlated ??= [])[id] = plan;

    /// <summary>The subquery nodes of expressions whose rows depend on the row (correlated), found once per operator.</summary>
    public static ISubqueryNode[] CorrelatedIn(params IEnumerable<BoundExpr?>[] expressions)
    {
        var found = new List<ISubqueryNode>();
        foreach (var list in expressions)
        {
            foreach (var e in list)
            {
                if (e is not null)
                {
                    Collect(e, found);
                }
            }
        }

        return [.. found];

        static void Collect(BoundExpr e, List<ISubqueryNode> found)
        {
            if (e is ISubqueryNode { Arguments.Count: > 0 } node)
            {
                found.Add(node);
            }

            foreach (var child in e.Children)
            {
                Collect(child, found);
            }
        }
    }

    /// <summary>Computes (or finds cached) the rows of each correlated subquery for the outer values of <paramref name="row"/>.</summary>
    public async ValueTask PrepareCorrelatedAsync(ISubqueryNode[] nodes, AttributeValue?[] row)
    {
        foreach (var node in nodes)
        {
            var key = (node.SubqueryId, new RowKey(OuterValues(node, row)));
            _cache ??= [];
            if (!_cache.ContainsKey(key))
            {
                _cache[key] = await RunCorrelatedAsync(node, key.Item2.Values).ConfigureAwait(false);
            }
        }
    }

    private AttributeValue?[] OuterValues(ISubqueryNode node, AttributeValue?[] row)
    {
        var values = new AttributeValue?[node.Arguments.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = node.Arguments[i].Eval(row, this);
        }

        return values;
    }

    private async ValueTask<List<AttributeValue?[]>> RunCorrelatedAsync(ISubqueryNode node, AttributeValue?[] outer)
    {
        var child = new ExecContext(this, outer);
        var rows = new List<AttributeValue?[]>();
        await foreach (var r in Executor.RunAsync(_correlated![node.SubqueryId], child).WithCancellation(CancellationToken).ConfigureAwait(false))
        {
            rows.Add(r);
            if (node.ExistsOnly)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>The rows of a subquery for the current row (correlated ones must have been prepared for it).</summary>
    public IReadOnlyList<AttributeValue?[]> SubqueryRows(ISubqueryNode node, AttributeValue?[] row)
    {
        if (node.Arguments.Count == 0)
        {
            return _subqueries![node.SubqueryId];
        }

        var key = (node.SubqueryId, new RowKey(OuterValues(node, row)));
        _cache ??= [];
        if (!_cache.TryGetValue(key, out var rows))
        {
            // Every operator that evaluates expressions prepares their correlated subqueries first; this is a safety
            // net for an evaluation site that does not (the in-memory store completes synchronously).
            rows = RunCorrelatedAsync(node, key.Item2.Values).AsTask().GetAwaiter().GetResult();
            _cache[key] = rows;
        }

        return rows;
    }

    public IReadOnlyList<AttributeValue?> SubqueryColumn(ISubqueryNode node, AttributeValue?[] row)
    {
        var rows = SubqueryRows(node, row);
        var column = new AttributeValue?[rows.Count];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = rows[i][0];
        }

        return column;
    }
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
