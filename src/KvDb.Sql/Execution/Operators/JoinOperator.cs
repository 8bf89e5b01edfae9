using System.Runtime.CompilerServices;
using KvDb.Sql.Ast;
using KvDb.Sql.Planning;

namespace KvDb.Sql.Execution.Operators;

/// <summary>Hash, lookup and nested-loop joins. Output rows are the left slots followed by the right slots.</summary>
internal static class JoinOperator
{
    public static IAsyncEnumerable<AttributeValue?[]> RunAsync(LogicalJoin join, ExecContext ctx) => join.Strategy switch
    {
        JoinStrategy.Lookup => LookupAsync(join, ctx),
        JoinStrategy.HashBuildRight => HashBuildRightAsync(join, ctx),
        JoinStrategy.HashBuildLeft => HashBuildLeftAsync(join, ctx),
        _ => NestedLoopAsync(join, ctx),
    };

    private static AttributeValue?[] Combine(AttributeValue?[] left, AttributeValue?[]? right, int leftWidth, int rightWidth)
    {
        var row = new AttributeValue?[leftWidth + rightWidth];
        left.CopyTo(row, 0);
        right?.CopyTo(row, leftWidth);
        return row;
    }

    private static bool Matches(LogicalJoin join, AttributeValue?[] row, ExecContext ctx) =>
        join.Condition is null || SqlValues.Truth(join.Condition.Eval(row, ctx), "ON") == true;

    /// <summary>For a pair whose equality keys matched in a hash table: the rest of the ON condition.</summary>
    private static bool MatchesRest(LogicalJoin join, AttributeValue?[] row, ExecContext ctx) =>
        join.EquiKeys.Count == 0 ? Matches(join, row, ctx) : join.Residual is null || SqlValues.Truth(join.Residual.Eval(row, ctx), "ON") == true;

    /// <summary>Join keys of one side; null when any key is NULL (NULL never equals anything).</summary>
    private static RowKey? Keys(LogicalJoin join, AttributeValue?[] combined, bool left, ExecContext ctx)
    {
        var keys = new AttributeValue?[join.EquiKeys.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            var v = (left ? join.EquiKeys[i].Left : join.EquiKeys[i].Right).Eval(combined, ctx);
            if (v is null)
            {
                return null;
            }

            keys[i] = v;
        }

        return new RowKey(keys);
    }

    private static async IAsyncEnumerable<AttributeValue?[]> HashBuildRightAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        int lw = join.Left.Width, rw = join.Right.Width;
        var table = new Dictionary<RowKey, List<AttributeValue?[]>>();
        var probe = new AttributeValue?[lw];
        await foreach (var right in Executor.RunAsync(join.Right, ctx).ConfigureAwait(false))
        {
            var combined = Combine(probe, right, lw, rw);
            if (Keys(join, combined, false, ctx) is { } key)
            {
                if (!table.TryGetValue(key, out var list))
                {
                    table[key] = list = [];
                }

                list.Add(right);
            }
        }

        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            var candidates = Keys(join, Combine(left, null, lw, rw), true, ctx) is { } key && table.TryGetValue(key, out var found) ? found : null;
            foreach (var row in JoinLeftRow(join, left, candidates, lw, rw, ctx))
            {
                yield return row;
            }
        }
    }

    private static async IAsyncEnumerable<AttributeValue?[]> HashBuildLeftAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        int lw = join.Left.Width, rw = join.Right.Width;
        var table = new Dictionary<RowKey, List<AttributeValue?[]>>();
        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            if (Keys(join, Combine(left, null, lw, rw), true, ctx) is { } key)
            {
                if (!table.TryGetValue(key, out var list))
                {
                    table[key] = list = [];
                }

                list.Add(left);
            }
        }

        var probe = new AttributeValue?[lw];
        await foreach (var right in Executor.RunAsync(join.Right, ctx).ConfigureAwait(false))
        {
            if (Keys(join, Combine(probe, right, lw, rw), false, ctx) is { } key && table.TryGetValue(key, out var candidates))
            {
                foreach (var left in candidates)
                {
                    var row = Combine(left, right, lw, rw);
                    if (MatchesRest(join, row, ctx))
                    {
                        yield return row;
                    }
                }
            }
        }
    }

    private static async IAsyncEnumerable<AttributeValue?[]> LookupAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        // The right input is a scan, possibly under a filter moved down from WHERE (checked on the item alone).
        var residual = join.Right as LogicalFilter;
        var scan = (LogicalScan)(residual?.Input ?? join.Right);
        int lw = join.Left.Width;
        var correlated = residual is null ? [] : ExecContext.CorrelatedIn([residual.Predicate]);
        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            var matched = false;
            var key = join.EquiKeys[0].Left.Eval(Combine(left, null, lw, 1), ctx);
            if (key is not null && key.IsScalarKeyType)
            {
                var item = ctx.Pending is { } pending && pending.TryGet(scan.Table.Name, new ItemKey(key), out var current)
                    ? current
                    : await ctx.Store.GetItemAsync(new GetItemRequest(scan.Table.Name, new ItemKey(key)), ctx.CancellationToken).ConfigureAwait(false);
                AttributeValue?[] right = item is null ? [] : [ScanOperator.ToValue(item)];
                if (item is not null && correlated.Length > 0)
                {
                    await ctx.PrepareCorrelatedAsync(correlated, right).ConfigureAwait(false);
                }

                if (item is not null && (scan.Filter is null || scan.Filter.Evaluate(item))
                    && (residual is null || SqlValues.Truth(residual.Predicate.Eval(right, ctx), "WHERE") == true))
                {
                    var row = Combine(left, right, lw, 1);
                    if (Matches(join, row, ctx))
                    {
                        matched = true;
                        yield return row;
                    }
                }
            }

            if (!matched && join.Kind == JoinKind.Left)
            {
                yield return Combine(left, null, lw, 1);
            }
        }
    }

    private static async IAsyncEnumerable<AttributeValue?[]> NestedLoopAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        int lw = join.Left.Width, rw = join.Right.Width;
        var rights = new List<AttributeValue?[]>();
        await foreach (var right in Executor.RunAsync(join.Right, ctx).ConfigureAwait(false))
        {
            rights.Add(right);
        }

        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            foreach (var row in JoinLeftRow(join, left, rights, lw, rw, ctx))
            {
                yield return row;
            }
        }
    }

    // One left row against its candidate right rows: every combination the ON condition accepts, or (LEFT JOIN)
    // the left row extended with NULLs when none does.
    private static IEnumerable<AttributeValue?[]> JoinLeftRow(LogicalJoin join, AttributeValue?[] left, IEnumerable<AttributeValue?[]>? candidates, int lw, int rw, ExecContext ctx)
    {
        var matched = false;
        foreach (var right in candidates ?? [])
        {
            var row = Combine(left, right, lw, rw);
            if (MatchesRest(join, row, ctx))
            {
                matched = true;
                yield return row;
            }
        }

        if (!matched && join.Kind == JoinKind.Left)
        {
            yield return Combine(left, null, lw, rw);
        }
    }
}
