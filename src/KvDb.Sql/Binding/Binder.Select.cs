using KvDb.Sql.Ast;
using KvDb.Sql.Execution;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Binding;

internal sealed partial class Binder
{
    public BoundQuery BindQuery(QueryExpr query, OuterContext? outer = null)
    {
        switch (query)
        {
            case SelectQuery select:
                return BindSelect(select, outer);
            case UnionQuery union:
                {
                    var left = BindQuery(union.Left, outer);
                    var right = BindQuery(union.Right, outer);
                    if (left.Columns.Count != right.Columns.Count)
                    {
                        throw Error(SqlErrorCode.InvalidStatement, union,
                            $"Both sides of UNION must have the same number of columns ({left.Columns.Count} and {right.Columns.Count})");
                    }

                    LogicalPlan plan = new LogicalUnion(left.Plan, right.Plan, union.All);
                    var output = new Scope([new ScopeSource { Alias = "", Slot = 0, Columns = left.Columns }], outer);
                    if (union.OrderBy.Count > 0)
                    {
                        var keys = union.OrderBy.Select(o => (OrderKeyByPosition(o.Expr, left.Columns) is { } slot
                            ? new BoundColumn(slot, [], left.Columns[slot])
                            : (BoundExpr)Bind(o.Expr, output, null), o.Descending)).ToList();
                        plan = new LogicalSort(plan, keys);
                    }

                    return new BoundQuery(ApplyLimit(plan, union), left.Columns);
                }

            default:
                throw new InvalidOperationException(query.GetType().Name);
        }
    }

    /// <summary>ORDER BY 2 means the second output column.</summary>
    private int? OrderKeyByPosition(SqlExpr expr, IReadOnlyList<string> columns)
    {
        if (expr is LiteralExpr { Kind: LiteralKind.Number } n)
        {
            if (int.TryParse(n.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var k) && k >= 1 && k <= columns.Count)
            {
                return k - 1;
            }

            throw Error(SqlErrorCode.InvalidStatement, expr, $"ORDER BY position {n.Text} is not in the select list (1 to {columns.Count})");
        }

        return null;
    }

    private LogicalPlan ApplyLimit(LogicalPlan plan, QueryExpr query)
    {
        if (query.Limit is null && query.Offset is null)
        {
            return plan;
        }

        var limit = query.Limit is null ? (long?)null : ConstantCount(query.Limit, "LIMIT");
        var offset = query.Offset is null ? 0 : ConstantCount(query.Offset, "OFFSET");
        return new LogicalLimit(plan, limit, offset);
    }

    private long ConstantCount(SqlExpr expr, string clause)
    {
        // Parameters here are read while binding (the count must be a constant): such a plan is not reused.
        _parameterValues = true;
        BoundExpr bound;
        try
        {
            bound = Bind(expr, Scope.Empty, null);
        }
        finally
        {
            _parameterValues = false;
        }

        if (bound is BoundLiteral { Value: { Kind: AttributeKind.Number } v } && v.AsNumber() is var n && n.IsInteger && !n.IsNegative && n.TryToInt64(out var count))
        {
            return count;
        }

        throw Error(SqlErrorCode.TypeMismatch, expr, $"{clause} needs a non-negative integer constant");
    }

