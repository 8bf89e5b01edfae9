using System.Text;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>
/// A physical operator: pulls rows from its input and streams rows out. Operators are plain data plus a run
/// method, so a later distributed planner can ship an expansion to the node that owns its frontier.
/// </summary>
internal abstract partial class Operator
{
    private static readonly System.Text.RegularExpressions.Regex s_hiddenName = HiddenName();

    [System.Text.RegularExpressions.GeneratedRegex("`  ([a-z]+[0-9]+)`")]
    private static partial System.Text.RegularExpressions.Regex HiddenName();

    /// <summary>The one-line description shown by EXPLAIN.</summary>
    public abstract string Describe();

    /// <summary>Operators feeding this one.</summary>
    public abstract IEnumerable<Operator> Inputs { get; }

    public abstract IAsyncEnumerable<Row> RunAsync(EvalContext ctx);

    /// <summary>
    /// Runs to the end synchronously when this operator and its inputs can (a read answered from the graph's in-memory
    /// copy), adding the rows to <paramref name="output"/>; false, with nothing added, when they cannot, and the caller
    /// runs <see cref="RunAsync"/>. Both give the same rows.
    /// </summary>
    public virtual bool TryRun(EvalContext ctx, List<Row> output) => false;

    /// <summary>Prints the operator tree, root first, inputs indented.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        Explain(sb, 0);
        return sb.ToString().TrimEnd('\n');
    }

    private void Explain(StringBuilder sb, int depth)
    {
        foreach (var line in Describe().Split('\n'))
        {
            // Planner-made names ("  agg0", "  n1") print without their quoting.
            sb.Append(' ', depth * 2).Append(s_hiddenName.Replace(line, "$1")).Append('\n');
        }

        foreach (var input in Inputs)
        {
            input.Explain(sb, depth + 1);
        }
    }
}

/// <summary>The start of every pipeline: one empty row.</summary>
internal sealed class ArgumentOperator : Operator
{
    public override IEnumerable<Operator> Inputs => [];

    public override string Describe() => "Argument";

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return new Row();
    }

    public override bool TryRun(EvalContext ctx, List<Row> output)
    {
        output.Add(new Row());
        return true;
    }
}

/// <summary>An operator with one input.</summary>
internal abstract class UnaryOperator(Operator input) : Operator
{
    public Operator Input { get; } = input;

    public override IEnumerable<Operator> Inputs => [Input];
}
