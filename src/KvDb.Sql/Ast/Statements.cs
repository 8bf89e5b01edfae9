namespace KvDb.Sql.Ast;

/// <summary>A SQL statement.</summary>
public abstract record SqlStatement : SqlNode
{
    /// <inheritdoc />
    public sealed override string ToString() => SqlPrinter.Print(this);
}

/// <summary>Several statements separated by ';'.</summary>
/// <param name="Statements">The statements.</param>
public sealed record SqlScript(ValueList<SqlStatement> Statements)
{
    /// <summary>Parses SQL text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The statements.</returns>
    /// <exception cref="SqlException">On a syntax error.</exception>
    public static SqlScript Parse(string text) => Parsing.SqlParser.ParseScript(text);

    /// <inheritdoc />
    public override string ToString() => string.Join(";\n", Statements.Select(s => s.ToString()));
}

/// <summary>A query statement.</summary>
/// <param name="Query">The query.</param>
public sealed record SelectStatement(QueryExpr Query) : SqlStatement;

/// <summary><c>INSERT INTO t [(cols)] VALUES (...), (...)</c> or <c>INSERT INTO t [(cols)] SELECT ...</c>.</summary>
/// <param name="Table">The table.</param>
/// <param name="Columns">The column list (empty when omitted).</param>
/// <param name="Rows">The VALUES rows, or null for INSERT ... SELECT.</param>
/// <param name="Query">The source query, or null for VALUES.</param>
public sealed record InsertStatement(string Table, ValueList<string> Columns, ValueList<ValueList<SqlExpr>>? Rows, QueryExpr? Query) : SqlStatement;

/// <summary>One <c>target = value</c> of UPDATE.</summary>
/// <param name="Target">The column or document path.</param>
/// <param name="Value">The new value.</param>
public sealed record Assignment(PathExpr Target, SqlExpr Value);

/// <summary><c>UPDATE t [AS a] SET x = e, ... [WHERE c]</c>.</summary>
/// <param name="Table">The table.</param>
/// <param name="Alias">The alias, or null.</param>
/// <param name="Assignments">The assignments.</param>
/// <param name="Where">The condition, or null.</param>
public sealed record UpdateStatement(string Table, string? Alias, ValueList<Assignment> Assignments, SqlExpr? Where) : SqlStatement;

/// <summary><c>DELETE FROM t [AS a] [WHERE c]</c>.</summary>
/// <param name="Table">The table.</param>
/// <param name="Alias">The alias, or null.</param>
/// <param name="Where">The condition, or null.</param>
public sealed record DeleteStatement(string Table, string? Alias, SqlExpr? Where) : SqlStatement;

/// <summary>A column of CREATE TABLE.</summary>
/// <param name="Name">The name.</param>
/// <param name="Type">The type.</param>
public sealed record ColumnDef(string Name, SqlType Type);

/// <summary><c>CREATE TABLE [IF NOT EXISTS] t (col type, ..., PRIMARY KEY (pk [, sk]))</c>.</summary>
/// <param name="Name">The table.</param>
/// <param name="Columns">The columns.</param>
/// <param name="PrimaryKey">The partition key and optional sort key column names.</param>
/// <param name="IfNotExists">Whether IF NOT EXISTS was written.</param>
public sealed record CreateTableStatement(string Name, ValueList<ColumnDef> Columns, ValueList<string> PrimaryKey, bool IfNotExists) : SqlStatement;

/// <summary><c>DROP TABLE [IF EXISTS] t</c>.</summary>
/// <param name="Name">The table.</param>
/// <param name="IfExists">Whether IF EXISTS was written.</param>
public sealed record DropTableStatement(string Name, bool IfExists) : SqlStatement;

/// <summary><c>CREATE INDEX i ON t (col [, col])</c>: the first column is the index partition key, the second its sort key.</summary>
/// <param name="Name">The index.</param>
/// <param name="Table">The table.</param>
/// <param name="Columns">One or two columns.</param>
public sealed record CreateIndexStatement(string Name, string Table, ValueList<string> Columns) : SqlStatement;

/// <summary>
/// <c>DROP INDEX [IF EXISTS] i [ON t]</c>: MySQL's form names the table; SQLite's and PostgreSQL's form without it
/// finds the one table that has an index of that name.
/// </summary>
/// <param name="Name">The index.</param>
/// <param name="Table">The table, or null.</param>
/// <param name="IfExists">Whether IF EXISTS was written.</param>
public sealed record DropIndexStatement(string Name, string? Table, bool IfExists = false) : SqlStatement;

/// <summary>One <c>INNER JOIN t ON a = b</c> clause of hash-db's <c>create join</c>.</summary>
/// <param name="Table">The joined table.</param>
/// <param name="On">The join condition.</param>
public sealed record JoinClause(string Table, SqlExpr On);

/// <summary>hash-db's <c>CREATE JOIN INNER JOIN t ON a = b INNER JOIN ...</c>: a materialized join.</summary>
/// <param name="Clauses">The join clauses.</param>
public sealed record CreateJoinStatement(ValueList<JoinClause> Clauses) : SqlStatement;

/// <summary><c>CREATE MATERIALIZED VIEW v AS SELECT ...</c>.</summary>
/// <param name="Name">The view.</param>
/// <param name="Query">Its query.</param>
public sealed record CreateMaterializedViewStatement(string Name, QueryExpr Query) : SqlStatement;

/// <summary><c>DROP MATERIALIZED VIEW [IF EXISTS] v</c>.</summary>
/// <param name="Name">The view.</param>
/// <param name="IfExists">Whether IF EXISTS was written.</param>
public sealed record DropMaterializedViewStatement(string Name, bool IfExists) : SqlStatement;

/// <summary><c>EXPLAIN statement</c>.</summary>
/// <param name="Statement">The explained statement.</param>
public sealed record ExplainStatement(SqlStatement Statement) : SqlStatement;

/// <summary><c>BEGIN [TRANSACTION]</c>.</summary>
public sealed record BeginStatement : SqlStatement;

/// <summary><c>COMMIT</c>.</summary>
public sealed record CommitStatement : SqlStatement;

/// <summary><c>ROLLBACK</c>.</summary>
public sealed record RollbackStatement : SqlStatement;
