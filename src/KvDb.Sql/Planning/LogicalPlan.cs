using System.Text;
using KvDb.Expressions;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Execution;

namespace KvDb.Sql.Planning;

/// <summary>
/// A node of the logical plan. Nodes are built by the binder, rewritten by the optimizer's rules, then run by
/// operators. Every node produces rows of <see cref="Width"/> slots and can describe itself for EXPLAIN.
/// </summary>
internal abstract class LogicalPlan
{
    public abstract int Width { get; }

    public abstract IReadOnlyList<LogicalPlan> Inputs { get; }

    public abstract string Describe();

    /// <summary>The plan as an indented tree, one node per line.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        Explain(sb, 0);
        return sb.ToString().TrimEnd('\n');
    }

    private void Explain(StringBuilder sb, int depth)
    {
        sb.Append(' ', depth * 2).Append(Describe()).Append('\n');
        foreach (var input in Inputs)
        {
            input.Explain(sb, depth + 1);
        }
    }
}

/// <summary>How a scan reaches its items.</summary>
internal enum AccessKind
{
    /// <summary>Every item of the table.</summary>
    FullScan,

    /// <summary>One item by its full key.</summary>
    PointRead,

    /// <summary>One partition, optionally narrowed by a sort-key condition.</summary>
    PartitionQuery,

    /// <summary>A secondary index partition.</summary>
    IndexQuery,

    /// <summary>The partitions whose key satisfies a condition (prefix or range), in key order.</summary>
    PartitionRange,
}

/// <summary>Reads one table (a whole item per row, in one slot).</summary>
internal sealed class LogicalScan(TableInfo table, string alias) : LogicalPlan
{
    public TableInfo Table { get; } = table;

    public string Alias { get; } = alias;

    public AccessKind Access { get; set; }

    public AttributeValue? PartitionKey { get; set; }

    public AttributeValue? SortKey { get; set; }

    /// <summary>
    /// In a correlated subquery: the outer value that gives <see cref="PartitionKey"/> (or the index key) when the scan
    /// runs, so <c>pk = outer.col</c> is a point read or partition query per outer row instead of a scan.
    /// </summary>
    public BoundExpr? PartitionKeyParameter { get; set; }

    /// <summary>The outer value that gives <see cref="SortKey"/> when the scan runs (point reads only).</summary>
    public BoundExpr? SortKeyParameter { get; set; }

    public KeyCondition? SortKeyCondition { get; set; }

    public KeyCondition? PartitionKeyCondition { get; set; }

    public string? IndexName { get; set; }

    /// <summary>Predicates pushed into Core's scan (rows failing them never leave the store).</summary>
    public Condition? Filter { get; set; }

    /// <summary>The attributes to read (null for whole items).</summary>
    public Projection? Projection { get; set; }

    /// <summary>Stop after this many rows (only set when nothing above can reject rows).</summary>
    public int? Limit { get; set; }

    /// <summary>
    /// The top-level attributes the query reads, one slot each in this order (read one by one, so the rest of the
    /// item is never decoded); null for the whole item as a map in one slot. Set by <c>ColumnPruningRule</c>.
    /// </summary>
    public string[]? Columns { get; set; }

    public override int Width => Columns?.Length ?? 1;

    public override IReadOnlyList<LogicalPlan> Inputs => [];

