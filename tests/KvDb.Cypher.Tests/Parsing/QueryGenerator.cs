using System.Globalization;
using System.Text;

namespace KvDb.Cypher.Tests.Parsing;

/// <summary>Generates random syntactically valid Cypher text from a seed (for round-trip properties).</summary>
internal sealed class QueryGenerator(int seed)
{
    private static readonly string[] s_names = ["a", "b", "n", "m", "end", "`x y`", "Person", "_t1"];
    private static readonly string[] s_binary = ["+", "-", "*", "/", "%", "^", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "XOR",
        "STARTS WITH", "ENDS WITH", "CONTAINS", "IN", "=~"];

    private readonly Random _random = new(seed);

    public string Statement()
    {
        var sb = new StringBuilder();
        if (_random.Next(10) == 0)
        {
            sb.Append("EXPLAIN ");
        }

        sb.Append(SingleQuery());
        if (_random.Next(5) == 0)
        {
            sb.Append(_random.Next(2) == 0 ? " UNION " : " union all ").Append(SingleQuery());
        }

        return sb.ToString();
    }

    private string SingleQuery()
    {
        var sb = new StringBuilder();
        var count = _random.Next(0, 4);
        for (var i = 0; i < count; i++)
        {
            sb.Append(_random.Next(9) switch
            {
                0 => "MATCH " + Pattern() + Where(),
                1 => "OPTIONAL MATCH " + Pattern() + Where(),
                2 => "UNWIND " + Expr(2) + " AS " + Name(),
                3 => "WITH " + Projection() + Where(),
                4 => "CREATE " + Pattern(),
                5 => "MERGE " + Part() + (_random.Next(2) == 0 ? " ON CREATE SET " + SetItem() : "") + (_random.Next(2) == 0 ? " ON MATCH SET " + SetItem() : ""),
                6 => "SET " + SetItem() + ", " + SetItem(),
                7 => "REMOVE " + Name() + "." + Name() + ", " + Name() + ":" + Name(),
                _ => (_random.Next(2) == 0 ? "DETACH " : "") + "DELETE " + Expr(1),
            }).Append(' ');
        }

        sb.Append("RETURN ").Append(Projection());
        return sb.ToString();
    }

    private string Where() => _random.Next(2) == 0 ? " WHERE " + Expr(3) : "";

    private string Projection()
    {
        var sb = new StringBuilder();
        if (_random.Next(4) == 0)
        {
            sb.Append("DISTINCT ");
        }

        if (_random.Next(6) == 0)
        {
            sb.Append('*');
        }
        else
        {
            var n = _random.Next(1, 4);
            for (var i = 0; i < n; i++)
            {
                sb.Append(i > 0 ? ", " : "").Append(Expr(3)).Append(_random.Next(2) == 0 ? " AS " + Name() : "");
            }
        }

        if (_random.Next(3) == 0)
        {
            sb.Append(" ORDER BY ").Append(Expr(2)).Append(_random.Next(2) == 0 ? " DESC" : " ASC");
        }

        if (_random.Next(3) == 0)
        {
            sb.Append(" SKIP ").Append(_random.Next(5));
        }

        if (_random.Next(3) == 0)
        {
            sb.Append(" LIMIT $p");
        }

        return sb.ToString();
    }

    private string SetItem() => _random.Next(4) switch
    {
        0 => Name() + "." + Name() + " = " + Expr(2),
        1 => Name() + " += " + Map(1),
        2 => Name() + " = " + Map(1),
        _ => Name() + ":" + Name(),
    };

    private string Pattern()
    {
        var n = _random.Next(1, 3);
        return string.Join(", ", Enumerable.Range(0, n).Select(_ => Part()));
    }

    private string Part()
    {
        var sb = new StringBuilder();
        if (_random.Next(4) == 0)
        {
            sb.Append(Name()).Append(" = ");
        }

        sb.Append(Node());
        var hops = _random.Next(0, 3);
        for (var i = 0; i < hops; i++)
        {
            sb.Append(Rel()).Append(Node());
        }

        return sb.ToString();
    }

    private string Node() =>
        "(" + (_random.Next(2) == 0 ? Name() : "") + (_random.Next(2) == 0 ? ":" + Name() : "") + (_random.Next(3) == 0 ? " " + Map(1) : "") + ")";

    private string Rel()
    {
        var inner = (_random.Next(2) == 0 ? Name() : "") + (_random.Next(2) == 0 ? ":" + Name() + (_random.Next(2) == 0 ? "|" + Name() : "") : "") +
            (_random.Next(3) == 0 ? _random.Next(5) switch { 0 => "*", 1 => "*2", 2 => "*1..3", 3 => "*..5", _ => "*2.." } : "");
        var body = _random.Next(4) == 0 ? "" : "[" + inner + "]";
        return _random.Next(3) switch
        {
            0 => "-" + body + "->",
            1 => "<-" + body + "-",
            _ => "-" + body + "-",
        };
    }

    private string Name() => s_names[_random.Next(s_names.Length)];

    private string Map(int depth) => "{" + Name().Trim('`').Replace(" ", "", StringComparison.Ordinal) + ": " + Expr(depth) + "}";

    private string Expr(int depth)
    {
        if (depth <= 0)
        {
            return Atom();
        }

        return _random.Next(14) switch
        {
            0 => Expr(depth - 1) + " " + s_binary[_random.Next(s_binary.Length)] + " " + Expr(depth - 1),
            1 => "NOT " + Expr(depth - 1),
            2 => "-" + Expr(depth - 1),
            3 => "(" + Expr(depth - 1) + ")",
            4 => "[" + Expr(depth - 1) + ", " + Expr(depth - 1) + "]",
            5 => Map(depth - 1),
            6 => Expr(depth - 1) + " IS " + (_random.Next(2) == 0 ? "NOT " : "") + "NULL",
            7 => "size(" + Expr(depth - 1) + ")",
            8 => "count(" + (_random.Next(2) == 0 ? "*" : "DISTINCT " + Expr(depth - 1)) + ")",
            9 => "CASE WHEN " + Expr(depth - 1) + " THEN " + Expr(depth - 1) + " ELSE " + Expr(depth - 1) + " END",
            10 => "[x IN " + Expr(depth - 1) + " WHERE " + Expr(depth - 1) + " | " + Expr(depth - 1) + "]",
            11 => Name() + "[" + Expr(depth - 1) + "]",
            12 => Name() + "[" + Expr(depth - 1) + ".." + "]",
            _ => Name() + ":" + Name(),
        };
    }

    private string Atom() => _random.Next(9) switch
    {
        0 => _random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
        1 => (_random.NextDouble() * 100).ToString("R", CultureInfo.InvariantCulture),
        2 => "'s" + _random.Next(10) + "\\n'",
        3 => "true",
        4 => "null",
        5 => "$p" + _random.Next(3),
        6 => Name() + "." + Name(),
        _ => Name(),
    };
}
