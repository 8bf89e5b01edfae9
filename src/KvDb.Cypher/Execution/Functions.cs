using System.Globalization;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>The scalar functions; aggregates are handled by the aggregation operator.</summary>
internal static class Functions
{
    /// <summary>Aggregate functions (valid only in RETURN and WITH).</summary>
    public static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase) { "count", "sum", "avg", "min", "max", "collect" };

    /// <summary>Scalar functions and their (min, max) argument counts.</summary>
    public static readonly Dictionary<string, (int Min, int Max)> Scalars = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = (1, 1), ["labels"] = (1, 1), ["type"] = (1, 1), ["properties"] = (1, 1), ["keys"] = (1, 1),
        ["size"] = (1, 1), ["length"] = (1, 1), ["nodes"] = (1, 1), ["relationships"] = (1, 1),
        ["startNode"] = (1, 1), ["endNode"] = (1, 1), ["coalesce"] = (1, int.MaxValue), ["exists"] = (1, 1),
        ["toString"] = (1, 1), ["toInteger"] = (1, 1), ["toFloat"] = (1, 1), ["toBoolean"] = (1, 1),
        ["toUpper"] = (1, 1), ["toLower"] = (1, 1), ["trim"] = (1, 1), ["ltrim"] = (1, 1), ["rtrim"] = (1, 1),
        ["substring"] = (2, 3), ["replace"] = (3, 3), ["split"] = (2, 2), ["left"] = (2, 2), ["right"] = (2, 2),
        ["reverse"] = (1, 1), ["abs"] = (1, 1), ["ceil"] = (1, 1), ["floor"] = (1, 1), ["round"] = (1, 1),
        ["sign"] = (1, 1), ["sqrt"] = (1, 1), ["rand"] = (0, 0), ["range"] = (2, 3), ["head"] = (1, 1),
        ["last"] = (1, 1), ["tail"] = (1, 1),
    };

    public static async ValueTask<object?> CallAsync(FunctionExpr f, Row row, EvalContext ctx)
    {
        if (Aggregates.Contains(f.Name))
        {
            throw ErrorMessages.Semantic(CypherErrorCode.InvalidAggregation, $"Invalid use of aggregating function {f.Name}(...) in this context");
        }

        var args = new object?[f.Args.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = await Evaluator.EvalAsync(f.Args[i], row, ctx).ConfigureAwait(false);
        }

        var name = f.Name.ToUpperInvariant();
        var tx = ctx.Transaction;
        var a = args.Length > 0 ? args[0] : null;
        if (name == "COALESCE")
        {
            return args.FirstOrDefault(x => x is not null);
        }

        if (name == "RAND")
        {
            return ctx.Random.NextDouble();
        }

        if (name == "EXISTS")
        {
            return a is not null;
        }

        if (a is null && name is not "TOSTRING")
        {
            return null;
        }

        switch (name)
        {
            case "ID":
                return a switch { NodeRef n => n.Id, RelRef r => r.Id, _ => throw Expected(f.Name, "a node or relationship", a) };
            case "LABELS":
                {
                    if (a is not NodeRef n)
                    {
                        throw Expected(f.Name, "a node", a);
                    }

                    var state = await tx.LoadNodeAsync(n.Id).ConfigureAwait(false);
                    return state?.Labels.Cast<object?>().ToList() ?? [];
                }

            case "TYPE":
                return a is RelRef rel ? rel.Type : throw Expected(f.Name, "a relationship", a);
            case "PROPERTIES":
                return a switch
                {
                    NodeRef n => new Dictionary<string, object?>((await tx.LoadNodeAsync(n.Id).ConfigureAwait(false))?.Properties ?? [], StringComparer.Ordinal),
                    RelRef r => new Dictionary<string, object?>(tx.RelProperties(r), StringComparer.Ordinal),
                    IReadOnlyDictionary<string, object?> m => m,
                    _ => throw Expected(f.Name, "a node, relationship or map", a),
                };
            case "KEYS":
                return a switch
                {
                    NodeRef n => ((await tx.LoadNodeAsync(n.Id).ConfigureAwait(false))?.Properties.Keys ?? Enumerable.Empty<string>()).Cast<object?>().ToList(),
                    RelRef r => tx.RelProperties(r).Keys.Cast<object?>().ToList(),
                    IReadOnlyDictionary<string, object?> m => m.Keys.Cast<object?>().ToList(),
                    _ => throw Expected(f.Name, "a node, relationship or map", a),
                };
            case "SIZE":
                return a switch
                {
                    string s => (long)new StringInfoLength(s).Length,
                    IReadOnlyList<object?> l => (long)l.Count,
                    _ => throw Expected(f.Name, "a string or list", a),
                };
            case "LENGTH":
                return a switch
                {
                    PathValue p => (long)p.Relationships.Count,
                    string s => (long)new StringInfoLength(s).Length,
                    _ => throw Expected(f.Name, "a path", a),
                };
            case "NODES":
                return a is PathValue pn ? pn.Nodes.Cast<object?>().ToList() : throw Expected(f.Name, "a path", a);
            case "RELATIONSHIPS":
                return a is PathValue pr ? pr.Relationships.Cast<object?>().ToList() : throw Expected(f.Name, "a path", a);
            case "STARTNODE":
                return a is RelRef rs ? new NodeRef(rs.Start) : throw Expected(f.Name, "a relationship", a);
            case "ENDNODE":
                return a is RelRef re ? new NodeRef(re.End) : throw Expected(f.Name, "a relationship", a);
            case "TOSTRING":
                return a is null ? null : a is long or double or string or bool ? ToStringValue(a) : throw Expected(f.Name, "a number, string or boolean", a);
            case "TOINTEGER":
                return a switch
                {
                    long l => l,
                    double d => double.IsNaN(d) || d >= 9.2233720368547758E18 || d < -9.2233720368547758E18 ? throw ErrorMessages.Overflow("toInteger") : (long)Math.Truncate(d),
                    string s => ParseInteger(s),
                    bool b => b ? 1L : 0L,
                    _ => throw Expected(f.Name, "a number, string or boolean", a),
                };
            case "TOFLOAT":
                return a switch
                {
                    long l => (double)l,
                    double d => d,
                    string s => double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
                    _ => throw Expected(f.Name, "a number or string", a),
                };
            case "TOBOOLEAN":
                return a switch
                {
                    bool b => b,
                    string s => s.Trim().ToUpperInvariant() switch { "TRUE" => true, "FALSE" => false, _ => null },
                    long l => l != 0,
                    _ => throw Expected(f.Name, "a string, boolean or integer", a),
                };
            case "TOUPPER": return Str(f, a).ToUpperInvariant();
            case "TOLOWER": return Str(f, a).ToLowerInvariant();
            case "TRIM": return Str(f, a).Trim();
            case "LTRIM": return Str(f, a).TrimStart();
            case "RTRIM": return Str(f, a).TrimEnd();
            case "SUBSTRING":
                {
                    var s = Str(f, a);
                    if (args[1] is null || (args.Length > 2 && args[2] is null))
                    {
                        return null;
                    }

                    var start = ToLong(args[1], f.Name);
                    var length = args.Length > 2 ? ToLong(args[2], f.Name) : long.MaxValue;
                    if (start < 0 || length < 0)
                    {
                        throw ErrorMessages.Argument($"{f.Name}: start and length must not be negative");
                    }

                    if (start >= s.Length)
                    {
                        return "";
                    }

                    return s.Substring((int)start, (int)Math.Min(length, s.Length - start));
                }

            case "REPLACE":
                {
                    var s = Str(f, a);
                    if (args[1] is null || args[2] is null)
                    {
                        return null;
                    }

                    var search = Str(f, args[1]);
                    return search.Length == 0 ? s : s.Replace(search, Str(f, args[2]), StringComparison.Ordinal);
                }

            case "SPLIT":
                {
                    var s = Str(f, a);
                    if (args[1] is null)
                    {
                        return null;
                    }

                    var sep = Str(f, args[1]);
                    return sep.Length == 0
                        ? s.Select(c => (object?)c.ToString()).ToList()
                        : s.Split(sep).Cast<object?>().ToList();
                }

            case "LEFT":
            case "RIGHT":
                {
                    var s = Str(f, a);
                    if (args[1] is null)
                    {
                        throw ErrorMessages.Argument($"{f.Name}: length must not be null");
                    }

                    var n = ToLong(args[1], f.Name);
                    if (n < 0)
                    {
                        throw ErrorMessages.Argument($"{f.Name}: length must not be negative");
                    }

                    var take = (int)Math.Min(n, s.Length);
                    return name == "LEFT" ? s[..take] : s[(s.Length - take)..];
                }

            case "REVERSE":
                return a switch
                {
                    string s => new string(s.Reverse().ToArray()),
                    IReadOnlyList<object?> l => l.Reverse().ToList(),
                    _ => throw Expected(f.Name, "a string or list", a),
                };
            case "ABS":
                return a switch
                {
                    long l => l == long.MinValue ? throw ErrorMessages.Overflow("abs") : (object)Math.Abs(l),
                    double d => Math.Abs(d),
                    _ => throw Expected(f.Name, "a number", a),
                };
            case "CEIL": return Math.Ceiling(Num(f, a));
            case "FLOOR": return Math.Floor(Num(f, a));
            case "ROUND": return Math.Round(Num(f, a), MidpointRounding.AwayFromZero);
            case "SIGN":
                return a switch
                {
                    long l => (long)Math.Sign(l),
                    double d => double.IsNaN(d) ? throw ErrorMessages.Argument("sign(NaN)") : (long)Math.Sign(d),
                    _ => throw Expected(f.Name, "a number", a),
                };
            case "SQRT": return Math.Sqrt(Num(f, a));
            case "RANGE":
                {
                    if (args.Any(x => x is null))
                    {
                        return null;
                    }

                    var start = ToLong(args[0], f.Name);
                    var end = ToLong(args[1], f.Name);
                    var step = args.Length > 2 ? ToLong(args[2], f.Name) : 1;
                    if (step == 0)
                    {
                        throw ErrorMessages.Argument("range: step must not be zero");
                    }

                    var count = step > 0 ? (end >= start ? ((decimal)end - start) / step + 1 : 0) : (end <= start ? ((decimal)start - end) / -step + 1 : 0);
                    if (count > 10_000_000)
                    {
                        throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.InvalidArgumentValue, "range: the list would have more than 10000000 elements");
                    }

                    var list = new List<object?>((int)count);
                    for (long i = 0, v = start; i < (long)count; i++, v += step)
                    {
                        list.Add(v);
                    }

                    return list;
                }

            case "HEAD":
                return a is IReadOnlyList<object?> h ? (h.Count > 0 ? h[0] : null) : throw Expected(f.Name, "a list", a);
            case "LAST":
                return a is IReadOnlyList<object?> la ? (la.Count > 0 ? la[^1] : null) : throw Expected(f.Name, "a list", a);
            case "TAIL":
                return a is IReadOnlyList<object?> t ? t.Skip(1).ToList() : throw Expected(f.Name, "a list", a);
            default:
                throw ErrorMessages.Semantic(CypherErrorCode.UnknownFunction, $"Unknown function '{f.Name}'");
        }
    }

    private readonly struct StringInfoLength(string s)
    {
        public int Length => new StringInfo(s).LengthInTextElements;
    }

    private static object? ParseInteger(string s)
    {
        s = s.Trim();
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) && !double.IsInfinity(d))
        {
            return d >= 9.2233720368547758E18 || d < -9.2233720368547758E18 ? throw ErrorMessages.Overflow("toInteger") : (long)Math.Truncate(d);
        }

        return null;
    }

    public static string ToStringValue(object? v) => v switch
    {
        null => "null",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Printer.Float(d),
        _ => CypherValueText.Format(v),
    };

    public static long ToLong(object? v, string function) => v switch
    {
        long l => l,
        _ => throw Expected(function, "an integer", v),
    };

    private static string Str(FunctionExpr f, object? v) => v as string ?? throw Expected(f.Name, "a string", v);

    private static double Num(FunctionExpr f, object? v) => v switch
    {
        long l => l,
        double d => d,
        _ => throw Expected(f.Name, "a number", v),
    };

    private static CypherException Expected(string function, string what, object? got) =>
        ErrorMessages.Type($"Type mismatch: {function}() expected {what} but was {ValueCodec.TypeName(got)}");
}
