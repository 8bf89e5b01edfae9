using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
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

    /// <summary>
    /// The equality keys of one side, reading that side's own rows (the right side's expressions are renumbered from
    /// the combined row to the right row once per join), so that keys are computed without building a combined row.
    /// </summary>
    private static BoundExpr[] SideKeys(LogicalJoin join, bool left)
    {
        var lw = join.Left.Width;
        var keys = new BoundExpr[join.EquiKeys.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = left ? join.EquiKeys[i].Left : join.EquiKeys[i].Right.WithSlots(s => s - lw);
        }

        return keys;
    }

    /// <summary>
    /// The rows of a hash join's build side by their join keys. Key equality is SQL's <c>=</c> on values of one kind; a
    /// row with a NULL key is never added or found (NULL equals nothing). One key (the usual case) is looked up by its
    /// value (<see cref="ValueMap{TValue}"/>), several as a <see cref="RowKey"/>. An entry is the row itself, or a list
    /// once a second row has the same key (build sides are often unique on the key: no list per row).
    /// </summary>
    private sealed class HashTable(BoundExpr[] buildKeys)
    {
        private readonly ValueMap<object> _byValue = new();
        private readonly Dictionary<RowKey, object> _byKeys = [];

        public void Add(AttributeValue?[] row, ExecContext ctx)
        {
            if (buildKeys.Length == 1)
            {
                if (buildKeys[0].Eval(row, ctx) is { } value)
                {
                    Append(ref _byValue.GetValueRefOrAddDefault(value, out _), row);
                }
            }
            else if (Keys(buildKeys, row, ctx) is { } key)
            {
                Append(ref CollectionsMarshal.GetValueRefOrAddDefault(_byKeys, key, out _), row);
            }
        }

        private static void Append(ref object? entry, AttributeValue?[] row)
        {
            switch (entry)
            {
                case null:
                    entry = row;
                    break;
                case List<AttributeValue?[]> list:
                    list.Add(row);
                    break;
                default:
                    entry = new List<AttributeValue?[]> { (AttributeValue?[])entry, row };
                    break;
            }
        }

        /// <summary>
        /// The build rows whose keys equal <paramref name="probeKeys"/> evaluated on <paramref name="row"/>: null, one
        /// row (<see cref="AttributeValue"/>?[]) or a <see cref="List{T}"/> of rows (see <see cref="Count"/>, <see cref="At"/>).
        /// </summary>
        public object? Find(BoundExpr[] probeKeys, AttributeValue?[] row, ExecContext ctx)
        {
            if (probeKeys.Length == 1)
            {
                return probeKeys[0].Eval(row, ctx) is { } value && _byValue.TryGetValue(value, out var found) ? found : null;
            }

            return Keys(probeKeys, row, ctx) is { } key && _byKeys.TryGetValue(key, out var rows) ? rows : null;
        }

        public static int Count(object? found) => found switch
        {
            null => 0,
            List<AttributeValue?[]> list => list.Count,
            _ => 1,
        };

        public static AttributeValue?[] At(object found, int index) =>
            found is List<AttributeValue?[]> list ? list[index] : (AttributeValue?[])found;

        /// <summary>Join keys of one row; null when any key is NULL.</summary>
        private static RowKey? Keys(BoundExpr[] exprs, AttributeValue?[] row, ExecContext ctx)
        {
            var keys = new AttributeValue?[exprs.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                if (exprs[i].Eval(row, ctx) is not { } v)
                {
                    return null;
                }

                keys[i] = v;
            }

            return new RowKey(keys);
        }
    }

    private static async IAsyncEnumerable<AttributeValue?[]> HashBuildRightAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        int lw = join.Left.Width, rw = join.Right.Width;
        var table = new HashTable(SideKeys(join, left: false));
        await foreach (var right in Executor.RunAsync(join.Right, ctx).ConfigureAwait(false))
        {
            table.Add(right, ctx);
        }

        var probeKeys = SideKeys(join, left: true);
        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            var matched = false;
            var candidates = table.Find(probeKeys, left, ctx);
            for (int i = 0, n = HashTable.Count(candidates); i < n; i++)
            {
                var row = Combine(left, HashTable.At(candidates!, i), lw, rw);
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

    private static async IAsyncEnumerable<AttributeValue?[]> HashBuildLeftAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        int lw = join.Left.Width, rw = join.Right.Width;
        var table = new HashTable(SideKeys(join, left: true));
        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            table.Add(left, ctx);
        }

        var probeKeys = SideKeys(join, left: false);
        await foreach (var right in Executor.RunAsync(join.Right, ctx).ConfigureAwait(false))
        {
            var candidates = table.Find(probeKeys, right, ctx);
            for (int i = 0, n = HashTable.Count(candidates); i < n; i++)
            {
                var row = Combine(HashTable.At(candidates!, i), right, lw, rw);
                if (MatchesRest(join, row, ctx))
                {
                    yield return row;
                }
            }
        }
    }

    private static async IAsyncEnumerable<AttributeValue?[]> LookupAsync(LogicalJoin join, ExecContext ctx, [EnumeratorCancellation] CancellationToken ct = default)
    {
        // The right input is a scan, possibly under a filter moved down from WHERE (checked on the item alone).
        var residual = join.Right as LogicalFilter;
        var scan = (LogicalScan)(residual?.Input ?? join.Right);
        int lw = join.Left.Width, rw = join.Right.Width;
        var correlated = residual is null ? [] : ExecContext.CorrelatedIn([residual.Predicate]);
        await foreach (var left in Executor.RunAsync(join.Left, ctx).ConfigureAwait(false))
        {
            var matched = false;
            var key = join.EquiKeys[0].Left.Eval(Combine(left, null, lw, rw), ctx);
            if (key is not null && key.IsScalarKeyType)
            {
                var item = ctx.Pending is { } pending && pending.TryGet(scan.Table.Name, new ItemKey(key), out var current)
                    ? current
                    : await ctx.Store.GetItemAsync(new GetItemRequest(scan.Table.Name, new ItemKey(key)), ctx.CancellationToken).ConfigureAwait(false);
                var right = item is null ? [] : ScanOperator.Row(scan, item);
                if (item is not null && correlated.Length > 0)
                {
                    await ctx.PrepareCorrelatedAsync(correlated, right).ConfigureAwait(false);
                }

                if (item is not null && (scan.Filter is null || scan.Filter.Evaluate(item))
                    && (residual is null || SqlValues.Truth(residual.Predicate.Eval(right, ctx), "WHERE") == true))
                {
                    var row = Combine(left, right, lw, rw);
                    if (Matches(join, row, ctx))
                    {
                        matched = true;
                        yield return row;
                    }
                }
            }

            if (!matched && join.Kind == JoinKind.Left)
            {
                yield return Combine(left, null, lw, rw);
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
