using KvDb.Cypher.Ast;
using KvDb.Cypher.Planning;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>
/// Runs a <see cref="MatchPlan"/> for one input row, streaming every extension. Relationships already used in the
/// row's MATCH are never used again (relationship isomorphism); variable-length expansion is a depth-first walk
/// that holds only the current path, so memory is bounded by the path length.
/// </summary>
internal static class PatternMatcher
{
    /// <summary>
    /// Streams the matches of <paramref name="plan"/> extending <paramref name="row"/>, each as a new row. The row is
    /// extended in place while matching and restored before the enumeration ends.
    /// </summary>
    /// <remarks>
    /// With <paramref name="copyRows"/> false the matcher yields its working row itself, valid only until the next
    /// row is pulled: for consumers that never keep a row (an aggregation), so no row is copied per match.
    /// </remarks>
    public static IAsyncEnumerable<Row> MatchAsync(MatchPlan plan, Row row, EvalContext ctx, bool copyRows = true) =>
        StepAsync(plan, 0, row, new MatchState(HasJoin(plan) ? new Row(row) : row) { CopyRows = copyRows }, ctx);

    /// <summary>True when the steps from <paramref name="from"/> on are all filters (or there are none).</summary>
    private static bool IsTail(MatchPlan plan, int from)
    {
        for (var i = from; i < plan.Steps.Count; i++)
        {
            if (plan.Steps[i] is not FilterStep)
            {
                return false;
            }
        }

        return true;
    }

