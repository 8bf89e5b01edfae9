using KvDb.Sql.Ast;

namespace KvDb.Sql.Materialization;

/// <summary>
/// A materialized join: a left-deep chain of INNER JOINs of tables on column equalities, whose result is kept in the
/// Core table <see cref="StorageTable"/>. A stored row holds each source's item and each source's key as text
/// (<c>k0</c>, <c>k1</c>, ..., each with a Core index) so that a change to one source item finds the rows it
/// contributes to. Its row layout equals the join's (one slot per source), so a query that asks for the same join
/// reads the stored rows instead of joining.
/// </summary>
/// <remarks>
/// Two storage formats: <see cref="Flat"/> (joins created since format 2) stores attribute <c>a</c> of source
/// <c>i</c> as the top-level attribute <c>s{i}.a</c> (<see cref="FlatName"/>), so a query reads just the attributes it
/// uses (in one walk of the stored row, see <c>ScanOperator.MaterializedAsync</c>); the first format stored each source's whole item as one map attribute
/// <c>s{i}</c>, which must be decoded whole to read one column. Joins keep the format they were created with.
/// </remarks>
internal sealed class MaterializedJoin
{
    /// <summary>The <c>format</c> value of the catalog entry of a join stored <see cref="Flat"/>.</summary>
    public const int FlatFormat = 2;

    private MaterializedJoin(string name, IReadOnlyList<(string Table, string Alias)> sources, IReadOnlyList<HashSet<string>> steps, SelectQuery query, bool flat)
    {
        Name = name;
        Sources = sources;
        Steps = steps;
        Query = query;
        Flat = flat;
    }

    public string Name { get; }

    /// <summary>Whether stored rows hold one top-level attribute per source attribute (see remarks).</summary>
    public bool Flat { get; }

    /// <summary>The prefix of source <paramref name="source"/>'s attributes in the flat format: <c>s{i}.</c>.</summary>
    public static string FlatPrefix(int source) => "s" + source.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";

    /// <summary>The stored name of attribute <paramref name="attribute"/> of source <paramref name="source"/> in the flat format.</summary>
    public static string FlatName(int source, string attribute) => FlatPrefix(source) + attribute;

    /// <summary>Whether a stored attribute name is a source attribute of the flat format (<c>s{digits}.name</c>, see <see cref="FlatName"/>), not a key text.</summary>
    public static bool IsFlatName(string name)
    {
        if (name.Length < 3 || name[0] != 's' || !char.IsAsciiDigit(name[1]))
        {
            return false;
        }

        for (var i = 2; i < name.Length; i++)
        {
            if (name[i] == '.')
            {
                return true;
            }

            if (!char.IsAsciiDigit(name[i]))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The joined tables in slot order, with the aliases the definition used.</summary>
    public IReadOnlyList<(string Table, string Alias)> Sources { get; }

    /// <summary>For each join step, its equalities as "table.col=table.col" (sides sorted).</summary>
    public IReadOnlyList<HashSet<string>> Steps { get; }

    /// <summary><c>SELECT * FROM chain</c>: the definition as a query (run to refresh).</summary>
    public SelectQuery Query { get; }

    public string StorageTable => "__mj_" + Name;

    /// <summary>The decoded in-memory copy of the stored rows, kept by the maintainer (null: read the stored rows).</summary>
    public JoinRowCache? Rows { get; set; }

    public string Signature => Describe(Sources.Select(s => s.Table).ToList(), Steps);

    public static string Describe(IReadOnlyList<string> tables, IReadOnlyList<HashSet<string>> steps) =>
        string.Join(" JOIN ", tables) + " ON " + string.Join(" / ", steps.Select(s => string.Join(" AND ", s.Order(StringComparer.Ordinal))));

    /// <summary>
    /// Reads a FROM clause as a join chain: null when it is not a left-deep chain of INNER JOINs of tables whose ON
    /// conditions are conjunctions of column equalities.
    /// </summary>
    public static (List<(string Table, string Alias)> Sources, List<HashSet<string>> Steps)? Analyze(TableRef from)
    {
        var sources = new List<(string Table, string Alias)>();
        var steps = new List<HashSet<string>>();
        if (!Walk(from, sources, steps) || sources.Count < 2 || sources.Select(s => s.Alias).Distinct(StringComparer.Ordinal).Count() != sources.Count)
        {
            return null;
        }

        // Replace aliases by table names in the equalities.
        var byAlias = sources.ToDictionary(s => s.Alias, s => s.Table, StringComparer.Ordinal);
        var normalized = new List<HashSet<string>>();
        foreach (var step in steps)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var eq in step)
            {
                var sides = eq.Split('=');
                var mapped = sides.Select(side =>
                {
                    var dot = side.IndexOf('.', StringComparison.Ordinal);
                    return byAlias.TryGetValue(side[..dot], out var table) ? table + side[dot..] : null;
                }).ToList();
                if (mapped.Any(m => m is null))
                {
                    return null;
                }

                set.Add(string.Join("=", mapped.Order(StringComparer.Ordinal)));
            }

            normalized.Add(set);
        }

        return (sources, normalized);
    }

