using KvDb.Sql.Execution.Operators;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution;

/// <summary>Turns a logical plan into a pull-based pipeline of operators (async streams of rows).</summary>
internal static class Executor
{
    public static IAsyncEnumerable<AttributeValue?[]> RunAsync(LogicalPlan plan, ExecContext ctx) => plan switch
    {
        LogicalScan scan => ScanOperator.RunAsync(scan, ctx),
        LogicalMaterializedScan materialized => ScanOperator.MaterializedAsync(materialized, ctx),
        LogicalFilter filter => RowOperators.FilterAsync(filter, ctx),
        LogicalProject project => RowOperators.ProjectAsync(project, ctx),
        LogicalLimit limit => RowOperators.LimitAsync(limit, ctx),
        LogicalDistinct distinct => RowOperators.DistinctAsync(distinct.Input, ctx),
        LogicalUnion union => RowOperators.UnionAsync(union, ctx),
        LogicalValues values => RowOperators.ValuesAsync(values, ctx),
        LogicalSort sort => RowOperators.SortAsync(sort, ctx),
        LogicalAggregate aggregate => RowOperators.AggregateAsync(aggregate, ctx),
        LogicalJoin join => JoinOperator.RunAsync(join, ctx),
        _ => throw new InvalidOperationException($"No operator for {plan.GetType().Name}."),
    };

    public static async ValueTask<List<AttributeValue?[]>> CollectAsync(LogicalPlan plan, ExecContext ctx)
    {
        var rows = new List<AttributeValue?[]>();
        await foreach (var row in RunAsync(plan, ctx).WithCancellation(ctx.CancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }
}
