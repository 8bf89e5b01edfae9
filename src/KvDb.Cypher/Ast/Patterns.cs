using System.Text;

namespace KvDb.Cypher.Ast;

/// <summary>A node pattern <c>(v:Label {props})</c>.</summary>
internal sealed record NodePattern(string? Variable, EquatableArray<string> Labels, Expr? Properties)
{
    public override string ToString() =>
        "(" + (Variable is null ? "" : Printer.Name(Variable)) + Printer.Labels(Labels) +
        (Properties is null ? "" : (Variable is null && Labels.Count == 0 ? "" : " ") + Properties) + ")";
}

/// <summary>Which way a relationship pattern points.</summary>
internal enum RelDirection : byte
{
    /// <summary><c>-[]-</c>: either way.</summary>
    Both,

    /// <summary><c>-[]-&gt;</c>: from the left node to the right node.</summary>
    Outgoing,

    /// <summary><c>&lt;-[]-</c>: from the right node to the left node.</summary>
    Incoming,
}

/// <summary>A variable-length range: <c>*</c> is (null, null), <c>*2</c> is (2, 2), <c>*..5</c> is (null, 5).</summary>
internal sealed record LengthRange(long? Min, long? Max)
{
    public override string ToString() =>
        Min is { } a && Max is { } b && a == b ? "*" + a :
        Min is null && Max is null ? "*" :
        "*" + Min + ".." + Max;
}

/// <summary>A relationship pattern <c>-[r:A|B *1..3 {props}]-&gt;</c>.</summary>
internal sealed record RelPattern(string? Variable, EquatableArray<string> Types, RelDirection Direction, LengthRange? Range, Expr? Properties)
{
    public override string ToString()
    {
        var inner = new StringBuilder();
        if (Variable is not null)
        {
            inner.Append(Printer.Name(Variable));
        }

        for (var i = 0; i < Types.Count; i++)
        {
            inner.Append(i == 0 ? ":" : "|").Append(Printer.Name(Types[i]));
        }

        if (Range is not null)
        {
            inner.Append(Range);
        }

        if (Properties is not null)
        {
            inner.Append(inner.Length > 0 ? " " : "").Append(Properties);
        }

        var body = inner.Length == 0 ? "" : "[" + inner + "]";
        return Direction switch
        {
            RelDirection.Outgoing => "-" + body + "->",
            RelDirection.Incoming => "<-" + body + "-",
            _ => "-" + body + "-",
        };
    }

    public bool IsVariableLength => Range is not null;
}

/// <summary>One hop of a chain: a relationship and the node it leads to.</summary>
internal readonly record struct PatternStep(RelPattern Relationship, NodePattern Node);

/// <summary>A chain <c>p = (a)-[r]->(b)...</c>.</summary>
internal sealed record PatternPart(string? PathVariable, NodePattern Start, EquatableArray<PatternStep> Steps)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (PathVariable is not null)
        {
            sb.Append(Printer.Name(PathVariable)).Append(" = ");
        }

        sb.Append(Start);
        foreach (var s in Steps)
        {
            sb.Append(s.Relationship).Append(s.Node);
        }

        return sb.ToString();
    }

    /// <summary>The node patterns in order.</summary>
    public IEnumerable<NodePattern> Nodes()
    {
        yield return Start;
        foreach (var s in Steps)
        {
            yield return s.Node;
        }
    }
}
