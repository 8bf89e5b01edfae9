using KvDb.Expressions;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>
/// Filter over a table scan: <c>pk = v</c> becomes a partition query (a point read when the sort key is fixed too or
/// the table has none), sort-key comparisons become the key condition, a partition-key prefix (<c>LIKE 'p%'</c>) or
/// range becomes a partition range query, <c>col = v</c> on an indexed column becomes an
/// index query, and comparisons with constants become Core's scan filter. The SQL filter stays above the scan: Core
/// treats a missing attribute or a type mismatch as false where SQL says NULL or raises an error, so the pushed
/// filter only pre-selects and the SQL predicate decides (a row Core drops could never satisfy SQL's predicate).
/// </summary>
internal static class KeyAccessRule
{
    public static LogicalPlan Apply(LogicalFilter filter)
    {
        if (filter.Input is not LogicalScan { Access: AccessKind.FullScan, Filter: null, Limit: null } scan)
        {
            return filter;
        }

        var conjuncts = Binder.Conjuncts(filter.Predicate).ToList();
        var table = scan.Table;
        var pk = FindEqual(conjuncts, table.PartitionKey);
        if (pk is not null && KeyTyped(table, table.PartitionKey, pk))
        {
            scan.PartitionKey = pk;
            ChooseSortKeyAccess(scan, conjuncts, table);
        }
        else if (SortKeyCondition(conjuncts, table, table.PartitionKey) is { } range)
        {
            // pk LIKE 'prefix%', pk > v, pk BETWEEN a AND b: Core keeps partition keys ordered, so this is a range walk.
            scan.Access = AccessKind.PartitionRange;
            scan.PartitionKeyCondition = range;
            scan.SortKeyCondition = table.SortKey is null ? null : SortKeyCondition(conjuncts, table, table.SortKey);
        }
        else if (FindEqualOuter(conjuncts, table.PartitionKey) is { } pkRef && HasKeyType(table, table.PartitionKey))
        {
            // A parameter of a reusable plan, or an outer value of a correlated subquery: the key comes when the scan runs.
            scan.PartitionKeyParameter = pkRef;
            ChooseSortKeyAccess(scan, conjuncts, table);
        }
        else
        {
            foreach (var (name, indexPk, _) in table.Indexes)
            {
                if (FindEqual(conjuncts, indexPk) is { } value && KeyTyped(table, indexPk, value))
                {
                    scan.Access = AccessKind.IndexQuery;
                    scan.IndexName = name;
                    scan.PartitionKey = value;
                    break;
                }

                if (FindEqualOuter(conjuncts, indexPk) is { } indexRef && HasKeyType(table, indexPk))
                {
                    scan.Access = AccessKind.IndexQuery;
                    scan.IndexName = name;
                    scan.PartitionKeyParameter = indexRef;
                    break;
                }
            }
        }

        var pushed = conjuncts.Select(ToCondition).Where(c => c is not null).Cast<Condition>().ToArray();
        if (pushed.Length > 0)
        {
            scan.Filter = pushed.Length == 1 ? pushed[0] : Condition.And(pushed);
        }

        return filter;
    }

    /// <summary>The constant in a top-level <c>column = constant</c> conjunct (with the column a plain top-level attribute).</summary>
    /// <summary>With the partition key fixed: a point read when the sort key is fixed too (by a constant or a run-time value), else a partition query.</summary>
    private static void ChooseSortKeyAccess(LogicalScan scan, List<BoundExpr> conjuncts, TableInfo table)
    {
        if (table.SortKey is null)
        {
            scan.Access = AccessKind.PointRead;
        }
        else if (FindEqual(conjuncts, table.SortKey) is { } sk && KeyTyped(table, table.SortKey, sk))
        {
            scan.Access = AccessKind.PointRead;
            scan.SortKey = sk;
        }
        else if (FindEqualOuter(conjuncts, table.SortKey) is { } skRef && HasKeyType(table, table.SortKey))
        {
            scan.Access = AccessKind.PointRead;
            scan.SortKeyParameter = skRef;
        }
        else
        {
            scan.Access = AccessKind.PartitionQuery;
            scan.SortKeyCondition = SortKeyCondition(conjuncts, table, table.SortKey);
        }
    }