    private BoundQuery BindSelect(SelectQuery select, OuterContext? outer)
    {
        LogicalPlan plan;
        Scope scope;
        if (select.From is null)
        {
            plan = new LogicalValues([[]], 0);
            scope = new Scope([], outer);
        }
        else if (MaterializedJoinFor(select.From) is { } materialized)
        {
            plan = materialized.Plan;
            scope = new Scope(materialized.Sources, outer);
        }
        else
        {
            var (fromPlan, sources) = BindFrom(select.From, outer);
            plan = fromPlan;
            scope = new Scope(sources, outer);
        }

        if (select.Where is not null)
        {
            if (ContainsAggregate(select.Where))
            {
                throw Error(SqlErrorCode.InvalidStatement, select.Where, "Aggregates are not allowed in WHERE; use HAVING");
            }

            plan = new LogicalFilter(plan, Bind(select.Where, scope, null));
        }

        // Expand the select list: '*' and 't.*' become one item per column.
        var items = new List<(SqlExpr Expr, string Name, string? Alias)>();
        foreach (var item in select.Items)
        {
            switch (item)
            {
                case StarItem star:
                    var stars = star.Qualifier is null ? scope.Sources : [scope.Find(star.Qualifier) ?? throw Error(SqlErrorCode.UnknownTable, star, ErrorMessages.UnknownTable(star.Qualifier))];
                    if (stars.Count == 0)
                    {
                        throw Error(SqlErrorCode.InvalidStatement, star, "SELECT * needs a FROM clause");
                    }

                    foreach (var s in stars)
                    {
                        foreach (var column in s.StarColumns)
                        {
                            items.Add((s.Alias.Length == 0 ? PathExpr.Of(column) : PathExpr.Of(s.Alias, column), column, null));
                        }
                    }

                    break;
                case ExprItem e:
                    items.Add((e.Expr, e.Alias ?? DefaultName(e.Expr), e.Alias));
                    break;
            }
        }

        var aggregated = select.GroupBy.Count > 0 || select.Having is not null
            || items.Any(i => ContainsAggregate(i.Expr)) || select.OrderBy.Any(o => ContainsAggregate(o.Expr));
        AggBinding? agg = null;
        var projectScope = scope;
        if (aggregated)
        {
            foreach (var key in select.GroupBy)
            {
                if (ContainsAggregate(key))
                {
                    throw Error(SqlErrorCode.InvalidStatement, key, "Aggregates are not allowed in GROUP BY");
                }
            }

            agg = new AggBinding(select.GroupBy, scope);
            var keys = select.GroupBy.Select(k => Bind(k, scope, null)).ToList();

            // Bind everything above the aggregate first, so that all aggregates are known before the node is built.
            var itemExprs = items.Select(i => Bind(i.Expr, projectScope, agg)).ToList();
            var having = select.Having is null ? null : Bind(select.Having, projectScope, agg);
            var (orderKeys, hidden) = BindOrderBy(select, items, scope, agg);
            plan = new LogicalAggregate(plan, keys, agg.Aggregates);
            if (having is not null)
            {
                plan = new LogicalFilter(plan, having);
            }

            return FinishSelect(select, plan, items, itemExprs, orderKeys, hidden);
        }

        var exprs = items.Select(i => Bind(i.Expr, scope, null)).ToList();
        var (order, extra) = BindOrderBy(select, items, scope, null);
        return FinishSelect(select, plan, items, exprs, order, extra);
    }

    private (List<(int Slot, bool Descending)> Keys, List<BoundExpr> Hidden) BindOrderBy(
        SelectQuery select, List<(SqlExpr Expr, string Name, string? Alias)> items, Scope scope, AggBinding? agg)
    {
        var keys = new List<(int, bool)>();
        var hidden = new List<BoundExpr>();
        foreach (var order in select.OrderBy)
        {
            if (OrderKeyByPosition(order.Expr, [.. items.Select(i => i.Name)]) is { } position)
            {
                keys.Add((position, order.Descending));
                continue;
            }

            if (order.Expr is PathExpr { Steps.Count: 1 } p && items.FindIndex(i => i.Alias == p.Steps[0].Name) is var aliased && aliased >= 0)
            {
                keys.Add((aliased, order.Descending));
                continue;
            }

            var same = items.FindIndex(i => i.Expr.Equals(order.Expr));
            if (same >= 0)
            {
                keys.Add((same, order.Descending));
                continue;
            }

            hidden.Add(Bind(order.Expr, scope, agg));
            keys.Add((items.Count + hidden.Count - 1, order.Descending));
        }

        return (keys, hidden);
    }

    private BoundQuery FinishSelect(
        SelectQuery select, LogicalPlan plan, List<(SqlExpr Expr, string Name, string? Alias)> items, List<BoundExpr> exprs,
        List<(int Slot, bool Descending)> orderKeys, List<BoundExpr> hidden)
    {
        var names = items.Select(i => i.Name).ToList();
        plan = new LogicalProject(plan, [.. exprs, .. hidden], [.. names, .. hidden.Select(h => h.ToString())]);
        if (select.Distinct)
        {
            if (hidden.Count > 0)
            {
                throw Error(SqlErrorCode.InvalidStatement, select, "With SELECT DISTINCT, ORDER BY expressions must appear in the select list");
            }

            plan = new LogicalDistinct(plan);
        }

        if (orderKeys.Count > 0)
        {
            plan = new LogicalSort(plan, [.. orderKeys.Select(k => ((BoundExpr)new BoundColumn(k.Slot, [], k.Slot < names.Count ? names[k.Slot] : hidden[k.Slot - names.Count].ToString()), k.Descending))]);
        }

        plan = ApplyLimit(plan, select);
        if (hidden.Count > 0)
        {
            plan = new LogicalProject(plan, [.. names.Select((n, i) => (BoundExpr)new BoundColumn(i, [], n))], names);
        }

        return new BoundQuery(plan, names);
    }

    /// <summary>The column name of an unaliased select item: a path's last name, otherwise the canonical text.</summary>
    private static string DefaultName(SqlExpr expr)
    {
        if (expr is PathExpr path)
        {
            for (var i = path.Steps.Count - 1; i >= 0; i--)
            {
                if (path.Steps[i].Name is { } name)
                {
                    return name;
                }
            }
        }

        return expr.ToString();
    }

