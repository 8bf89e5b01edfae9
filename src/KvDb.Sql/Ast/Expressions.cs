using KvDb.Sql.Syntax;

namespace KvDb.Sql.Ast;

/// <summary>A node of the SQL syntax tree. Every node prints back to canonical SQL with <see cref="object.ToString"/>.</summary>
public abstract record SqlNode
{
    /// <summary>Where the node was written (not part of equality).</summary>
    public SourceSpan Span { get; init; }
}

/// <summary>An expression.</summary>
public abstract record SqlExpr : SqlNode
{
    /// <inheritdoc />
    public sealed override string ToString() => SqlPrinter.Print(this);
}

/// <summary>The kind of a literal.</summary>
public enum LiteralKind
{
    /// <summary>NULL.</summary>
    Null,

    /// <summary>TRUE or FALSE (the text is "TRUE" or "FALSE").</summary>
    Boolean,

    /// <summary>A string in single quotes (the text is the unquoted value).</summary>
    String,

    /// <summary>A number (the text is the digits as written, without sign).</summary>
    Number,
}

/// <summary>A literal value.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Text">The value as text (see <see cref="LiteralKind"/>).</param>
public sealed record LiteralExpr(LiteralKind Kind, string Text) : SqlExpr
{
    /// <summary>NULL.</summary>
    public static LiteralExpr Null { get; } = new(LiteralKind.Null, "NULL");
}

/// <summary>A parameter: <c>@name</c> or positional <c>?</c> (numbered from 0 in order of appearance).</summary>
/// <param name="Name">The name without '@', or null for '?'.</param>
/// <param name="Ordinal">The position of a '?' parameter; -1 for named ones.</param>
public sealed record ParameterExpr(string? Name, int Ordinal) : SqlExpr;

/// <summary>One step of a path: a name, an index <c>[n]</c>, or any element <c>[*]</c>.</summary>
/// <param name="Name">The attribute name, or null for an index step.</param>
/// <param name="Index">The index (for index steps); -1 means any element.</param>
public readonly record struct PathStep(string? Name, int Index)
{
    /// <summary>Whether the step is <c>[*]</c>.</summary>
    public bool IsAnyElement => Name is null && Index < 0;

    /// <summary>A name step.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The step.</returns>
    public static PathStep Key(string name) => new(name, 0);

    /// <summary>An index step.</summary>
    /// <param name="index">The index.</param>
    /// <returns>The step.</returns>
    public static PathStep At(int index) => new(null, index);

    /// <summary>The <c>[*]</c> step.</summary>
    public static PathStep Any => new(null, -1);
}

/// <summary>
/// A column reference or document path: <c>age</c>, <c>p.age</c>, <c>p.address.city</c>, <c>p.hobbies[0].name</c>,
/// <c>p.hobbies[*].name</c>. The parser does not decide whether the first name is a table; the binder does.
/// </summary>
/// <param name="Steps">The steps; the first is always a name.</param>
public sealed record PathExpr(ValueList<PathStep> Steps) : SqlExpr
{
    /// <summary>A path of plain names.</summary>
    /// <param name="names">The names.</param>
    /// <returns>The path.</returns>
    public static PathExpr Of(params string[] names) => new(new ValueList<PathStep>(names.Select(PathStep.Key)));
}

/// <summary>Unary operators.</summary>
public enum UnaryOp
{
    /// <summary>Arithmetic negation.</summary>
    Negate,

    /// <summary>Logical NOT.</summary>
    Not,
}

/// <summary>A unary operation.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Operand">The operand.</param>
public sealed record UnaryExpr(UnaryOp Op, SqlExpr Operand) : SqlExpr;

/// <summary>Binary operators.</summary>
public enum BinaryOp
{
    /// <summary>OR.</summary>
    Or,

    /// <summary>AND.</summary>
    And,

    /// <summary>=.</summary>
    Equal,

    /// <summary>&lt;&gt;.</summary>
    NotEqual,

    /// <summary>&lt;.</summary>
    Less,

    /// <summary>&lt;=.</summary>
    LessOrEqual,

    /// <summary>&gt;.</summary>
    Greater,

    /// <summary>&gt;=.</summary>
    GreaterOrEqual,

    /// <summary>||.</summary>
    Concat,

    /// <summary>+.</summary>
    Add,

    /// <summary>-.</summary>
    Subtract,

    /// <summary>*.</summary>
    Multiply,

    /// <summary>/.</summary>
    Divide,

    /// <summary>%.</summary>
    Modulo,
}

