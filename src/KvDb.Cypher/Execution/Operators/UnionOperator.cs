namespace KvDb.Cypher.Execution.Operators;

/// <summary>UNION ALL concatenates its inputs; UNION also removes duplicate rows.</summary>
internal sealed class UnionOperator(IReadOnlyList<Operator> branches, IReadOnlyList<string> columns, bool all) : Operator
{
    public override IEnumerable<Operator> Inputs => branches;

    public override string Describe() => all ? "UnionAll" : "Union";

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var seen = all ? null : new HashSet<object?[]>(CypherCompare.RowEquivalence.Instance);
        foreach (var branch in branches)
        {
            await foreach (var row in branch.RunAsync(ctx).ConfigureAwait(false))
            {
                if (seen is null || seen.Add(columns.Select(c => row[c]).ToArray()))
                {
                    yield return row;
                }
            }
        }
    }
}
