using KvDb.Sql.Ast;
using KvDb.Sql.Execution;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Binding;

/// <summary>A bound query: its plan and output column names.</summary>
internal sealed record BoundQuery(LogicalPlan Plan, IReadOnlyList<string> Columns);

/// <summary>
/// Resolves names against the catalog and turns syntax into a logical plan with bound expressions. Tables are looked
/// up before binding starts (<see cref="Tables"/>), so binding itself is synchronous. Subqueries are planned here;
/// uncorrelated ones run once before the statement's main plan, correlated ones (reading columns of an enclosing query
/// through <see cref="BoundOuterRef"/>) run per distinct tuple of the outer values they read.
/// </summary>
internal sealed partial class Binder(string source, IReadOnlyDictionary<string, TableInfo> tables, SqlParameters parameters)
{
    /// <summary>The subqueries in the order they must run (inner ones first); correlated ones run on demand.</summary>
    public List<(int Id, LogicalPlan Plan, bool Correlated)> Subqueries { get; } = [];

    public IReadOnlyDictionary<string, TableInfo> Tables { get; } = tables;

    /// <summary>Materialized joins a FROM clause may be answered from.</summary>
    public IReadOnlyList<Materialization.MaterializedJoin> MaterializedJoins { get; init; } = [];

    /// <summary>
    /// When set, parameters bind to <see cref="BoundParameter"/> slots (listed here, in first-use order) instead of
    /// literals, so the plan can be cached and run with other values.
    /// </summary>
    public List<ParameterExpr>? ParameterSlots { get; init; }

    private bool _parameterValues;

    /// <summary>Whether something of the statement needed a parameter's value while binding (LIMIT @n): its plan cannot be reused.</summary>
    public bool UsesParameterValues { get; private set; }

    /// <summary>Views by name (their queries).</summary>
    public IReadOnlyDictionary<string, QueryExpr> Views { get; init; } = new Dictionary<string, QueryExpr>();

    /// <summary>Every table name a statement mentions (to look them up before binding).</summary>
    public static IEnumerable<string> TableNames(SqlNode node) => node switch
    {
        NamedTableRef t => [t.Name],
        DerivedTableRef d => TableNames(d.Query),
        JoinRef j => [.. TableNames(j.Left), .. TableNames(j.Right), .. j.On is null ? [] : TableNames(j.On)],
        SelectQuery s => [.. s.Items.SelectMany(TableNames), .. s.From is null ? [] : TableNames(s.From), .. Opt(s.Where), .. s.GroupBy.SelectMany(TableNames), .. Opt(s.Having), .. QueryTail(s)],
        UnionQuery u => [.. TableNames(u.Left), .. TableNames(u.Right), .. QueryTail(u)],
        ExprItem i => TableNames(i.Expr),
        SelectStatement s => TableNames(s.Query),
        InsertStatement i => [i.Table, .. i.Query is null ? [] : TableNames(i.Query), .. (i.Rows ?? ValueList<ValueList<SqlExpr>>.Empty).SelectMany(r => r.Where(e => e is not (LiteralExpr or ParameterExpr)).SelectMany(TableNames))],
        UpdateStatement u => [u.Table, .. u.Assignments.SelectMany(a => TableNames(a.Value)), .. Opt(u.Where)],
        DeleteStatement d => [d.Table, .. Opt(d.Where)],
        ExplainStatement e => TableNames(e.Statement),
        CreateMaterializedViewStatement v => TableNames(v.Query),
        CreateJoinStatement j => j.Clauses.SelectMany(c => new[] { c.Table }.Concat(TableNames(c.On))),
        InQueryExpr q => [.. TableNames(q.Operand), .. TableNames(q.Query)],
        ExistsExpr e => TableNames(e.Query),
        SubqueryExpr e => TableNames(e.Query),
        SqlExpr e => ExprChildren(e).SelectMany(TableNames),
        _ => [],
    };

    private static IEnumerable<string> Opt(SqlExpr? e) => e is null ? [] : TableNames(e);

