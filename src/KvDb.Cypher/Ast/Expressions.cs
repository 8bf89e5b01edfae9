using System.Globalization;
using System.Text;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Ast;

/// <summary>An expression. <see cref="object.ToString"/> prints canonical Cypher that parses back to an equal tree.</summary>
internal abstract record Expr
{
    /// <summary>The column name Cypher gives an unaliased projection of this expression.</summary>
    public string ColumnName()
    {
        if (this is VariableExpr v)
        {
            return v.Name;
        }

        var text = ToString();
        return this is BinaryExpr && text.StartsWith('(') && text.EndsWith(')') ? text[1..^1] : text;
    }
}

internal sealed record LiteralExpr(object? Value) : Expr
{
    public override string ToString() => Printer.Literal(Value);
}

internal sealed record ParameterExpr(string Name) : Expr
{
    public override string ToString() => "$" + Printer.Name(Name);
}

internal sealed record VariableExpr(string Name) : Expr
{
    public override string ToString() => Printer.Name(Name);
}

internal sealed record PropertyExpr(Expr Target, string Key) : Expr
{
    public override string ToString() => Target + "." + Printer.Name(Key);
}

internal sealed record ListExpr(EquatableArray<Expr> Items) : Expr
{
    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}

internal readonly record struct MapEntry(string Key, Expr Value)
{
    public override string ToString() => Printer.Name(Key) + ": " + Value;
}

internal sealed record MapExpr(EquatableArray<MapEntry> Entries) : Expr
{
    public override string ToString() => "{" + string.Join(", ", Entries) + "}";
}

internal enum UnaryOp : byte
{
    Not,
    Negate,
    Plus,
}

internal sealed record UnaryExpr(UnaryOp Op, Expr Operand) : Expr
{
    public override string ToString() => Op switch
    {
        UnaryOp.Not => "(NOT " + Operand + ")",
        UnaryOp.Negate => "-(" + Operand + ")",
        _ => "+(" + Operand + ")",
    };
}

internal enum BinaryOp : byte
{
    Or,
    Xor,
    And,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
    In,
    StartsWith,
    EndsWith,
    Contains,
    RegexMatch,
}

internal sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr
{
    public override string ToString() => "(" + Left + " " + Printer.Operator(Op) + " " + Right + ")";
}

internal sealed record IsNullExpr(Expr Operand, bool Negated) : Expr
{
    public override string ToString() => "(" + Operand + (Negated ? " IS NOT NULL)" : " IS NULL)");
}

internal sealed record HasLabelsExpr(Expr Target, EquatableArray<string> Labels) : Expr
{
    public override string ToString() => "(" + Target + Printer.Labels(Labels) + ")";
}

internal sealed record IndexExpr(Expr Target, Expr Index) : Expr
{
    public override string ToString() => Target + "[" + Index + "]";
}

internal sealed record SliceExpr(Expr Target, Expr? From, Expr? To) : Expr
{
    public override string ToString() => Target + "[" + From + ".." + To + "]";
}

internal sealed record FunctionExpr(string Name, bool Distinct, EquatableArray<Expr> Args) : Expr
{
    public override string ToString() => Printer.FunctionName(Name) + "(" + (Distinct ? "DISTINCT " : "") + string.Join(", ", Args) + ")";
}

internal sealed record CountStarExpr : Expr
{
    public override string ToString() => "count(*)";
}

internal readonly record struct CaseAlternative(Expr When, Expr Then);

internal sealed record CaseExpr(Expr? Subject, EquatableArray<CaseAlternative> Alternatives, Expr? Else) : Expr
{
    public override string ToString()
    {
        var sb = new StringBuilder("CASE");
        if (Subject is not null)
        {
            sb.Append(' ').Append(Subject);
        }

        foreach (var a in Alternatives)
        {
            sb.Append(" WHEN ").Append(a.When).Append(" THEN ").Append(a.Then);
        }

        if (Else is not null)
        {
            sb.Append(" ELSE ").Append(Else);
        }

        return sb.Append(" END").ToString();
    }
}

internal sealed record ListComprehensionExpr(string Variable, Expr Source, Expr? Where, Expr? Projection) : Expr
{
    public override string ToString() =>
        "[" + Printer.Name(Variable) + " IN " + Source + (Where is null ? "" : " WHERE " + Where) + (Projection is null ? "" : " | " + Projection) + "]";
}

/// <summary>Shared printing rules: names, literals, operators.</summary>
internal static class Printer
{
    public static string Name(string name)
    {
        var simple = name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_');
        for (var i = 1; simple && i < name.Length; i++)
        {
            simple = char.IsLetterOrDigit(name[i]) || name[i] == '_';
        }

        return simple && Keywords.Lookup(name) == Keyword.None ? name : "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
    }

    public static string FunctionName(string name) => Name(name);

    public static string Labels(IEnumerable<string> labels)
    {
        var sb = new StringBuilder();
        foreach (var l in labels)
        {
            sb.Append(':').Append(Name(l));
        }

        return sb.ToString();
    }

    public static string Literal(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "TRUE" : "FALSE",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        string s => String(s),
        _ => throw new InvalidOperationException("Not a literal: " + value.GetType().Name),
    };

    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "Infinity" : "-Infinity";
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    public static string String(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('\'');
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('\'').ToString();
    }

    public static string Operator(BinaryOp op) => op switch
    {
        BinaryOp.Or => "OR",
        BinaryOp.Xor => "XOR",
        BinaryOp.And => "AND",
        BinaryOp.Eq => "=",
        BinaryOp.Neq => "<>",
        BinaryOp.Lt => "<",
        BinaryOp.Le => "<=",
        BinaryOp.Gt => ">",
        BinaryOp.Ge => ">=",
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Modulo => "%",
        BinaryOp.Power => "^",
        BinaryOp.In => "IN",
        BinaryOp.StartsWith => "STARTS WITH",
        BinaryOp.EndsWith => "ENDS WITH",
        BinaryOp.Contains => "CONTAINS",
        _ => "=~",
    };
}
