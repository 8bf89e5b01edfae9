using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>Keeps the rows for which the predicate is true (null and false drop the row).</summary>
internal sealed class FilterOperator(Operator input, Expr predicate) : UnaryOperator(input)
{
    public override string Describe() => "Filter " + predicate;

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            if (Evaluator.AsBool(await Evaluator.EvalAsync(predicate, row, ctx).ConfigureAwait(false), "WHERE") == true)
            {
                yield return row;
            }
        }
    }
}
