using System.Text;
using KvDb.Sql.Ast;
using KvDb.Sql.Execution;

namespace KvDb.Sql.Binding;

/// <summary>
/// A bound expression: names resolved to row slots, parameters replaced by values. Evaluation is pure (it reads the
/// row and precomputed subquery results only), so operators stay free of global state. A row is an array of values;
/// a slot holds either one column or a whole item (as a map) whose attributes paths navigate.
/// </summary>
internal abstract class BoundExpr
{
    public abstract AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx);

    /// <summary>Whether the value is the set of matches of a <c>[*]</c> path (comparisons then mean "any element").</summary>
    public virtual bool IsMulti => false;

    /// <summary>The direct children.</summary>
    public virtual IEnumerable<BoundExpr> Children => [];

    /// <summary>The slots this expression reads, including those of its children.</summary>
    public IEnumerable<int> Slots() => this is BoundColumn c ? [c.Slot] : Children.SelectMany(ch => ch.Slots());

    public abstract override string ToString();

    /// <summary>A copy reading slot <c>map(s)</c> wherever this reads slot <c>s</c> (to move a predicate below a join).</summary>
    public BoundExpr WithSlots(Func<int, int> map) => WithColumns(c => new BoundColumn(map(c.Slot), c.Path, c.Display));

    /// <summary>A copy with every column reference (here and in children) replaced by <paramref name="map"/>'s result.</summary>
    public abstract BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map);

    /// <summary>Applies <paramref name="test"/> to each element of a multi value and ORs the results (three-valued).</summary>
    protected static AttributeValue? Any(AttributeValue? multi, Func<AttributeValue?, AttributeValue?> test)
    {
        if (multi is null)
        {
            return null;
        }

        var sawUnknown = false;
        foreach (var element in multi.AsList())
        {
            var r = test(SqlValues.Normalize(element));
            if (r is null)
            {
                sawUnknown = true;
            }
            else if (r.AsBool())
            {
                return SqlValues.True;
            }
        }

        return sawUnknown ? null : SqlValues.False;
    }
}

internal sealed class BoundLiteral(AttributeValue? value) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => this;

    public AttributeValue? Value { get; } = SqlValues.Normalize(value);

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx) => Value;

    public override string ToString() => SqlValues.Render(Value);
}

/// <summary>
/// A statement parameter read when the plan runs (<see cref="ExecContext.Parameters"/>), so one cached plan serves
/// every parameter value; <see cref="Index"/> is the parameter's position in the statement's parameter list.
/// </summary>
internal sealed class BoundParameter(int index, ParameterExpr syntax) : BoundExpr
{
    public int Index { get; } = index;

    public ParameterExpr Syntax { get; } = syntax;

    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => this;

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx) => ctx.Parameters![Index];

    public override string ToString() => Syntax.Name is { } name ? "@" + name : "?" + (Syntax.Ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A column (slot) or a path inside a document column.</summary>
internal sealed class BoundColumn(int slot, PathStep[] path, string display) : BoundExpr
{
    // Read on every evaluation: computed once.
    private readonly bool _multi = path.Any(s => s.IsAnyElement);

    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => map(this);

    public int Slot { get; } = slot;

    public PathStep[] Path { get; } = path;

    public string Display { get; } = display;

    public override bool IsMulti => _multi;

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var value = row[Slot];
        if (Path.Length == 0)
        {
            return SqlValues.Normalize(value);
        }

        if (!IsMulti)
        {
            for (var i = 0; i < Path.Length && value is not null; i++)
            {
                value = Step(value, Path[i]);
            }

            return SqlValues.Normalize(value);
        }

        var results = new List<AttributeValue>();
        Collect(value, 0, results);
        return AttributeValue.FromList(results);
    }

    private void Collect(AttributeValue? value, int index, List<AttributeValue> results)
    {
        while (true)
        {
            if (value is null)
            {
                return;
            }

            if (index == Path.Length)
            {
                results.Add(value);
                return;
            }

            var step = Path[index];
            if (step.IsAnyElement)
            {
                if (value.Kind == AttributeKind.List)
                {
                    foreach (var element in value.AsList())
                    {
                        Collect(element, index + 1, results);
                    }
                }

                return;
            }

            value = Step(value, step);
            index++;
        }
    }

    private static AttributeValue? Step(AttributeValue value, PathStep step)
    {
        if (step.Name is not null)
        {
            return value.Kind == AttributeKind.Map && value.AsMap().TryGetValue(step.Name, out var child) ? child : null;
        }

        if (value.Kind == AttributeKind.List)
        {
            var list = value.AsList();
            return step.Index < list.Count ? list[step.Index] : null;
        }

        return null;
    }

    public override string ToString() => Display;
}

