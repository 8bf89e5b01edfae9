using System.Text;

namespace KvDb.Cypher.Ast;

/// <summary>A clause of a single query.</summary>
internal abstract record Clause;

internal sealed record MatchClause(bool Optional, EquatableArray<PatternPart> Pattern, Expr? Where) : Clause
{
    public override string ToString() =>
        (Optional ? "OPTIONAL MATCH " : "MATCH ") + string.Join(", ", Pattern) + (Where is null ? "" : " WHERE " + Where);
}

internal sealed record UnwindClause(Expr Source, string Variable) : Clause
{
    public override string ToString() => "UNWIND " + Source + " AS " + Printer.Name(Variable);
}

internal sealed record ProjectionItem(Expr Expression, string? Alias)
{
    /// <summary>The output column name: the alias, or the expression's text.</summary>
    public string Name => Alias ?? Expression.ColumnName();

    public override string ToString() => Alias is null ? Expression.ToString() : Expression + " AS " + Printer.Name(Alias);
}

internal sealed record SortItem(Expr Expression, bool Descending)
{
    public override string ToString() => Expression + (Descending ? " DESC" : "");
}

/// <summary>The shared body of RETURN and WITH.</summary>
internal sealed record ProjectionBody(bool Distinct, bool Star, EquatableArray<ProjectionItem> Items, EquatableArray<SortItem> OrderBy, Expr? Skip, Expr? Limit)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Distinct)
        {
            sb.Append("DISTINCT ");
        }

        if (Star)
        {
            sb.Append('*');
            if (Items.Count > 0)
            {
                sb.Append(", ");
            }
        }

        sb.Append(string.Join(", ", Items));
        if (OrderBy.Count > 0)
        {
            sb.Append(" ORDER BY ").Append(string.Join(", ", OrderBy));
        }

        if (Skip is not null)
        {
            sb.Append(" SKIP ").Append(Skip);
        }

        if (Limit is not null)
        {
            sb.Append(" LIMIT ").Append(Limit);
        }

        return sb.ToString();
    }
}

internal sealed record ReturnClause(ProjectionBody Body) : Clause
{
    public override string ToString() => "RETURN " + Body;
}

internal sealed record WithClause(ProjectionBody Body, Expr? Where) : Clause
{
    public override string ToString() => "WITH " + Body + (Where is null ? "" : " WHERE " + Where);
}

internal sealed record CreateClause(EquatableArray<PatternPart> Pattern) : Clause
{
    public override string ToString() => "CREATE " + string.Join(", ", Pattern);
}

/// <summary>One item of SET (or ON CREATE SET / ON MATCH SET).</summary>
internal abstract record SetItem;

/// <summary><c>n.p = v</c>.</summary>
internal sealed record SetPropertyItem(PropertyExpr Property, Expr Value) : SetItem
{
    public override string ToString() => Property + " = " + Value;
}

/// <summary><c>n = map</c> (replace) or <c>n += map</c> (merge).</summary>
internal sealed record SetVariableItem(string Variable, Expr Value, bool Merge) : SetItem
{
    public override string ToString() => Printer.Name(Variable) + (Merge ? " += " : " = ") + Value;
}

/// <summary><c>n:A:B</c>.</summary>
internal sealed record SetLabelsItem(string Variable, EquatableArray<string> Labels) : SetItem
{
    public override string ToString() => Printer.Name(Variable) + Printer.Labels(Labels);
}

internal sealed record SetClause(EquatableArray<SetItem> Items) : Clause
{
    public override string ToString() => "SET " + string.Join(", ", Items);
}

/// <summary>One item of REMOVE: a property or labels.</summary>
internal abstract record RemoveItem;

internal sealed record RemovePropertyItem(PropertyExpr Property) : RemoveItem
{
    public override string ToString() => Property.ToString();
}

internal sealed record RemoveLabelsItem(string Variable, EquatableArray<string> Labels) : RemoveItem
{
    public override string ToString() => Printer.Name(Variable) + Printer.Labels(Labels);
}

internal sealed record RemoveClause(EquatableArray<RemoveItem> Items) : Clause
{
    public override string ToString() => "REMOVE " + string.Join(", ", Items);
}

internal sealed record DeleteClause(bool Detach, EquatableArray<Expr> Targets) : Clause
{
    public override string ToString() => (Detach ? "DETACH DELETE " : "DELETE ") + string.Join(", ", Targets);
}

internal sealed record MergeClause(PatternPart Pattern, EquatableArray<SetItem> OnCreate, EquatableArray<SetItem> OnMatch) : Clause
{
    public override string ToString()
    {
        var sb = new StringBuilder("MERGE ").Append(Pattern);
        if (OnCreate.Count > 0)
        {
            sb.Append(" ON CREATE SET ").Append(string.Join(", ", OnCreate));
        }

        if (OnMatch.Count > 0)
        {
            sb.Append(" ON MATCH SET ").Append(string.Join(", ", OnMatch));
        }

        return sb.ToString();
    }
}

/// <summary>A query without UNION: clauses in order.</summary>
internal sealed record SingleQuery(EquatableArray<Clause> Clauses)
{
    public override string ToString() => string.Join(" ", Clauses);
}

/// <summary>A whole statement: single queries joined by UNION / UNION ALL, optionally under EXPLAIN.</summary>
internal sealed record CypherStatement(bool Explain, EquatableArray<SingleQuery> Queries, EquatableArray<bool> UnionAll)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Explain)
        {
            sb.Append("EXPLAIN ");
        }

        for (var i = 0; i < Queries.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(UnionAll[i - 1] ? " UNION ALL " : " UNION ");
            }

            sb.Append(Queries[i]);
        }

        return sb.ToString();
    }
}
