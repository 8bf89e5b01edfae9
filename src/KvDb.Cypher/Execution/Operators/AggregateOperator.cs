using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>
/// Implicit grouping: rows are grouped on the grouping keys, and each aggregate (count, count(*), sum, avg, min,
/// max, collect, optionally DISTINCT) is computed per group. With no grouping keys and no input rows, one row
/// of empty aggregates is produced (count 0, collect []).
/// </summary>
internal sealed class AggregateOperator(Operator input, IReadOnlyList<(string Name, Expr Expression)> keys, IReadOnlyList<(string Name, Expr Aggregate)> aggregates) : UnaryOperator(input)
{
    public override string Describe() =>
        "Aggregate keys=[" + string.Join(", ", keys.Select(k => k.Expression.ToString())) + "] aggregates=[" + string.Join(", ", aggregates.Select(a => a.Aggregate.ToString())) + "]";

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var groups = new Dictionary<object?[], (object?[] Keys, Accumulator[] Accs)>(CypherCompare.RowEquivalence.Instance);
        var order = new List<object?[]>();
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var keyValues = keys.Count == 0 ? [] : new object?[keys.Count];
            for (var i = 0; i < keys.Count; i++)
            {
                keyValues[i] = await Evaluator.EvalAsync(keys[i].Expression, row, ctx).ConfigureAwait(false);
            }

            if (!groups.TryGetValue(keyValues, out var group))
            {
                group = (keyValues, aggregates.Select(a => new Accumulator(a.Aggregate)).ToArray());
                groups[keyValues] = group;
                order.Add(keyValues);
            }

            foreach (var acc in group.Accs)
            {
                await acc.AddAsync(row, ctx).ConfigureAwait(false);
            }
        }

        if (keys.Count == 0 && groups.Count == 0)
        {
            var empty = Array.Empty<object?>();
            groups[empty] = (empty, aggregates.Select(a => new Accumulator(a.Aggregate)).ToArray());
            order.Add(empty);
        }

        foreach (var k in order)
        {
            var (keyValues, accs) = groups[k];
            var output = new Row();
            for (var i = 0; i < keys.Count; i++)
            {
                output[keys[i].Name] = keyValues[i];
            }

            for (var i = 0; i < aggregates.Count; i++)
            {
                output[aggregates[i].Name] = accs[i].Result();
            }

            yield return output;
        }
    }

    private sealed class Accumulator(Expr aggregate)
    {
        private readonly HashSet<object?>? _distinct = aggregate is FunctionExpr { Distinct: true } ? new HashSet<object?>(CypherCompare.Equivalence.Instance) : null;
        private readonly List<object?> _collected = [];
        private long _count;
        private long _intSum;
        private double _floatSum;
        private bool _anyFloat;
        private object? _best;

        private string Function => aggregate is FunctionExpr f ? f.Name.ToUpperInvariant() : "COUNT(*)";

        public async ValueTask AddAsync(Row row, EvalContext ctx)
        {
            if (aggregate is CountStarExpr)
            {
                _count++;
                return;
            }

            var f = (FunctionExpr)aggregate;
            var value = await Evaluator.EvalAsync(f.Args[0], row, ctx).ConfigureAwait(false);
            if (value is null || (_distinct is not null && !_distinct.Add(value)))
            {
                return;
            }

            _count++;
            switch (Function)
            {
                case "SUM":
                case "AVG":
                    switch (value)
                    {
                        case long l when !_anyFloat:
                            try
                            {
                                _intSum = checked(_intSum + l);
                            }
                            catch (OverflowException)
                            {
                                if (Function == "SUM")
                                {
                                    throw ErrorMessages.Overflow(f.Name);
                                }

                                _anyFloat = true;
                                _floatSum = (double)_intSum + l;
                            }

                            break;
                        case long l:
                            _floatSum += l;
                            break;
                        case double d:
                            if (!_anyFloat)
                            {
                                _anyFloat = true;
                                _floatSum = _intSum;
                            }

                            _floatSum += d;
                            break;
                        default:
                            throw ErrorMessages.Type($"{f.Name}() expects numbers but got {ValueCodec.TypeName(value)}");
                    }

                    break;
                case "MIN":
                    if (_best is null || CypherCompare.OrderCompare(value, _best) < 0)
                    {
                        _best = value;
                    }

                    break;
                case "MAX":
                    if (_best is null || CypherCompare.OrderCompare(value, _best) > 0)
                    {
                        _best = value;
                    }

                    break;
                case "COLLECT":
                    _collected.Add(value);
                    break;
            }
        }

        public object? Result() => Function switch
        {
            "COUNT" or "COUNT(*)" => _count,
            "SUM" => _anyFloat ? (object)_floatSum : _intSum,
            "AVG" => _count == 0 ? null : (_anyFloat ? _floatSum : (double)_intSum) / _count,
            "MIN" or "MAX" => _best,
            _ => new List<object?>(_collected),
        };
    }
}
