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

/// <summary>The running state of one aggregate for one group. Sums are exact (<see cref="KvNumber"/>).</summary>
internal sealed class Accumulator(AggregateSpec spec)
{
    private readonly HashSet<AttributeValue>? _seen = spec.Distinct ? [] : null;

    // The function, decided once: this runs for every input row of every group.
    private readonly Function _function = spec.Name switch
    {
        "SUM" or "AVG" => Function.Sum,
        "MIN" => Function.Min,
        "MAX" => Function.Max,
        _ => Function.Count,
    };

    private long _count;
    private KvNumber _sum;
    private AttributeValue? _best;

    public void Add(AttributeValue?[] row, ExecContext ctx)
    {
        if (spec.Argument is null)
        {
            _count++;
            return;
        }

        var v = spec.Argument.Eval(row, ctx);
        if (v is null || (_seen is not null && !_seen.Add(v)))
        {
            return;
        }

        _count++;
        switch (_function)
        {
            case Function.Sum:
                _sum += SqlValues.Number(v, spec.Name);
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

    public AttributeValue? Result() => spec.Name switch
    {
        "COUNT" => AttributeValue.FromNumber(_count),
        "SUM" => _count == 0 ? null : AttributeValue.FromNumber(_sum),
        "AVG" => _count == 0 ? null : AttributeValue.FromNumber(_sum / _count),
        _ => _best,
    };

    private enum Function : byte
    {
        Count,
        Sum,
        Min,
        Max,
    }
}
