using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Ast;

namespace KvDb.Sql.Tests.Parsing;

/// <summary>FsCheck generators of random syntax trees (without positional parameters, whose numbers depend on order).</summary>
internal static class AstGenerators
{
    private static readonly string[] s_names = ["a", "b", "people", "age", "t1", "_x", "select", "key", "my col", "q\"uote", "Ünï"];
    private static readonly string[] s_functions = ["UPPER", "LOWER", "COALESCE", "ABS", "LENGTH", "SUBSTR", "ROUND", "NOW"];

    public static Gen<string> Name => Gen.Elements(s_names);

    public static Gen<SqlExpr> Leaf => Gen.OneOf(
        Gen.Elements("0", "1", "42", "1.5", ".5", "1e3", "007").Select(t => (SqlExpr)new LiteralExpr(LiteralKind.Number, t)),
        Gen.Elements("", "x", "it's", "multi\nline", "%_").Select(t => (SqlExpr)new LiteralExpr(LiteralKind.String, t)),
        Gen.Elements("TRUE", "FALSE").Select(t => (SqlExpr)new LiteralExpr(LiteralKind.Boolean, t)),
        Gen.Constant((SqlExpr)LiteralExpr.Null),
        Gen.Elements("p", "name_1").Select(n => (SqlExpr)new ParameterExpr(n, -1)),
        Path.Select(p => (SqlExpr)p));

    public static Gen<PathExpr> Path =>
        from first in Name
        from rest in Gen.ListOf(Gen.OneOf(Name.Select(PathStep.Key), Gen.Choose(0, 3).Select(PathStep.At), Gen.Constant(PathStep.Any)))
        select new PathExpr(new ValueList<PathStep>(new[] { PathStep.Key(first) }.Concat(rest.Take(3))));

    public static Gen<SqlExpr> Expr(int size)
    {
        if (size <= 0)
        {
            return Leaf;
        }

        var sub = Gen.Sized(_ => Expr(size / 2));
        var query = Gen.Sized(_ => Query(size / 3));
        return Gen.Frequency(
            (4, Leaf),
            (1, from op in Gen.Elements(UnaryOp.Negate, UnaryOp.Not) from e in sub select (SqlExpr)new UnaryExpr(op, e)),
            (4, from op in Gen.Elements(Enum.GetValues<BinaryOp>()) from l in sub from r in sub select (SqlExpr)new BinaryExpr(op, l, r)),
            (1, from e in sub from lo in sub from hi in sub from n in Gen.Elements(true, false) select (SqlExpr)new BetweenExpr(e, lo, hi, n)),
            (1, from e in sub from vs in Gen.NonEmptyListOf(sub) from n in Gen.Elements(true, false) select (SqlExpr)new InListExpr(e, new ValueList<SqlExpr>(InListValues(vs)), n)),
            (1, from e in sub from p in sub from n in Gen.Elements(true, false) select (SqlExpr)new LikeExpr(e, p, n)),
            (1, from e in sub from n in Gen.Elements(true, false) select (SqlExpr)new IsNullExpr(e, n)),
            (1, from op in Gen.OneOf(Gen.Constant<SqlExpr?>(null), sub.Select(e => (SqlExpr?)e))
                from whens in Gen.NonEmptyListOf(Gen.Zip(sub, sub))
                from otherwise in Gen.OneOf(Gen.Constant<SqlExpr?>(null), sub.Select(e => (SqlExpr?)e))
                select (SqlExpr)new CaseExpr(op, new ValueList<WhenClause>(whens.Take(2).Select(w => new WhenClause(w.Item1, w.Item2))), otherwise)),
            (1, from e in sub from t in Gen.Elements(Enum.GetValues<SqlType>()) select (SqlExpr)new CastExpr(e, t)),
            (2, from f in Gen.Elements(s_functions) from args in Gen.ListOf(sub) select (SqlExpr)new FunctionExpr(f, new ValueList<SqlExpr>(args.Take(3)))),
            (1, Gen.Elements(
                new FunctionExpr("COUNT", ValueList<SqlExpr>.Empty, Star: true),
                new FunctionExpr("COUNT", ValueList.Of<SqlExpr>(PathExpr.Of("a")), Distinct: true)).Select(f => (SqlExpr)f)),
            (1, query.Select(q => (SqlExpr)new ExistsExpr(q))),
            (1, query.Select(q => (SqlExpr)new SubqueryExpr(q))),
            (1, from e in sub from q in query from n in Gen.Elements(true, false) select (SqlExpr)new InQueryExpr(e, q, n)));
    }

    /// <summary>
    /// 'x IN ((SELECT ...))' is the same text as an IN-subquery, as in every SQL dialect; the parser reads it as the
    /// subquery, so a one-element list holding a scalar subquery gets a second element.
    /// </summary>
    private static IEnumerable<SqlExpr> InListValues(List<SqlExpr> values) =>
        values.Count == 1 && values[0] is SubqueryExpr ? [values[0], LiteralExpr.Null] : values.Take(3);

    public static Gen<TableRef> Table(int size)
    {
        var named = from n in Name from alias in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(a => (string?)a)) select (TableRef)new NamedTableRef(n, alias);
        if (size <= 0)
        {
            return named;
        }

