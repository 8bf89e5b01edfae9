using KvDb.Cypher.Ast;
using KvDb.Cypher.Optimization;
using KvDb.Cypher.Planning;

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
/// the last hop is counted per row (Core's count of the sort-key prefix, minus relationships the row already uses)
/// instead of being expanded into one row per path. Produces one row per group (keys evaluated on the row before the
/// last hop) with the count under each aggregate's name; without keys, one row even when nothing matched.
/// </summary>
internal sealed class CountMatchOperator : UnaryOperator
{
    private readonly MatchPlan _prefix;
    private readonly ExpandStep _last;
    private readonly string[] _usedVariables;
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyList<(string Name, Expr Expression)> _keys;

    private CountMatchOperator(Operator input, MatchPlan prefix, ExpandStep last, string[] usedVariables, IReadOnlyList<(string Name, Expr Expression)> keys, IReadOnlyList<string> names)
        : base(input)
    {
        _prefix = prefix;
        _last = last;
        _usedVariables = usedVariables;
        _keys = keys;
        _names = names;
    }

    /// <summary>
    /// The counting form of <paramref name="match"/> grouped on <paramref name="keys"/> with the count aggregates
    /// <paramref name="aggregates"/>, or null when the pattern does not end in a countable hop or an aggregate or key
    /// does not allow it.
    /// </summary>
    public static CountMatchOperator? TryCreate(MatchOperator match, IReadOnlyList<(string Name, Expr Expression)> keys, IReadOnlyList<(string Name, Expr Aggregate)> aggregates)
    {
        var steps = match.Plan.Steps;
        if (match.Optional || match.Where is not null || steps.Count == 0 || steps[^1] is not ExpandStep last ||
            last.Rel.IsVariableLength || last.Rel.Properties is not null || last.ToNode.Labels.Count > 0 || last.ToNode.Properties is not null ||
            last.NodesVariable is not null || !match.Plan.NewVariables.Contains(last.To) || !match.Plan.NewVariables.Contains(last.RelVariable) ||
            last.To == last.From || last.To == last.RelVariable)
        {
            return null;
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

        return new CountMatchOperator(match.Input, match.Plan with { Steps = [.. steps.Take(steps.Count - 1)] }, last, [.. used], keys, [.. aggregates.Select(a => a.Name)]);
    }

    public override string Describe() =>
        "CountMatch count(" + _last + ")" + (_keys.Count == 0 ? "" : " keys=[" + string.Join(", ", _keys.Select(k => k.Expression.ToString())) + "]") +
        " as [" + string.Join(", ", _names) + "]\n" + _prefix.Describe("").TrimEnd('\n');

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        long total = 0;
        var groups = _keys.Count == 0 ? null : new Dictionary<object?[], long>(CypherCompare.RowEquivalence.Instance);
        var order = new List<object?[]>();
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            await foreach (var match in PatternMatcher.MatchAsync(_prefix, row, ctx, copyRows: false).ConfigureAwait(false))
            {
                if (match[_last.From] is not NodeRef from)
                {
                    continue;
                }

                var count = await ctx.Transaction.CountRelationshipsAsync(from.Id, _last.Direction, _last.Rel.Types).ConfigureAwait(false);
                foreach (var variable in _usedVariables)
                {
                    // Relationships this match already uses are not matched again (relationship isomorphism).
                    switch (match[variable])
                    {
                        case RelRef rel:
                            count -= Expands(rel, from.Id) ? 1 : 0;
                            break;
                        case IEnumerable<object?> rels:
                            foreach (var r in rels)
                            {
                                count -= r is RelRef rel && Expands(rel, from.Id) ? 1 : 0;
                            }

                            break;
                    }
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
    private bool Expands(RelRef rel, long from)
    {
        var direction = _last.Direction switch
        {
            RelDirection.Outgoing => rel.Start == from,
            RelDirection.Incoming => rel.End == from,
            _ => rel.Start == from || rel.End == from,
        };
        if (!direction)
        {
            return false;
        }

        var types = _last.Rel.Types;
        if (types.Count == 0)
        {
            return true;
        }

        foreach (var type in types)
        {
            if (type == rel.Type)
            {
                return true;
            }
        }

        return false;
    }
}
