using KvDb.Cypher.Ast;
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
/// <c>MATCH pattern RETURN count(*)</c> (no grouping keys, every aggregate a <c>count(*)</c>) when the pattern ends
/// with a single-hop expansion to a new, unconstrained node through a new, unconstrained relationship: the last hop is
/// counted per row (Core's count of the sort-key prefix, minus relationships the row already uses) instead of being
/// expanded into one row per path. Produces one row with the count under each aggregate's name.
/// </summary>
internal sealed class CountMatchOperator : UnaryOperator
{
    private readonly MatchPlan _prefix;
    private readonly ExpandStep _last;
    private readonly string[] _usedVariables;
    private readonly IReadOnlyList<string> _names;

    private CountMatchOperator(Operator input, MatchPlan prefix, ExpandStep last, string[] usedVariables, IReadOnlyList<string> names)
        : base(input)
    {
        _prefix = prefix;
        _last = last;
        _usedVariables = usedVariables;
        _names = names;
    }

    /// <summary>The counting form of <paramref name="match"/>, or null when its pattern does not end in a countable hop.</summary>
    public static CountMatchOperator? TryCreate(MatchOperator match, IReadOnlyList<string> names)
    {
        var steps = match.Plan.Steps;
        if (match.Optional || match.Where is not null || steps.Count == 0 || steps[^1] is not ExpandStep last ||
            last.Rel.IsVariableLength || last.Rel.Properties is not null || last.ToNode.Labels.Count > 0 || last.ToNode.Properties is not null ||
            last.NodesVariable is not null || !match.Plan.NewVariables.Contains(last.To) || !match.Plan.NewVariables.Contains(last.RelVariable) ||
            last.To == last.From || last.To == last.RelVariable)
        {
            return null;
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

        return new CountMatchOperator(match.Input, match.Plan with { Steps = [.. steps.Take(steps.Count - 1)] }, last, [.. used], names);
    }

    public override string Describe() =>
        "CountMatch count(" + _last + ") as [" + string.Join(", ", _names) + "]\n" + _prefix.Describe("").TrimEnd('\n');

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        long total = 0;
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

                total = checked(total + count);
            }
        }

        var output = new Row();
        foreach (var name in _names)
        {
            output[name] = total;
        }

        yield return output;
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
