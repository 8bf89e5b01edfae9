using System.Globalization;
using System.Text;
using KvDb.Sql.Ast;

namespace KvDb.Sql.Execution;

/// <summary>
/// Value semantics of KvDb.Sql. A SQL value is an <see cref="AttributeValue"/>; SQL NULL is <c>null</c> (an attribute of
/// kind NULL and a missing attribute both read as SQL NULL). Numbers are exact decimals (<see cref="KvNumber"/>, 38
/// significant digits), strings compare by ordinal, and booleans are TRUE/FALSE with NULL as UNKNOWN.
/// </summary>
internal static class SqlValues
{
    public static readonly AttributeValue True = AttributeValue.True;
    public static readonly AttributeValue False = AttributeValue.False;

    public static AttributeValue? Normalize(AttributeValue? value) => value is null || value.Kind == AttributeKind.Null ? null : value;

    public static AttributeValue? Bool(bool? value) => value is null ? null : value.Value ? True : False;

    /// <summary>Reads a value as a truth value: TRUE, FALSE or UNKNOWN (null).</summary>
    public static bool? Truth(AttributeValue? value, string where)
    {
        if (value is null)
        {
            return null;
        }

        return value.Kind == AttributeKind.Bool
            ? value.AsBool()
            : ThrowHelper.Error<bool?>(SqlErrorCode.TypeMismatch, $"Type mismatch: {where} needs a boolean but got {Describe(value)}");
    }

    public static string KindName(AttributeKind kind) => kind switch
    {
        AttributeKind.String => "STRING",
        AttributeKind.Number => "NUMBER",
        AttributeKind.Binary => "BINARY",
        AttributeKind.Bool => "BOOLEAN",
        AttributeKind.List => "LIST",
        AttributeKind.Map => "MAP",
        AttributeKind.Null => "NULL",
        _ => "SET",
    };

    /// <summary>A value for error messages: its type and a short rendering.</summary>
    public static string Describe(AttributeValue? value) => value is null ? "NULL" : $"{KindName(value.Kind)} {Render(value)}";

