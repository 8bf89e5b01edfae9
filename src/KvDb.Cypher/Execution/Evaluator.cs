using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>What expressions need while a statement runs.</summary>
internal sealed class EvalContext(GraphTransaction transaction, IReadOnlyDictionary<string, object?> parameters, Random random)
{
    public GraphTransaction Transaction { get; } = transaction;

    public IReadOnlyDictionary<string, object?> Parameters { get; } = parameters;

    public Random Random { get; } = random;
}

/// <summary>Evaluates expressions over a row with Cypher's null semantics and types.</summary>
internal static partial class Evaluator
{
    private static readonly ConcurrentDictionary<string, Regex> s_regexes = new(StringComparer.Ordinal);

    public static async ValueTask<object?> EvalAsync(Expr e, Row row, EvalContext ctx)
    {
        switch (e)
        {
            case LiteralExpr l:
                return l.Value;
            case ParameterExpr p:
                return ctx.Parameters.TryGetValue(p.Name, out var pv)
                    ? pv
                    : throw new CypherException(CypherErrorClass.ParameterMissing, CypherErrorCode.MissingParameter, $"Expected parameter(s): {p.Name}");
            case VariableExpr v:
                return row.TryGetValue(v.Name, out var value)
                    ? value
                    : throw ErrorMessages.Semantic(CypherErrorCode.UndefinedVariable, ErrorMessages.UndefinedVariable(v.Name));
            case PropertyExpr pe:
                return await PropertyAsync(await EvalAsync(pe.Target, row, ctx).ConfigureAwait(false), pe.Key, ctx).ConfigureAwait(false);
            case ListExpr le:
                {
                    var list = new List<object?>(le.Items.Count);
                    foreach (var item in le.Items)
                    {
                        list.Add(await EvalAsync(item, row, ctx).ConfigureAwait(false));
                    }

                    return list;
                }

            case MapExpr me:
                {
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var entry in me.Entries)
                    {
                        map[entry.Key] = await EvalAsync(entry.Value, row, ctx).ConfigureAwait(false);
                    }

                    return map;
                }

            case UnaryExpr u:
                {
                    var operand = await EvalAsync(u.Operand, row, ctx).ConfigureAwait(false);
                    return u.Op switch
                    {
                        UnaryOp.Not => AsBool(operand, "NOT") is { } b ? !b : null,
                        UnaryOp.Negate => Arithmetic.Negate(operand),
                        _ => operand is null or long or double ? operand : throw ErrorMessages.Type($"Cannot apply unary + to {ValueCodec.TypeName(operand)}"),
                    };
                }

            case BinaryExpr b:
                return await BinaryAsync(b, row, ctx).ConfigureAwait(false);
            case IsNullExpr isNull:
                {
                    var v = await EvalAsync(isNull.Operand, row, ctx).ConfigureAwait(false);
                    return isNull.Negated ? v is not null : v is null;
                }

            case HasLabelsExpr hl:
                {
                    var target = await EvalAsync(hl.Target, row, ctx).ConfigureAwait(false);
                    switch (target)
                    {
                        case null:
                            return null;
                        case NodeRef n:
                            var state = await ctx.Transaction.GetNodeAsync(n.Id).ConfigureAwait(false);
                            return state is not null && hl.Labels.All(state.CurrentLabels.Contains);
                        case RelRef r:
                            return hl.Labels.All(l => l == r.Type);
                        default:
                            throw ErrorMessages.Type($"Expected a node but got {ValueCodec.TypeName(target)}");
                    }
                }

            case IndexExpr ie:
                return await IndexAsync(await EvalAsync(ie.Target, row, ctx).ConfigureAwait(false), await EvalAsync(ie.Index, row, ctx).ConfigureAwait(false), ctx).ConfigureAwait(false);
            case SliceExpr se:
                {
                    var target = await EvalAsync(se.Target, row, ctx).ConfigureAwait(false);
                    var from = se.From is null ? 0L : await EvalAsync(se.From, row, ctx).ConfigureAwait(false);
                    var to = se.To is null ? long.MaxValue : await EvalAsync(se.To, row, ctx).ConfigureAwait(false);
                    if (target is null || from is null || to is null)
                    {
                        return null;
                    }

                    if (target is not IReadOnlyList<object?> list)
                    {
                        throw ErrorMessages.Type($"Cannot slice a {ValueCodec.TypeName(target)}");
                    }

                    var (start, end) = (SliceBound(Functions.ToLong(from, "slice"), list.Count), SliceBound(Functions.ToLong(to, "slice"), list.Count));
                    return end <= start ? new List<object?>() : list.Skip(start).Take(end - start).ToList();
                }

            case FunctionExpr f:
                return await Functions.CallAsync(f, row, ctx).ConfigureAwait(false);
            case CountStarExpr:
                throw ErrorMessages.Semantic(CypherErrorCode.InvalidAggregation, "count(*) is only allowed in RETURN and WITH");
            case CaseExpr c:
                {
                    var subject = c.Subject is null ? null : await EvalAsync(c.Subject, row, ctx).ConfigureAwait(false);
                    foreach (var alt in c.Alternatives)
                    {
                        var when = await EvalAsync(alt.When, row, ctx).ConfigureAwait(false);
                        var hit = c.Subject is null ? when is true : CypherCompare.Equal(subject, when) == true;
                        if (hit)
                        {
                            return await EvalAsync(alt.Then, row, ctx).ConfigureAwait(false);
                        }
                    }

                    return c.Else is null ? null : await EvalAsync(c.Else, row, ctx).ConfigureAwait(false);
                }

            case ListComprehensionExpr lc:
                {
                    var source = await EvalAsync(lc.Source, row, ctx).ConfigureAwait(false);
                    if (source is null)
                    {
                        return null;
                    }

                    if (source is not IReadOnlyList<object?> items)
                    {
                        throw ErrorMessages.Type($"Expected a list but got {ValueCodec.TypeName(source)}");
                    }

                    var inner = new Row(row);
                    var result = new List<object?>();
                    foreach (var item in items)
                    {
                        inner[lc.Variable] = item;
                        if (lc.Where is not null && await EvalAsync(lc.Where, inner, ctx).ConfigureAwait(false) is not true)
                        {
                            continue;
                        }

                        result.Add(lc.Projection is null ? item : await EvalAsync(lc.Projection, inner, ctx).ConfigureAwait(false));
                    }

                    return result;
                }

            default:
                throw new InvalidOperationException("Unknown expression " + e.GetType().Name);
        }
    }

    private static int SliceBound(long bound, int count)
    {
        if (bound < 0)
        {
            bound += count;
        }

        return (int)Math.Clamp(bound, 0, count);
    }

    public static bool? AsBool(object? value, string where) => value switch
    {
        null => null,
        bool b => b,
        _ => throw ErrorMessages.Type($"{where} expects a boolean but got {ValueCodec.TypeName(value)} ({CypherCompare.Describe(value)})"),
    };

    private static readonly object s_true = true;
    private static readonly object s_false = false;

    /// <summary>A truth value as an object without boxing a new one per evaluation (null for UNKNOWN).</summary>
    private static object? Box(bool? value) => value is null ? null : value.Value ? s_true : s_false;

    public static async ValueTask<object?> PropertyAsync(object? target, string key, EvalContext ctx)
    {
        switch (target)
        {
            case null:
                return null;
            case NodeRef n:
                var state = await ctx.Transaction.LoadNodeAsync(n.Id).ConfigureAwait(false);
                return state?.GetProperty(key);
            case RelRef r:
                return ctx.Transaction.RelProperties(r).TryGetValue(key, out var rv) ? rv : null;
            case IReadOnlyDictionary<string, object?> m:
                return m.TryGetValue(key, out var mv) ? mv : null;
            default:
                throw ErrorMessages.Type($"Type mismatch: expected a map, node or relationship but was {ValueCodec.TypeName(target)} (accessing property '{key}')");
        }
    }

    private static async ValueTask<object?> IndexAsync(object? target, object? index, EvalContext ctx)
    {
        if (target is null || index is null)
        {
            return null;
        }

        if (target is IReadOnlyList<object?> list)
        {
            if (index is not long i)
            {
                throw ErrorMessages.Type($"List index must be an integer but was {ValueCodec.TypeName(index)}");
            }

            if (i < 0)
            {
                i += list.Count;
            }

            return i >= 0 && i < list.Count ? list[(int)i] : null;
        }

        if (target is IReadOnlyDictionary<string, object?> or NodeRef or RelRef)
        {
            return index is string key
                ? await PropertyAsync(target, key, ctx).ConfigureAwait(false)
                : throw ErrorMessages.Type($"Map key must be a string but was {ValueCodec.TypeName(index)}");
        }

        throw ErrorMessages.Type($"Cannot index a {ValueCodec.TypeName(target)}");
    }

    private static async ValueTask<object?> BinaryAsync(BinaryExpr b, Row row, EvalContext ctx)
    {
        if (b.Op is BinaryOp.And or BinaryOp.Or or BinaryOp.Xor)
        {
            var l = AsBool(await EvalAsync(b.Left, row, ctx).ConfigureAwait(false), Printer.Operator(b.Op));
            if (b.Op == BinaryOp.And && l == false)
            {
                return false;
            }

            if (b.Op == BinaryOp.Or && l == true)
            {
                return true;
            }

            var r = AsBool(await EvalAsync(b.Right, row, ctx).ConfigureAwait(false), Printer.Operator(b.Op));
            return b.Op switch
            {
                BinaryOp.And => r == false ? false : l is null || r is null ? null : true,
                BinaryOp.Or => r == true ? true : l is null || r is null ? null : false,
                _ => l is null || r is null ? null : l != r,
            };
        }

        var left = await EvalAsync(b.Left, row, ctx).ConfigureAwait(false);
        var right = await EvalAsync(b.Right, row, ctx).ConfigureAwait(false);
        switch (b.Op)
        {
            case BinaryOp.Eq: return Box(CypherCompare.Equal(left, right));
            case BinaryOp.Neq: return Box(CypherCompare.Equal(left, right) is { } eq ? !eq : null);
            case BinaryOp.Lt: return Box(CypherCompare.Compare(left, right) is { } c1 ? c1 < 0 : null);
            case BinaryOp.Le: return Box(CypherCompare.Compare(left, right) is { } c2 ? c2 <= 0 : null);
            case BinaryOp.Gt: return Box(CypherCompare.Compare(left, right) is { } c3 ? c3 > 0 : null);
            case BinaryOp.Ge: return Box(CypherCompare.Compare(left, right) is { } c4 ? c4 >= 0 : null);
            case BinaryOp.Add: return Arithmetic.Add(left, right);
            case BinaryOp.Subtract: return Arithmetic.Subtract(left, right);
            case BinaryOp.Multiply: return Arithmetic.Multiply(left, right);
            case BinaryOp.Divide: return Arithmetic.Divide(left, right);
            case BinaryOp.Modulo: return Arithmetic.Modulo(left, right);
            case BinaryOp.Power: return Arithmetic.Power(left, right);
            case BinaryOp.In:
                {
                    if (right is null)
                    {
                        return null;
                    }

                    if (right is not IReadOnlyList<object?> list)
                    {
                        throw ErrorMessages.Type($"IN expects a list but got {ValueCodec.TypeName(right)}");
                    }

                    bool? result = false;
                    foreach (var item in list)
                    {
                        var e = CypherCompare.Equal(left, item);
                        if (e == true)
                        {
                            return true;
                        }

                        if (e is null)
                        {
                            result = null;
                        }
                    }

                    return result;
                }

            case BinaryOp.StartsWith:
                return left is string s1 && right is string p1 ? s1.StartsWith(p1, StringComparison.Ordinal) : null;
            case BinaryOp.EndsWith:
                return left is string s2 && right is string p2 ? s2.EndsWith(p2, StringComparison.Ordinal) : null;
            case BinaryOp.Contains:
                return left is string s3 && right is string p3 ? s3.Contains(p3, StringComparison.Ordinal) : null;
            default:
                {
                    if (left is not string text || right is not string pattern)
                    {
                        return null;
                    }

                    var regex = s_regexes.GetOrAdd(pattern, p =>
                    {
                        try
                        {
                            return new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                        }
                        catch (ArgumentException ex)
                        {
                            throw ErrorMessages.Argument($"Invalid regular expression '{p}': {ex.Message}");
                        }
                    });
                    try
                    {
                        return regex.IsMatch(text);
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        throw ErrorMessages.Argument($"Regular expression '{pattern}' took too long to match.");
                    }
                }
        }
    }
}

/// <summary>A row: variable name to value.</summary>
internal sealed class Row : Dictionary<string, object?>
{
    public Row()
        : base(StringComparer.Ordinal)
    {
    }

    public Row(IDictionary<string, object?> other)
        : base(other, StringComparer.Ordinal)
    {
    }
}
