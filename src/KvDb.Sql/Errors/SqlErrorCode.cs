namespace KvDb.Sql;

/// <summary>Stable error codes of KvDb.Sql (the 3xxx range of <see cref="KvErrorCode"/>'s numbering scheme).</summary>
public enum SqlErrorCode
{
    /// <summary>The text is not valid SQL.</summary>
    Syntax = 3001,

    /// <summary>A table, view or materialized join is not known.</summary>
    UnknownTable = 3002,

    /// <summary>A column name does not resolve to any table in scope.</summary>
    UnknownColumn = 3003,

    /// <summary>A column name resolves to more than one table in scope.</summary>
    AmbiguousColumn = 3004,

    /// <summary>A value has the wrong type for an operator, function or column.</summary>
    TypeMismatch = 3005,

    /// <summary>A number was divided by zero.</summary>
    DivisionByZero = 3006,

    /// <summary>A function name is not known or was called with the wrong number of arguments.</summary>
    UnknownFunction = 3007,

    /// <summary>The statement is valid SQL but is not allowed here (for example an aggregate in WHERE).</summary>
    InvalidStatement = 3008,

    /// <summary>A table or other object already exists.</summary>
    AlreadyExists = 3009,

    /// <summary>A parameter was referenced but not supplied.</summary>
    MissingParameter = 3010,

    /// <summary>A scalar subquery returned more than one row.</summary>
    SubqueryCardinality = 3011,

    /// <summary>A write changed nothing because the statement failed; the reason is in the message.</summary>
    WriteFailed = 3012,

    /// <summary>BEGIN, COMMIT or ROLLBACK was used out of order.</summary>
    TransactionState = 3013,

    /// <summary>A limit (statement size, nesting depth, rows per atomic statement) was exceeded.</summary>
    LimitExceeded = 3014,

    /// <summary>An index is not known (DROP INDEX), or its name is ambiguous without ON.</summary>
    UnknownIndex = 3015,
}
