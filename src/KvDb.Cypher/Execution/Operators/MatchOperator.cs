using KvDb.Cypher.Ast;
using KvDb.Cypher.Planning;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>MATCH / OPTIONAL MATCH: extends each input row with every match of the pattern that passes WHERE.</summary>
internal sealed class MatchOperator(Operator input, MatchPlan plan, Expr? where, bool optional) : UnaryOperator(input)
{
    /// <summary>
    /// Set by a consumer that handles each row completely before pulling the next and never keeps it (an
    /// aggregation): matches are then yielded without copying the working row.
    /// </summary>
    public bool ConsumerKeepsNoRows { get; set; }

    public override string Describe() =>
        (optional ? "OptionalMatch" : "Match") + (where is null ? "" : " WHERE " + where) + "\n" + plan.Describe("").TrimEnd('\n');

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var any = false;
            // The matcher extends the row in place and restores it; every match it yields is a new row.
            await foreach (var match in PatternMatcher.MatchAsync(plan, row, ctx, copyRows: !ConsumerKeepsNoRows).ConfigureAwait(false))
            {
                if (where is not null && Evaluator.AsBool(await Evaluator.EvalAsync(where, match, ctx).ConfigureAwait(false), "WHERE") != true)
                {
                    continue;
                }

                any = true;
                yield return match;
            }

            if (!any && optional)
            {
                var padded = new Row(row);
                foreach (var v in plan.NewVariables)
                {
                    padded[v] = null;
                }

                yield return padded;
            }
        }
    }
}
