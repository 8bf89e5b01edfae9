using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>Cypher arithmetic: 64-bit integers overflow with an error; mixing with a float gives a float.</summary>
internal static class Arithmetic
{
    public static object? Negate(object? v) => v switch
    {
        null => null,
        long l => l == long.MinValue ? throw ErrorMessages.Overflow("-") : (object)(-l),
        double d => -d,
        _ => throw Mismatch("-", v, null),
    };

    public static object? Add(object? a, object? b)
    {
        switch (a)
        {
            case null when b is not IReadOnlyList<object?>:
                return null;
            case IReadOnlyList<object?> la:
                var list = new List<object?>(la);
                if (b is IReadOnlyList<object?> lb)
                {
                    list.AddRange(lb);
                }
                else
                {
                    list.Add(b);
                }

                return list;
        }

        switch (b)
        {
            case IReadOnlyList<object?> l2:
                var prepended = new List<object?>(l2.Count + 1) { a };
                prepended.AddRange(l2);
                return prepended;
            case null:
                return null;
        }

        if (a is string sa)
        {
            return b is string or long or double ? sa + Functions.ToStringValue(b) : throw Mismatch("+", a, b);
        }

        if (b is string sb)
        {
            return a is long or double ? Functions.ToStringValue(a) + sb : throw Mismatch("+", a, b);
        }

        return Numeric(a, b, "+", (x, y) => { try { return checked(x + y); } catch (OverflowException) { throw ErrorMessages.Overflow("+"); } }, (x, y) => x + y);
    }

    public static object? Subtract(object? a, object? b) =>
        Numeric(a, b, "-", (x, y) => { try { return checked(x - y); } catch (OverflowException) { throw ErrorMessages.Overflow("-"); } }, (x, y) => x - y);

    public static object? Multiply(object? a, object? b) =>
        Numeric(a, b, "*", (x, y) => { try { return checked(x * y); } catch (OverflowException) { throw ErrorMessages.Overflow("*"); } }, (x, y) => x * y);

    public static object? Divide(object? a, object? b) =>
        Numeric(a, b, "/", (x, y) => y == 0 ? throw DivideByZero() : x == long.MinValue && y == -1 ? throw ErrorMessages.Overflow("/") : x / y, (x, y) => x / y);

    public static object? Modulo(object? a, object? b) =>
        Numeric(a, b, "%", (x, y) => y == 0 ? throw DivideByZero() : y == -1 ? 0 : x % y, (x, y) => x % y);

    public static object? Power(object? a, object? b) =>
        a is null || b is null ? null :
        a is long or double && b is long or double ? Math.Pow(CypherCompare.ToDouble(a), CypherCompare.ToDouble(b)) :
        throw Mismatch("^", a, b);

    private static object? Numeric(object? a, object? b, string op, Func<long, long, long> integer, Func<double, double, double> floating)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (a is long x && b is long y)
        {
            return integer(x, y);
        }

        if (a is long or double && b is long or double)
        {
            return floating(CypherCompare.ToDouble(a), CypherCompare.ToDouble(b));
        }

        throw Mismatch(op, a, b);
    }

    private static CypherException DivideByZero() =>
        new(CypherErrorClass.ArgumentError, CypherErrorCode.DivisionByZero, "/ by zero");

    private static CypherException Mismatch(string op, object? a, object? b) =>
        ErrorMessages.Type($"Cannot apply '{op}' to {ValueCodec.TypeName(a)} and {ValueCodec.TypeName(b)}");
}