/// <summary>A binary operation.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Left">The left operand.</param>
/// <param name="Right">The right operand.</param>
public sealed record BinaryExpr(BinaryOp Op, SqlExpr Left, SqlExpr Right) : SqlExpr;

/// <summary><c>x [NOT] BETWEEN low AND high</c>.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Low">The lower bound.</param>
/// <param name="High">The upper bound.</param>
/// <param name="Negated">Whether NOT was written.</param>
public sealed record BetweenExpr(SqlExpr Operand, SqlExpr Low, SqlExpr High, bool Negated) : SqlExpr;

/// <summary><c>x [NOT] IN (a, b, ...)</c>.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Values">The list.</param>
/// <param name="Negated">Whether NOT was written.</param>
public sealed record InListExpr(SqlExpr Operand, ValueList<SqlExpr> Values, bool Negated) : SqlExpr;

/// <summary><c>x [NOT] IN (SELECT ...)</c>.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Query">The subquery (one column).</param>
/// <param name="Negated">Whether NOT was written.</param>
public sealed record InQueryExpr(SqlExpr Operand, QueryExpr Query, bool Negated) : SqlExpr;

/// <summary><c>x [NOT] LIKE pattern</c> with <c>%</c> and <c>_</c> wildcards.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Pattern">The pattern.</param>
/// <param name="Negated">Whether NOT was written.</param>
public sealed record LikeExpr(SqlExpr Operand, SqlExpr Pattern, bool Negated) : SqlExpr;

/// <summary><c>x IS [NOT] NULL</c>.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Negated">Whether NOT was written.</param>
public sealed record IsNullExpr(SqlExpr Operand, bool Negated) : SqlExpr;

/// <summary>One <c>WHEN ... THEN ...</c> arm.</summary>
/// <param name="When">The condition (or compared value for a simple CASE).</param>
/// <param name="Then">The result.</param>
public sealed record WhenClause(SqlExpr When, SqlExpr Then);

/// <summary><c>CASE [operand] WHEN ... THEN ... [ELSE ...] END</c>.</summary>
/// <param name="Operand">The operand of a simple CASE, or null for a searched CASE.</param>
/// <param name="Whens">The arms.</param>
/// <param name="Else">The ELSE result, or null.</param>
public sealed record CaseExpr(SqlExpr? Operand, ValueList<WhenClause> Whens, SqlExpr? Else) : SqlExpr;

/// <summary><c>CAST(x AS type)</c>.</summary>
/// <param name="Operand">The value.</param>
/// <param name="Type">The target type.</param>
public sealed record CastExpr(SqlExpr Operand, SqlType Type) : SqlExpr;

/// <summary>A function call: <c>f(a, b)</c>, <c>COUNT(*)</c>, <c>COUNT(DISTINCT x)</c>.</summary>
/// <param name="Name">The function name in upper case.</param>
/// <param name="Arguments">The arguments (empty for <c>COUNT(*)</c>).</param>
/// <param name="Distinct">Whether DISTINCT was written.</param>
/// <param name="Star">Whether the argument was <c>*</c>.</param>
public sealed record FunctionExpr(string Name, ValueList<SqlExpr> Arguments, bool Distinct = false, bool Star = false) : SqlExpr;

/// <summary><c>[NOT] EXISTS (SELECT ...)</c> (NOT is a separate <see cref="UnaryExpr"/>).</summary>
/// <param name="Query">The subquery.</param>
public sealed record ExistsExpr(QueryExpr Query) : SqlExpr;

/// <summary>A scalar subquery <c>(SELECT ...)</c>.</summary>
/// <param name="Query">The subquery.</param>
public sealed record SubqueryExpr(QueryExpr Query) : SqlExpr;

/// <summary>SQL column and cast types.</summary>
public enum SqlType
{
    /// <summary>Any value (no check).</summary>
    Any,

    /// <summary>Text (STRING, TEXT, VARCHAR).</summary>
    String,

    /// <summary>Exact decimal number (NUMBER, INT, INTEGER, DECIMAL, NUMERIC, REAL, FLOAT, DOUBLE).</summary>
    Number,

    /// <summary>Bytes (BINARY, BLOB, BYTES).</summary>
    Binary,

    /// <summary>TRUE or FALSE (BOOLEAN, BOOL).</summary>
    Boolean,

    /// <summary>A list (LIST, ARRAY).</summary>
    List,

    /// <summary>A map / document (MAP, DOCUMENT, JSON).</summary>
    Map,
}
