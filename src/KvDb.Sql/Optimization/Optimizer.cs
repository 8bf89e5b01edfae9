using KvDb.Sql.Optimization.Rules;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization;

/// <summary>Applies the rewrite rules bottom-up, in a fixed order: key access, limit push-down, join strategy.</summary>
internal static class Optimizer
{
    public static LogicalPlan Optimize(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalFilter f:
                if (PredicatePushDownRule.Apply(f) is not LogicalFilter remaining)
                {
                    return Optimize(f.Input);
                }

                remaining.Input = Optimize(remaining.Input);
                return KeyAccessRule.Apply(remaining);
            case LogicalProject p:
                p.Input = Optimize(p.Input);
                return p;
            case LogicalLimit l:
                l.Input = Optimize(l.Input);
                return LimitPushDownRule.Apply(l);
            case LogicalDistinct d:
                d.Input = Optimize(d.Input);
                return d;
            case LogicalSort s:
                s.Input = Optimize(s.Input);
                return s;
            case LogicalAggregate a:
                a.Input = Optimize(a.Input);
                return a;
            case LogicalUnion u:
                u.Left = Optimize(u.Left);
                u.Right = Optimize(u.Right);
                return u;
            case LogicalJoin j:
                j.Left = Optimize(j.Left);
                j.Right = Optimize(j.Right);
                return JoinStrategyRule.Apply(j);
            default:
                return plan;
        }
    }

    /// <summary>Estimated output rows, from table sizes (Core's item counts).</summary>
    public static double EstimateRows(LogicalPlan plan) => plan switch
    {
        LogicalScan { Access: AccessKind.PointRead } => 1,
        LogicalScan { Access: AccessKind.PartitionQuery or AccessKind.IndexQuery } s => Math.Max(1, Math.Sqrt(s.Table.ItemCount)),
        LogicalScan s => Math.Max(1, s.Limit ?? s.Table.ItemCount) * (s.Filter is null ? 1 : 0.5),
        LogicalFilter f => EstimateRows(f.Input) * 0.5,
        LogicalLimit { Limit: { } n } l => Math.Min(n, EstimateRows(l.Input)),
        LogicalJoin j => Math.Max(EstimateRows(j.Left), EstimateRows(j.Right)),
        LogicalValues v => v.Rows.Count,
        _ => plan.Inputs.Count == 0 ? 1 : plan.Inputs.Max(EstimateRows),
    };
}
