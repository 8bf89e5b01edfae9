using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>
/// Picks how a join runs: a lookup join (one point read per left row) when a join key is the right table's
/// partition key and the left input is estimated smaller than the right table; otherwise a hash join that builds on
/// the smaller input (always the right input for LEFT JOIN); a nested loop only without equality keys.
/// </summary>
internal static class JoinStrategyRule
{
    public static LogicalPlan Apply(LogicalJoin join)
    {
        if (join.EquiKeys.Count == 0)
        {
            join.Strategy = JoinStrategy.NestedLoop;
            return join;
        }

        var leftRows = Optimizer.EstimateRows(join.Left);
        var rightRows = Optimizer.EstimateRows(join.Right);
        var rightScan = join.Right is LogicalFilter { Input: LogicalScan inner } ? inner : join.Right as LogicalScan;
        if (rightScan is { Access: AccessKind.FullScan, Limit: null, Table.SortKey: null } scan && join.Kind != JoinKind.Cross)
        {
            var leftWidth = join.Left.Width;
            var keyIndex = join.EquiKeys.FindIndex(k => k.Right is BoundColumn { Path.Length: 1 } c && c.Slot == leftWidth && c.Path[0].Name == scan.Table.PartitionKey);
            if (keyIndex >= 0 && leftRows < rightRows)
            {
                var key = join.EquiKeys[keyIndex];
                join.EquiKeys.RemoveAt(keyIndex);
                join.EquiKeys.Insert(0, key);
                join.Strategy = JoinStrategy.Lookup;
                return join;
            }
        }

        join.Strategy = join.Kind == JoinKind.Inner && leftRows < rightRows ? JoinStrategy.HashBuildLeft : JoinStrategy.HashBuildRight;
        return join;
    }
}
