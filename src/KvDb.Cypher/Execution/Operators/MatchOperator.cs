using KvDb.Cypher.Ast;
using KvDb.Cypher.Optimization;
using KvDb.Cypher.Planning;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>MATCH / OPTIONAL MATCH: extends each input row with every match of the pattern that passes WHERE.</summary>
internal sealed class MatchOperator(Operator input, MatchPlan plan, Expr? where, bool optional) : UnaryOperator(input)
{
    public MatchPlan Plan => plan;

    public bool Optional => optional;

    public Expr? Where => where;

    /// <summary>
    /// Set by a consumer that handles each row completely before pulling the next and never keeps it (an
    /// aggregation): matches are then yielded without copying the working row.
    /// </summary>
    public bool ConsumerKeepsNoRows { get; set; }

    public override string Describe() =>
        (optional ? "OptionalMatch" : "Match") + (where is null ? "" : " WHERE " + where) + "\n" + plan.Describe("").TrimEnd('\n');

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var any = false;
            // The matcher extends the row in place and restores it; every match it yields is a new row.
            await foreach (var match in PatternMatcher.MatchAsync(plan, row, ctx, copyRows: !ConsumerKeepsNoRows).ConfigureAwait(false))
            {
                if (where is not null && Evaluator.AsBool(await Evaluator.EvalAsync(where, match, ctx).ConfigureAwait(false), "WHERE") != true)
                {
                    continue;
                }

                any = true;
                yield return match;
            }

            if (!any && optional)
            {
                var padded = new Row(row);
                foreach (var v in plan.NewVariables)
                {
                    padded[v] = null;
                }

                yield return padded;
            }
        }
    }
}

/// <summary>
/// <c>MATCH pattern RETURN keys, count(*)</c> when the pattern ends with a single-hop expansion to a new,
/// unconstrained node through a new, unconstrained relationship, every aggregate counts rows (<c>count(*)</c>, or
/// <c>count(v)</c> of a variable the pattern binds, never null) and no grouping key reads the last hop's variables:
/// the last hop is counted per row (Core's count of the sort-key prefix, or the graph copy's, minus relationships
/// the row already uses) instead of being expanded into one row per path. Produces one row per group (keys evaluated
/// on the row before the last hop) with the count under each aggregate's name; without keys, one row even when
/// nothing matched.
/// <para>
/// WHERE conditions that read only the last node (<c>WHERE c.age &gt; 60</c>) are allowed: the last hop is then
/// expanded but not turned into rows. With the graph's in-memory copy (no grouping keys, nothing written yet by the
/// statement, conditions <see cref="NodePredicate"/> compiles), the chain of plain hops after the pattern's start is
/// walked in the copy's arrays and the last hop is read from a degree column, or walked in a neighbour column with
/// the compiled test per end node; otherwise the condition is evaluated on the row with the last node and
/// relationship bound.
/// </para>
/// </summary>
internal sealed class CountMatchOperator : UnaryOperator
{
    private readonly MatchPlan _prefix;
    private readonly ExpandStep _last;
    private readonly string[] _usedVariables;
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyList<(string Name, Expr Expression)> _keys;
    private readonly Expr[] _endFilters;

    // The prefix split for counting in the graph copy: the head steps run through the matcher, then a chain of plain
    // hops (each to a new node nothing else reads) is walked in the copy's arrays without rows.
    private readonly MatchPlan _head;
    private readonly ExpandStep[] _chain;
    private readonly string[] _headUsedVariables;

    // The head when it is one node found by an equality seek (a property index or id(n)) whose pattern reads only
    // literals and parameters: a run whose input is one empty row is then counted in the copy without the matcher.
    private readonly NodeScanStep? _seekHead;

