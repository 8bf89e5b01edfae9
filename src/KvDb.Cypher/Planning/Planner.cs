using KvDb.Cypher.Ast;
using KvDb.Cypher.Binding;
using KvDb.Cypher.Execution;
using KvDb.Cypher.Execution.Operators;
using KvDb.Cypher.Optimization;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Planning;

/// <summary>
/// Turns a bound statement into an operator tree. Each MATCH pattern starts from its most selective node
/// (a bound variable, else the smallest label count from the label index, divided when the node pattern
/// also fixes property values) and expands from there with sort-key prefix queries; parts of a comma pattern
/// are taken in order of selectivity, preferring parts connected to what is already bound.
/// </summary>
internal sealed class Planner(GraphTransaction transaction, EvalContext context)
{
    /// <summary>The most match steps (nodes plus relationships, roughly) one pattern may have.</summary>
    public const int MaxPatternSteps = 512;

    /// <summary>The largest own-anchor estimate for which a connected part is hash joined rather than expanded.</summary>
    public const long HashJoinThreshold = 100;

    private static readonly HashSet<string> s_noVariables = [];

    private readonly Dictionary<string, long> _labelCounts = new(StringComparer.Ordinal);
    private long _allCount = -1;
    private int _hidden;
    private IndexCatalog _catalog = IndexCatalog.Empty;

    public async ValueTask<(Operator Root, IReadOnlyList<string> Columns)> PlanAsync(CypherStatement statement)
    {
        _catalog = await transaction.CatalogAsync().ConfigureAwait(false);
        var branches = new List<(Operator, IReadOnlyList<string>)>();
        foreach (var query in statement.Queries)
        {
            branches.Add(await PlanSingleAsync(query).ConfigureAwait(false));
        }

        if (branches.Count == 1)
        {
            return branches[0];
        }

        var columns = branches[0].Item2;
        Operator root = new UnionOperator([branches[0].Item1, branches[1].Item1], columns, statement.UnionAll[0]);
        for (var i = 2; i < branches.Count; i++)
        {
            root = new UnionOperator([root, branches[i].Item1], columns, statement.UnionAll[i - 1]);
        }

        return (root, columns);
    }

    private string Hidden(string kind) => "  " + kind + _hidden++;

    private async ValueTask<(Operator, IReadOnlyList<string>)> PlanSingleAsync(SingleQuery query)
    {
        Operator op = new ArgumentOperator();
        var bound = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<string> columns = [];
        var updated = false;
        foreach (var clause in query.Clauses)
        {
            var updating = clause is CreateClause or MergeClause or SetClause or RemoveClause or DeleteClause;
            if (updated && !updating)
            {
                // Clause-by-clause semantics: the updates above finish before this clause reads.
                op = new EagerOperator(op);
            }

            updated = updating;
            switch (clause)
            {
                case MatchClause m:
                    {
                        var where = m.Where is null ? null : Rules.Simplify(m.Where);
                        var entry = new HashSet<string>(bound, StringComparer.Ordinal);
                        var plan = await PlanPatternAsync(m.Pattern, bound, Rules.IdSeeks(where, entry), Rules.PropertySeeks(where, entry)).ConfigureAwait(false);
                        plan = Rules.PushDownPredicates(plan, where, entry);
                        op = new MatchOperator(op, plan, null, m.Optional);
                        break;
                    }

                case UnwindClause u:
                    op = new UnwindOperator(op, u.Source, u.Variable);
                    bound.Add(u.Variable);
                    break;
                case WithClause w:
                    (op, columns) = PlanProjection(op, w.Body, bound);
                    bound = new HashSet<string>(columns, StringComparer.Ordinal);
                    if (w.Where is not null)
                    {
                        op = new FilterOperator(op, Rules.Simplify(w.Where));
                    }

                    break;
                case ReturnClause r:
                    (op, columns) = PlanProjection(op, r.Body, bound);
                    break;
                case CreateClause c:
                    foreach (var part in c.Pattern)
                    {
                        if (part.Steps.Any(s => s.Relationship.Direction == RelDirection.Both))
                        {
                            throw ErrorMessages.Compile(CypherErrorCode.InvalidRelationshipPattern, "Only directed relationships are supported in CREATE");
                        }
                    }

                    op = new CreateOperator(op, c.Pattern);
                    MarkBound(c.Pattern, bound);
                    break;
                case MergeClause mg:
                    {
                        var plan = await PlanPatternAsync([mg.Pattern], bound, new Dictionary<string, Expr>(), new Dictionary<string, List<PropertySeek>>()).ConfigureAwait(false);
                        op = new MergeOperator(op, plan, mg);
                        break;
                    }

                case SetClause s:
                    op = new SetOperator(op, s.Items);
                    break;
                case RemoveClause rm:
                    op = new RemoveOperator(op, rm.Items);
                    break;
                case DeleteClause d:
                    op = new DeleteOperator(op, d.Targets, d.Detach);
                    break;
            }
        }

        if (query.Clauses[^1] is not ReturnClause)
        {
            // An updating query without RETURN produces no rows.
            op = new DrainOperator(op);
            columns = [];
        }

        return (op, columns);
    }

