using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Planning;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>CREATE: creates the pattern's unbound nodes and all its relationships, once per input row.</summary>
internal sealed class CreateOperator(Operator input, IReadOnlyList<PatternPart> pattern) : UnaryOperator(input)
{
    public override string Describe() => "Create " + string.Join(", ", pattern);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var output = new Row(row);
            foreach (var part in pattern)
            {
                await Creation.CreatePartAsync(part, output, ctx).ConfigureAwait(false);
            }

            yield return output;
        }
    }
}

/// <summary>Shared by CREATE and MERGE: creates one pattern part, binding its variables in the row.</summary>
internal static class Creation
{
    public static async ValueTask CreatePartAsync(PatternPart part, Row row, EvalContext ctx)
    {
        var nodes = new List<NodeRef>();
        var rels = new List<RelRef>();
        var previous = await NodeAsync(part.Start, row, ctx).ConfigureAwait(false);
        nodes.Add(previous);
        foreach (var step in part.Steps)
        {
            var next = await NodeAsync(step.Node, row, ctx).ConfigureAwait(false);
            var rel = step.Relationship;
            var props = await PropertiesAsync(rel.Properties, row, ctx).ConfigureAwait(false);
            var (start, end) = rel.Direction == RelDirection.Incoming ? (next.Id, previous.Id) : (previous.Id, next.Id);
            var created = await ctx.Transaction.CreateRelationshipAsync(rel.Types[0], start, end, props).ConfigureAwait(false);
            if (rel.Variable is not null)
            {
                row[rel.Variable] = created;
            }

            rels.Add(created);
            nodes.Add(next);
            previous = next;
        }

        if (part.PathVariable is not null)
        {
            row[part.PathVariable] = new PathValue(nodes, rels);
        }
    }

    private static async ValueTask<NodeRef> NodeAsync(NodePattern node, Row row, EvalContext ctx)
    {
        if (node.Variable is not null && row.TryGetValue(node.Variable, out var bound))
        {
            return bound as NodeRef ?? throw ErrorMessages.Type($"Cannot create a relationship to {ValueCodec.TypeName(bound)} `{node.Variable}`");
        }

        var created = await ctx.Transaction.CreateNodeAsync(node.Labels, await PropertiesAsync(node.Properties, row, ctx).ConfigureAwait(false)).ConfigureAwait(false);
        if (node.Variable is not null)
        {
            row[node.Variable] = created;
        }

        return created;
    }

    private static async ValueTask<Dictionary<string, object?>> PropertiesAsync(Expr? properties, Row row, EvalContext ctx)
    {
        if (properties is null)
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        var value = await Evaluator.EvalAsync(properties, row, ctx).ConfigureAwait(false);
        return value is IReadOnlyDictionary<string, object?> map
            ? new Dictionary<string, object?>(map, StringComparer.Ordinal)
            : throw ErrorMessages.Type($"Properties must be a map but were {ValueCodec.TypeName(value)}");
    }

    public static async ValueTask ApplySetAsync(SetItem item, Row row, EvalContext ctx)
    {
        var tx = ctx.Transaction;
        switch (item)
        {
            case SetPropertyItem p:
                {
                    var target = await Evaluator.EvalAsync(p.Property.Target, row, ctx).ConfigureAwait(false);
                    if (target is null)
                    {
                        return;
                    }

                    await tx.SetPropertyAsync(target, p.Property.Key, await Evaluator.EvalAsync(p.Value, row, ctx).ConfigureAwait(false)).ConfigureAwait(false);
                    return;
                }

            case SetVariableItem v:
                {
                    var target = row[v.Variable];
                    if (target is null)
                    {
                        return;
                    }

                    var value = await Evaluator.EvalAsync(v.Value, row, ctx).ConfigureAwait(false);
                    IReadOnlyDictionary<string, object?> map = value switch
                    {
                        IReadOnlyDictionary<string, object?> m => m,
                        NodeRef n => (await tx.LoadNodeAsync(n.Id).ConfigureAwait(false))?.Properties ?? [],
                        RelRef r => tx.RelProperties(r),
                        null when !v.Merge => new Dictionary<string, object?>(),
                        _ => throw ErrorMessages.Type($"SET {v.Variable} {(v.Merge ? "+=" : "=")} expects a map but got {ValueCodec.TypeName(value)}"),
                    };
                    await tx.SetPropertiesAsync(target, new Dictionary<string, object?>(map, StringComparer.Ordinal), v.Merge).ConfigureAwait(false);
                    return;
                }

            case SetLabelsItem l:
                {
                    switch (row[l.Variable])
                    {
                        case null:
                            return;
                        case NodeRef n:
                            await tx.AddLabelsAsync(n, l.Labels).ConfigureAwait(false);
                            return;
                        case var other:
                            throw ErrorMessages.Type($"Labels can only be set on nodes, not on {ValueCodec.TypeName(other)}");
                    }
                }
        }
    }
}