    private static async ValueTask<bool> TailFiltersPassAsync(MatchPlan plan, int from, Row row, EvalContext ctx)
    {
        for (var i = from; i < plan.Steps.Count; i++)
        {
            var filter = (FilterStep)plan.Steps[i];
            if (Evaluator.AsBool(await Evaluator.EvalAsync(filter.Predicate, row, ctx).ConfigureAwait(false), "WHERE") != true)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The hash join step: builds the table of the build side once per MATCH, then probes it with the row.</summary>
    private static async IAsyncEnumerable<Row> HashJoinAsync(MatchPlan plan, int index, HashJoinStep join, Row row, MatchState used, EvalContext ctx)
    {
        if (!used.Tables.TryGetValue(index, out var table))
        {
            // Build side: the part matched on its own from the row as it entered this MATCH.
            table = new Dictionary<object?[], List<Row>>(CypherCompare.RowEquivalence.Instance);
            await foreach (var b in StepAsync(join.Build, 0, new Row(used.InitialRow), new MatchState(used.InitialRow), ctx).ConfigureAwait(false))
            {
                var buildKey = join.JoinVariables.Select(v => b[v]).ToArray();
                if (!table.TryGetValue(buildKey, out var bucket))
                {
                    table[buildKey] = bucket = [];
                }

                bucket.Add(b);
            }

            used.Tables[index] = table;
        }

        var probeKey = join.JoinVariables.Select(v => row.TryGetValue(v, out var pv) ? pv : null).ToArray();
        if (!table.TryGetValue(probeKey, out var matches))
        {
            yield break;
        }

        foreach (var b in matches)
        {
            var relIds = join.RelationshipVariables.SelectMany(v => b[v] switch
            {
                RelRef r => [r.Id],
                IReadOnlyList<object?> list => list.Cast<RelRef>().Select(r => r.Id),
                _ => [],
            }).ToList();
            if (relIds.Any(used.Contains))
            {
                continue;
            }

            var added = join.Build.NewVariables.Where(v => !row.ContainsKey(v)).ToList();
            foreach (var v in added)
            {
                row[v] = b[v];
            }

            used.UnionWith(relIds);
            await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
            {
                yield return r;
            }

            used.ExceptWith(relIds);
            foreach (var v in added)
            {
                row.Remove(v);
            }
        }
    }

    private static bool HasJoin(MatchPlan plan)
    {
        foreach (var step in plan.Steps)
        {
            if (step is HashJoinStep)
            {
                return true;
            }
        }

        return false;
    }

    private static async IAsyncEnumerable<Row> StepAsync(MatchPlan plan, int index, Row row, MatchState used, EvalContext ctx)
    {
        if (index == plan.Steps.Count)
        {
            yield return used.CopyRows ? new Row(row) : row;
            yield break;
        }

        switch (plan.Steps[index])
        {
            case NodeScanStep scan:
            {
                // An id seek (`id(n) = ...`) yields at most one candidate, an index seek the nodes whose entries are in
                // range (checked again below and by the pushed-down WHERE); otherwise every node of the scan label.
                IEnumerable<long> candidates;
                if (scan.IdSeek is { } seek)
                {
                    candidates = await Evaluator.EvalAsync(seek, row, ctx).ConfigureAwait(false) is long id &&
                                 await ctx.Transaction.GetNodeAsync(id).ConfigureAwait(false) is not null
                        ? [id]
                        : [];
                }
                else if (scan.IndexSeek is { } indexSeek &&
                         await IndexSeeking.RangesAsync(indexSeek.Predicate, row, ctx).ConfigureAwait(false) is { } ranges)
                {
                    candidates = await ctx.Transaction.IndexSeekAsync(indexSeek.Index, ranges).ConfigureAwait(false);
                }
                else
                {
                    candidates = await ctx.Transaction.NodeIdsAsync(scan.ScanLabel).ConfigureAwait(false);
                }

                foreach (var id in candidates)
                {
                    row[scan.Variable] = new NodeRef(id);
                    if (await NodeMatchesAsync(scan.Node, id, row, ctx).ConfigureAwait(false))
                    {
                        await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
                        {
                            yield return r;
                        }
                    }
                }

                row.Remove(scan.Variable);
                break;
            }

            case NodeCheckStep check:
                if (row[check.Variable] is NodeRef bound && await NodeMatchesAsync(check.Node, bound.Id, row, ctx).ConfigureAwait(false))
                {
                    await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
                    {
                        yield return r;
                    }
                }

                break;
            case ExpandStep expand when !expand.Rel.IsVariableLength:
                {
                    if (row[expand.From] is not NodeRef from)
                    {
                        break;
                    }

                    var boundRel = row.TryGetValue(expand.RelVariable, out var br) ? br : null;
                    var toBound = row.TryGetValue(expand.To, out var tb) ? tb as NodeRef : null;
                    if (row.ContainsKey(expand.To) && toBound is null)
                    {
                        break;
                    }

                    foreach (var rel in await ctx.Transaction.ExpandAsync(from.Id, expand.Direction, expand.Rel.Types).ConfigureAwait(false))
                    {
                        if (used.Contains(rel.Id) || (boundRel is not null && !Equals(boundRel, rel)))
                        {
                            continue;
                        }

                        var other = rel.Other(from.Id);
                        if (toBound is not null && toBound.Id != other)
                        {
                            continue;
                        }

                        if (!await RelMatchesAsync(expand.Rel, rel, row, ctx).ConfigureAwait(false))
                        {
                            continue;
                        }

                        row[expand.RelVariable] = rel;
                        if (toBound is null)
                        {
                            row[expand.To] = new NodeRef(other);
                        }

                        if (!await NodeMatchesAsync(expand.ToNode, other, row, ctx).ConfigureAwait(false))
                        {
                            continue;
                        }

                        if (IsTail(plan, index + 1))
                        {
                            // The last expansion (perhaps followed by filters) yields its rows without another level.
                            if (await TailFiltersPassAsync(plan, index + 1, row, ctx).ConfigureAwait(false))
                            {
                                yield return used.CopyRows ? new Row(row) : row;
                            }

                            continue;
                        }

                        used.Add(rel.Id);
                        await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
                        {
                            yield return r;
                        }

                        used.Remove(rel.Id);
                    }

                    if (boundRel is null)
                    {
                        row.Remove(expand.RelVariable);
                    }

                    if (toBound is null)
                    {
                        row.Remove(expand.To);
                    }

                    break;
                }

            case ExpandStep expand:
                {
                    if (row[expand.From] is not NodeRef from)
                    {
                        break;
                    }

                    var toBound = row.TryGetValue(expand.To, out var tb) ? tb as NodeRef : null;
                    var min = expand.Rel.Range!.Min ?? 1;
                    var max = expand.Rel.Range.Max ?? long.MaxValue;
                    var rels = new List<RelRef>();
                    var nodes = new List<NodeRef> { from };
                    await foreach (var r in WalkAsync(plan, index, expand, row, used, ctx, from.Id, rels, nodes, min, max, toBound).ConfigureAwait(false))
                    {
                        yield return r;
                    }

                    break;
                }

            case FilterStep filter:
                if (Evaluator.AsBool(await Evaluator.EvalAsync(filter.Predicate, row, ctx).ConfigureAwait(false), "WHERE") == true)
                {
                    await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
                    {
                        yield return r;
                    }
                }

                break;
            case HashJoinStep join:
                // In a method of its own, so that its lambdas (which capture the row) stay out of StepAsync's scope.
                await foreach (var r in HashJoinAsync(plan, index, join, row, used, ctx).ConfigureAwait(false))
                {
                    yield return r;
                }

                break;
            case PathStep path:
                {
                    var nodes = new List<NodeRef>();
                    var rels = new List<RelRef>();
                    nodes.Add((NodeRef)row[path.Nodes[0]]!);
                    for (var i = 0; i < path.Relationships.Count; i++)
                    {
                        if (path.VarLengthNodes[i] is { } nodesVar)
                        {
                            var hops = (List<NodeRef>)row[nodesVar]!;
                            rels.AddRange(((IReadOnlyList<object?>)row[path.Relationships[i]]!).Cast<RelRef>());
                            nodes.AddRange(hops.Skip(1));
                        }
                        else
                        {
                            rels.Add((RelRef)row[path.Relationships[i]]!);
                            nodes.Add((NodeRef)row[path.Nodes[i + 1]]!);
                        }
                    }

                    row[path.PathVariable] = new PathValue(nodes, rels);
                    await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
                    {
                        yield return r;
                    }

                    row.Remove(path.PathVariable);
                    break;
                }
        }
    }

    /// <summary>
    /// Depth-first walk over trails (no relationship twice) from <paramref name="start"/>, iterative so that a
    /// long path cannot exhaust the stack; memory is the current trail plus one neighbour list per level.
    /// </summary>
    private static async IAsyncEnumerable<Row> WalkAsync(MatchPlan plan, int index, ExpandStep expand, Row row, MatchState used, EvalContext ctx,
        long start, List<RelRef> rels, List<NodeRef> nodes, long min, long max, NodeRef? toBound)
    {
        await foreach (var r in EmitAsync(plan, index, expand, row, used, ctx, start, rels, nodes, min, toBound).ConfigureAwait(false))
        {
            yield return r;
        }

        if (max == 0)
        {
            yield break;
        }

        var stack = new List<(List<RelRef> Candidates, int Next)>
        {
            (await ctx.Transaction.ExpandAsync(start, expand.Direction, expand.Rel.Types).ConfigureAwait(false), 0),
        };
        while (stack.Count > 0)
        {
            var (candidates, next) = stack[^1];
            if (next >= candidates.Count)
            {
                stack.RemoveAt(stack.Count - 1);
                if (stack.Count > 0)
                {
                    Undo(used, rels, nodes);
                }

                continue;
            }

            stack[^1] = (candidates, next + 1);
            var rel = candidates[next];
            if (used.Contains(rel.Id) || !await RelMatchesAsync(expand.Rel, rel, row, ctx).ConfigureAwait(false))
            {
                continue;
            }

            var other = rel.Other(nodes[^1].Id);
            used.Add(rel.Id);
            rels.Add(rel);
            nodes.Add(new NodeRef(other));
            await foreach (var r in EmitAsync(plan, index, expand, row, used, ctx, other, rels, nodes, min, toBound).ConfigureAwait(false))
            {
                yield return r;
            }

            if (rels.Count < max)
            {
                stack.Add((await ctx.Transaction.ExpandAsync(other, expand.Direction, expand.Rel.Types).ConfigureAwait(false), 0));
            }
            else
            {
                Undo(used, rels, nodes);
            }
        }
    }

    private static void Undo(MatchState used, List<RelRef> rels, List<NodeRef> nodes)
    {
        used.Remove(rels[^1].Id);
        rels.RemoveAt(rels.Count - 1);
        nodes.RemoveAt(nodes.Count - 1);
    }

    /// <summary>When the current trail is long enough and ends on a matching node, binds it and runs the next steps.</summary>
    private static async IAsyncEnumerable<Row> EmitAsync(MatchPlan plan, int index, ExpandStep expand, Row row, MatchState used, EvalContext ctx,
        long current, List<RelRef> rels, List<NodeRef> nodes, long min, NodeRef? toBound)
    {
        if (rels.Count < min || (toBound is not null && toBound.Id != current) || !await NodeMatchesAsync(expand.ToNode, current, row, ctx).ConfigureAwait(false))
        {
            yield break;
        }

        // Bind in pattern order: a walk made right-to-left is reversed.
        var relList = new List<object?>(rels.Count);
        var nodeList = new List<NodeRef>(nodes);
        relList.AddRange(rels);
        if (expand.Reversed)
        {
            relList.Reverse();
            nodeList.Reverse();
        }

        row[expand.RelVariable] = relList;
        row[expand.NodesVariable!] = nodeList;
        var setTo = toBound is null;
        if (setTo)
        {
            row[expand.To] = new NodeRef(current);
        }

        await foreach (var r in StepAsync(plan, index + 1, row, used, ctx).ConfigureAwait(false))
        {
            yield return r;
        }

        row.Remove(expand.RelVariable);
        row.Remove(expand.NodesVariable!);
        if (setTo)
        {
            row.Remove(expand.To);
        }
    }

    /// <summary>
    /// Relationships used so far in one MATCH (isomorphism), plus the hash tables built for its joins and the row as
    /// it entered the MATCH (a copy when the plan has joins, which rebuild from it).
    /// </summary>
    private sealed class MatchState(Row initialRow) : HashSet<long>
    {
        public Row InitialRow { get; } = initialRow;

        /// <summary>Whether each match is yielded as a copy (see <see cref="MatchAsync"/>).</summary>
        public bool CopyRows { get; init; } = true;

        public Dictionary<int, Dictionary<object?[], List<Row>>> Tables { get; } = [];
    }

    public static async ValueTask<bool> NodeMatchesAsync(NodePattern pattern, long id, Row row, EvalContext ctx)
    {
        if (pattern.Labels.Count == 0 && pattern.Properties is null)
        {
            return true;
        }

        var state = await ctx.Transaction.GetNodeAsync(id).ConfigureAwait(false);
        if (state is null || !pattern.Labels.All(state.CurrentLabels.Contains))
        {
            return false;
        }

        return pattern.Properties is null || await PropertiesMatchAsync(pattern.Properties, null, state, row, ctx).ConfigureAwait(false);
    }

    private static async ValueTask<bool> RelMatchesAsync(RelPattern pattern, RelRef rel, Row row, EvalContext ctx) =>
        pattern.Properties is null || await PropertiesMatchAsync(pattern.Properties, ctx.Transaction.RelProperties(rel), null, row, ctx).ConfigureAwait(false);

    /// <summary>Whether the pattern's property map matches a relationship's properties or a node's (read one by one).</summary>
    private static async ValueTask<bool> PropertiesMatchAsync(Expr properties, Dictionary<string, object?>? actual, Storage.NodeState? node, Row row, EvalContext ctx)
    {
        var expected = await Evaluator.EvalAsync(properties, row, ctx).ConfigureAwait(false);
        if (expected is not IReadOnlyDictionary<string, object?> map)
        {
            throw Parsing.ErrorMessages.Type($"Pattern properties must be a map but were {ValueCodec.TypeName(expected)}");
        }

        foreach (var (key, value) in map)
        {
            var v = node is not null ? node.GetProperty(key) : actual!.TryGetValue(key, out var found) ? found : null;
            if (v is null || CypherCompare.Equal(v, value) != true)
            {
                return false;
            }
        }

        return true;
    }
}
