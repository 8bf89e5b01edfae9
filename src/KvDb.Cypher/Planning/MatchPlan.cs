using System.Text;
using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Planning;

/// <summary>One step of matching a pattern; steps run in order, each extending the row.</summary>
internal abstract record MatchStep;

/// <summary>
/// Find candidates for an unbound node: one node by id (<see cref="IdSeek"/>), the nodes a property index finds
/// (<see cref="IndexSeek"/>; falls back to the label scan when a value turns out not to be indexable), or all nodes
/// with <see cref="ScanLabel"/> (through the label index) or all nodes.
/// </summary>
internal sealed record NodeScanStep(string Variable, NodePattern Node, string? ScanLabel, long Estimate, Expr? IdSeek = null, IndexSeek? IndexSeek = null) : MatchStep
{
    public override string ToString() =>
        IdSeek is not null ? "NodeByIdSeek(" + Variable.Trim() + ") id=" + IdSeek :
        IndexSeek is { } seek ? (seek.Predicate.Kind is SeekKind.Equal or SeekKind.In ? "NodeIndexSeek" : "NodeIndexSeekByRange") +
            "(" + Variable.Trim() + ":" + Printer.Name(seek.Index.Label) + "(" + seek.Predicate + ")) index=" + Printer.Name(seek.Index.Name) + " est=" + Estimate :
        (ScanLabel is null ? "AllNodesScan" : "NodeByLabelScan") + "(" + Variable.Trim() + (ScanLabel is null ? "" : ":" + Printer.Name(ScanLabel)) + ") est=" + Estimate;
}

/// <summary>What a property predicate asks of an index.</summary>
internal enum SeekKind : byte
{
    /// <summary><c>n.p = v</c> or <c>(n {p: v})</c>.</summary>
    Equal,

    /// <summary><c>n.p IN list</c>.</summary>
    In,

    /// <summary><c>n.p &gt; a</c>, <c>n.p &lt;= b</c> and their combination.</summary>
    Range,

    /// <summary><c>n.p STARTS WITH s</c>.</summary>
    Prefix,
}

/// <summary>
/// A predicate on one property of a node variable that an index can answer; its expressions use only literals,
/// parameters and variables bound before the MATCH. Bounds of a range are treated as inclusive by the seek:
/// every candidate is checked against the full predicate afterwards.
/// </summary>
internal sealed record PropertySeek(string Property, SeekKind Kind, Expr? Value, Expr? Lower = null, bool LowerInclusive = false, Expr? Upper = null, bool UpperInclusive = false)
{
    public IEnumerable<Expr> Expressions => new[] { Value, Lower, Upper }.OfType<Expr>();

    public override string ToString()
    {
        var p = Printer.Name(Property);
        return Kind switch
        {
            SeekKind.Equal => p + " = " + Value,
            SeekKind.In => p + " IN " + Value,
            SeekKind.Prefix => p + " STARTS WITH " + Value,
            _ => (Lower is null ? "" : Lower + (LowerInclusive ? " <= " : " < ")) + p + (Upper is null ? "" : (UpperInclusive ? " <= " : " < ") + Upper),
        };
    }
}

/// <summary>A property seek answered by an index.</summary>
internal sealed record IndexSeek(Storage.PropertyIndex Index, PropertySeek Predicate);

/// <summary>Check that an already bound node has the pattern's labels and properties.</summary>
internal sealed record NodeCheckStep(string Variable, NodePattern Node) : MatchStep
{
    public override string ToString() => "Argument(" + Variable.Trim() + ")";
}

/// <summary>
/// Expand from a bound node along a relationship pattern with one sort-key prefix query per direction and type.
/// <see cref="Direction"/> is relative to the traversal (from <see cref="From"/> to <see cref="To"/>).
/// </summary>
internal sealed record ExpandStep(string From, string RelVariable, RelPattern Rel, RelDirection Direction, string To, NodePattern ToNode, bool Reversed, string? NodesVariable) : MatchStep
{
    public override string ToString()
    {
        var arrowLeft = Direction == RelDirection.Incoming ? "<-" : "-";
        var arrowRight = Direction == RelDirection.Outgoing ? "->" : "-";
        var types = Rel.Types.Count == 0 ? "" : ":" + string.Join("|", Rel.Types.Select(Printer.Name));
        return (Rel.IsVariableLength ? "VarLengthExpand" : "Expand") + "(" + From.Trim() + ")" + arrowLeft + "[" + RelVariable.Trim() + types + Rel.Range + "]" + arrowRight + "(" + To.Trim() + ")";
    }
}

/// <summary>
/// Hash join with a pattern part planned on its own (<see cref="Build"/>, run once per input row from the row
/// as it entered the MATCH): rows are joined on <see cref="JoinVariables"/>, and a build row whose relationships
/// were already used by the probe row is skipped (relationship isomorphism across the join).
/// </summary>
internal sealed record HashJoinStep(MatchPlan Build, IReadOnlyList<string> JoinVariables, IReadOnlyList<string> RelationshipVariables) : MatchStep
{
    public override string ToString() =>
        "HashJoin(" + string.Join(", ", JoinVariables) + ")\n" + Build.Describe("  ").TrimEnd('\n');
}

/// <summary>A WHERE conjunct checked as soon as its variables are bound (placed by the PushDownPredicates rule).</summary>
internal sealed record FilterStep(Expr Predicate) : MatchStep
{
    public override string ToString() => "Filter " + Predicate;
}

/// <summary>Builds the named path of a pattern part from its node and relationship variables.</summary>
internal sealed record PathStep(string PathVariable, IReadOnlyList<string> Nodes, IReadOnlyList<string> Relationships, IReadOnlyList<string?> VarLengthNodes) : MatchStep
{
    public override string ToString() => "ProjectPath(" + PathVariable + ")";
}

/// <summary>The steps for one MATCH (or MERGE) pattern, in execution order.</summary>
internal sealed record MatchPlan(IReadOnlyList<MatchStep> Steps, IReadOnlyList<string> NewVariables)
{
    public string Describe(string indent)
    {
        var sb = new StringBuilder();
        for (var i = Steps.Count - 1; i >= 0; i--)
        {
            foreach (var line in Steps[i].ToString()!.Split('\n'))
            {
                sb.Append(indent).Append("  ").Append(line).Append('\n');
            }
        }

        return sb.ToString();
    }
}
