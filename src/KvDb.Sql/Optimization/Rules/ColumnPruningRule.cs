using KvDb.Sql.Binding;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Optimization.Rules;

/// <summary>
/// Column pruning for query plans. A table scan puts the whole item, decoded into a map, in one slot; when every
/// expression that reads the scan's rows starts with a top-level attribute name (<c>t.a</c>, <c>t.a.b</c>,
/// <c>t.a[*].c</c>; '*' is expanded to named columns by the binder), the scan instead reads just those attributes
/// (<see cref="Item.Get"/> decodes one attribute and skips the others) into one slot each, and every expression above
/// is renumbered: <c>t.a.b</c> on slot <c>s</c> becomes <c>.b</c> on the slot of <c>a</c>. A missing attribute reads as
/// NULL, as it did through the map. A materialized join scan does the same per joined table. A scan whose rows are
/// read whole (the plan's own output, DISTINCT or UNION input, a whole-item reference) keeps the map.
/// </summary>
/// <remarks>
/// Runs last, after the other rules, on SELECT plans and subquery plans only: UPDATE and DELETE plans hand whole items
/// to the writer. The plan's nodes are rewritten in place; expressions are replaced by renumbered copies.
/// </remarks>
internal static class ColumnPruningRule
{
    public static LogicalPlan Apply(LogicalPlan plan)
    {
        var needs = new Dictionary<LogicalPlan, Need[]>(ReferenceEqualityComparer.Instance);
        MarkWhole(plan, needs);
        Collect(plan, needs);
        Rewrite(plan, needs);
        return plan;
    }

    /// <summary>What a query reads of one table's items: attribute names in first-use order, or the whole item.</summary>
    private sealed class Need
    {
        public bool Whole { get; set; }

        public List<string> Names { get; } = [];
    }

    private static Need NeedOf(Dictionary<LogicalPlan, Need[]> needs, LogicalPlan leaf, int source)
    {
        if (!needs.TryGetValue(leaf, out var sources))
        {
            var count = leaf is LogicalMaterializedScan m ? m.Join.Sources.Count : 1;
            sources = new Need[count];
            for (var i = 0; i < count; i++)
            {
                sources[i] = new Need();
            }

            needs[leaf] = sources;
        }

        return sources[source];
    }

    /// <summary>The scan (and joined table of a materialized scan) that fills <paramref name="slot"/> of <paramref name="node"/>'s rows.</summary>
    private static (LogicalPlan Leaf, int Source)? Resolve(LogicalPlan node, int slot) => node switch
    {
        LogicalScan scan => (scan, 0),
        LogicalMaterializedScan materialized => (materialized, slot),
        LogicalFilter f => Resolve(f.Input, slot),
        LogicalLimit l => Resolve(l.Input, slot),
        LogicalSort s => Resolve(s.Input, slot),
        LogicalDistinct d => Resolve(d.Input, slot),
        LogicalJoin j => slot < j.Left.Width ? Resolve(j.Left, slot) : Resolve(j.Right, slot - j.Left.Width),
        _ => null,
    };

    /// <summary>Marks every table whose items reach <paramref name="node"/>'s rows as read whole.</summary>
    private static void MarkWhole(LogicalPlan node, Dictionary<LogicalPlan, Need[]> needs)
    {
        switch (node)
        {
            case LogicalScan:
                NeedOf(needs, node, 0).Whole = true;
                break;
            case LogicalMaterializedScan m:
                for (var i = 0; i < m.Join.Sources.Count; i++)
                {
                    NeedOf(needs, node, i).Whole = true;
                }

                break;
            case LogicalFilter or LogicalLimit or LogicalSort or LogicalDistinct or LogicalJoin:
                foreach (var input in node.Inputs)
                {
                    MarkWhole(input, needs);
                }

                break;
        }
    }

    private static void Collect(LogicalPlan node, Dictionary<LogicalPlan, Need[]> needs)
    {
        switch (node)
        {
            case LogicalFilter f:
                Read(f.Input, f.Predicate, needs);
                break;
            case LogicalProject p:
                foreach (var e in p.Exprs)
                {
                    Read(p.Input, e, needs);
                }

                break;
            case LogicalSort s:
                foreach (var (key, _) in s.Keys)
                {
                    Read(s.Input, key, needs);
                }

                break;
            case LogicalAggregate a:
                foreach (var key in a.Keys)
                {
                    Read(a.Input, key, needs);
                }

                foreach (var spec in a.Aggregates)
                {
                    if (spec.Argument is not null)
                    {
                        Read(a.Input, spec.Argument, needs);
                    }
                }

                break;
            case LogicalJoin j:
                // Every join expression reads the combined row (left slots, then right slots).
                if (j.Condition is not null)
                {
                    Read(j, j.Condition, needs);
                }

                if (j.Residual is not null)
                {
                    Read(j, j.Residual, needs);
                }

                foreach (var (left, right) in j.EquiKeys)
                {
                    Read(j, left, needs);
                    Read(j, right, needs);
                }

                break;
            case LogicalDistinct d:
                MarkWhole(d.Input, needs);
                break;
            case LogicalUnion u:
                MarkWhole(u.Left, needs);
                MarkWhole(u.Right, needs);
                break;
        }

        foreach (var input in node.Inputs)
        {
            Collect(input, needs);
        }
    }

