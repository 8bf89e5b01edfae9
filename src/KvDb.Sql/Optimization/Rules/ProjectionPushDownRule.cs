using KvDb.Expressions;
using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>
/// Projection push-down for a single-table query: when a projection or aggregate reads a scan through filters and
/// limits only, the scan asks Core for just the top-level attributes those expressions use (plus the key), so the
/// rest of each item is never copied out of the store. Only for open tables (declared tables read just the used
/// attributes through <see cref="ColumnPruningRule"/>), and skipped when anything needs the whole item and for point reads.
/// </summary>
internal static class ProjectionPushDownRule
{
    public static void Apply(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalProject project:
                TryPush(project.Input, project.Exprs);
                Apply(project.Input);
                break;
            case LogicalAggregate aggregate:
                TryPush(aggregate.Input, [.. aggregate.Keys, .. aggregate.Aggregates.Where(a => a.Argument is not null).Select(a => a.Argument!)]);
                Apply(aggregate.Input);
                break;
            default:
                foreach (var input in plan.Inputs)
                {
                    Apply(input);
                }

                break;
        }
    }

    private static void TryPush(LogicalPlan input, IEnumerable<BoundExpr> used)
    {
        var exprs = used.ToList();
        var node = input;
        while (true)
        {
            switch (node)
            {
                case LogicalFilter filter:
                    exprs.Add(filter.Predicate);
                    node = filter.Input;
                    continue;
                case LogicalLimit limit:
                    node = limit.Input;
                    continue;
                case LogicalScan scan:
                    var names = new HashSet<string>(StringComparer.Ordinal) { scan.Table.PartitionKey };
                    if (scan.Table.SortKey is { } sk)
                    {
                        names.Add(sk);
                    }

                    foreach (var column in exprs.SelectMany(Columns))
                    {
                        if (column.Path.Length == 0 || column.Path[0].Name is not { } name)
                        {
                            return;
                        }

                        names.Add(name);
                    }

                    // Core builds a projected item by re-reading and re-encoding the kept attributes, which costs more
                    // than the scan reading just the attributes it uses (ColumnPruningRule), whatever the share of
                    // columns: only push for open tables, whose items may hold many undeclared attributes (the GROUP BY
                    // benchmark spent 61% of its time in projection; COUNT(*) over a 3-column table twice the time of
                    // COUNT(col) while the key alone was pushed).
                    if (scan.Access == AccessKind.PointRead || !scan.Table.Open)
                    {
                        return;
                    }

                    scan.Projection = Projection.Of(names.Order(StringComparer.Ordinal).Select(n => AttributePath.FromElements([PathElement.Key(n)])));
                    return;
                default:
                    return;
            }
        }
    }

    private static IEnumerable<BoundColumn> Columns(BoundExpr e) => e is BoundColumn c ? [c] : e.Children.SelectMany(Columns);
}