    public override string Describe()
    {
        var sb = new StringBuilder();
        var name = Alias == Table.Name ? Table.Name : $"{Table.Name} AS {Alias}";
        var pk = PartitionKeyParameter?.ToString() ?? SqlValues.Render(PartitionKey);
        var sk = SortKeyParameter?.ToString() ?? SqlValues.Render(SortKey);
        sb.Append(Access switch
        {
            AccessKind.PointRead => Table.SortKey is null
                ? $"PointRead {name} key ({Table.PartitionKey} = {pk})"
                : $"PointRead {name} key ({Table.PartitionKey} = {pk}, {Table.SortKey} = {sk})",
            AccessKind.PartitionQuery => $"PartitionQuery {name} ({Table.PartitionKey} = {pk}{(SortKeyCondition is null ? "" : $", {Table.SortKey} {SortKeyCondition}")})",
            AccessKind.IndexQuery => $"IndexQuery {name} index {IndexName} (= {pk})",
            AccessKind.PartitionRange => $"PartitionRange {name} ({Table.PartitionKey} {PartitionKeyCondition}{(SortKeyCondition is null ? "" : $", {Table.SortKey} {SortKeyCondition}")})",
            _ => $"Scan {name}",
        });
        if (Filter is not null)
        {
            sb.Append(" filter: ").Append(Filter);
        }

        if (Projection is not null)
        {
            sb.Append(" project: ").Append(Projection);
        }

        if (Limit is not null)
        {
            sb.Append(" limit: ").Append(Limit.Value);
        }

        return sb.ToString();
    }
}

/// <summary>Constant rows (SELECT without FROM, INSERT ... VALUES).</summary>
internal sealed class LogicalValues(IReadOnlyList<BoundExpr[]> rows, int width) : LogicalPlan
{
    public IReadOnlyList<BoundExpr[]> Rows { get; } = rows;

    public override int Width => width;

    public override IReadOnlyList<LogicalPlan> Inputs => [];

    public override string Describe() => $"Values ({Rows.Count} row{(Rows.Count == 1 ? "" : "s")})";
}

internal sealed class LogicalFilter(LogicalPlan input, BoundExpr predicate) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public BoundExpr Predicate { get; set; } = predicate;

    public override int Width => Input.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() => $"Filter {Predicate}";
}

internal sealed class LogicalProject(LogicalPlan input, IReadOnlyList<BoundExpr> exprs, IReadOnlyList<string> names) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public IReadOnlyList<BoundExpr> Exprs { get; set; } = exprs;

    public IReadOnlyList<string> Names { get; } = names;

    public override int Width => Exprs.Count;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() => $"Project {string.Join(", ", Exprs.Select((e, i) => e.ToString() == Names[i] ? Names[i] : $"{e} AS {Names[i]}"))}";
}

/// <summary>How a join runs.</summary>
internal enum JoinStrategy
{
    /// <summary>Every pair is tested.</summary>
    NestedLoop,

    /// <summary>Hash table on the right input's keys, probed by the left.</summary>
    HashBuildRight,

    /// <summary>Hash table on the left input's keys, probed by the right (inner joins only).</summary>
    HashBuildLeft,

    /// <summary>For each left row, a point read of the right table by its partition key.</summary>
    Lookup,
}

internal sealed class LogicalJoin(LogicalPlan left, LogicalPlan right, JoinKind kind, BoundExpr? condition) : LogicalPlan
{
    public LogicalPlan Left { get; set; } = left;

    public LogicalPlan Right { get; set; } = right;

    public JoinKind Kind { get; } = kind;

    /// <summary>The whole ON condition (checked on every candidate pair).</summary>
    public BoundExpr? Condition { get; set; } = condition;

    /// <summary>Equality keys found in ON: left-side and right-side expressions (right ones read right-relative slots).</summary>
    public List<(BoundExpr Left, BoundExpr Right)> EquiKeys { get; } = [];

    /// <summary>
    /// The ON conjuncts that are not equality keys, or null: what a hash join still checks on a pair whose keys matched
    /// (key equality of the hash table is SQL's <c>=</c>: NULL keys never match, values of different kinds differ).
    /// </summary>
    public BoundExpr? Residual { get; set; }

    public JoinStrategy Strategy { get; set; }