    private static AttributeValue? FindEqual(List<BoundExpr> conjuncts, string column)
    {
        foreach (var c in conjuncts)
        {
            if (c is BoundBinary { Op: BinaryOp.Equal } eq && ColumnAndConstant(eq, out var col, out var value, out _) && IsColumn(col, column))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>
    /// The run-time value in a top-level <c>column = value</c> conjunct whose value is known only when the plan runs: an
    /// outer reference of a correlated subquery or a parameter of a reusable plan.
    /// </summary>
    private static BoundExpr? FindEqualOuter(List<BoundExpr> conjuncts, string column)
    {
        foreach (var c in conjuncts)
        {
            if (c is BoundBinary { Op: BinaryOp.Equal } eq)
            {
                if (eq.Left is BoundColumn { IsMulti: false } l && IsColumn(l, column) && eq.Right is BoundOuterRef or BoundParameter)
                {
                    return eq.Right;
                }

                if (eq.Right is BoundColumn { IsMulti: false } r2 && IsColumn(r2, column) && eq.Left is BoundOuterRef or BoundParameter)
                {
                    return eq.Left;
                }
            }
        }

        return null;
    }

    private static bool IsColumn(BoundColumn col, string name) => col.Path.Length == 1 && col.Path[0].Name == name;

    private static bool ColumnAndConstant(BoundBinary b, out BoundColumn column, out AttributeValue value, out bool flipped)
    {
        if (b.Left is BoundColumn { IsMulti: false } l && b.Right is BoundLiteral { Value: { } v })
        {
            (column, value, flipped) = (l, v, false);
            return true;
        }

        if (b.Right is BoundColumn { IsMulti: false } r && b.Left is BoundLiteral { Value: { } w })
        {
            (column, value, flipped) = (r, w, true);
            return true;
        }

        (column, value, flipped) = (null!, null!, false);
        return false;
    }

    /// <summary>
    /// Whether a constant has the key column's type: comparing a STRING key with a number is simply false in SQL, so
    /// such a predicate stays a filter instead of becoming a (type-mismatched) key lookup.
    /// </summary>
    /// <summary>
    /// Whether SQL knows the key type of a column, so that a run-time key can be checked against it (an index made
    /// outside SQL on a column SQL has no type for is not used for run-time keys: the check could not tell a value of
    /// the wrong type from one that matches nothing).
    /// </summary>
    private static bool HasKeyType(TableInfo table, string column) =>
        table.FindColumn(column)?.Type is SqlType.String or SqlType.Number or SqlType.Binary;

    internal static bool KeyTyped(TableInfo table, string column, AttributeValue value) =>
        table.FindColumn(column)?.Type switch
        {
            SqlType.String => value.Kind == AttributeKind.String,
            SqlType.Number => value.Kind == AttributeKind.Number,
            SqlType.Binary => value.Kind == AttributeKind.Binary,
            _ => false,
        };

    private static KeyCondition? SortKeyCondition(List<BoundExpr> conjuncts, TableInfo table, string sortKey)
    {
        AttributeValue? lower = null, upper = null;
        bool lowerInclusive = false, upperInclusive = false;
        foreach (var c in conjuncts)
        {
            switch (c)
            {
                case BoundBinary b when b.Op is BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual
                    && ColumnAndConstant(b, out var col, out var value, out var flipped) && IsColumn(col, sortKey) && KeyTyped(table, sortKey, value):
                    var op = flipped ? Flip(b.Op) : b.Op;
                    if (op is BinaryOp.Greater or BinaryOp.GreaterOrEqual)
                    {
                        (lower, lowerInclusive) = (value, op == BinaryOp.GreaterOrEqual);
                    }
                    else
                    {
                        (upper, upperInclusive) = (value, op == BinaryOp.LessOrEqual);
                    }

                    break;
                case BoundLike like when LikePrefix(like, sortKey) is { } prefix && KeyTyped(table, sortKey, prefix):
                    return KeyCondition.BeginsWith(prefix);
            }
        }

        if (lower is not null && upper is not null && lowerInclusive && upperInclusive && lower.Kind == upper.Kind)
        {
            return KeyCondition.Between(lower, upper);
        }

        if (lower is not null)
        {
            return lowerInclusive ? KeyCondition.GreaterThanOrEqual(lower) : KeyCondition.GreaterThan(lower);
        }

        if (upper is not null)
        {
            return upperInclusive ? KeyCondition.LessThanOrEqual(upper) : KeyCondition.LessThan(upper);
        }

        return null;
    }

    private static BinaryOp Flip(BinaryOp op) => op switch
    {
        BinaryOp.Less => BinaryOp.Greater,
        BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual,
        BinaryOp.Greater => BinaryOp.Less,
        _ => BinaryOp.LessOrEqual,
    };

    /// <summary>The prefix of <c>sk LIKE 'prefix%'</c> (no other wildcards), as a string value.</summary>
    private static AttributeValue? LikePrefix(BoundLike like, string sortKey) =>
        like is { Operand: BoundColumn col, Pattern: BoundLiteral { Value: { Kind: AttributeKind.String } p }, Negated: false }
        && IsColumn(col, sortKey)
        && p.AsString() is var pattern && pattern.Length > 1 && pattern.EndsWith('%')
        && pattern.AsSpan(0, pattern.Length - 1).IndexOfAny('%', '_') < 0
            ? AttributeValue.FromString(pattern[..^1])
            : null;

    /// <summary>Translates a conjunct to a Core condition when it is a comparison of an attribute with constants.</summary>
    private static Condition? ToCondition(BoundExpr e)
    {
        switch (e)
        {
            case BoundBinary { Op: BinaryOp.Or } disj when ToCondition(disj.Left) is { } l && ToCondition(disj.Right) is { } r:
                return Condition.Or(l, r);
            case BoundBinary { Op: BinaryOp.And } conj:
                var parts = new[] { ToCondition(conj.Left), ToCondition(conj.Right) };
                return parts[0] is not null && parts[1] is not null ? Condition.And(parts[0]!, parts[1]!) : parts[0] ?? parts[1];
            case BoundBinary b when ColumnAndConstant(b, out var col, out var value, out var flipped) && Path(col) is { } path:
                var operand = Condition.Path(path);
                return (flipped ? Flip2(b.Op) : b.Op) switch
                {
                    BinaryOp.Equal => operand.Equal(value),
                    BinaryOp.Less => operand.LessThan(value),
                    BinaryOp.LessOrEqual => operand.LessThanOrEqual(value),
                    BinaryOp.Greater => operand.GreaterThan(value),
                    BinaryOp.GreaterOrEqual => operand.GreaterThanOrEqual(value),
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static BinaryOp Flip2(BinaryOp op) =>
        op is BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual ? Flip(op) : op;

    private static AttributePath? Path(BoundColumn column)
    {
        if (column.Path.Length == 0 || column.Path[0].Name is null)
        {
            return null;
        }

        var elements = new List<PathElement>();
        foreach (var step in column.Path)
        {
            if (step.IsAnyElement)
            {
                return null;
            }

            elements.Add(step.Name is { } name ? PathElement.Key(name) : PathElement.At(step.Index));
        }

        return AttributePath.FromElements(elements);
    }
}
