namespace KvDb.Sql;

/// <summary>
/// An error in a SQL statement: a syntax error (with line and column), a name that does not resolve, or a runtime
/// failure such as division by zero. <see cref="SqlCode"/> is the stable SQL-specific code;
/// <see cref="KvDbException.Code"/> maps it onto Core's codes (<see cref="KvErrorCode.ExpressionSyntax"/> for syntax,
/// <see cref="KvErrorCode.InvalidQuery"/> or <see cref="KvErrorCode.InvalidExpression"/> otherwise).
/// </summary>
public sealed class SqlException : KvParseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The SQL error code.</param>
    /// <param name="message">The full message.</param>
    /// <param name="line">The 1-based line of the offending text, or 0 when not known.</param>
    /// <param name="column">The 1-based column of the offending text, or 0 when not known.</param>
    /// <param name="offset">The 0-based character offset of the offending text.</param>
    /// <param name="length">The length of the offending text.</param>
    public SqlException(SqlErrorCode code, string message, int line = 0, int column = 0, int offset = 0, int length = 0)
        : base(MapCode(code), message, line, column, offset, length)
    {
        SqlCode = code;
    }

    /// <summary>The SQL-specific error code.</summary>
    public SqlErrorCode SqlCode { get; }

    private static KvErrorCode MapCode(SqlErrorCode code) => code switch
    {
        SqlErrorCode.Syntax => KvErrorCode.ExpressionSyntax,
        SqlErrorCode.TypeMismatch or SqlErrorCode.DivisionByZero or SqlErrorCode.UnknownFunction => KvErrorCode.InvalidExpression,
        SqlErrorCode.LimitExceeded => KvErrorCode.LimitExceeded,
        _ => KvErrorCode.InvalidQuery,
    };
}