    private static bool Walk(TableRef from, List<(string, string)> sources, List<HashSet<string>> steps)
    {
        switch (from)
        {
            case NamedTableRef named:
                sources.Add((named.Name, named.Alias ?? named.Name));
                return true;
            case JoinRef { Kind: JoinKind.Inner, Right: NamedTableRef right, On: { } on } join:
                if (!Walk(join.Left, sources, steps))
                {
                    return false;
                }

                sources.Add((right.Name, right.Alias ?? right.Name));
                var set = new HashSet<string>(StringComparer.Ordinal);
                if (!Equalities(on, set))
                {
                    return false;
                }

                steps.Add(set);
                return true;
            default:
                return false;
        }
    }

    private static bool Equalities(SqlExpr on, HashSet<string> set)
    {
        switch (on)
        {
            case BinaryExpr { Op: BinaryOp.And } and:
                return Equalities(and.Left, set) && Equalities(and.Right, set);
            case BinaryExpr { Op: BinaryOp.Equal, Left: PathExpr { Steps.Count: 2 } l, Right: PathExpr { Steps.Count: 2 } r }
                when l.Steps.All(s => s.Name is not null) && r.Steps.All(s => s.Name is not null):
                set.Add($"{l.Steps[0].Name}.{l.Steps[1].Name}={r.Steps[0].Name}.{r.Steps[1].Name}");
                return true;
            default:
                return false;
        }
    }

    /// <summary>A join over <paramref name="from"/>; <paramref name="flat"/> false only for joins stored in the first format.</summary>
    public static MaterializedJoin Create(string name, TableRef from, bool flat = true)
    {
        var analysis = Analyze(from) ?? ThrowHelper.Error<(List<(string, string)>, List<HashSet<string>>)>(SqlErrorCode.InvalidStatement,
            "A materialized join needs FROM t1 INNER JOIN t2 ON t1.a = t2.b [INNER JOIN ...] with distinct aliases and column equalities in ON");
        var query = new SelectQuery(false, ValueList.Of<SelectItem>(new StarItem(null)), from, null, ValueList<SqlExpr>.Empty, null);
        return new MaterializedJoin(name, analysis.Item1, analysis.Item2, query, flat);
    }

    /// <summary>
    /// hash-db's <c>create join</c>: the chain starts at the table on the other side of the first clause's ON, and each
    /// clause joins one more table.
    /// </summary>
    public static SelectQuery ChainFromCreateJoin(CreateJoinStatement create)
    {
        var first = create.Clauses[0];
        var driver = first.On is BinaryExpr { Op: BinaryOp.Equal, Left: PathExpr l, Right: PathExpr r }
            ? new[] { l, r }.Select(p => p.Steps[0].Name).FirstOrDefault(n => n != first.Table)
            : null;
        if (driver is null)
        {
            ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"create join: the first clause must compare {first.Table}.column with another table's column");
        }

        TableRef from = new NamedTableRef(driver, null);
        foreach (var clause in create.Clauses)
        {
            from = new JoinRef(from, JoinKind.Inner, new NamedTableRef(clause.Table, null), clause.On);
        }

        return new SelectQuery(false, ValueList.Of<SelectItem>(new StarItem(null)), from, null, ValueList<SqlExpr>.Empty, null);
    }
}