    public override int Width => Left.Width + Right.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Left, Right];

    public override string Describe()
    {
        var kind = Kind switch { JoinKind.Inner => "Inner", JoinKind.Left => "Left", _ => "Cross" };
        var keys = EquiKeys.Count == 0 ? "" : " keys " + string.Join(", ", EquiKeys.Select(k => $"{k.Left} = {k.Right}"));
        return Strategy switch
        {
            JoinStrategy.Lookup => $"LookupJoin {kind}{keys} (point reads of {((Right as LogicalFilter)?.Input as LogicalScan ?? (LogicalScan)Right).Table.Name})",
            JoinStrategy.HashBuildLeft => $"HashJoin {kind}{keys} (build left)",
            JoinStrategy.HashBuildRight => $"HashJoin {kind}{keys} (build right)",
            _ => $"NestedLoopJoin {kind}{(Condition is null ? "" : $" on {Condition}")}",
        };
    }
}

internal sealed class LogicalAggregate(LogicalPlan input, IReadOnlyList<BoundExpr> keys, IReadOnlyList<AggregateSpec> aggregates) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public IReadOnlyList<BoundExpr> Keys { get; set; } = keys;

    public IReadOnlyList<AggregateSpec> Aggregates { get; set; } = aggregates;

    public override int Width => Keys.Count + Aggregates.Count;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() =>
        $"Aggregate{(Keys.Count == 0 ? "" : " group by " + string.Join(", ", Keys))}{(Aggregates.Count == 0 ? "" : " compute " + string.Join(", ", Aggregates))}";
}

internal sealed class LogicalSort(LogicalPlan input, IReadOnlyList<(BoundExpr Key, bool Descending)> keys) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public IReadOnlyList<(BoundExpr Key, bool Descending)> Keys { get; set; } = keys;

    public override int Width => Input.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() => "Sort " + string.Join(", ", Keys.Select(k => k.Key + (k.Descending ? " DESC" : "")));
}

internal sealed class LogicalLimit(LogicalPlan input, long? limit, long offset) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public long? Limit { get; } = limit;

    public long Offset { get; } = offset;

    public override int Width => Input.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() => $"Limit {(Limit is null ? "all" : Limit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}{(Offset > 0 ? $" offset {Offset}" : "")}";
}

internal sealed class LogicalDistinct(LogicalPlan input) : LogicalPlan
{
    public LogicalPlan Input { get; set; } = input;

    public override int Width => Input.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Input];

    public override string Describe() => "Distinct";
}

internal sealed class LogicalUnion(LogicalPlan left, LogicalPlan right, bool all) : LogicalPlan
{
    public LogicalPlan Left { get; set; } = left;

    public LogicalPlan Right { get; set; } = right;

    public bool All { get; } = all;

    public override int Width => Left.Width;

    public override IReadOnlyList<LogicalPlan> Inputs => [Left, Right];

    public override string Describe() => All ? "UnionAll" : "Union";
}

/// <summary>
/// Reads the stored rows of a materialized join: one slot per joined table, like the join it replaces, or (after
/// <c>ColumnPruningRule</c>) for each table the slots of the attributes the query reads.
/// </summary>
internal sealed class LogicalMaterializedScan(Materialization.MaterializedJoin join) : LogicalPlan
{
    public Materialization.MaterializedJoin Join { get; } = join;

    /// <summary>Per joined table: the attributes read (one slot each), or null for the whole item in one slot.</summary>
    public string[]?[]? Columns { get; set; }

    public override int Width
    {
        get
        {
            if (Columns is null)
            {
                return Join.Sources.Count;
            }

            var width = 0;
            foreach (var columns in Columns)
            {
                width += columns?.Length ?? 1;
            }

            return width;
        }
    }

    public override IReadOnlyList<LogicalPlan> Inputs => [];

    public override string Describe() => $"MaterializedJoinScan {Join.Name} ({Join.Signature}){CopyState()}";

    /// <summary>Where the rows come from when the plan runs: the join's in-memory copy, or its stored rows.</summary>
    private string CopyState() => Join.Rows switch
    {
        null => "",
        { Current: { } snapshot } => $" [in-memory copy: {snapshot.Rows} rows]",
        { TooLarge: true } => " [stored rows: the in-memory copy is over its memory budget]",
        _ => " [in-memory copy: built on first read]",
    };
}