    private static void MarkBound(IEnumerable<PatternPart> parts, HashSet<string> bound)
    {
        foreach (var part in parts)
        {
            if (part.PathVariable is not null)
            {
                bound.Add(part.PathVariable);
            }

            foreach (var n in part.Nodes())
            {
                if (n.Variable is not null)
                {
                    bound.Add(n.Variable);
                }
            }

            foreach (var s in part.Steps)
            {
                if (s.Relationship.Variable is not null)
                {
                    bound.Add(s.Relationship.Variable);
                }
            }
        }
    }

    private (Operator, IReadOnlyList<string>) PlanProjection(Operator op, ProjectionBody body, HashSet<string> bound)
    {
        var items = new List<(string Name, Expr Expression)>();
        if (body.Star)
        {
            items.AddRange(bound.Where(b => !b.StartsWith(' ')).Order(StringComparer.Ordinal).Select(b => (b, (Expr)new VariableExpr(b))));
        }

        items.AddRange(body.Items.Select(i => (i.Name, Rules.Simplify(i.Expression))));
        var names = items.Select(i => i.Name).ToList();
        var aggregating = items.Any(i => Binder.ContainsAggregate(i.Expression));
        var keepInput = false;
        var substitutions = new Dictionary<Expr, Expr>();
        if (aggregating)
        {
            var keys = items.Where(i => !Binder.ContainsAggregate(i.Expression)).ToList();
            foreach (var k in keys)
            {
                substitutions[k.Expression] = new VariableExpr(k.Name);
            }

            var aggregates = new List<(string, Expr)>();
            var finalItems = new List<(string, Expr)>();
            foreach (var item in items)
            {
                if (!Binder.ContainsAggregate(item.Expression))
                {
                    finalItems.Add((item.Name, new VariableExpr(item.Name)));
                    continue;
                }

                var rewritten = Rules.Substitute(item.Expression, e =>
                {
                    if (e is CountStarExpr || (e is FunctionExpr f && Functions.Aggregates.Contains(f.Name)))
                    {
                        var existing = aggregates.FirstOrDefault(a => a.Item2.Equals(e));
                        if (existing.Item1 is not null)
                        {
                            return new VariableExpr(existing.Item1);
                        }

                        var hidden = Hidden("agg");
                        aggregates.Add((hidden, e));
                        substitutions[e] = new VariableExpr(hidden);
                        return new VariableExpr(hidden);
                    }

                    return substitutions.TryGetValue(e, out var s) ? s : null;
                });
                finalItems.Add((item.Name, rewritten));
                substitutions[item.Expression] = new VariableExpr(item.Name);
            }

            if (op is MatchOperator match && CountMatchOperator.TryCreate(match, keys, aggregates) is { } counted)
            {
                // Counting the rows of a pattern ending in a plain hop: the last hop is counted, not expanded into rows.
                op = counted;
            }
            else
            {
                if (op is MatchOperator consumed)
                {
                    // The aggregation keeps evaluated values, never rows: the MATCH below need not copy each match.
                    consumed.ConsumerKeepsNoRows = true;
                }

                op = new AggregateOperator(op, keys, aggregates);
            }

            op = new ProjectOperator(op, finalItems, keepInput: false);
        }
        else
        {
            keepInput = body.OrderBy.Count > 0 && !body.Distinct;
            op = new ProjectOperator(op, items, keepInput);
            foreach (var item in items)
            {
                substitutions.TryAdd(item.Expression, new VariableExpr(item.Name));
            }
        }

        if (body.Distinct)
        {
            op = new DistinctOperator(op, names);
        }

        if (body.OrderBy.Count > 0)
        {
            var sorts = body.OrderBy.Select(s => new SortItem(Rules.Substitute(Rules.Simplify(s.Expression), e => substitutions.TryGetValue(e, out var v) ? v : null), s.Descending)).ToList();
            if (sorts.Any(s => Binder.ContainsAggregate(s.Expression)))
            {
                throw ErrorMessages.Compile(CypherErrorCode.InvalidAggregation, "ORDER BY may only use aggregates that are also projected");
            }

            op = new SortOperator(op, sorts);
        }

        if (body.Skip is not null || body.Limit is not null)
        {
            op = new SkipLimitOperator(op, body.Skip, body.Limit);
        }

        if (keepInput)
        {
            op = new SelectOperator(op, names);
        }

        return (op, names);
    }