    /// <summary>A short text of a value (strings quoted), for EXPLAIN and messages.</summary>
    public static string Render(AttributeValue? value)
    {
        if (value is null || value.Kind == AttributeKind.Null)
        {
            return "NULL";
        }

        var text = value.Kind switch
        {
            AttributeKind.String => SqlPrinter.StringLiteral(value.AsString()),
            AttributeKind.Number => value.AsNumber().ToString(),
            AttributeKind.Bool => value.AsBool() ? "TRUE" : "FALSE",
            _ => value.ToString(),
        };
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    /// <summary>Whether two kinds can be compared with &lt; and &gt;.</summary>
    public static bool Comparable(AttributeKind left, AttributeKind right) =>
        left == right && left is AttributeKind.String or AttributeKind.Number or AttributeKind.Binary or AttributeKind.Bool;

    /// <summary>
    /// Compares for a predicate: null when either side is NULL; equality across different types is false; ordering
    /// across different types is a type-mismatch error.
    /// </summary>
    public static AttributeValue? Compare(BinaryOp op, AttributeValue? left, AttributeValue? right)
    {
        if (left is null || right is null)
        {
            return null;
        }

        if (op is BinaryOp.Equal or BinaryOp.NotEqual)
        {
            var equal = left.Kind == right.Kind ? CompareSameKind(left, right) == 0 : false;
            return Bool(op == BinaryOp.Equal ? equal : !equal);
        }

        if (!Comparable(left.Kind, right.Kind))
        {
            ThrowHelper.Error(SqlErrorCode.TypeMismatch, ErrorMessages.TypeMismatch(SqlPrinter.OperatorText(op), Describe(left), Describe(right)));
        }

        var c = CompareSameKind(left, right);
        return Bool(op switch
        {
            BinaryOp.Less => c < 0,
            BinaryOp.LessOrEqual => c <= 0,
            BinaryOp.Greater => c > 0,
            _ => c >= 0,
        });
    }

    /// <summary>Compares two values of one kind (for lists, maps and sets: equal or not, by structure).</summary>
    public static int CompareSameKind(AttributeValue left, AttributeValue right) => left.Kind switch
    {
        AttributeKind.Number => KvNumber.Compare(left.AsNumber(), right.AsNumber()),
        AttributeKind.String => string.CompareOrdinal(left.AsString(), right.AsString()),
        AttributeKind.Binary => left.AsBinary().Span.SequenceCompareTo(right.AsBinary().Span),
        AttributeKind.Bool => left.AsBool().CompareTo(right.AsBool()),
        _ => left.Equals(right) ? 0 : 1,
    };

    /// <summary>
    /// The total order used by ORDER BY, GROUP BY and DISTINCT: NULL first, then by type (boolean, number, string,
    /// binary, others), then by value.
    /// </summary>
    public static int SortCompare(AttributeValue? left, AttributeValue? right)
    {
        if (left is null)
        {
            return right is null ? 0 : -1;
        }

        if (right is null)
        {
            return 1;
        }

        if (left.Kind != right.Kind)
        {
            return Rank(left.Kind).CompareTo(Rank(right.Kind));
        }

        return left.Kind is AttributeKind.Number or AttributeKind.String or AttributeKind.Binary or AttributeKind.Bool
            ? CompareSameKind(left, right)
            : string.CompareOrdinal(left.ToString(), right.ToString());
    }

    private static int Rank(AttributeKind kind) => kind switch
    {
        AttributeKind.Bool => 1,
        AttributeKind.Number => 2,
        AttributeKind.String => 3,
        AttributeKind.Binary => 4,
        _ => 5 + (int)kind,
    };

    public static KvNumber Number(AttributeValue value, string op) =>
        value.Kind == AttributeKind.Number
            ? value.AsNumber()
            : ThrowHelper.Error<KvNumber>(SqlErrorCode.TypeMismatch, $"Type mismatch: '{op}' needs numbers but got {Describe(value)}");

    public static AttributeValue? Arithmetic(BinaryOp op, AttributeValue? left, AttributeValue? right)
    {
        if (left is null || right is null)
        {
            return null;
        }

        if (left.Kind != AttributeKind.Number || right.Kind != AttributeKind.Number)
        {
            ThrowHelper.Error(SqlErrorCode.TypeMismatch, ErrorMessages.TypeMismatch(SqlPrinter.OperatorText(op), Describe(left), Describe(right)));
        }

        var a = left.AsNumber();
        var b = right.AsNumber();
        if (op is BinaryOp.Divide or BinaryOp.Modulo && b.IsZero)
        {
            ThrowHelper.Error(SqlErrorCode.DivisionByZero, $"{ErrorMessages.DivisionByZero}: {Render(left)} {SqlPrinter.OperatorText(op)} 0");
        }

        try
        {
            return AttributeValue.FromNumber(op switch
            {
                BinaryOp.Add => a + b,
                BinaryOp.Subtract => a - b,
                BinaryOp.Multiply => a * b,
                BinaryOp.Divide => a / b,
                _ => a % b,
            });
        }
        catch (KvDbException ex) when (ex.Code == KvErrorCode.InvalidNumber)
        {
            return ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Numeric overflow in {Render(left)} {SqlPrinter.OperatorText(op)} {Render(right)}: {ex.Message}");
        }
    }

    /// <summary>The text of a value for || and CAST AS STRING.</summary>
    public static string Text(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => value.AsString(),
        AttributeKind.Number => value.AsNumber().ToString(),
        AttributeKind.Bool => value.AsBool() ? "true" : "false",
        AttributeKind.Binary => Convert.ToBase64String(value.AsBinary().Span),
        _ => value.ToString(),
    };

    /// <summary>SQL LIKE with '%' (any run) and '_' (one character); case-sensitive.</summary>
    public static bool Like(string text, string pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '_' || pattern[p] == text[t]) && pattern[p] != '%')
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '%')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Converts a literal's text to a value.</summary>
    public static AttributeValue? FromLiteral(LiteralExpr literal) => literal.Kind switch
    {
        LiteralKind.Null => null,
        LiteralKind.Boolean => Bool(literal.Text == "TRUE"),
        LiteralKind.String => AttributeValue.FromString(literal.Text),
        _ => KvNumber.TryParse(literal.Text, out var n, out var error)
            ? AttributeValue.FromNumber(n)
            : ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Invalid number {literal.Text}: {error}"),
    };

    /// <summary>Converts a .NET parameter value to a SQL value.</summary>
    public static AttributeValue? FromObject(object? value, string name) => FromObject(value, name, static n => n);

    /// <summary>The same for the value of a parameter (its name is formatted only for an error).</summary>
    public static AttributeValue? FromObject(object? value, Ast.ParameterExpr parameter) =>
        FromObject(value, parameter, static p => p.Name is { } n ? "@" + n : "?" + (p.Ordinal + 1).ToString(CultureInfo.InvariantCulture));

    private static AttributeValue? FromObject<TName>(object? value, TName state, Func<TName, string> name) => value switch
    {
        null => null,
        AttributeValue v => Normalize(v),
        string s => AttributeValue.FromString(s),
        bool b => Bool(b),
        int i => AttributeValue.FromNumber(i),
        long l => AttributeValue.FromNumber(l),
        short s => AttributeValue.FromNumber(s),
        byte b => AttributeValue.FromNumber(b),
        uint u => AttributeValue.FromNumber((long)u),
        ulong u => AttributeValue.FromNumber(KvNumber.FromUInt64(u)),
        decimal d => AttributeValue.FromNumber(d),
        double d => AttributeValue.FromNumber(KvNumber.FromDouble(d)),
        float f => AttributeValue.FromNumber(KvNumber.FromDouble(f)),
        KvNumber n => AttributeValue.FromNumber(n),
        byte[] bytes => AttributeValue.FromBinary(bytes),
        Guid g => AttributeValue.FromString(g.ToString()),
        DateTime dt => AttributeValue.FromString(dt.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset dto => AttributeValue.FromString(dto.ToString("O", CultureInfo.InvariantCulture)),
        _ => ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Parameter '{name(state)}' has unsupported type {value.GetType().Name}"),
    };

    /// <summary>Converts a SQL value to a plain .NET value for result rows.</summary>
    public static object? ToObject(AttributeValue? value) => value is null ? null : value.Kind switch
    {
        // Each arm is typed object: AttributeValue converts implicitly from string, KvNumber and bool, so the
        // switch's natural type would otherwise turn every value back into an AttributeValue.
        AttributeKind.String => (object)value.AsString(),
        AttributeKind.Number => (object)value.AsNumber(),
        AttributeKind.Bool => (object)value.AsBool(),
        AttributeKind.Null => null,
        _ => (object)value,
    };

    public static string Join(IEnumerable<string> parts) => new StringBuilder().AppendJoin(", ", parts).ToString();
}
