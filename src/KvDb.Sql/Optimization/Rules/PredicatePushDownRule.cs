using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>
/// WHERE over a join: conjuncts that read only the left input move below the join onto the left input; for inner
/// joins, conjuncts that read only the right input move onto the right input (renumbered to its slots). A LEFT
/// JOIN keeps right-side conjuncts above it, since they also judge the NULL-extended rows.
/// </summary>
internal static class PredicatePushDownRule
{
    /// <summary>Returns the filter with what stays, or the join itself when everything moved down.</summary>
    public static LogicalPlan Apply(LogicalFilter filter)
    {
        if (filter.Input is not LogicalJoin { Kind: JoinKind.Inner or JoinKind.Left or JoinKind.Cross } join)
        {
            return filter;
        }

        var leftWidth = join.Left.Width;
        var stay = new List<BoundExpr>();
        foreach (var conjunct in Binder.Conjuncts(filter.Predicate))
        {
            var slots = conjunct.Slots().ToList();
            if (slots.Count > 0 && slots.All(s => s < leftWidth))
            {
                join.Left = new LogicalFilter(join.Left, conjunct);
            }
            else if (slots.Count > 0 && slots.All(s => s >= leftWidth) && join.Kind != JoinKind.Left)
            {
                join.Right = new LogicalFilter(join.Right, conjunct.WithSlots(s => s - leftWidth));
            }
            else
            {
                stay.Add(conjunct);
            }
        }

        if (stay.Count == 0)
        {
            return join;
        }

        filter.Predicate = stay.Aggregate((a, b) => new BoundBinary(BinaryOp.And, a, b));
        return filter;
    }
}