/// <summary>SET: applies each item to each row, in order.</summary>
internal sealed class SetOperator(Operator input, IReadOnlyList<SetItem> items) : UnaryOperator(input)
{
    public override string Describe() => "Set " + string.Join(", ", items);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            foreach (var item in items)
            {
                await Creation.ApplySetAsync(item, row, ctx).ConfigureAwait(false);
            }

            yield return row;
        }
    }
}

/// <summary>REMOVE: removes properties (same as setting null) and labels.</summary>
internal sealed class RemoveOperator(Operator input, IReadOnlyList<RemoveItem> items) : UnaryOperator(input)
{
    public override string Describe() => "Remove " + string.Join(", ", items);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            foreach (var item in items)
            {
                switch (item)
                {
                    case RemovePropertyItem p:
                        var target = await Evaluator.EvalAsync(p.Property.Target, row, ctx).ConfigureAwait(false);
                        if (target is not null)
                        {
                            await ctx.Transaction.SetPropertyAsync(target, p.Property.Key, null).ConfigureAwait(false);
                        }

                        break;
                    case RemoveLabelsItem l:
                        if (row[l.Variable] is NodeRef n)
                        {
                            await ctx.Transaction.RemoveLabelsAsync(n, l.Labels).ConfigureAwait(false);
                        }
                        else if (row[l.Variable] is not null)
                        {
                            throw ErrorMessages.Type($"Labels can only be removed from nodes, not from {ValueCodec.TypeName(row[l.Variable])}");
                        }

                        break;
                }
            }

            yield return row;
        }
    }
}

/// <summary>DELETE / DETACH DELETE of nodes, relationships and paths; null is ignored.</summary>
internal sealed class DeleteOperator(Operator input, IReadOnlyList<Expr> targets, bool detach) : UnaryOperator(input)
{
    public override string Describe() => (detach ? "DetachDelete " : "Delete ") + string.Join(", ", targets);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            foreach (var target in targets)
            {
                await DeleteAsync(await Evaluator.EvalAsync(target, row, ctx).ConfigureAwait(false), ctx).ConfigureAwait(false);
            }

            yield return row;
        }
    }

    private async ValueTask DeleteAsync(object? value, EvalContext ctx)
    {
        switch (value)
        {
            case null:
                return;
            case NodeRef n:
                await ctx.Transaction.DeleteNodeAsync(n, detach).ConfigureAwait(false);
                return;
            case RelRef r:
                ctx.Transaction.DeleteRelationship(r);
                return;
            case PathValue p:
                foreach (var r in p.Relationships)
                {
                    ctx.Transaction.DeleteRelationship(r);
                }

                foreach (var n in p.Nodes)
                {
                    await ctx.Transaction.DeleteNodeAsync(n, detach).ConfigureAwait(false);
                }

                return;
            default:
                throw ErrorMessages.Type($"DELETE expects a node, relationship or path but got {ValueCodec.TypeName(value)}");
        }
    }
}

/// <summary>MERGE: matches the whole pattern; when it does not exist, creates it. Then ON MATCH / ON CREATE SET.</summary>
internal sealed class MergeOperator(Operator input, MatchPlan plan, MergeClause merge) : UnaryOperator(input)
{
    public override string Describe() => "Merge " + merge.Pattern + "\n" + plan.Describe("").TrimEnd('\n');

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var matches = new List<Row>();
            await foreach (var match in PatternMatcher.MatchAsync(plan, new Row(row), ctx).ConfigureAwait(false))
            {
                matches.Add(match);
            }

            if (matches.Count == 0)
            {
                var created = new Row(row);
                await Creation.CreatePartAsync(merge.Pattern, created, ctx).ConfigureAwait(false);
                foreach (var item in merge.OnCreate)
                {
                    await Creation.ApplySetAsync(item, created, ctx).ConfigureAwait(false);
                }

                yield return created;
                continue;
            }

            foreach (var match in matches)
            {
                foreach (var item in merge.OnMatch)
                {
                    await Creation.ApplySetAsync(item, match, ctx).ConfigureAwait(false);
                }

                yield return match;
            }
        }
    }
}
