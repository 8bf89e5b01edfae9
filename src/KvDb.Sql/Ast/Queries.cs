namespace KvDb.Sql.Ast;

/// <summary>A query: a SELECT or a UNION of queries.</summary>
public abstract record QueryExpr : SqlNode
{
    /// <summary>ORDER BY keys (empty when not given).</summary>
    public ValueList<OrderItem> OrderBy { get; init; } = ValueList<OrderItem>.Empty;

    /// <summary>LIMIT, or null.</summary>
    public SqlExpr? Limit { get; init; }

    /// <summary>OFFSET, or null.</summary>
    public SqlExpr? Offset { get; init; }

    /// <summary>Whether ORDER BY, LIMIT or OFFSET is present.</summary>
    public bool HasOrderOrLimit => OrderBy.Count > 0 || Limit is not null || Offset is not null;

    /// <inheritdoc />
    public sealed override string ToString() => SqlPrinter.Print(this);
}

/// <summary>One SELECT block.</summary>
/// <param name="Distinct">Whether DISTINCT was written.</param>
/// <param name="Items">The select list.</param>
/// <param name="From">The FROM clause, or null.</param>
/// <param name="Where">The WHERE condition, or null.</param>
/// <param name="GroupBy">GROUP BY expressions.</param>
/// <param name="Having">The HAVING condition, or null.</param>
public sealed record SelectQuery(
    bool Distinct,
    ValueList<SelectItem> Items,
    TableRef? From,
    SqlExpr? Where,
    ValueList<SqlExpr> GroupBy,
    SqlExpr? Having) : QueryExpr;

/// <summary><c>left UNION [ALL] right</c>.</summary>
/// <param name="Left">The left query.</param>
/// <param name="Right">The right query.</param>
/// <param name="All">Whether duplicates are kept.</param>
public sealed record UnionQuery(QueryExpr Left, QueryExpr Right, bool All) : QueryExpr;

/// <summary>One ORDER BY key.</summary>
/// <param name="Expr">The key.</param>
/// <param name="Descending">Whether DESC was written.</param>
public sealed record OrderItem(SqlExpr Expr, bool Descending);

/// <summary>An item of the select list.</summary>
public abstract record SelectItem : SqlNode;

/// <summary><c>*</c> or <c>t.*</c>.</summary>
/// <param name="Qualifier">The table name or alias, or null for all tables.</param>
public sealed record StarItem(string? Qualifier) : SelectItem;

/// <summary><c>expr [AS alias]</c>.</summary>
/// <param name="Expr">The expression.</param>
/// <param name="Alias">The alias, or null.</param>
public sealed record ExprItem(SqlExpr Expr, string? Alias) : SelectItem;

/// <summary>Something in FROM.</summary>
public abstract record TableRef : SqlNode;

/// <summary>A table, view or materialized join by name.</summary>
/// <param name="Name">The name.</param>
/// <param name="Alias">The alias, or null.</param>
public sealed record NamedTableRef(string Name, string? Alias) : TableRef;

/// <summary>A subquery in FROM.</summary>
/// <param name="Query">The subquery.</param>
/// <param name="Alias">Its alias.</param>
public sealed record DerivedTableRef(QueryExpr Query, string Alias) : TableRef;

/// <summary>Join kinds.</summary>
public enum JoinKind
{
    /// <summary>INNER JOIN.</summary>
    Inner,

    /// <summary>LEFT [OUTER] JOIN.</summary>
    Left,

    /// <summary>CROSS JOIN (or a comma in FROM).</summary>
    Cross,
}

/// <summary>A join of two table references.</summary>
/// <param name="Left">The left input.</param>
/// <param name="Kind">The join kind.</param>
/// <param name="Right">The right input.</param>
/// <param name="On">The ON condition (null for CROSS JOIN).</param>
public sealed record JoinRef(TableRef Left, JoinKind Kind, TableRef Right, SqlExpr? On) : TableRef;