internal sealed class BoundUnary(UnaryOp op, BoundExpr operand) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundUnary(op, operand.WithColumns(map));

    public override IEnumerable<BoundExpr> Children => [operand];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var v = operand.Eval(row, ctx);
        if (op == UnaryOp.Not)
        {
            var t = SqlValues.Truth(v, "NOT");
            return t is null ? null : SqlValues.Bool(!t.Value);
        }

        return v is null ? null : AttributeValue.FromNumber(-SqlValues.Number(v, "-"));
    }

    public override string ToString() => op == UnaryOp.Not ? $"NOT ({operand})" : $"-({operand})";
}

internal sealed class BoundBinary(BinaryOp op, BoundExpr left, BoundExpr right) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundBinary(Op, Left.WithColumns(map), Right.WithColumns(map));

    public BinaryOp Op { get; } = op;

    public BoundExpr Left { get; } = left;

    public BoundExpr Right { get; } = right;

    public override IEnumerable<BoundExpr> Children => [Left, Right];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        switch (Op)
        {
            case BinaryOp.And:
                {
                    var l = SqlValues.Truth(Left.Eval(row, ctx), "AND");
                    if (l == false)
                    {
                        return SqlValues.False;
                    }

                    var r = SqlValues.Truth(Right.Eval(row, ctx), "AND");
                    return r == false ? SqlValues.False : l == true && r == true ? SqlValues.True : null;
                }

            case BinaryOp.Or:
                {
                    var l = SqlValues.Truth(Left.Eval(row, ctx), "OR");
                    if (l == true)
                    {
                        return SqlValues.True;
                    }

                    var r = SqlValues.Truth(Right.Eval(row, ctx), "OR");
                    return r == true ? SqlValues.True : l == false && r == false ? SqlValues.False : null;
                }
        }

        var a = Left.Eval(row, ctx);
        var b = Right.Eval(row, ctx);
        switch (Op)
        {
            case BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual:
                if (Left.IsMulti)
                {
                    return Any(a, e => Right.IsMulti ? Any(b, f => SqlValues.Compare(Op, e, f)) : SqlValues.Compare(Op, e, b));
                }

                return Right.IsMulti ? Any(b, f => SqlValues.Compare(Op, a, f)) : SqlValues.Compare(Op, a, b);
            case BinaryOp.Concat:
                return a is null || b is null ? null : AttributeValue.FromString(SqlValues.Text(a) + SqlValues.Text(b));
            default:
                return SqlValues.Arithmetic(Op, a, b);
        }
    }

    public override string ToString() => $"({Left} {SqlPrinter.OperatorText(Op)} {Right})";
}

internal sealed class BoundBetween(BoundExpr operand, BoundExpr low, BoundExpr high, bool negated) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundBetween(operand.WithColumns(map), low.WithColumns(map), high.WithColumns(map), negated);

    public override IEnumerable<BoundExpr> Children => [operand, low, high];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var v = operand.Eval(row, ctx);
        var lo = low.Eval(row, ctx);
        var hi = high.Eval(row, ctx);
        var result = operand.IsMulti ? Any(v, e => Test(e, lo, hi)) : Test(v, lo, hi);
        return negated && result is not null ? SqlValues.Bool(!result.AsBool()) : result;
    }

    private static AttributeValue? Test(AttributeValue? v, AttributeValue? lo, AttributeValue? hi)
    {
        var a = SqlValues.Truth(SqlValues.Compare(BinaryOp.GreaterOrEqual, v, lo), "BETWEEN");
        var b = SqlValues.Truth(SqlValues.Compare(BinaryOp.LessOrEqual, v, hi), "BETWEEN");
        return a == false || b == false ? SqlValues.False : a == true && b == true ? SqlValues.True : null;
    }

    public override string ToString() => $"({operand}{(negated ? " NOT" : "")} BETWEEN {low} AND {high})";
}

/// <summary>
/// A subquery node of an expression. Uncorrelated, its rows are computed once before the statement runs; correlated
/// (<see cref="Arguments"/> not empty), its rows depend on the outer values the arguments read and are computed by the
/// operator before it evaluates the expression on a row (see <see cref="ExecContext.PrepareCorrelatedAsync"/>).
/// </summary>
internal interface ISubqueryNode
{
    int SubqueryId { get; }

    /// <summary>Whether only the first row matters (EXISTS).</summary>
    bool ExistsOnly { get; }

    /// <summary>The outer expressions the subquery reads, evaluated on the current row; empty when uncorrelated.</summary>
    IReadOnlyList<BoundExpr> Arguments { get; }
}