    private static IEnumerable<string> QueryTail(QueryExpr q) => [.. q.OrderBy.SelectMany(o => TableNames(o.Expr)), .. Opt(q.Limit), .. Opt(q.Offset)];

    /// <summary>The sub-expressions of an expression (not descending into subqueries).</summary>
    public static IEnumerable<SqlExpr> ExprChildren(SqlExpr e) => e switch
    {
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Left, b.Right],
        BetweenExpr b => [b.Operand, b.Low, b.High],
        InListExpr i => [i.Operand, .. i.Values],
        InQueryExpr i => [i.Operand],
        LikeExpr l => [l.Operand, l.Pattern],
        IsNullExpr i => [i.Operand],
        CaseExpr c => [.. c.Operand is null ? [] : new[] { c.Operand }, .. c.Whens.SelectMany(w => new[] { w.When, w.Then }), .. c.Else is null ? [] : new[] { c.Else }],
        CastExpr c => [c.Operand],
        FunctionExpr f => f.Arguments,
        _ => [],
    };

    public static bool IsAggregate(FunctionExpr f) => AggregateSpec.Names.Contains(f.Name);

    public static bool ContainsAggregate(SqlExpr e) => e is FunctionExpr f && IsAggregate(f) || ExprChildren(e).Any(ContainsAggregate);

    private SqlException Error(SqlErrorCode code, SqlNode node, string message)
    {
        var span = node.Span;
        return ThrowHelper.At(code, source, span.Start, span.Length, span.Line, span.Column, message);
    }

    /// <summary>The state of binding expressions above a GROUP BY: group keys and aggregates become slots.</summary>
    internal sealed class AggBinding(IReadOnlyList<SqlExpr> groupSyntax, Scope input)
    {
        public IReadOnlyList<SqlExpr> GroupSyntax { get; } = groupSyntax;

        public Scope Input { get; } = input;

        public List<AggregateSpec> Aggregates { get; } = [];
    }

    public BoundExpr BindExpr(SqlExpr e, Scope scope) => Bind(e, scope, null);

    private BoundExpr Bind(SqlExpr e, Scope scope, AggBinding? agg)
    {
        if (agg is not null)
        {
            for (var i = 0; i < agg.GroupSyntax.Count; i++)
            {
                if (agg.GroupSyntax[i].Equals(e))
                {
                    return new BoundColumn(i, [], e.ToString());
                }
            }

            if (e is FunctionExpr call && IsAggregate(call))
            {
                var existing = agg.Aggregates.FindIndex(a => a.Syntax.Equals(call));
                if (existing < 0)
                {
                    agg.Aggregates.Add(BindAggregate(call, agg.Input));
                    existing = agg.Aggregates.Count - 1;
                }

                return new BoundColumn(agg.GroupSyntax.Count + existing, [], call.ToString());
            }

            if (e is PathExpr path)
            {
                // Resolve first so that unknown names get the better error.
                Resolve(path, agg.Input);
                throw Error(SqlErrorCode.InvalidStatement, e, $"Column '{path}' must appear in GROUP BY or be used in an aggregate");
            }
        }

        switch (e)
        {
            case LiteralExpr literal:
                return new BoundLiteral(SqlValues.FromLiteral(literal));
            case ParameterExpr parameter:
                return ParameterSlots is { } slots && !_parameterValues ? new BoundParameter(SlotOf(slots, parameter), parameter) : new BoundLiteral(ParameterValue(parameter));
            case PathExpr path:
                return Resolve(path, scope);
            case UnaryExpr unary:
                {
                    var operand = Bind(unary.Operand, scope, agg);
                    return unary.Op == UnaryOp.Negate && operand is BoundLiteral { Value: { Kind: AttributeKind.Number } n }
                        ? new BoundLiteral(AttributeValue.FromNumber(-n.AsNumber()))
                        : new BoundUnary(unary.Op, operand);
                }

            case BinaryExpr binary:
                return new BoundBinary(binary.Op, Bind(binary.Left, scope, agg), Bind(binary.Right, scope, agg));
            case BetweenExpr between:
                return new BoundBetween(Bind(between.Operand, scope, agg), Bind(between.Low, scope, agg), Bind(between.High, scope, agg), between.Negated);
            case InListExpr inList:
                return new BoundIn(Bind(inList.Operand, scope, agg), [.. inList.Values.Select(v => Bind(v, scope, agg))], -1, inList.Negated);
            case InQueryExpr inQuery:
                {
                    var operand = Bind(inQuery.Operand, scope, agg);
                    var (id, arguments) = Subquery(inQuery.Query, scope, inQuery, agg);
                    return new BoundIn(operand, null, id, inQuery.Negated, arguments);
                }

            case LikeExpr like:
                return new BoundLike(Bind(like.Operand, scope, agg), Bind(like.Pattern, scope, agg), like.Negated);
            case IsNullExpr isNull:
                return new BoundIsNull(Bind(isNull.Operand, scope, agg), isNull.Negated);
            case CaseExpr c:
                return new BoundCase(
                    c.Operand is null ? null : Bind(c.Operand, scope, agg),
                    [.. c.Whens.Select(w => (Bind(w.When, scope, agg), Bind(w.Then, scope, agg)))],
                    c.Else is null ? null : Bind(c.Else, scope, agg));
            case CastExpr cast:
                return new BoundCast(Bind(cast.Operand, scope, agg), cast.Type);
            case FunctionExpr f when IsAggregate(f):
                throw Error(SqlErrorCode.InvalidStatement, f, $"Aggregate {f.Name} is not allowed here");
            case FunctionExpr f:
                if (!BoundFunction.Known.TryGetValue(f.Name, out var arity))
                {
                    throw Error(SqlErrorCode.UnknownFunction, f, $"Unknown function '{f.Name}'");
                }

                if (f.Star || f.Distinct || f.Arguments.Count < arity.Min || f.Arguments.Count > arity.Max)
                {
                    throw Error(SqlErrorCode.UnknownFunction, f,
                        $"Function {f.Name} takes {(arity.Min == arity.Max ? arity.Min.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{arity.Min} to {arity.Max}")} argument(s)");
                }

                return new BoundFunction(f.Name, [.. f.Arguments.Select(a => Bind(a, scope, agg))]);
            case ExistsExpr exists:
                {
                    var (id, arguments) = Subquery(exists.Query, scope, exists, agg);
                    return new BoundSubquery(id, true, arguments);
                }

            case SubqueryExpr sub:
                {
                    var (id, arguments) = Subquery(sub.Query, scope, sub, agg);
                    return new BoundSubquery(id, false, arguments);
                }

            default:
                throw Error(SqlErrorCode.InvalidStatement, e, $"Unsupported expression {e}");
        }
    }

    private static int SlotOf(List<ParameterExpr> slots, ParameterExpr parameter)
    {
        for (var i = 0; i < slots.Count; i++)
        {
            var p = slots[i];
            if (parameter.Name is { } name ? string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) : p.Name is null && p.Ordinal == parameter.Ordinal)
            {
                return i;
            }
        }

        slots.Add(parameter);
        return slots.Count - 1;
    }

    /// <summary>The value of a parameter while binding (for clauses that need a constant); marks the plan as not reusable.</summary>
    private AttributeValue? ParameterValue(ParameterExpr parameter)
    {
        UsesParameterValues = true;
        return parameters.Get(parameter);
    }

    private AggregateSpec BindAggregate(FunctionExpr call, Scope input)
    {
        if (call.Star)
        {
            return call.Name == "COUNT"
                ? new AggregateSpec("COUNT", null, false, call)
                : throw Error(SqlErrorCode.UnknownFunction, call, $"{call.Name}(*) is not allowed; only COUNT(*)");
        }

        if (call.Arguments.Count != 1)
        {
            throw Error(SqlErrorCode.UnknownFunction, call, $"Aggregate {call.Name} takes one argument");
        }

        if (ContainsAggregate(call.Arguments[0]))
        {
            throw Error(SqlErrorCode.InvalidStatement, call, "Aggregates cannot be nested");
        }

        return new AggregateSpec(call.Name, Bind(call.Arguments[0], input, null), call.Distinct, call);
    }

    /// <summary>Binds and plans a subquery; returns its id and the outer expressions it reads (none when uncorrelated).</summary>
    private (int Id, IReadOnlyList<BoundExpr> Arguments) Subquery(QueryExpr query, Scope scope, SqlNode at, AggBinding? agg)
    {
        var outer = new OuterContext(scope, agg);
        var bound = BindQuery(query, outer);
        if (at is not ExistsExpr && bound.Columns.Count != 1)
        {
            throw Error(SqlErrorCode.InvalidStatement, at, $"The subquery must return one column, not {bound.Columns.Count}");
        }

        var arguments = outer.Arguments;
        var id = Subqueries.Count;
        Subqueries.Add((id, Optimization.Optimizer.Optimize(bound.Plan), arguments.Count > 0));
        return (id, arguments);
    }

    /// <summary>
    /// Resolves a column or document path: <c>alias.col.path</c> or <c>col.path</c>. Names are looked up in the
    /// query's own FROM first (a qualifier naming one of its aliases), then as a qualifier naming an alias of an
    /// enclosing query (so <c>dept.id</c> in a subquery means the outer table even when the subquery has a column
    /// <c>dept</c>), then as a column of the query's tables (declared, else one an open table may have, with a
    /// document path after it), and last in the enclosing queries (a correlated reference, bound there and read
    /// through <see cref="BoundOuterRef"/>).
    /// </summary>
    public BoundExpr Resolve(PathExpr path, Scope scope)
    {
        var steps = path.Steps;
        if (steps.Count >= 2 && steps[1].Name is { } qualified && scope.Find(steps[0].Name!) is { } src)
        {
            if (!src.Accepts(qualified))
            {
                throw Error(SqlErrorCode.UnknownColumn, path, ErrorMessages.UnknownColumn($"{src.Alias}.{qualified}"));
            }

            return src.Column(qualified, [.. steps.Skip(2)]);
        }

        var name = steps[0].Name!;
        if (steps.Count >= 2 && steps[1].Name is not null && scope.Outer is { } o && OuterAlias(name, o))
        {
            return Outer(path, o);
        }

        var rest = steps.Skip(1).ToArray();
        var definite = scope.Sources.Where(s => s.Declares(name)).ToList();
        if (definite.Count == 1)
        {
            return definite[0].Column(name, rest);
        }

        if (definite.Count == 0)
        {
            definite = scope.Sources.Where(s => s.Accepts(name)).ToList();
        }

        if (definite.Count > 1)
        {
            throw Error(SqlErrorCode.AmbiguousColumn, path, ErrorMessages.AmbiguousColumn(name, string.Join(" and ", definite.Select(s => s.Alias))));
        }

        if (definite.Count == 1)
        {
            return definite[0].Column(name, rest);
        }

        if (scope.Outer is { } outer && Visible(path, outer.Scope))
        {
            return Outer(path, outer);
        }

        throw Error(SqlErrorCode.UnknownColumn, path, ErrorMessages.UnknownColumn(path.ToString()));
    }

    /// <summary>A reference to an enclosing query: bound there (with its GROUP BY state) and passed in as an argument.</summary>
    private BoundOuterRef Outer(PathExpr path, OuterContext outer)
    {
        var key = path.ToString();
        var index = outer.Add(key, () => Bind(path, outer.Scope, outer.Aggregation));
        return new BoundOuterRef(index, key);
    }

    private static bool OuterAlias(string alias, OuterContext? outer)
    {
        for (; outer is not null; outer = outer.Scope.Outer)
        {
            if (outer.Scope.Find(alias) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a name resolves in <paramref name="scope"/> or a scope enclosing it.</summary>
    private static bool Visible(PathExpr path, Scope scope)
    {
        for (var s = scope; ; s = s.Outer!.Scope)
        {
            if ((path.Steps.Count >= 2 && path.Steps[1].Name is not null && s.Find(path.Steps[0].Name!) is not null)
                || s.Sources.Any(source => source.Accepts(path.Steps[0].Name!)))
            {
                return true;
            }

            if (s.Outer is null)
            {
                return false;
            }
        }
    }
}
