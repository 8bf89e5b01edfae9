using KvDb.Sql.Ast;

namespace KvDb.Sql.Binding;

/// <summary>
/// One relation visible in a scope: either a table (its whole item sits in one slot and columns are attributes of
/// it) or a computed relation (a derived table or view) whose columns sit in consecutive slots.
/// </summary>
internal sealed class ScopeSource
{
    public required string Alias { get; init; }

    /// <summary>The table, for item sources; null for computed relations.</summary>
    public TableInfo? Table { get; init; }

    /// <summary>The item's slot (table sources) or the first column's slot (computed relations).</summary>
    public required int Slot { get; init; }

    /// <summary>The column names of a computed relation.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    public ScopeSource Shift(int by) => new() { Alias = Alias, Table = Table, Slot = Slot + by, Columns = Columns };

    /// <summary>Column names for '*': declared or learned columns, or the computed relation's columns.</summary>
    public IEnumerable<string> StarColumns => Columns ?? Table!.Columns.Select(c => c.Name);

    /// <summary>Whether the source certainly has the column (declared, learned or computed).</summary>
    public bool Declares(string name) =>
        Columns is not null ? Columns.Contains(name, StringComparer.Ordinal) : Table!.FindColumn(name) is not null;

    /// <summary>Whether the source might have the column (open tables accept any name).</summary>
    public bool Accepts(string name) => Declares(name) || (Table is not null && Table.Open);

    public BoundColumn Column(string name, PathStep[] rest)
    {
        var display = Alias + "." + SqlPrinter.Identifier(name) + string.Concat(rest.Select(s => s.Name is not null ? "." + s.Name : s.IsAnyElement ? "[*]" : $"[{s.Index}]"));
        if (Columns is not null)
        {
            var index = Columns.ToList().IndexOf(name);
            return new BoundColumn(Slot + index, rest, display);
        }

        return new BoundColumn(Slot, [PathStep.Key(name), .. rest], display);
    }
}

/// <summary>The relations visible to an expression.</summary>
internal sealed class Scope(IReadOnlyList<ScopeSource> sources, OuterContext? outer = null)
{
    public static Scope Empty { get; } = new([]);

    public IReadOnlyList<ScopeSource> Sources { get; } = sources;

    /// <summary>For a subquery: the enclosing query's scope, where names not found here are looked up (correlation).</summary>
    public OuterContext? Outer { get; } = outer;

    public ScopeSource? Find(string alias) => Sources.FirstOrDefault(s => string.Equals(s.Alias, alias, StringComparison.Ordinal));
}

/// <summary>
/// The enclosing query of a subquery being bound: its scope, its GROUP BY state (an outer reference inside HAVING or a
/// grouped select list reads the group's row), and the outer expressions the subquery reads. Each distinct outer
/// reference becomes one argument: evaluated on the outer row, passed to the subquery as
/// <see cref="BoundOuterRef"/> slot <c>i</c>. A subquery with arguments is correlated.
/// </summary>
internal sealed class OuterContext(Scope scope, Binder.AggBinding? aggregation)
{
    private readonly List<(string Key, BoundExpr Expr)> _arguments = [];

    public Scope Scope { get; } = scope;

    /// <summary>The enclosing query's aggregate binding, or null.</summary>
    public Binder.AggBinding? Aggregation { get; } = aggregation;

    public IReadOnlyList<BoundExpr> Arguments => [.. _arguments.Select(a => a.Expr)];

    /// <summary>The argument index of an outer expression (the same reference twice is one argument).</summary>
    public int Add(string key, Func<BoundExpr> bind)
    {
        var index = _arguments.FindIndex(a => a.Key == key);
        if (index < 0)
        {
            _arguments.Add((key, bind()));
            index = _arguments.Count - 1;
        }

        return index;
    }
}
