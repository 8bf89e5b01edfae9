using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>ORDER BY: a stable sort in Cypher's total order (nulls last ascending, first descending).</summary>
internal sealed class SortOperator(Operator input, IReadOnlyList<SortItem> items) : UnaryOperator(input)
{
    public override string Describe() => "Sort " + string.Join(", ", items);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var rows = new List<(Row Row, object?[] Keys)>();
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var keys = new object?[items.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = await Evaluator.EvalAsync(items[i].Expression, row, ctx).ConfigureAwait(false);
            }

            rows.Add((row, keys));
        }

        var ordered = rows.Select((r, i) => (r.Row, r.Keys, Index: i)).ToList();
        ordered.Sort((a, b) =>
        {
            for (var i = 0; i < items.Count; i++)
            {
                var c = CypherCompare.OrderCompare(a.Keys[i], b.Keys[i]);
                if (c != 0)
                {
                    return items[i].Descending ? -c : c;
                }
            }

            return a.Index.CompareTo(b.Index);
        });
        foreach (var r in ordered)
        {
            yield return r.Row;
        }
    }
}

/// <summary>SKIP n and LIMIT n (n evaluated once; must be a non-negative integer). LIMIT stops pulling its input early.</summary>
internal sealed class SkipLimitOperator(Operator input, Expr? skip, Expr? limit) : UnaryOperator(input)
{
    public override string Describe() => (skip is null ? "" : "Skip " + skip + (limit is null ? "" : " ")) + (limit is null ? "" : "Limit " + limit);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var toSkip = skip is null ? 0 : await CountAsync(skip, "SKIP", ctx).ConfigureAwait(false);
        var toTake = limit is null ? long.MaxValue : await CountAsync(limit, "LIMIT", ctx).ConfigureAwait(false);
        if (toTake == 0)
        {
            yield break;
        }

        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            if (toSkip > 0)
            {
                toSkip--;
                continue;
            }

            yield return row;
            if (--toTake == 0)
            {
                yield break;
            }
        }
    }

    private static async ValueTask<long> CountAsync(Expr e, string clause, EvalContext ctx)
    {
        var v = await Evaluator.EvalAsync(e, new Row(), ctx).ConfigureAwait(false);
        return v is long n && n >= 0 ? n : throw new CypherException(CypherErrorClass.SyntaxError, CypherErrorCode.InvalidArgumentValue,
            $"Invalid input. '{CypherCompare.Describe(v)}' is not a valid value. Must be a non-negative integer. ({clause})");
    }
}