    private CountMatchOperator(Operator input, MatchPlan prefix, ExpandStep last, string[] usedVariables, IReadOnlyList<(string Name, Expr Expression)> keys, IReadOnlyList<string> names, Expr[] endFilters)
        : base(input)
    {
        _prefix = prefix;
        _last = last;
        _usedVariables = usedVariables;
        _keys = keys;
        _names = names;
        _endFilters = endFilters;
        (_head, _chain) = SplitChain(prefix, last);
        _headUsedVariables = [.. _head.Steps.OfType<ExpandStep>().Select(e => e.RelVariable)];
        _seekHead = _head.Steps is [NodeScanStep scan] && scan.Variable == (_chain.Length > 0 ? _chain[0].From : last.From) &&
                    (scan.IdSeek is { } id ? IsConstant(id) : scan.IndexSeek is { Predicate: { Kind: SeekKind.Equal, Value: { } value } } && IsConstant(value)) &&
                    scan.Node.Properties is null or MapExpr &&
                    (scan.Node.Properties is not MapExpr map || (map.Entries.All(e => IsConstant(e.Value)) && map.Entries.Select(e => e.Key).Distinct().Count() == map.Entries.Count))
            ? scan
            : null;

        // The copy's index holds a node under a value's key exactly when the node has the index's label and the
        // property has that key, so a pattern that asks for no more than that label and that property equal to the
        // seek's own value needs no check of the nodes found (when the key is exact: IsExactKey).
        _lastTypeCount = last.Rel.Types.Distinct().Count();
        _seekProves = _seekHead is { IndexSeek: { } seek } head && head.Node.Labels.All(l => l == seek.Index.Label) &&
                      head.Node.Properties is MapExpr { Entries: [var entry] } && entry.Key == seek.Index.Property && entry.Value == seek.Predicate.Value;
    }

    private readonly bool _seekProves;

    // The last hop's distinct relationship types (0 for any type).
    private readonly int _lastTypeCount;

    private static bool IsConstant(Expr e) => e is LiteralExpr or ParameterExpr;

    /// <summary>The longest run of plain hops at the end of the prefix that leads to the last hop.</summary>
    private static (MatchPlan Head, ExpandStep[] Chain) SplitChain(MatchPlan prefix, ExpandStep last)
    {
        var steps = prefix.Steps;
        var chainStart = steps.Count;
        var next = last.From;
        while (chainStart > 1 && steps[chainStart - 1] is ExpandStep e && e.To == next && IsPlainHop(e, prefix) && !BoundBefore(steps, chainStart - 1, e.To) &&
               e.To != e.From && e.To != last.To && !steps.Skip(chainStart).OfType<ExpandStep>().Any(c => c.To == e.To || c.RelVariable == e.RelVariable))
        {
            next = e.From;
            chainStart--;
        }

        return (prefix with { Steps = [.. steps.Take(chainStart)] }, [.. steps.Skip(chainStart).Cast<ExpandStep>()]);
    }

    private static bool IsPlainHop(ExpandStep e, MatchPlan plan) =>
        !e.Rel.IsVariableLength && e.Rel.Properties is null && e.ToNode.Labels.Count == 0 && e.ToNode.Properties is null && e.NodesVariable is null &&
        plan.NewVariables.Contains(e.To) && plan.NewVariables.Contains(e.RelVariable);

    private static bool BoundBefore(IReadOnlyList<MatchStep> steps, int index, string variable) =>
        steps.Take(index).Any(s => s switch
        {
            NodeScanStep scan => scan.Variable == variable,
            ExpandStep e => e.To == variable || e.From == variable || e.RelVariable == variable || e.NodesVariable == variable,
            _ => true,
        });

    /// <summary>
    /// The counting form of <paramref name="match"/> grouped on <paramref name="keys"/> with the count aggregates
    /// <paramref name="aggregates"/>, or null when the pattern does not end in a countable hop or an aggregate or key
    /// does not allow it.
    /// </summary>
    public static CountMatchOperator? TryCreate(MatchOperator match, IReadOnlyList<(string Name, Expr Expression)> keys, IReadOnlyList<(string Name, Expr Aggregate)> aggregates)
    {
        // Conditions after the last hop (pushed down or left in WHERE) may read only the last node.
        var steps = match.Plan.Steps;
        var end = steps.Count;
        var endFilters = new List<Expr>();
        while (end > 0 && steps[end - 1] is FilterStep filter)
        {
            endFilters.Insert(0, filter.Predicate);
            end--;
        }

        if (match.Where is not null)
        {
            endFilters.Add(match.Where);
        }

        steps = [.. steps.Take(end)];
        if (match.Optional || steps.Count == 0 || steps[^1] is not ExpandStep last ||
            last.Rel.IsVariableLength || last.Rel.Properties is not null || last.ToNode.Labels.Count > 0 || last.ToNode.Properties is not null ||
            last.NodesVariable is not null || !match.Plan.NewVariables.Contains(last.To) || !match.Plan.NewVariables.Contains(last.RelVariable) ||
            last.To == last.From || last.To == last.RelVariable)
        {
            return null;
        }

        foreach (var filter in endFilters)
        {
            if (Rules.Variables(filter).Any(v => v != last.To))
            {
                return null;
            }
        }

        // count(v) counts the rows when the pattern binds v (never null in a MATCH); keys must be known before the last hop.
        foreach (var (_, aggregate) in aggregates)
        {
            var countsRows = aggregate is CountStarExpr ||
                             (aggregate is FunctionExpr { Distinct: false, Args.Count: 1 } f && f.Name.Equals("count", StringComparison.OrdinalIgnoreCase) &&
                              f.Args[0] is VariableExpr { Name: var v } && match.Plan.NewVariables.Contains(v));
            if (!countsRows)
            {
                return null;
            }
        }

        foreach (var (_, key) in keys)
        {
            var variables = Rules.Variables(key);
            if (variables.Contains(last.To) || variables.Contains(last.RelVariable))
            {
                return null;
            }
        }

        var used = new List<string>();
        for (var i = 0; i < steps.Count - 1; i++)
        {
            switch (steps[i])
            {
                case HashJoinStep or PathStep:
                    return null;
                case NodeScanStep scan when scan.Variable == last.To || scan.Variable == last.RelVariable:
                    return null;
                case ExpandStep e when e.To == last.To || e.RelVariable == last.RelVariable || e.From == last.To || e.To == last.RelVariable ||
                                       e.RelVariable == last.To || e.NodesVariable == last.To:
                    return null;
                case ExpandStep e:
                    used.Add(e.RelVariable);
                    break;
            }
        }

        return new CountMatchOperator(match.Input, match.Plan with { Steps = [.. steps.Take(steps.Count - 1)] }, last, [.. used], keys, [.. aggregates.Select(a => a.Name)], [.. endFilters]);
    }