    /// <summary>Records the attributes <paramref name="e"/> reads from the rows of <paramref name="input"/>.</summary>
    private static void Read(LogicalPlan input, BoundExpr e, Dictionary<LogicalPlan, Need[]> needs)
    {
        if (e is BoundColumn c)
        {
            if (Resolve(input, c.Slot) is { } source)
            {
                var need = NeedOf(needs, source.Leaf, source.Source);
                if (c.Path is [{ Name: { } name }, ..])
                {
                    if (!need.Names.Contains(name, StringComparer.Ordinal))
                    {
                        need.Names.Add(name);
                    }
                }
                else
                {
                    need.Whole = true;
                }
            }

            return;
        }

        foreach (var child in e.Children)
        {
            Read(input, child, needs);
        }
    }

    /// <summary>Rewrites the subtree; returns how a column of its old rows reads its new rows.</summary>
    private static Func<BoundColumn, BoundColumn> Rewrite(LogicalPlan node, Dictionary<LogicalPlan, Need[]> needs)
    {
        switch (node)
        {
            case LogicalScan scan:
                {
                    var need = needs.TryGetValue(scan, out var n) ? n[0] : null;
                    if (need is { Whole: true })
                    {
                        return Same;
                    }

                    var columns = need is null ? [] : need.Names.ToArray();
                    scan.Columns = columns;
                    return c => new BoundColumn(Array.IndexOf(columns, c.Path[0].Name), c.Path[1..], c.Display);
                }

            case LogicalMaterializedScan materialized:
                {
                    var sources = materialized.Join.Sources.Count;
                    var columns = new string[]?[sources];
                    var offsets = new int[sources];
                    var offset = 0;
                    for (var i = 0; i < sources; i++)
                    {
                        var need = needs.TryGetValue(materialized, out var n) ? n[i] : null;
                        columns[i] = need is { Whole: true } ? null : need is null ? [] : need.Names.ToArray();
                        offsets[i] = offset;
                        offset += columns[i]?.Length ?? 1;
                    }

                    materialized.Columns = columns;
                    return c => columns[c.Slot] is { } names
                        ? new BoundColumn(offsets[c.Slot] + Array.IndexOf(names, c.Path[0].Name), c.Path[1..], c.Display)
                        : new BoundColumn(offsets[c.Slot], c.Path, c.Display);
                }

            case LogicalFilter f:
                {
                    var map = Rewrite(f.Input, needs);
                    f.Predicate = f.Predicate.WithColumns(map);
                    return map;
                }

            case LogicalLimit l:
                return Rewrite(l.Input, needs);
            case LogicalDistinct d:
                return Rewrite(d.Input, needs);
            case LogicalSort s:
                {
                    var map = Rewrite(s.Input, needs);
                    s.Keys = [.. s.Keys.Select(k => (k.Key.WithColumns(map), k.Descending))];
                    return map;
                }

            case LogicalProject p:
                {
                    var map = Rewrite(p.Input, needs);
                    p.Exprs = [.. p.Exprs.Select(e => e.WithColumns(map))];
                    return Same;
                }

            case LogicalAggregate a:
                {
                    var map = Rewrite(a.Input, needs);
                    a.Keys = [.. a.Keys.Select(k => k.WithColumns(map))];
                    a.Aggregates = [.. a.Aggregates.Select(s => s.Argument is null ? s : new AggregateSpec(s.Name, s.Argument.WithColumns(map), s.Distinct, s.Syntax))];
                    return Same;
                }

            case LogicalJoin j:
                {
                    var oldLeft = j.Left.Width;
                    var left = Rewrite(j.Left, needs);
                    var right = Rewrite(j.Right, needs);
                    var newLeft = j.Left.Width;
                    Func<BoundColumn, BoundColumn> map = c =>
                    {
                        if (c.Slot < oldLeft)
                        {
                            return left(c);
                        }

                        var r = right(new BoundColumn(c.Slot - oldLeft, c.Path, c.Display));
                        return new BoundColumn(r.Slot + newLeft, r.Path, r.Display);
                    };
                    j.Condition = j.Condition?.WithColumns(map);
                    j.Residual = j.Residual?.WithColumns(map);
                    for (var i = 0; i < j.EquiKeys.Count; i++)
                    {
                        j.EquiKeys[i] = (j.EquiKeys[i].Left.WithColumns(map), j.EquiKeys[i].Right.WithColumns(map));
                    }

                    return map;
                }

            default:
                foreach (var input in node.Inputs)
                {
                    Rewrite(input, needs);
                }

                return Same;
        }
    }

    private static BoundColumn Same(BoundColumn c) => c;
}