        var sub = Gen.Sized(_ => Table(size / 2));
        return Gen.Frequency(
            (3, named),
            (1, from q in Gen.Sized(_ => Query(size / 3)) from a in Name select (TableRef)new DerivedTableRef(q, a)),
            (2, from l in sub from k in Gen.Elements(Enum.GetValues<JoinKind>()) from r in sub from cond in Expr(size / 3)
                select (TableRef)new JoinRef(l, k, r, k == JoinKind.Cross ? null : cond)));
    }

    public static Gen<QueryExpr> Query(int size)
    {
        var expr = Expr(size / 2);
        var optExpr = Gen.OneOf(Gen.Constant<SqlExpr?>(null), expr.Select(e => (SqlExpr?)e));
        var item = Gen.Frequency(
            (1, Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n)).Select(q => (SelectItem)new StarItem(q))),
            (4, from e in expr from alias in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n)) select (SelectItem)new ExprItem(e, alias)));
        var select =
            from distinct in Gen.Elements(true, false)
            from items in Gen.NonEmptyListOf(item)
            from source in Gen.OneOf(Gen.Constant<TableRef?>(null), Table(size / 2).Select(t => (TableRef?)t))
            from filter in optExpr
            from groupBy in Gen.ListOf(expr)
            from having in optExpr
            select (QueryExpr)new SelectQuery(distinct, new ValueList<SelectItem>(items.Take(3)), source, filter, new ValueList<SqlExpr>(groupBy.Take(2)), having);
        var body = size <= 0 ? select : Gen.Frequency(
            (4, select),
            (1, from l in Gen.Sized(_ => Query(size / 2)) from r in Gen.Sized(_ => Query(size / 2)) from all in Gen.Elements(true, false)
                select (QueryExpr)new UnionQuery(l, r, all)));
        return from q in body
               from order in Gen.ListOf(Gen.Zip(expr, Gen.Elements(true, false)))
               from limit in Gen.OneOf(Gen.Constant<SqlExpr?>(null), Gen.Choose(0, 100).Select(n => (SqlExpr?)new LiteralExpr(LiteralKind.Number, n.ToString(System.Globalization.CultureInfo.InvariantCulture))))
               from offset in Gen.OneOf(Gen.Constant<SqlExpr?>(null), Gen.Constant<SqlExpr?>(new LiteralExpr(LiteralKind.Number, "2")))
               select q with { OrderBy = new ValueList<OrderItem>(order.Take(2).Select(o => new OrderItem(o.Item1, o.Item2))), Limit = limit, Offset = offset };
    }

    public static Gen<SqlStatement> Statement => Gen.Sized(size =>
    {
        size = Math.Min(size, 12);
        var expr = Expr(size / 2);
        var optWhere = Gen.OneOf(Gen.Constant<SqlExpr?>(null), expr.Select(e => (SqlExpr?)e));
        var alias = Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n));
        return Gen.Frequency(
            (6, Query(size).Select(q => (SqlStatement)new SelectStatement(q))),
            (1, from t in Name from cols in Gen.ListOf(Name) from rows in Gen.NonEmptyListOf(Gen.NonEmptyListOf(expr))
                select (SqlStatement)new InsertStatement(t, new ValueList<string>(cols.Take(3)), new ValueList<ValueList<SqlExpr>>(rows.Take(2).Select(r => new ValueList<SqlExpr>(r.Take(3)))), null)),
            (1, from t in Name from q in Query(size / 2) select (SqlStatement)new InsertStatement(t, ValueList<string>.Empty, null, q)),
            (1, from t in Name from a in alias from sets in Gen.NonEmptyListOf(Gen.Zip(Path, expr)) from w in optWhere
                select (SqlStatement)new UpdateStatement(t, a, new ValueList<Assignment>(sets.Take(3).Select(s => new Assignment(s.Item1, s.Item2))), w)),
            (1, from t in Name from a in alias from w in optWhere select (SqlStatement)new DeleteStatement(t, a, w)),
            (1, from t in Name from cols in Gen.NonEmptyListOf(Gen.Zip(Name, Gen.Elements(Enum.GetValues<SqlType>()))) from pk in Gen.ListOf(Name) from ine in Gen.Elements(true, false)
                select (SqlStatement)new CreateTableStatement(t, new ValueList<ColumnDef>(cols.Take(4).Select(c => new ColumnDef(c.Item1, c.Item2))), new ValueList<string>(pk.Take(2)), ine)),
            (1, from t in Name from ie in Gen.Elements(true, false) select (SqlStatement)new DropTableStatement(t, ie)),
            (1, from i in Name from t in Name from cols in Gen.NonEmptyListOf(Name) select (SqlStatement)new CreateIndexStatement(i, t, new ValueList<string>(cols.Take(2)))),
            (1, from i in Name from t in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n)) from ie in Gen.Elements(true, false)
                select (SqlStatement)new DropIndexStatement(i, t, ie)),
            (1, from clauses in Gen.NonEmptyListOf(Gen.Zip(Name, expr)) select (SqlStatement)new CreateJoinStatement(new ValueList<JoinClause>(clauses.Take(3).Select(c => new JoinClause(c.Item1, c.Item2))))),
            (1, from v in Name from q in Query(size / 2) select (SqlStatement)new CreateMaterializedViewStatement(v, q)),
            (1, Query(size / 2).Select(q => (SqlStatement)new ExplainStatement(new SelectStatement(q)))),
            (1, Gen.Elements<SqlStatement>(new BeginStatement(), new CommitStatement(), new RollbackStatement())));
    });
}