    public override string Describe() =>
        "CountMatch count(" + _last + (_endFilters.Length == 0 ? "" : " WHERE " + string.Join(" AND ", _endFilters.Select(f => f.ToString()))) + ")" +
        (_keys.Count == 0 ? "" : " keys=[" + string.Join(", ", _keys.Select(k => k.Expression.ToString())) + "]") +
        " as [" + string.Join(", ", _names) + "]\n" + _prefix.Describe("").TrimEnd('\n');

    /// <summary>The names the count is output under.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The count without a row, when it can be counted synchronously in the copy (see <see cref="TryCountInCopy"/>).</summary>
    public bool TryCount(EvalContext ctx, out long total) => TryCountInCopy(ctx, out total);

    public override bool TryRun(EvalContext ctx, List<Row> output)
    {
        if (!TryCountInCopy(ctx, out var total))
        {
            return false;
        }

        output.Add(Output([], total));
        return true;
    }

    /// <summary>
    /// Counts without the matcher or rows when the input is one empty row, the head is an equality seek
    /// (<see cref="_seekHead"/>), nothing is grouped, the statement has not written and the copy answers the seek and
    /// compiles the end conditions: the seek's nodes are read from the copy's index, checked against the node
    /// pattern as <see cref="PatternMatcher.NodeMatchesAsync"/> does, and the chain counted from each. False (and
    /// nothing counted) otherwise, and for a missing parameter, which the matcher reports.
    /// </summary>
    private bool TryCountInCopy(EvalContext ctx, out long total)
    {
        total = 0;
        var tx = ctx.Transaction;
        if (_seekHead is not { } scan || _keys.Count > 0 || Input is not ArgumentOperator || tx.HasWritten || tx.Copy is not { } snapshot ||
            !TryConstant(scan.IdSeek ?? scan.IndexSeek!.Predicate.Value!, ctx, out var seekValue))
        {
            return false;
        }

        if (Counting(ctx) is not { } counting)
        {
            return false;
        }

        long[] candidates;
        if (scan.IdSeek is not null)
        {
            candidates = seekValue is long id ? [id] : [];
        }
        else if (seekValue is null or double.NaN)
        {
            candidates = [];
        }
        else if (IndexKeys.ValueKey(seekValue) is not { } key || snapshot.Seek(scan.IndexSeek!.Index.Id, key) is not { } ids)
        {
            return false; // not indexable (the matcher scans the label) or an index the copy does not hold
        }
        else
        {
            candidates = ids;
        }

        // The nodes found are checked against the pattern unless the key proves them (see _seekProves).
        var proven = _seekProves && IsExactKey(seekValue);
        KeyValuePair<string, object?>[] properties = [];
        if (!proven && scan.Node.Properties is MapExpr map)
        {
            properties = new KeyValuePair<string, object?>[map.Entries.Count];
            for (var i = 0; i < properties.Length; i++)
            {
                if (!TryConstant(map.Entries[i].Value, ctx, out var value))
                {
                    return false;
                }

                properties[i] = new(map.Entries[i].Key, value);
            }
        }

        var used = new List<UsedRel>();
        foreach (var id in candidates)
        {
            if (proven || (snapshot.Find(id) is { } entry && Matches(scan.Node, properties, entry)))
            {
                total = checked(total + CountChain(counting, id, 0, used));
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a number's index key is its value: equal keys then mean equal numbers (a long beyond 2^53 shares its
    /// key with neighbours that round to the same double).
    /// </summary>
    private static bool IsExactKey(object? value) => value switch
    {
        long l => l is > -(1L << 53) and < 1L << 53,
        double d => Math.Abs(d) < 9007199254740992.0,
        _ => false,
    };

    /// <summary>A literal's value, or a parameter's when it is given.</summary>
    private static bool TryConstant(Expr e, EvalContext ctx, out object? value)
    {
        value = e is LiteralExpr literal ? literal.Value : null;
        return e is LiteralExpr || (e is ParameterExpr parameter && ctx.Parameters.TryGetValue(parameter.Name, out value));
    }

    /// <summary>Whether a node of the copy has the pattern's labels and properties (each present and equal).</summary>
    private static bool Matches(NodePattern pattern, KeyValuePair<string, object?>[] properties, NodeEntry entry)
    {
        foreach (var label in pattern.Labels)
        {
            if (!entry.HasLabel(label))
            {
                return false;
            }
        }

        foreach (var (key, value) in properties)
        {
            if (entry.Property(key) is not { } actual || CypherCompare.Equal(actual, value) != true)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What a run counts with in the graph copy: the snapshot, the compiled end conditions and the columns.</summary>
    private sealed record CopyCounting(
        GraphCopy.Snapshot Snapshot,
        GraphCopy Copy,
        Func<long, bool?>[]? Compiled,
        PropertyColumn? Degrees,
        PropertyColumn? Neighbours,
        NodePredicate.ColumnComparison? Comparison,
        PropertyColumn? ChainColumn)
    {
        /// <summary>Whether the last hop is read from a column: a count from degrees, or ends from neighbours with conditions.</summary>
        public bool LastHopInColumn => Degrees is not null || (Neighbours is not null && Compiled is not null);
    }

    /// <summary>
    /// How this run counts in the copy, or null when it cannot (grouping keys, no copy, conditions that do not
    /// compile). An unconditioned directed last hop of one type (or all types) is counted from a degree column; a
    /// conditioned one of one type walks a neighbour column; the chain's last hop, when directed and of one type,
    /// is read from its neighbour column.
    /// </summary>
    private CopyCounting? Counting(EvalContext ctx)
    {
        if (_keys.Count > 0 || ctx.Transaction.Copy is not { } snapshot || ctx.Transaction.Graph.Copy is not { } copy)
        {
            return null;
        }

        var compiled = _endFilters.Length > 0 ? Compile(ctx) : null;
        if (_endFilters.Length > 0 && compiled is null)
        {
            return null;
        }

        var (degrees, neighbours, chain) = Columns(snapshot, copy, filtered: compiled is not null);
        return new CopyCounting(snapshot, copy, compiled, degrees, neighbours, neighbours is null ? null : Comparison(ctx), chain);
    }

    /// <summary>The columns a run reads: found by their names (kept per copy), made when the snapshot has none yet.</summary>
    private (PropertyColumn? Degrees, PropertyColumn? Neighbours, PropertyColumn? Chain) Columns(GraphCopy.Snapshot snapshot, GraphCopy copy, bool filtered)
    {
        if (_last.Direction == RelDirection.Both || (filtered ? _lastTypeCount != 1 : _lastTypeCount > 1))
        {
            return (null, null, null);
        }

        var names = _columnNames is { } known && ReferenceEquals(known.Copy, copy) ? known : _columnNames = new ColumnNames(copy, this);
        var outgoing = _last.Direction == RelDirection.Outgoing;
        var types = _last.Rel.Types;
        var degrees = filtered ? null : GraphCopy.FindColumn(snapshot, names.Degrees) ?? copy.DegreeColumn(snapshot, outgoing, types.Count == 0 ? null : types[0]);
        var neighbours = filtered ? GraphCopy.FindColumn(snapshot, names.Neighbours!) ?? copy.NeighbourColumn(snapshot, outgoing, types[0]) : null;
        var chain = (degrees is not null || neighbours is not null) && names.Chain is { } chainName && _chain[^1] is var step
            ? GraphCopy.FindColumn(snapshot, chainName) ?? copy.NeighbourColumn(snapshot, step.Direction == RelDirection.Outgoing, step.Rel.Types[0])
            : null;
        return (degrees, neighbours, chain);
    }

    /// <summary>The names of the columns this operator reads in one graph's copy (names, not columns: they hold no data).</summary>
    private sealed class ColumnNames(GraphCopy copy, CountMatchOperator op)
    {
        public GraphCopy Copy { get; } = copy;

        public string Degrees { get; } = copy.DegreeColumnName(op._last.Direction == RelDirection.Outgoing, op._last.Rel.Types.Count == 0 ? null : op._last.Rel.Types[0]);

        public string? Neighbours { get; } = op._last.Rel.Types.Count == 0 ? null : copy.NeighbourColumnName(op._last.Direction == RelDirection.Outgoing, op._last.Rel.Types[0]);

        public string? Chain { get; } = op._chain.Length > 0 && op._chain[^1] is { Direction: not RelDirection.Both, Rel.Types: [var type] } step
            ? copy.NeighbourColumnName(step.Direction == RelDirection.Outgoing, type)
            : null;
    }

    private volatile ColumnNames? _columnNames;

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        if (TryCountInCopy(ctx, out var counted))
        {
            yield return Output([], counted);
            yield break;
        }

        long total = 0;
        var groups = _keys.Count == 0 ? null : new Dictionary<object?[], long>(CypherCompare.RowEquivalence.Instance);
        var order = new List<object?[]>();
        var counting = Counting(ctx);
        var chainFrom = _chain.Length > 0 ? _chain[0].From : _last.From;
        var used = new List<UsedRel>();
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            // The input may have written (e.g. a DELETE before a WITH): then the copy no longer shows what this statement sees.
            if (counting is not null && !ctx.Transaction.HasWritten)
            {
                // Counted in the graph copy: the head through the matcher, the chain and the last hop in arrays.
                await foreach (var match in PatternMatcher.MatchAsync(_head, row, ctx, copyRows: false).ConfigureAwait(false))
                {
                    if (match[chainFrom] is not NodeRef start)
                    {
                        continue;
                    }

                    used.Clear();
                    foreach (var rel in Relationships(match, _headUsedVariables))
                    {
                        used.Add(new UsedRel(rel.Id, rel.Start, rel.End, rel.Type));
                    }

                    total = checked(total + CountChain(counting, start.Id, 0, used));
                }

                continue;
            }

            await foreach (var match in PatternMatcher.MatchAsync(_prefix, row, ctx, copyRows: false).ConfigureAwait(false))
            {
                if (match[_last.From] is not NodeRef from)
                {
                    continue;
                }

                var count = _endFilters.Length > 0
                    ? await CountFilteredAsync(from.Id, match, ctx).ConfigureAwait(false)
                    : await ctx.Transaction.CountRelationshipsAsync(from.Id, _last.Direction, _last.Rel.Types).ConfigureAwait(false);
                foreach (var rel in _endFilters.Length > 0 ? [] : Relationships(match, _usedVariables))
                {
                    // Relationships this match already uses are not matched again (relationship isomorphism).
                    count -= Expands(rel, from.Id) ? 1 : 0;
                }

                if (groups is null)
                {
                    total = checked(total + count);
                    continue;
                }

                if (count == 0)
                {
                    continue; // no path through this row: it makes no group
                }

                var keyValues = new object?[_keys.Count];
                for (var i = 0; i < keyValues.Length; i++)
                {
                    keyValues[i] = await Evaluator.EvalAsync(_keys[i].Expression, match, ctx).ConfigureAwait(false);
                }

                if (groups.TryGetValue(keyValues, out var sum))
                {
                    groups[keyValues] = checked(sum + count);
                }
                else
                {
                    groups[keyValues] = count;
                    order.Add(keyValues);
                }
            }
        }

        if (groups is null)
        {
            yield return Output([], total);
            yield break;
        }

        foreach (var keyValues in order)
        {
            yield return Output(keyValues, groups[keyValues]);
        }
    }

    /// <summary>A relationship a path already uses (relationship isomorphism: never matched again).</summary>
    private readonly record struct UsedRel(long Rid, long Start, long End, string Type);

    /// <summary>Paths from <paramref name="node"/> along the chain from hop <paramref name="depth"/> and then the last hop, in the copy.</summary>
    private long CountChain(CopyCounting counting, long node, int depth, List<UsedRel> used)
    {
        if (depth == _chain.Length && counting is { Neighbours: { } neighbours, Compiled: { } compiled } && UsedByLastHop(used, node) == 0)
        {
            return CountPassing(neighbours.Get(node) as long[], compiled, counting.Comparison);
        }

        if (depth == _chain.Length && counting.Degrees is { } degrees)
        {
            return (degrees.Get(node) is long degree ? degree : 0) - UsedByLastHop(used, node);
        }

        if (depth == _chain.Length - 1 && used.Count == 0 && counting is { ChainColumn: { } chainColumn, LastHopInColumn: true } &&
            CountFromColumns(counting, chainColumn, node) is { } counted)
        {
            return counted;
        }

        if (counting.Snapshot.Find(node) is not { } entry)
        {
            return 0;
        }

        if (depth == _chain.Length)
        {
            return CountLastHop(counting.Copy, entry, used, counting.Compiled);
        }

        var step = _chain[depth];
        long total = 0;
        Span<long> batch = stackalloc long[PropertyColumn.Batch.Size];
        var pending = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            var outgoing = pass == 0;
            if ((outgoing && step.Direction == RelDirection.Incoming) || (!outgoing && step.Direction == RelDirection.Outgoing))
            {
                continue;
            }

            var edges = outgoing ? entry.Outgoing : entry.Incoming;
            var stepTypes = step.Rel.Types;
            for (var t = 0; t < Math.Max(1, stepTypes.Count); t++)
            {
                if (stepTypes.Count > 0 && GraphTransaction.IndexOf(stepTypes, stepTypes[t]) < t)
                {
                    continue;
                }

                var (from, to) = NodeEntry.Range(edges, stepTypes.Count == 0 ? null : counting.Copy.FindType(stepTypes[t]), all: stepTypes.Count == 0);

                // Before the last hop, with its count in a column: each node reached is counted here, without a call
                // per relationship (the same arithmetic as the call: the column's count less the path's relationships
                // the last hop would return again, this one included).
                var lastLevel = depth == _chain.Length - 1 && counting.LastHopInColumn;
                var lastReturnsType = stepTypes.Count > 0 && LastHasType(stepTypes[t]);
                for (var i = from; i < to; i++)
                {
                    var edge = edges[i];
                    if ((!outgoing && step.Direction == RelDirection.Both && edge.Other == node) || Uses(used, edge.Rid))
                    {
                        continue; // an undirected self-loop counts once; a relationship is matched once per path
                    }

                    if (lastLevel)
                    {
                        var other = edge.Other;
                        var again = (used.Count == 0 ? 0 : UsedByLastHop(used, other)) +
                                    ((stepTypes.Count > 0 ? lastReturnsType : LastHasType(edge.Type.Name)) && ExpandsFrom(outgoing ? node : other, outgoing ? other : node, other) ? 1 : 0);
                        if (counting.Degrees is not null || again == 0)
                        {
                            // Counted in batches (Flush): the column reads of a batch overlap.
                            total = checked(total - again);
                            batch[pending++] = other;
                            if (pending == batch.Length)
                            {
                                total = checked(total + Flush(counting, batch));
                                pending = 0;
                            }

                            continue;
                        }
                    }

                    used.Add(new UsedRel(edge.Rid, outgoing ? node : edge.Other, outgoing ? edge.Other : node, edge.Type.Name));
                    total = checked(total + CountChain(counting, edge.Other, depth + 1, used));
                    used.RemoveAt(used.Count - 1);
                }
            }
        }

        return checked(total + Flush(counting, batch[..pending]));
    }

    /// <summary>
    /// The chain's last hop from <paramref name="node"/> read from its neighbour column (no path relationship to
    /// avoid: the path so far uses none) and the last hop from each node reached read from its column; null when a
    /// filtered last hop would return the relationship just taken (a self-loop), which needs the relationships.
    /// </summary>
    private long? CountFromColumns(CopyCounting counting, PropertyColumn chainColumn, long node)
    {
        if (chainColumn.Get(node) is not long[] others)
        {
            return 0;
        }

        // The relationships the last hop would return again: the one just taken, seen from the node it reached.
        var step = _chain[^1];
        var outgoing = step.Direction == RelDirection.Outgoing;
        long again = 0;
        if (LastHasType(step.Rel.Types[0]))
        {
            foreach (var other in others)
            {
                again += ExpandsFrom(outgoing ? node : other, outgoing ? other : node, other) ? 1 : 0;
            }
        }

        if (counting.Degrees is not null)
        {
            return checked(counting.Degrees.Sum(others) - again);
        }

        if (again > 0)
        {
            return null;
        }

        long total = 0;
        for (var start = 0; start < others.Length; start += PropertyColumn.Batch.Size)
        {
            total = checked(total + Flush(counting, others.AsSpan(start, Math.Min(others.Length - start, PropertyColumn.Batch.Size))));
        }

        return total;
    }

    /// <summary>
    /// The last hop from each of <paramref name="nodes"/> (reached through relationships it will not return again):
    /// the sum of their counts in the degree column, or the ends in the neighbour column that pass the conditions.
    /// </summary>
    private static long Flush(CopyCounting counting, ReadOnlySpan<long> nodes)
    {
        if (nodes.IsEmpty)
        {
            return 0;
        }

        if (counting.Degrees is { } degrees)
        {
            return degrees.Sum(nodes);
        }

        var lists = default(PropertyColumn.Batch);
        Span<object?> others = lists;
        counting.Neighbours!.Gather(nodes, others);
        long total = 0;
        foreach (var list in others[..nodes.Length])
        {
            total = checked(total + CountPassing(list as long[], counting.Compiled!, counting.Comparison));
        }

        return total;
    }

    /// <summary>How many of <paramref name="others"/> pass the end conditions (the typed loop when they are one comparison).</summary>
    private static long CountPassing(long[]? others, Func<long, bool?>[] compiled, NodePredicate.ColumnComparison? comparison)
    {
        if (others is null)
        {
            return 0;
        }

        if (comparison is not null)
        {
            return comparison.Count(others);
        }

        long passed = 0;
        foreach (var other in others)
        {
            passed += Passes(compiled, other) ? 1 : 0;
        }

        return passed;
    }

    /// <summary>Whether the last hop matches relationships of <paramref name="type"/>.</summary>
    private bool LastHasType(string type)
    {
        var types = _last.Rel.Types;
        if (types.Count == 0)
        {
            return true;
        }

        foreach (var t in types)
        {
            if (t == type)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the last hop's direction, from <paramref name="from"/>, takes a relationship from <paramref name="start"/> to <paramref name="end"/>.</summary>
    private bool ExpandsFrom(long start, long end, long from) => _last.Direction switch
    {
        RelDirection.Outgoing => start == from,
        RelDirection.Incoming => end == from,
        _ => start == from || end == from,
    };

    /// <summary>Whether the end node passes every compiled condition (WHERE keeps only true).</summary>
    private static bool Passes(Func<long, bool?>[] compiled, long node)
    {
        foreach (var predicate in compiled)
        {
            if (predicate(node) != true)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How many relationships the path already used the last hop from <paramref name="node"/> would return (never matched again).</summary>
    private int UsedByLastHop(List<UsedRel> used, long node)
    {
        var count = 0;
        foreach (var u in used)
        {
            count += Expands(u.Start, u.End, u.Type, node) ? 1 : 0;
        }

        return count;
    }

    private static bool Uses(List<UsedRel> used, long rid)
    {
        foreach (var u in used)
        {
            if (u.Rid == rid)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last hop from <paramref name="entry"/>: counted from the ranges without conditions, else each end tested.</summary>
    private long CountLastHop(GraphCopy types, NodeEntry entry, List<UsedRel> used, Func<long, bool?>[]? compiled)
    {
        if (compiled is not null || _last.Direction == RelDirection.Both)
        {
            long passed = 0;
            if (_last.Direction != RelDirection.Incoming)
            {
                passed += CountEdges(types, entry, outgoing: true, used, compiled, skipSelfLoops: false);
            }

            if (_last.Direction != RelDirection.Outgoing)
            {
                passed += CountEdges(types, entry, outgoing: false, used, compiled, skipSelfLoops: _last.Direction == RelDirection.Both);
            }

            return passed;
        }

        return entry.Count(_last.Direction == RelDirection.Outgoing, _last.Rel.Types, types) - UsedByLastHop(used, entry.Id);
    }

    /// <summary>The end condition as one typed comparison with a column (null when it is not one, see <see cref="NodePredicate.Comparison"/>).</summary>
    private NodePredicate.ColumnComparison? Comparison(EvalContext ctx) =>
        _endFilters.Length == 1 && ctx.Transaction.Copy is { } snapshot && ctx.Transaction.Graph.Copy is { } copy
            ? NodePredicate.Comparison(_endFilters[0], _last.To, copy, snapshot, ctx.Parameters)
            : null;

    /// <summary>The end conditions compiled against the graph copy (null without a copy or when one does not compile).</summary>
    private Func<long, bool?>[]? Compile(EvalContext ctx)
    {
        if (ctx.Transaction.Copy is not { } snapshot || ctx.Transaction.Graph.Copy is not { } copy)
        {
            return null;
        }

        var compiled = new Func<long, bool?>[_endFilters.Length];
        for (var i = 0; i < compiled.Length; i++)
        {
            if (NodePredicate.Compile(_endFilters[i], _last.To, copy, snapshot, ctx.Parameters) is not { } predicate)
            {
                return null;
            }

            compiled[i] = predicate;
        }

        return compiled;
    }

    /// <summary>The relationship ids the match already uses (never matched again: relationship isomorphism).</summary>
    private HashSet<long>? UsedRelationships(Row match)
    {
        HashSet<long>? used = null;
        foreach (var rel in Relationships(match, _usedVariables))
        {
            (used ??= []).Add(rel.Id);
        }

        return used;
    }

    /// <summary>The relationships bound to <paramref name="variables"/> in the match (a variable-length hop binds a list).</summary>
    private static IEnumerable<RelRef> Relationships(Row match, string[] variables)
    {
        foreach (var variable in variables)
        {
            switch (match[variable])
            {
                case RelRef rel:
                    yield return rel;
                    break;
                case IEnumerable<object?> rels:
                    foreach (var r in rels)
                    {
                        if (r is RelRef rel)
                        {
                            yield return rel;
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Relationships of one direction's list that the last hop matches, not used yet, whose end passes the compiled conditions (all when none).</summary>
    private long CountEdges(GraphCopy types, NodeEntry entry, bool outgoing, List<UsedRel> used, Func<long, bool?>[]? compiled, bool skipSelfLoops)
    {
        var edges = outgoing ? entry.Outgoing : entry.Incoming;
        var others = entry.Others(outgoing);
        var from = entry.Id;

        // Only a relationship the path used that this hop could return needs the ids compared (usually none: the
        // previous hop arrived through an incoming relationship, this one leaves through outgoing ones).
        var checkIds = UsedByLastHop(used, from) > 0;

        var lastTypes = _last.Rel.Types;
        long count = 0;
        for (var t = 0; t < Math.Max(1, lastTypes.Count); t++)
        {
            if (lastTypes.Count > 0 && GraphTransaction.IndexOf(lastTypes, lastTypes[t]) < t)
            {
                continue; // a repeated type
            }

            var (start, end) = NodeEntry.Range(edges, lastTypes.Count == 0 ? null : types.FindType(lastTypes[t]), all: lastTypes.Count == 0);
            for (var i = start; i < end; i++)
            {
                var other = others[i];
                if ((skipSelfLoops && other == from) || (checkIds && Uses(used, edges[i].Rid)))
                {
                    continue;
                }

                if (compiled is null || Passes(compiled, other))
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>The last hop expanded and each end checked by the evaluator, with the end node and relationship bound in the row.</summary>
    private async ValueTask<long> CountFilteredAsync(long from, Row match, EvalContext ctx)
    {
        var used = UsedRelationships(match);
        long count = 0;
        try
        {
            foreach (var rel in await ctx.Transaction.ExpandAsync(from, _last.Direction, _last.Rel.Types).ConfigureAwait(false))
            {
                if (used is not null && used.Contains(rel.Id))
                {
                    continue;
                }

                match[_last.To] = new NodeRef(rel.Other(from));
                match[_last.RelVariable] = rel;
                var pass = true;
                foreach (var filter in _endFilters)
                {
                    if (Evaluator.AsBool(await Evaluator.EvalAsync(filter, match, ctx).ConfigureAwait(false), "WHERE") != true)
                    {
                        pass = false;
                        break;
                    }
                }

                count += pass ? 1 : 0;
            }
        }
        finally
        {
            match.Remove(_last.To);
            match.Remove(_last.RelVariable);
        }

        return count;
    }

    private Row Output(object?[] keyValues, long count)
    {
        var output = new Row();
        for (var i = 0; i < keyValues.Length; i++)
        {
            output[_keys[i].Name] = keyValues[i];
        }

        foreach (var name in _names)
        {
            output[name] = count;
        }

        return output;
    }

    /// <summary>Whether the last hop's expansion of <paramref name="from"/> returns <paramref name="rel"/>.</summary>
    private bool Expands(RelRef rel, long from) => Expands(rel.Start, rel.End, rel.Type, from);

    private bool Expands(long start, long end, string type, long from) => ExpandsFrom(start, end, from) && LastHasType(type);
}
