using KvDb.Cypher.Ast;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>
/// A WHERE predicate on one node variable compiled against a snapshot of the graph's in-memory copy (a function of the node id): comparisons of the
/// node's properties with literals and parameters, IS [NOT] NULL, label tests and AND / OR / XOR / NOT of those.
/// The result is exactly what <see cref="Evaluator"/> gives for the node (the same comparison functions and
/// three-valued logic); anything else is not compiled and the caller evaluates the expression per row.
/// </summary>
internal static class NodePredicate
{
    /// <summary>The compiled predicate, or null when <paramref name="expression"/> has a form this does not compile.</summary>
    public static Func<long, bool?>? Compile(Expr expression, string variable, GraphCopy copy, GraphCopy.Snapshot snapshot, IReadOnlyDictionary<string, object?> parameters)
    {
        switch (expression)
        {
            case LiteralExpr { Value: null }:
                return static _ => null;
            case LiteralExpr { Value: bool b }:
                return _ => b;
            case UnaryExpr { Op: UnaryOp.Not } not when Compile(not.Operand, variable, copy, snapshot, parameters) is { } operand:
                return node => operand(node) is { } v ? !v : null;
            case BinaryExpr { Op: BinaryOp.And or BinaryOp.Or or BinaryOp.Xor } logic:
                {
                    if (Compile(logic.Left, variable, copy, snapshot, parameters) is not { } left || Compile(logic.Right, variable, copy, snapshot, parameters) is not { } right)
                    {
                        return null;
                    }

                    return logic.Op switch
                    {
                        BinaryOp.And => node => left(node) is not { } l ? (right(node) == false ? false : null) : !l ? false : right(node),
                        BinaryOp.Or => node => left(node) is not { } l ? (right(node) == true ? true : null) : l ? true : right(node),
                        _ => node => left(node) is { } l && right(node) is { } r ? l != r : null,
                    };
                }

            case BinaryExpr { Op: BinaryOp.Eq or BinaryOp.Neq or BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge } comparison:
                {
                    if (Operand(comparison.Left, variable, copy, snapshot, parameters) is not { } left || Operand(comparison.Right, variable, copy, snapshot, parameters) is not { } right)
                    {
                        return null;
                    }

                    return comparison.Op switch
                    {
                        BinaryOp.Eq => node => CypherCompare.Equal(left(node), right(node)),
                        BinaryOp.Neq => node => CypherCompare.Equal(left(node), right(node)) is { } eq ? !eq : null,
                        BinaryOp.Lt => node => CypherCompare.Compare(left(node), right(node)) is { } c ? c < 0 : null,
                        BinaryOp.Le => node => CypherCompare.Compare(left(node), right(node)) is { } c ? c <= 0 : null,
                        BinaryOp.Gt => node => CypherCompare.Compare(left(node), right(node)) is { } c ? c > 0 : null,
                        _ => node => CypherCompare.Compare(left(node), right(node)) is { } c ? c >= 0 : null,
                    };
                }

            case IsNullExpr isNull when Operand(isNull.Operand, variable, copy, snapshot, parameters) is { } operand:
                return isNull.Negated ? node => operand(node) is not null : node => operand(node) is null;
            case HasLabelsExpr { Target: VariableExpr target } has when target.Name == variable:
                {
                    var labels = has.Labels.ToArray();
                    return id =>
                    {
                        if (snapshot.Find(id) is not { } node)
                        {
                            return false;
                        }

                        foreach (var label in labels)
                        {
                            if (!node.HasLabel(label))
                            {
                                return false;
                            }
                        }

                        return true;
                    };
                }

            default:
                return null;
        }
    }

    /// <summary>
    /// The predicate when it is an order comparison (<c>&lt; &lt;= &gt; &gt;=</c>) of the node's property, read from a
    /// column, with an integer literal or parameter, either way round; null otherwise.
    /// </summary>
    public static ColumnComparison? Comparison(Expr expression, string variable, GraphCopy copy, GraphCopy.Snapshot snapshot, IReadOnlyDictionary<string, object?> parameters)
    {
        if (expression is not BinaryExpr { Op: BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge } comparison)
        {
            return null;
        }

        // "5 < n.age" is "n.age > 5".
        var (property, constant, op) = comparison.Left is PropertyExpr
            ? (comparison.Left, comparison.Right, comparison.Op)
            : (comparison.Right, comparison.Left, Flip(comparison.Op));
        if (property is not PropertyExpr { Target: VariableExpr target } read || target.Name != variable ||
            Constant(constant, parameters) is not long value || copy.Column(snapshot, read.Key) is not { } column)
        {
            return null;
        }

        return new ColumnComparison(column, op, value);
    }

