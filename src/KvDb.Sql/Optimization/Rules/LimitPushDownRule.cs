using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>LIMIT n OFFSET m directly over a projection of an unfiltered scan: the scan stops after n + m items.</summary>
internal static class LimitPushDownRule
{
    public static LogicalPlan Apply(LogicalLimit limit)
    {
        if (limit.Limit is { } n && n + limit.Offset <= int.MaxValue
            && limit.Input is LogicalProject { Input: LogicalScan { Filter: null } scan } && scan.Access != AccessKind.PointRead)
        {
            scan.Limit = (int)(n + limit.Offset);
        }

        return limit;
    }
}
