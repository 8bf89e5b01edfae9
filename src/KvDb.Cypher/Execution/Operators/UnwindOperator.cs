using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>UNWIND: one row per list element; null or an empty list gives no rows; a non-list gives one row.</summary>
internal sealed class UnwindOperator(Operator input, Expr source, string variable) : UnaryOperator(input)
{
    public override string Describe() => "Unwind " + source + " AS " + variable;

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var value = await Evaluator.EvalAsync(source, row, ctx).ConfigureAwait(false);
            if (value is null)
            {
                continue;
            }

            if (value is IReadOnlyList<object?> list)
            {
                foreach (var item in list)
                {
                    yield return new Row(row) { [variable] = item };
                }
            }
            else
            {
                yield return new Row(row) { [variable] = value };
            }
        }
    }
}
