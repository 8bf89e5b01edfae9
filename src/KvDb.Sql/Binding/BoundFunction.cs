using KvDb.Sql.Execution;

namespace KvDb.Sql.Binding;

/// <summary>A call of a scalar function.</summary>
internal sealed class BoundFunction(string name, IReadOnlyList<BoundExpr> args) : BoundExpr
{
    public override BoundExpr WithColumns(Func<BoundColumn, BoundExpr> map) => new BoundFunction(name, [.. args.Select(a => a.WithColumns(map))]);

    /// <summary>Scalar functions and their argument counts (min, max).</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max)> Known = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
    {
        ["COALESCE"] = (1, 64),
        ["IFNULL"] = (2, 2),
        ["NULLIF"] = (2, 2),
        ["UPPER"] = (1, 1),
        ["LOWER"] = (1, 1),
        ["LENGTH"] = (1, 1),
        ["TRIM"] = (1, 1),
        ["SUBSTR"] = (2, 3),
        ["SUBSTRING"] = (2, 3),
        ["REPLACE"] = (3, 3),
        ["CONCAT"] = (1, 64),
        ["ABS"] = (1, 1),
        ["ROUND"] = (1, 2),
        ["FLOOR"] = (1, 1),
        ["CEIL"] = (1, 1),
        ["CEILING"] = (1, 1),
        ["SIZE"] = (1, 1),
    };

    public override IEnumerable<BoundExpr> Children => args;

    public override AttributeValue? Eval(AttributeValue?[] row, ExecContext ctx)
    {
        switch (name)
        {
            case "COALESCE":
            case "IFNULL":
                foreach (var arg in args)
                {
                    if (arg.Eval(row, ctx) is { } v)
                    {
                        return v;
                    }
                }

                return null;
            case "NULLIF":
                {
                    var a = args[0].Eval(row, ctx);
                    var b = args[1].Eval(row, ctx);
                    return SqlValues.Compare(Ast.BinaryOp.Equal, a, b) is { } eq && eq.AsBool() ? null : a;
                }

            case "CONCAT":
                {
                    var sb = new System.Text.StringBuilder();
                    foreach (var arg in args)
                    {
                        if (arg.Eval(row, ctx) is { } v)
                        {
                            sb.Append(SqlValues.Text(v));
                        }
                    }

                    return AttributeValue.FromString(sb.ToString());
                }
        }

        var values = new AttributeValue?[args.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = args[i].Eval(row, ctx);
            if (values[i] is null)
            {
                return null;
            }
        }

        var x = values[0]!;
        switch (name)
        {
            case "UPPER":
                return AttributeValue.FromString(Str(x).ToUpperInvariant());
            case "LOWER":
                return AttributeValue.FromString(Str(x).ToLowerInvariant());
            case "TRIM":
                return AttributeValue.FromString(Str(x).Trim());
            case "LENGTH":
                return x.Kind == AttributeKind.Binary ? AttributeValue.FromNumber(x.AsBinary().Length) : AttributeValue.FromNumber(Str(x).Length);
            case "SIZE":
                return AttributeValue.FromNumber(x.Kind switch
                {
                    AttributeKind.List => x.AsList().Count,
                    AttributeKind.Map => x.AsMap().Count,
                    AttributeKind.String => x.AsString().Length,
                    AttributeKind.Binary => x.AsBinary().Length,
                    _ => ThrowHelper.Error<int>(SqlErrorCode.TypeMismatch, $"Type mismatch: SIZE needs a list, map, string or binary but got {SqlValues.Describe(x)}"),
                });
            case "SUBSTR":
            case "SUBSTRING":
                {
                    // 1-based start; a start before 1 eats into the length, as in SQLite and PostgreSQL.
                    var s = Str(x);
                    var start = Int(values[1]!);
                    long end = values.Length > 2 ? start + Int(values[2]!) : s.Length + 1L;
                    var from = Math.Clamp(start, 1, s.Length + 1);
                    var to = Math.Clamp(end, from, s.Length + 1);
                    return AttributeValue.FromString(s.Substring((int)from - 1, (int)(to - from)));
                }

            case "REPLACE":
                {
                    var find = Str(values[1]!);
                    return AttributeValue.FromString(find.Length == 0 ? Str(x) : Str(x).Replace(find, Str(values[2]!), StringComparison.Ordinal));
                }

            case "ABS":
                return AttributeValue.FromNumber(KvNumber.Abs(SqlValues.Number(x, name)));
            case "ROUND":
                return AttributeValue.FromNumber(SqlValues.Number(x, name).Round(values.Length > 1 ? (int)Int(values[1]!) : 0));
            case "FLOOR":
                return AttributeValue.FromNumber(SqlValues.Number(x, name).Floor());
            default:
                return AttributeValue.FromNumber(SqlValues.Number(x, name).Ceiling());
        }
    }

    private string Str(AttributeValue v) =>
        v.Kind == AttributeKind.String ? v.AsString() : ThrowHelper.Error<string>(SqlErrorCode.TypeMismatch, $"Type mismatch: {name} needs a string but got {SqlValues.Describe(v)}");

    private long Int(AttributeValue v)
    {
        var n = SqlValues.Number(v, name);
        return n.TryToInt64(out var l) && n.IsInteger
            ? l
            : ThrowHelper.Error<long>(SqlErrorCode.TypeMismatch, $"Type mismatch: {name} needs an integer but got {SqlValues.Describe(v)}");
    }

    public override string ToString() => $"{name}({string.Join(", ", args)})";
}