    private async ValueTask<long> CountAsync(string? label)
    {
        if (label is null)
        {
            if (_allCount < 0)
            {
                _allCount = await transaction.CountNodesAsync(null).ConfigureAwait(false);
            }

            return _allCount;
        }

        if (!_labelCounts.TryGetValue(label, out var count))
        {
            count = await transaction.CountNodesAsync(label).ConfigureAwait(false);
            _labelCounts[label] = count;
        }

        return count;
    }

    /// <summary>Plans one MATCH or MERGE pattern given the variables already bound.</summary>
    private async ValueTask<MatchPlan> PlanPatternAsync(IReadOnlyList<PatternPart> parts, HashSet<string> bound, IReadOnlyDictionary<string, Expr> idSeeks,
        IReadOnlyDictionary<string, List<PropertySeek>> propertySeeks, bool allowJoins = true)
    {
        var entry = new HashSet<string>(bound, StringComparer.Ordinal);
        var named = parts.Select(p => new NamedPart(
            p,
            p.Nodes().Select(n => n.Variable ?? Hidden("n")).ToList(),
            p.Steps.Select(s => s.Relationship.Variable ?? Hidden("r")).ToList(),
            p.Steps.Select(s => s.Relationship.IsVariableLength ? Hidden("hops") : null).ToList())).ToList();
        var steps = new List<MatchStep>();
        var local = new HashSet<string>(bound, StringComparer.Ordinal);
        var remaining = new List<NamedPart>(named);
        while (remaining.Count > 0)
        {
            NamedPart? bestPart = null;
            var bestIndex = 0;
            var bestCost = long.MaxValue;
            string? bestLabel = null;
            IndexSeek? bestSeek = null;

            // Bound nodes (-1) and id seeks (0) first: when one exists, no other start can be cheaper.
            foreach (var part in remaining)
            {
                for (var i = 0; i < part.Nodes.Count; i++)
                {
                    var cost = local.Contains(part.Nodes[i]) ? -1L : idSeeks.ContainsKey(part.Nodes[i]) ? 0L : long.MaxValue;
                    if (cost < bestCost)
                    {
                        (bestPart, bestIndex, bestCost) = (part, i, cost);
                    }
                }
            }

            if (bestCost > 0)
            {
                foreach (var part in remaining)
                {
                    var nodes = part.Part.Nodes().ToList();
                    for (var i = 0; i < nodes.Count; i++)
                    {
                        var (cost, label, seek) = await EstimateAsync(nodes[i], SeeksFor(nodes[i], part.Nodes[i], propertySeeks, entry)).ConfigureAwait(false);
                        if (cost < bestCost)
                        {
                            (bestPart, bestIndex, bestCost, bestLabel, bestSeek) = (part, i, cost, label, seek);
                        }
                    }
                }
            }

            var chosen = bestPart!;
            remaining.Remove(chosen);
            if (allowJoins && await TryHashJoinAsync(chosen, bound, local, idSeeks, propertySeeks, bestCost).ConfigureAwait(false) is { } join)
            {
                steps.Add(join);
                local.UnionWith(join.Build.NewVariables);
                continue;
            }

            var patternNodes = chosen.Part.Nodes().ToList();
            if (local.Contains(chosen.Nodes[bestIndex]))
            {
                steps.Add(new NodeCheckStep(chosen.Nodes[bestIndex], patternNodes[bestIndex]));
            }
            else
            {
                var idSeek = idSeeks.GetValueOrDefault(chosen.Nodes[bestIndex]);
                steps.Add(new NodeScanStep(chosen.Nodes[bestIndex], patternNodes[bestIndex], bestLabel, bestCost, idSeek, idSeek is null ? bestSeek : null));
                local.Add(chosen.Nodes[bestIndex]);
            }

            for (var i = bestIndex; i < chosen.Part.Steps.Count; i++)
            {
                var rel = chosen.Part.Steps[i].Relationship;
                steps.Add(new ExpandStep(chosen.Nodes[i], chosen.Rels[i], rel, rel.Direction, chosen.Nodes[i + 1], patternNodes[i + 1], false, chosen.Hops[i]));
                local.Add(chosen.Nodes[i + 1]);
                local.Add(chosen.Rels[i]);
            }

            for (var i = bestIndex - 1; i >= 0; i--)
            {
                var rel = chosen.Part.Steps[i].Relationship;
                var reversed = rel.Direction switch { RelDirection.Outgoing => RelDirection.Incoming, RelDirection.Incoming => RelDirection.Outgoing, _ => RelDirection.Both };
                steps.Add(new ExpandStep(chosen.Nodes[i + 1], chosen.Rels[i], rel, reversed, chosen.Nodes[i], patternNodes[i], true, chosen.Hops[i]));
                local.Add(chosen.Nodes[i]);
                local.Add(chosen.Rels[i]);
            }

            if (chosen.Part.PathVariable is not null)
            {
                steps.Add(new PathStep(chosen.Part.PathVariable, chosen.Nodes, chosen.Rels, chosen.Hops));
                local.Add(chosen.Part.PathVariable);
            }
        }

        // The matcher recurses once per step, so a pattern's size is bounded like expression nesting is.
        if (steps.Count > MaxPatternSteps)
        {
            throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.NestingTooDeep,
                $"A pattern may have at most {MaxPatternSteps} nodes and relationships; this one has {steps.Count}.");
        }