    /// <summary>A materialized join with exactly this FROM chain (same tables in the same order, same equalities).</summary>
    private (LogicalPlan Plan, List<ScopeSource> Sources)? MaterializedJoinFor(TableRef from)
    {
        if (MaterializedJoins.Count == 0 || from is not JoinRef || Materialization.MaterializedJoin.Analyze(from) is not { } analysis)
        {
            return null;
        }

        var signature = Materialization.MaterializedJoin.Describe(analysis.Sources.Select(s => s.Table).ToList(), analysis.Steps);
        var join = MaterializedJoins.FirstOrDefault(j => j.Signature == signature);
        if (join is null || analysis.Sources.Any(s => !Tables.ContainsKey(s.Table)))
        {
            return null;
        }

        var sources = analysis.Sources.Select((s, i) => new ScopeSource { Alias = s.Alias, Table = Tables[s.Table], Slot = i }).ToList();
        return (new LogicalMaterializedScan(join), sources);
    }

    public (LogicalPlan Plan, List<ScopeSource> Sources) BindFrom(TableRef from, OuterContext? outer)
    {
        switch (from)
        {
            case NamedTableRef named when !Tables.ContainsKey(named.Name) && Views.TryGetValue(named.Name, out var view):
                // A view's query stands alone: its names never refer to the query that uses the view.
                return BindFrom(new DerivedTableRef(view, named.Alias ?? named.Name) { Span = named.Span }, null);
            case NamedTableRef named:
                {
                    if (!Tables.TryGetValue(named.Name, out var table))
                    {
                        throw Error(SqlErrorCode.UnknownTable, named, ErrorMessages.UnknownTable(named.Name));
                    }

                    var alias = named.Alias ?? named.Name;
                    return (new LogicalScan(table, alias), [new ScopeSource { Alias = alias, Table = table, Slot = 0 }]);
                }

            case DerivedTableRef derived:
                {
                    var bound = BindQuery(derived.Query, outer);
                    if (bound.Columns.Distinct(StringComparer.Ordinal).Count() != bound.Columns.Count)
                    {
                        throw Error(SqlErrorCode.AmbiguousColumn, derived, $"Subquery '{derived.Alias}' has two columns with the same name; give them aliases");
                    }

                    return (bound.Plan, [new ScopeSource { Alias = derived.Alias, Slot = 0, Columns = bound.Columns }]);
                }

            case JoinRef join when InnerChain(join) is { Count: >= 3 } chain:
                return BindReordered(join, chain, outer);
            case JoinRef join:
                {
                    var (leftPlan, leftSources) = BindFrom(join.Left, outer);
                    var (rightPlan, rightSources) = BindFrom(join.Right, outer);
                    var sources = leftSources.Concat(rightSources.Select(s => s.Shift(leftPlan.Width))).ToList();
                    var duplicate = sources.GroupBy(s => s.Alias, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                    if (duplicate is not null)
                    {
                        throw Error(SqlErrorCode.AmbiguousColumn, join, $"Table name or alias '{duplicate.Key}' is used twice in FROM; give one an alias");
                    }

                    BoundExpr? on = null;
                    if (join.On is not null)
                    {
                        if (ContainsAggregate(join.On))
                        {
                            throw Error(SqlErrorCode.InvalidStatement, join.On, "Aggregates are not allowed in ON");
                        }

                        on = Bind(join.On, new Scope(sources, outer), null);
                    }

                    return (Join(leftPlan, rightPlan, join.Kind, on), sources);
                }

            default:
                throw new InvalidOperationException(from.GetType().Name);
        }
    }

    /// <summary>A join node, with the equality keys of its ON condition found.</summary>
    private static LogicalJoin Join(LogicalPlan leftPlan, LogicalPlan rightPlan, JoinKind kind, BoundExpr? on)
    {
        var plan = new LogicalJoin(leftPlan, rightPlan, kind, on);
        if (on is not null)
        {
            var residual = new List<BoundExpr>();
            foreach (var conjunct in Conjuncts(on))
            {
                if (conjunct is BoundBinary { Op: BinaryOp.Equal } eq && !eq.Left.IsMulti && !eq.Right.IsMulti)
                {
                    var l = eq.Left.Slots().ToList();
                    var r = eq.Right.Slots().ToList();
                    if (l.Count > 0 && r.Count > 0 && l.All(s => s < leftPlan.Width) && r.All(s => s >= leftPlan.Width))
                    {
                        plan.EquiKeys.Add((eq.Left, eq.Right));
                        continue;
                    }

                    if (l.Count > 0 && r.Count > 0 && r.All(s => s < leftPlan.Width) && l.All(s => s >= leftPlan.Width))
                    {
                        plan.EquiKeys.Add((eq.Right, eq.Left));
                        continue;
                    }
                }

                residual.Add(conjunct);
            }

            plan.Residual = residual.Count == 0 ? null : residual.Aggregate((a, b) => new BoundBinary(BinaryOp.And, a, b));
        }

        return plan;
    }

    /// <summary>The tables of a chain of INNER JOINs of plain tables (in written order), or null.</summary>
    private List<NamedTableRef>? InnerChain(JoinRef join)
    {
        var tables = new List<NamedTableRef>();
        TableRef current = join;
        while (current is JoinRef { Kind: JoinKind.Inner, Right: NamedTableRef right, On: not null } j)
        {
            tables.Insert(0, right);
            current = j.Left;
        }

        if (current is not NamedTableRef first)
        {
            return null;
        }

        tables.Insert(0, first);
        return tables.All(t => Tables.ContainsKey(t.Name)) ? tables : null;
    }

    /// <summary>
    /// Binds a chain of three or more inner joins in an order chosen from table sizes: start with the smallest table,
    /// then repeatedly add the smallest table connected by an ON condition to those already joined (any table when
    /// none is). Each ON conjunct is applied at the first join where all its tables are present, which for inner
    /// joins gives the same rows. The sources keep their written order (for '*'), with their new slots.
    /// </summary>
    private (LogicalPlan Plan, List<ScopeSource> Sources) BindReordered(JoinRef join, List<NamedTableRef> tables, OuterContext? outer)
    {
        var aliases = tables.Select(t => t.Alias ?? t.Name).ToList();
        if (aliases.Distinct(StringComparer.Ordinal).Count() != aliases.Count)
        {
            throw Error(SqlErrorCode.AmbiguousColumn, join, "A table name or alias is used twice in FROM; give one an alias");
        }

        // Which tables each ON conjunct reads (bound once against all tables in written order).
        var written = tables.Select((t, i) => new ScopeSource { Alias = aliases[i], Table = Tables[t.Name], Slot = i }).ToList();
        var conjuncts = new List<(SqlExpr Syntax, HashSet<int> Reads)>();
        for (TableRef current = join; current is JoinRef j; current = j.Left)
        {
            if (ContainsAggregate(j.On!))
            {
                throw Error(SqlErrorCode.InvalidStatement, j.On!, "Aggregates are not allowed in ON");
            }

            foreach (var part in SyntaxConjuncts(j.On!))
            {
                conjuncts.Add((part, [.. Bind(part, new Scope(written, outer), null).Slots()]));
            }
        }

        var order = new List<int> { Enumerable.Range(0, tables.Count).MinBy(i => Tables[tables[i].Name].ItemCount) };
        while (order.Count < tables.Count)
        {
            var candidates = Enumerable.Range(0, tables.Count).Where(i => !order.Contains(i)).ToList();
            var connected = candidates.Where(i => conjuncts.Any(c => c.Reads.Contains(i) && c.Reads.Overlaps(order))).ToList();
            order.Add((connected.Count > 0 ? connected : candidates).MinBy(i => Tables[tables[i].Name].ItemCount));
        }

        var sources = new ScopeSource[tables.Count];
        var applied = new HashSet<int>();
        LogicalPlan plan = null!;
        for (var k = 0; k < order.Count; k++)
        {
            var t = order[k];
            var table = Tables[tables[t].Name];
            sources[t] = new ScopeSource { Alias = aliases[t], Table = table, Slot = k };
            LogicalPlan scan = new LogicalScan(table, aliases[t]);
            if (k == 0)
            {
                plan = scan;
                continue;
            }

            var placed = order.Take(k + 1).ToHashSet();
            var scope = new Scope([.. sources.Where(s => s is not null)], outer);
            BoundExpr? on = null;
            for (var c = 0; c < conjuncts.Count; c++)
            {
                if (!applied.Contains(c) && conjuncts[c].Reads.IsSubsetOf(placed))
                {
                    applied.Add(c);
                    var bound = Bind(conjuncts[c].Syntax, scope, null);
                    on = on is null ? bound : new BoundBinary(BinaryOp.And, on, bound);
                }
            }

            plan = Join(plan, scan, on is null ? JoinKind.Cross : JoinKind.Inner, on);
        }

        return (plan, [.. sources]);
    }

    private static IEnumerable<SqlExpr> SyntaxConjuncts(SqlExpr e) =>
        e is BinaryExpr { Op: BinaryOp.And } conj ? [.. SyntaxConjuncts(conj.Left), .. SyntaxConjuncts(conj.Right)] : [e];

    /// <summary>The top-level AND-ed parts of a condition.</summary>
    public static IEnumerable<BoundExpr> Conjuncts(BoundExpr e) =>
        e is BoundBinary { Op: BinaryOp.And } conj ? [.. Conjuncts(conj.Left), .. Conjuncts(conj.Right)] : [e];
}