/// <summary>Inside a correlated subquery: the value of argument <c>i</c>, an expression of an enclosing query.</summary>
internal sealed class BoundOuterRef(int index, string display) : BoundExpr
{
    public int Index { get; } = index;

    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => this;

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx) => ctx.Outer![Index];

    public override string ToString() => "outer " + display;
}

/// <summary><c>x IN (list)</c> or <c>x IN (subquery)</c> with SQL's NULL rules.</summary>
internal sealed class BoundIn(BoundExpr operand, IReadOnlyList<BoundExpr>? values, int subquery, bool negated, IReadOnlyList<BoundExpr>? arguments = null)
    : BoundExpr, ISubqueryNode
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) =>
        new BoundIn(operand.WithColumns(map), values?.Select(v => v.WithColumns(map)).ToList(), subquery, negated, [.. Arguments.Select(a => a.WithColumns(map))]);

    public int SubqueryId => subquery;

    public bool ExistsOnly => false;

    public IReadOnlyList<BoundExpr> Arguments { get; } = arguments ?? [];

    public override IEnumerable<BoundExpr> Children => values is null ? [operand, .. Arguments] : [operand, .. values];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var v = operand.Eval(row, ctx);
        IReadOnlyList<AttributeValue?> candidates;
        if (values is null)
        {
            candidates = ctx.SubqueryColumn(this, row);
        }
        else
        {
            var list = new AttributeValue?[values.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = values[i].Eval(row, ctx);
            }

            candidates = list;
        }

        var result = operand.IsMulti ? Any(v, e => Test(e, candidates)) : Test(v, candidates);
        return negated && result is not null ? SqlValues.Bool(!result.AsBool()) : result;
    }

    private static AttributeValue? Test(AttributeValue? v, IReadOnlyList<AttributeValue?> candidates)
    {
        if (v is null)
        {
            return candidates.Count == 0 ? SqlValues.False : null;
        }

        var sawNull = false;
        foreach (var c in candidates)
        {
            if (c is null)
            {
                sawNull = true;
            }
            else if (c.Kind == v.Kind && SqlValues.CompareSameKind(v, c) == 0)
            {
                return SqlValues.True;
            }
        }

        return sawNull ? null : SqlValues.False;
    }

    public override string ToString() =>
        $"({operand}{(negated ? " NOT" : "")} IN ({(values is null ? $"subquery #{subquery}{Correlation(Arguments)}" : string.Join(", ", values))}))";

    /// <summary>How EXPLAIN shows a correlated subquery's arguments.</summary>
    public static string Correlation(IReadOnlyList<BoundExpr> arguments) =>
        arguments.Count == 0 ? "" : " correlated on " + string.Join(", ", arguments);
}

internal sealed class BoundLike(BoundExpr operand, BoundExpr pattern, bool negated) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundLike(operand.WithColumns(map), pattern.WithColumns(map), negated);

    public BoundExpr Operand => operand;

    public BoundExpr Pattern => pattern;

    public bool Negated => negated;

    public override IEnumerable<BoundExpr> Children => [operand, pattern];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var v = operand.Eval(row, ctx);
        var p = pattern.Eval(row, ctx);
        var result = operand.IsMulti ? Any(v, e => Test(e, p)) : Test(v, p);
        return negated && result is not null ? SqlValues.Bool(!result.AsBool()) : result;
    }

    private static AttributeValue? Test(AttributeValue? v, AttributeValue? p)
    {
        if (v is null || p is null)
        {
            return null;
        }

        if (v.Kind != AttributeKind.String || p.Kind != AttributeKind.String)
        {
            ThrowHelper.Error(SqlErrorCode.TypeMismatch, ErrorMessages.TypeMismatch("LIKE", SqlValues.Describe(v), SqlValues.Describe(p)));
        }

        return SqlValues.Bool(SqlValues.Like(v.AsString(), p.AsString()));
    }

    public override string ToString() => $"({operand}{(negated ? " NOT" : "")} LIKE {pattern})";
}

internal sealed class BoundIsNull(BoundExpr operand, bool negated) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundIsNull(operand.WithColumns(map), negated);

    public override IEnumerable<BoundExpr> Children => [operand];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var v = operand.Eval(row, ctx);
        var isNull = v is null || (operand.IsMulti && v.AsList().Count == 0);
        return SqlValues.Bool(negated ? !isNull : isNull);
    }

    public override string ToString() => $"({operand} IS {(negated ? "NOT " : "")}NULL)";
}