        var newVariables = named.SelectMany(p => p.Nodes.Concat(p.Rels).Concat(p.Hops.OfType<string>()).Concat(p.Part.PathVariable is null ? [] : [p.Part.PathVariable]))
            .Where(v => !bound.Contains(v)).Distinct().ToList();
        foreach (var v in newVariables)
        {
            bound.Add(v);
        }

        return new MatchPlan(steps, newVariables);
    }

    /// <summary>
    /// A part connected to what this MATCH already bound is normally expanded from the bound node (an index
    /// nested-loop join). When the part also has a selective node of its own (estimate at most
    /// <see cref="HashJoinThreshold"/>) and shares only node variables bound within this MATCH, it is matched
    /// once on its own and hash joined instead, so a small side is not re-expanded for every row.
    /// </summary>
    private async ValueTask<HashJoinStep?> TryHashJoinAsync(NamedPart part, HashSet<string> entryBound, HashSet<string> local, IReadOnlyDictionary<string, Expr> idSeeks,
        IReadOnlyDictionary<string, List<PropertySeek>> propertySeeks, long bestCost)
    {
        if (bestCost >= 0 || part.Rels.Any(local.Contains) || part.Part.PathVariable is not null && local.Contains(part.Part.PathVariable))
        {
            return null;
        }

        var shared = part.Nodes.Where(local.Contains).Distinct().ToList();
        if (shared.Count == 0 || shared.Any(entryBound.Contains) || part.Part.Steps.Count == 0)
        {
            return null;
        }

        var own = long.MaxValue;
        var nodes = part.Part.Nodes().ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!shared.Contains(part.Nodes[i]))
            {
                own = Math.Min(own, idSeeks.ContainsKey(part.Nodes[i]) ? 0 : (await EstimateAsync(nodes[i], SeeksFor(nodes[i], part.Nodes[i], propertySeeks, entryBound)).ConfigureAwait(false)).Cost);
            }
        }

        if (own > HashJoinThreshold)
        {
            return null;
        }

        var renamed = part.Part with
        {
            Start = Named(part.Part.Start, part.Nodes[0]),
            Steps = part.Part.Steps.Select((s, i) => new PatternStep(s.Relationship with { Variable = part.Rels[i] }, Named(s.Node, part.Nodes[i + 1]))).ToList(),
        };
        var entry = new HashSet<string>(entryBound, StringComparer.Ordinal);
        var build = await PlanPatternAsync([renamed], entry, idSeeks, propertySeeks, allowJoins: false).ConfigureAwait(false);
        return new HashJoinStep(build, shared, part.Rels);
    }

    private static NodePattern Named(NodePattern node, string name) => node with { Variable = name };

    /// <summary>The index-answerable predicates on a node: its WHERE seeks plus its pattern's literal property values.</summary>
    private static List<PropertySeek> SeeksFor(NodePattern node, string variable, IReadOnlyDictionary<string, List<PropertySeek>> propertySeeks, IReadOnlySet<string> entry)
    {
        var seeks = new List<PropertySeek>();
        if (node.Properties is MapExpr map)
        {
            foreach (var e in map.Entries)
            {
                if (Rules.UsesOnly(e.Value, entry))
                {
                    seeks.Add(new PropertySeek(e.Key, SeekKind.Equal, e.Value));
                }
            }
        }

        if (propertySeeks.TryGetValue(variable, out var fromWhere))
        {
            seeks.AddRange(fromWhere);
        }

        return seeks;
    }

    /// <summary>
    /// The cheapest way to find a node's candidates: the label scan of its rarest label (all nodes without labels),
    /// or a seek of an online property index on one of its labels. A seek whose values are literals and parameters
    /// is costed by counting its index entries; otherwise equality keeps a hundredth of the label and a range a
    /// third (no value statistics).
    /// </summary>
    private async ValueTask<(long Cost, string? Label, IndexSeek? Seek)> EstimateAsync(NodePattern node, List<PropertySeek> seeks)
    {
        long cost;
        string? label = null;
        IndexSeek? best = null;
        if (node.Labels.Count == 0)
        {
            cost = await CountAsync(null).ConfigureAwait(false);
        }
        else
        {
            cost = long.MaxValue;
            foreach (var l in node.Labels)
            {
                var c = await CountAsync(l).ConfigureAwait(false);
                if (c < cost)
                {
                    (cost, label) = (c, l);
                }
            }
        }

        // A property equality keeps roughly a tenth of the candidates (no value statistics yet).
        if (node.Properties is MapExpr { Entries.Count: > 0 } or ParameterExpr)
        {
            cost = Math.Max(1, cost / 10);
        }

        foreach (var l in node.Labels)
        {
            foreach (var seek in seeks)
            {
                if (_catalog.Find(l, seek.Property) is not { Online: true } index)
                {
                    continue;
                }

                var estimate = await SeekEstimateAsync(index, seek, await CountAsync(l).ConfigureAwait(false)).ConfigureAwait(false);
                if (estimate is { } e && e <= cost)
                {
                    (cost, label, best) = (e, l, new IndexSeek(index, seek));
                }
            }
        }

        return (cost, label, best);
    }

    /// <summary>The number of entries a seek reads, or null when its values are known now and cannot use the index.</summary>
    private async ValueTask<long?> SeekEstimateAsync(PropertyIndex index, PropertySeek seek, long labelCount)
    {
        if (seek.Expressions.All(e => Rules.UsesOnly(e, s_noVariables)))
        {
            try
            {
                var ranges = await IndexSeeking.RangesAsync(seek, new Row(), context).ConfigureAwait(false);
                return ranges is null ? null : await transaction.IndexCountAsync(index, ranges).ConfigureAwait(false);
            }
            catch (CypherException)
            {
                // A parameter missing (EXPLAIN without parameters) or a failing expression: the run decides.
            }
        }

        return seek.Kind is SeekKind.Equal or SeekKind.In ? Math.Max(1, labelCount / 100) : Math.Max(1, labelCount / 3);
    }

    private sealed record NamedPart(PatternPart Part, List<string> Nodes, List<string> Rels, List<string?> Hops);
}

/// <summary>Runs an updating query to the end and produces no rows.</summary>
internal sealed class DrainOperator(Operator input) : UnaryOperator(input)
{
    public override string Describe() => "EmptyResult";

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            _ = row;
        }

        yield break;
    }
}

/// <summary>
/// Runs the updating clauses below it to the end before the next clause reads anything: each clause's side effects
/// are visible to the clauses after it (a MATCH after a DELETE does not find what the DELETE removed for a later row).
/// </summary>
internal sealed class EagerOperator(Operator input) : UnaryOperator(input)
{
    public override string Describe() => "Eager";

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var rows = new List<Row>();
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        foreach (var row in rows)
        {
            yield return row;
        }
    }
}
