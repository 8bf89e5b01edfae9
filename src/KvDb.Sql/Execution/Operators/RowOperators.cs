using System.Runtime.CompilerServices;
using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution.Operators;

/// <summary>Filter, project, limit, distinct, union and values: operators that need at most one hash set.</summary>
internal static class RowOperators
{
    public static async IAsyncEnumerable<AttributeValue?[]> FilterAsync(LogicalFilter filter, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var correlated = ExecContext.CorrelatedIn([filter.Predicate]);
        await foreach (var row in Executor.RunAsync(filter.Input, ctx).ConfigureAwait(false))
        {
            if (correlated.Length > 0)
            {
                await ctx.PrepareCorrelatedAsync(correlated, row).ConfigureAwait(false);
            }

            if (SqlValues.Truth(filter.Predicate.Eval(row, ctx), "WHERE") == true)
            {
                yield return row;
            }
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> ProjectAsync(LogicalProject project, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var exprs = project.Exprs;
        var correlated = ExecContext.CorrelatedIn(exprs);
        await foreach (var row in Executor.RunAsync(project.Input, ctx).ConfigureAwait(false))
        {
            if (correlated.Length > 0)
            {
                await ctx.PrepareCorrelatedAsync(correlated, row).ConfigureAwait(false);
            }

            var output = new AttributeValue?[exprs.Count];
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = exprs[i].Eval(row, ctx);
            }

            yield return output;
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> LimitAsync(LogicalLimit limit, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (limit.Limit == 0)
        {
            yield break;
        }

        long skipped = 0;
        long taken = 0;
        await foreach (var row in Executor.RunAsync(limit.Input, ctx).ConfigureAwait(false))
        {
            if (skipped < limit.Offset)
            {
                skipped++;
                continue;
            }

            yield return row;
            if (limit.Limit is { } max && ++taken >= max)
            {
                yield break;
            }
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> DistinctAsync(LogicalPlan input, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var seen = new HashSet<RowKey>();
        await foreach (var row in Executor.RunAsync(input, ctx).ConfigureAwait(false))
        {
            if (seen.Add(new RowKey(row)))
            {
                yield return row;
            }
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> UnionAsync(LogicalUnion union, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var seen = union.All ? null : new HashSet<RowKey>();
        foreach (var input in new[] { union.Left, union.Right })
        {
            await foreach (var row in Executor.RunAsync(input, ctx).ConfigureAwait(false))
            {
                if (seen is null || seen.Add(new RowKey(row)))
                {
                    yield return row;
                }
            }
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> ValuesAsync(LogicalValues values, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        var empty = Array.Empty<AttributeValue?>();
        foreach (var exprs in values.Rows)
        {
            var row = new AttributeValue?[exprs.Length];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = exprs[i].Eval(empty, ctx);
            }

            yield return row;
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> SortAsync(LogicalSort sort, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var rows = new List<(AttributeValue?[] Row, AttributeValue?[] Keys)>();
        await foreach (var row in Executor.RunAsync(sort.Input, ctx).ConfigureAwait(false))
        {
            var keys = new AttributeValue?[sort.Keys.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = sort.Keys[i].Key.Eval(row, ctx);
            }

            rows.Add((row, keys));
        }

        // List.Sort is not stable; the index tie-break makes the order deterministic.
        var indexed = rows.Select((r, i) => (r.Row, r.Keys, Index: i)).ToList();
        indexed.Sort((a, b) =>
        {
            for (var i = 0; i < sort.Keys.Count; i++)
            {
                var c = SqlValues.SortCompare(a.Keys[i], b.Keys[i]);
                if (c != 0)
                {
                    return sort.Keys[i].Descending ? -c : c;
                }
            }

            return a.Index.CompareTo(b.Index);
        });
        foreach (var r in indexed)
        {
            yield return r.Row;
        }
    }

    public static async IAsyncEnumerable<AttributeValue?[]> AggregateAsync(LogicalAggregate aggregate, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        // Groups in first-seen order. One GROUP BY key (the usual case) is looked up by its value, with NULL (a group
        // of its own) kept aside, so no key array is built per row; several keys are looked up as a RowKey.
        var keys = aggregate.Keys;
        var specs = aggregate.Aggregates;
        var groups = new Dictionary<RowKey, Accumulator[]>();
        var byValue = new ValueMap<Accumulator[]>();
        Accumulator[]? nullGroup = null;
        var order = new List<(AttributeValue?[] Keys, Accumulator[] Accumulators)>();
        var correlated = ExecContext.CorrelatedIn(aggregate.Keys, aggregate.Aggregates.Select(a => a.Argument));
        await foreach (var row in Executor.RunAsync(aggregate.Input, ctx).ConfigureAwait(false))
        {
            if (correlated.Length > 0)
            {
                await ctx.PrepareCorrelatedAsync(correlated, row).ConfigureAwait(false);
            }

            Accumulator[]? accumulators;
            if (keys.Count == 1)
            {
                var value = keys[0].Eval(row, ctx);
                if (value is null)
                {
                    accumulators = nullGroup ??= NewGroup(order, [null], specs);
                }
                else
                {
                    ref var group = ref byValue.GetValueRefOrAddDefault(value, out _);
                    accumulators = group ??= NewGroup(order, [value], specs);
                }
            }
            else if (keys.Count == 0)
            {
                accumulators = order.Count == 0 ? NewGroup(order, [], specs) : order[0].Accumulators;
            }
            else
            {
                var values = new AttributeValue?[keys.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = keys[i].Eval(row, ctx);
                }

                var key = new RowKey(values);
                if (!groups.TryGetValue(key, out accumulators))
                {
                    groups[key] = accumulators = NewGroup(order, values, specs);
                }
            }

            foreach (var acc in accumulators)
            {
                acc.Add(row, ctx);
            }
        }

        if (order.Count == 0 && keys.Count == 0)
        {
            // An aggregate without GROUP BY returns one row even over no input (COUNT(*) = 0, SUM = NULL).
            NewGroup(order, [], specs);
        }

        foreach (var (values, accumulators) in order)
        {
            var output = new AttributeValue?[values.Length + accumulators.Length];
            values.CopyTo(output, 0);
            for (var i = 0; i < accumulators.Length; i++)
            {
                output[values.Length + i] = accumulators[i].Result();
            }

            yield return output;
        }
    }

    private static Accumulator[] NewGroup(List<(AttributeValue?[] Keys, Accumulator[] Accumulators)> order, AttributeValue?[] keys, IReadOnlyList<AggregateSpec> specs)
    {
        var accumulators = new Accumulator[specs.Count];
        for (var i = 0; i < accumulators.Length; i++)
        {
            accumulators[i] = specs[i].CreateAccumulator();
        }

        order.Add((keys, accumulators));
        return accumulators;
    }
}
