using KvDb.Sql.Ast;
using KvDb.Sql.Execution;

namespace KvDb.Sql.Binding;

/// <summary>One aggregate of a GROUP BY: COUNT(*), COUNT([DISTINCT] x), SUM, AVG, MIN, MAX.</summary>
internal sealed class AggregateSpec(string name, BoundExpr? argument, bool distinct, SqlExpr syntax)
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "COUNT", "SUM", "AVG", "MIN", "MAX" };

    public string Name { get; } = name;

    public BoundExpr? Argument { get; } = argument;

    public bool Distinct { get; } = distinct;

    /// <summary>The call as written, to recognise the same aggregate in SELECT, HAVING and ORDER BY.</summary>
    public SqlExpr Syntax { get; } = syntax;

    public Accumulator CreateAccumulator() => new(this);

    public override string ToString() => Argument is null ? $"{Name}(*)" : $"{Name}({(Distinct ? "DISTINCT " : "")}{Argument})";
}

/// <summary>
/// The running state of one aggregate for one group. Sums are exact: integer values that fit a <see cref="long"/> are
/// added in a <see cref="long"/> (moved into the <see cref="KvNumber"/> part before it would overflow), other values in
/// a <see cref="KvNumber"/>; the result is their exact sum, as adding every value as a <see cref="KvNumber"/> gives.
/// </summary>
internal sealed class Accumulator(AggregateSpec spec)
{
    private readonly HashSet<AttributeValue>? _seen = spec.Distinct ? [] : null;

    // The function, decided once: this runs for every input row of every group.
    private readonly Function _function = spec.Name switch
    {
        "SUM" => Function.Sum,
        "AVG" => Function.Avg,
        "MIN" => Function.Min,
        "MAX" => Function.Max,
        _ => Function.Count,
    };

    private readonly BoundExpr? _argument = spec.Argument;
    private long _count;
    private long _integerSum;
    private KvNumber _sum;
    private AttributeValue? _best;

    public void Add(AttributeValue?[] row, ExecContext ctx)
    {
        if (_argument is null)
        {
            _count++;
            return;
        }

        var v = _argument.Eval(row, ctx);
        if (v is null || (_seen is not null && !_seen.Add(v)))
        {
            return;
        }

        _count++;
        switch (_function)
        {
            case Function.Sum or Function.Avg:
                var n = SqlValues.Number(v, spec.Name);
                if (n.TryToInt64(out var integer))
                {
                    var total = unchecked(_integerSum + integer);
                    if (((_integerSum ^ total) & (integer ^ total)) < 0)
                    {
                        // The long would overflow: keep what it holds in the exact part.
                        _sum += _integerSum;
                        total = integer;
                    }

                    _integerSum = total;
                }
                else
                {
                    _sum += n;
                }

                break;
            case Function.Min or Function.Max:
                if (_best is null)
                {
                    _best = v;
                }
                else
                {
                    if (!SqlValues.Comparable(_best.Kind, v.Kind))
                    {
                        ThrowHelper.Error(SqlErrorCode.TypeMismatch, ErrorMessages.TypeMismatch(spec.Name, SqlValues.Describe(_best), SqlValues.Describe(v)));
                    }

                    var c = SqlValues.CompareSameKind(v, _best);
                    if (_function == Function.Min ? c < 0 : c > 0)
                    {
                        _best = v;
                    }
                }

                break;
        }
    }

    public AttributeValue? Result() => _function switch
    {
        Function.Count => AttributeValue.FromNumber(_count),
        Function.Sum => _count == 0 ? null : AttributeValue.FromNumber(Sum()),
        Function.Avg => _count == 0 ? null : AttributeValue.FromNumber(Sum() / _count),
        _ => _best,
    };

    private KvNumber Sum() => _sum.IsZero ? _integerSum : _sum + _integerSum;

    private enum Function : byte
    {
        Count,
        Sum,
        Avg,
        Min,
        Max,
    }
}
