using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>
/// Computes the projection items. With <see cref="KeepInput"/> the input variables stay in the row (for an
/// ORDER BY that refers to them); <see cref="SelectOperator"/> drops them afterwards.
/// </summary>
internal sealed class ProjectOperator(Operator input, IReadOnlyList<(string Name, Expr Expression)> items, bool keepInput) : UnaryOperator(input)
{
    public bool KeepInput => keepInput;

    public override string Describe() => "Projection " + string.Join(", ", items.Select(i => i.Expression + (i.Expression.ToString() == i.Name ? "" : " AS " + i.Name)));

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var output = keepInput ? new Row(row) : new Row();
            foreach (var (name, expression) in items)
            {
                output[name] = await Evaluator.EvalAsync(expression, row, ctx).ConfigureAwait(false);
            }

            yield return output;
        }
    }
}

/// <summary>Keeps only the named columns.</summary>
internal sealed class SelectOperator(Operator input, IReadOnlyList<string> columns) : UnaryOperator(input)
{
    public override string Describe() => "Select " + string.Join(", ", columns);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var output = new Row();
            foreach (var c in columns)
            {
                output[c] = row[c];
            }

            yield return output;
        }
    }
}

/// <summary>Drops rows equal (by Cypher equivalence) to an earlier row on the given columns.</summary>
internal sealed class DistinctOperator(Operator input, IReadOnlyList<string> columns) : UnaryOperator(input)
{
    public override string Describe() => "Distinct " + string.Join(", ", columns);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var seen = new HashSet<object?[]>(CypherCompare.RowEquivalence.Instance);
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            if (seen.Add(columns.Select(c => row[c]).ToArray()))
            {
                yield return row;
            }
        }
    }
}