internal sealed class BoundCase(BoundExpr? operand, IReadOnlyList<(BoundExpr When, BoundExpr Then)> whens, BoundExpr? otherwise) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) =>
        new BoundCase(operand?.WithColumns(map), [.. whens.Select(w => (w.When.WithColumns(map), w.Then.WithColumns(map)))], otherwise?.WithColumns(map));

    public override IEnumerable<BoundExpr> Children =>
        [.. operand is null ? [] : new[] { operand }, .. whens.SelectMany(w => new[] { w.When, w.Then }), .. otherwise is null ? [] : new[] { otherwise }];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var subject = operand?.Eval(row, ctx);
        foreach (var (when, then) in whens)
        {
            var w = when.Eval(row, ctx);
            var hit = operand is null
                ? SqlValues.Truth(w, "CASE WHEN") == true
                : SqlValues.Compare(BinaryOp.Equal, subject, w) is { } eq && eq.AsBool();
            if (hit)
            {
                return then.Eval(row, ctx);
            }
        }

        return otherwise?.Eval(row, ctx);
    }

    public override string ToString()
    {
        var sb = new StringBuilder("CASE");
        if (operand is not null)
        {
            sb.Append(' ').Append(operand);
        }

        foreach (var (when, then) in whens)
        {
            sb.Append(" WHEN ").Append(when).Append(" THEN ").Append(then);
        }

        if (otherwise is not null)
        {
            sb.Append(" ELSE ").Append(otherwise);
        }

        return sb.Append(" END").ToString();
    }
}

internal sealed class BoundCast(BoundExpr operand, SqlType type) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundCast(operand.WithColumns(map), type);

    public override IEnumerable<BoundExpr> Children => [operand];

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx) => Cast(operand.Eval(row, ctx), type);

    public static AttributeValue? Cast(AttributeValue? v, SqlType type)
    {
        if (v is null)
        {
            return null;
        }

        switch (type)
        {
            case SqlType.String:
                return v.Kind == AttributeKind.String ? v : AttributeValue.FromString(SqlValues.Text(v));
            case SqlType.Number:
                if (v.Kind == AttributeKind.Number)
                {
                    return v;
                }

                if (v.Kind == AttributeKind.Bool)
                {
                    return AttributeValue.FromNumber(v.AsBool() ? 1 : 0);
                }

                if (v.Kind == AttributeKind.String && KvNumber.TryParse(v.AsString().Trim(), out var n))
                {
                    return AttributeValue.FromNumber(n);
                }

                break;
            case SqlType.Boolean:
                if (v.Kind == AttributeKind.Bool)
                {
                    return v;
                }

                if (v.Kind == AttributeKind.Number)
                {
                    return SqlValues.Bool(!v.AsNumber().IsZero);
                }

                if (v.Kind == AttributeKind.String && bool.TryParse(v.AsString().Trim(), out var b))
                {
                    return SqlValues.Bool(b);
                }

                break;
            case SqlType.Binary:
                if (v.Kind == AttributeKind.Binary)
                {
                    return v;
                }

                if (v.Kind == AttributeKind.String)
                {
                    return AttributeValue.FromBinary(Encoding.UTF8.GetBytes(v.AsString()));
                }

                break;
            case SqlType.List when v.Kind == AttributeKind.List:
            case SqlType.Map when v.Kind == AttributeKind.Map:
            case SqlType.Any:
                return v;
        }

        return ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Type mismatch: cannot cast {SqlValues.Describe(v)} to {SqlPrinter.TypeName(type)}");
    }

    public override string ToString() => $"CAST({operand} AS {SqlPrinter.TypeName(type)})";
}

/// <summary>A scalar subquery (one column, at most one row) or EXISTS.</summary>
internal sealed class BoundSubquery(int id, bool exists, IReadOnlyList<BoundExpr>? arguments = null) : BoundExpr, ISubqueryNode
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundSubquery(id, exists, [.. Arguments.Select(a => a.WithColumns(map))]);

    public int SubqueryId => id;

    public bool ExistsOnly => exists;

    public IReadOnlyList<BoundExpr> Arguments { get; } = arguments ?? [];

    public override IEnumerable<BoundExpr> Children => Arguments;

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        var rows = ctx.SubqueryRows(this, row);
        if (exists)
        {
            return SqlValues.Bool(rows.Count > 0);
        }

        if (rows.Count > 1)
        {
            ThrowHelper.Error(SqlErrorCode.SubqueryCardinality, $"A scalar subquery returned {rows.Count} rows; it must return at most one");
        }

        return rows.Count == 0 ? null : rows[0][0];
    }

    public override string ToString() =>
        exists ? $"EXISTS(subquery #{id}{BoundIn.Correlation(Arguments)})" : $"(subquery #{id}{BoundIn.Correlation(Arguments)})";
}