    private static BinaryOp Flip(BinaryOp op) => op switch
    {
        BinaryOp.Lt => BinaryOp.Gt,
        BinaryOp.Le => BinaryOp.Ge,
        BinaryOp.Gt => BinaryOp.Lt,
        _ => BinaryOp.Le,
    };

    private static object? Constant(Expr expression, IReadOnlyDictionary<string, object?> parameters) => expression switch
    {
        LiteralExpr literal => literal.Value,
        ParameterExpr parameter when parameters.TryGetValue(parameter.Name, out var value) => value,
        _ => null,
    };

    /// <summary>
    /// <c>property op constant</c> over a column, counted with integer comparisons for integer values and
    /// <see cref="CypherCompare.Compare"/> for the rest: the same result as the evaluator's (WHERE keeps only true).
    /// </summary>
    internal sealed class ColumnComparison(PropertyColumn column, BinaryOp op, long constant)
    {
        private readonly object _boxed = constant;

        /// <summary>How many of the nodes pass.</summary>
        public long Count(long[] nodes) => op switch
        {
            BinaryOp.Lt => Count<Less>(nodes),
            BinaryOp.Le => Count<LessOrEqual>(nodes),
            BinaryOp.Gt => Count<Greater>(nodes),
            _ => Count<GreaterOrEqual>(nodes),
        };

        private long Count<TOrder>(long[] nodes)
            where TOrder : struct, IOrder
        {
            var batch = default(PropertyColumn.Batch);
            Span<object?> values = batch;
            long passed = 0;
            for (var start = 0; start < nodes.Length; start += PropertyColumn.Batch.Size)
            {
                var part = nodes.AsSpan(start, Math.Min(nodes.Length - start, PropertyColumn.Batch.Size));
                column.Gather(part, values);
                foreach (var value in values[..part.Length])
                {
                    if (value is long integer)
                    {
                        passed += TOrder.Holds(integer.CompareTo(constant)) ? 1 : 0;
                    }
                    else if (value is not null && CypherCompare.Compare(value, _boxed) is { } order && TOrder.Holds(order))
                    {
                        passed++;
                    }
                }
            }

            return passed;
        }
    }

    private interface IOrder
    {
        static abstract bool Holds(int order);
    }

    private readonly struct Less : IOrder
    {
        public static bool Holds(int order) => order < 0;
    }

    private readonly struct LessOrEqual : IOrder
    {
        public static bool Holds(int order) => order <= 0;
    }

    private readonly struct Greater : IOrder
    {
        public static bool Holds(int order) => order > 0;
    }

    private readonly struct GreaterOrEqual : IOrder
    {
        public static bool Holds(int order) => order >= 0;
    }

    /// <summary>A property of the node, a literal or a parameter (null for anything else, or a missing parameter: the evaluator reports that).</summary>
    private static Func<long, object?>? Operand(Expr expression, string variable, GraphCopy copy, GraphCopy.Snapshot snapshot, IReadOnlyDictionary<string, object?> parameters)
    {
        switch (expression)
        {
            case PropertyExpr { Target: VariableExpr target } property when target.Name == variable:
                {
                    // The property's column (one array read per node) when the copy has or can make one, else the node's entry.
                    if (copy.Column(snapshot, property.Key) is { } column)
                    {
                        return column.Get;
                    }

                    var key = copy.FindKey(property.Key) ?? property.Key;
                    return id => snapshot.Find(id)?.Property(key);
                }

            case LiteralExpr literal when literal.Value is null or long or double or string or bool:
                {
                    var value = literal.Value;
                    return _ => value;
                }

            case ParameterExpr parameter when parameters.TryGetValue(parameter.Name, out var value) && value is null or long or double or string or bool:
                return _ => value;
            default:
                return null;
        }
    }
}
