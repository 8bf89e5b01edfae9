using System.Text;
using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Planning;

/// <summary>One step of matching a pattern; steps run in order, each extending the row.</summary>
internal abstract record MatchStep;

/// <summary>Find candidates for an unbound node: all nodes with <see cref="ScanLabel"/> (through the label index) or all nodes.</summary>
internal sealed record NodeScanStep(string Variable, NodePattern Node, string? ScanLabel, long Estimate, Expr? IdSeek = null) : MatchStep
{
    public override string ToString() =>
        IdSeek is not null ? "NodeByIdSeek(" + Variable.Trim() + ") id=" + IdSeek :
        (ScanLabel is null ? "AllNodesScan" : "NodeByLabelScan") + "(" + Variable.Trim() + (ScanLabel is null ? "" : ":" + Printer.Name(ScanLabel)) + ") est=" + Estimate;
}

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
