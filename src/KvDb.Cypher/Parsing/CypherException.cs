namespace KvDb.Cypher;

/// <summary>The openCypher error classes (the "classification" part of an openCypher error).</summary>
public enum CypherErrorClass
{
    /// <summary>The query text is not valid Cypher.</summary>
    SyntaxError,

    /// <summary>The query is well formed but meaningless (unknown variable, misplaced aggregate, ...).</summary>
    SemanticError,

    /// <summary>A value has the wrong type at run time.</summary>
    TypeError,

    /// <summary>A function argument is out of its domain at run time.</summary>
    ArgumentError,

    /// <summary>A write would break a graph invariant (a deleted node still has relationships).</summary>
    ConstraintVerificationFailed,

    /// <summary>A parameter was referenced but not supplied.</summary>
    ParameterMissing,

    /// <summary>The statement exceeds a limit of the engine.</summary>
    ResourceLimit,
}

/// <summary>Stable detail codes for Cypher errors (4xxx, see STYLE.md section 5).</summary>
public enum CypherErrorCode
{
    /// <summary>Unexpected token or character.</summary>
    InvalidSyntax = 4001,

    /// <summary>The text ended too early.</summary>
    UnexpectedEndOfInput = 4002,

    /// <summary>Expressions or patterns nest too deeply.</summary>
    NestingTooDeep = 4003,

    /// <summary>An integer literal does not fit in 64 bits.</summary>
    IntegerOverflow = 4004,

    /// <summary>A string literal is not closed or has a bad escape.</summary>
    InvalidLiteral = 4005,

    /// <summary>A variable is used but never bound.</summary>
    UndefinedVariable = 4010,

    /// <summary>A variable is bound twice where that is not allowed.</summary>
    VariableAlreadyBound = 4011,

    /// <summary>A variable is used as a different kind of value (node vs relationship).</summary>
    VariableTypeConflict = 4012,

    /// <summary>A function name is unknown.</summary>
    UnknownFunction = 4013,

    /// <summary>A function got the wrong number of arguments.</summary>
    WrongNumberOfArguments = 4014,

    /// <summary>An aggregate is used where it is not allowed.</summary>
    InvalidAggregation = 4015,

    /// <summary>CREATE or MERGE needs exactly one relationship type and a direction.</summary>
    InvalidRelationshipPattern = 4016,

    /// <summary>A clause is used where it is not allowed (e.g. a query ending in MATCH).</summary>
    InvalidClauseComposition = 4017,

    /// <summary>A value of the wrong type was given to an operator or function.</summary>
    InvalidArgumentType = 4020,

    /// <summary>A value is outside the domain of a function.</summary>
    InvalidArgumentValue = 4021,

    /// <summary>Integer arithmetic overflowed 64 bits.</summary>
    ArithmeticOverflow = 4022,

    /// <summary>Integer division or modulo by zero.</summary>
    DivisionByZero = 4023,

    /// <summary>A node to delete still has relationships.</summary>
    DeleteConnectedNode = 4030,

    /// <summary>A parameter was not supplied.</summary>
    MissingParameter = 4031,

    /// <summary>A parameter value has a type Cypher cannot represent.</summary>
    InvalidParameterType = 4032,

    /// <summary>One statement writes more items than one Core transaction holds.</summary>
    TooManyWrites = 4040,

    /// <summary>The statement was rejected by the store (a concurrent write changed an item it read).</summary>
    WriteConflict = 4041,

    /// <summary>CREATE INDEX names an index that exists, or indexes a label and property that already have one.</summary>
    IndexAlreadyExists = 4050,

    /// <summary>DROP INDEX names no index.</summary>
    IndexNotFound = 4051,
}

/// <summary>
/// A Cypher error: syntax errors carry line, column and a caret excerpt; run-time errors have line and column 0.
/// The base <see cref="KvDbException.Code"/> is <see cref="KvErrorCode.ExpressionSyntax"/> for syntax errors,
/// <see cref="KvErrorCode.InvalidQuery"/> for semantic errors and <see cref="KvErrorCode.InvalidExpression"/>
/// for errors raised while running.
/// </summary>
public sealed class CypherException : KvParseException
{
    /// <summary>Creates an error.</summary>
    public CypherException(CypherErrorClass errorClass, CypherErrorCode detail, string message, int line = 0, int column = 0, int offset = 0, int length = 0)
        : base(BaseCode(errorClass), message, line, column, offset, length)
    {
        ErrorClass = errorClass;
        Detail = detail;
    }

    /// <summary>The openCypher classification.</summary>
    public CypherErrorClass ErrorClass { get; }

    /// <summary>The detail code.</summary>
    public CypherErrorCode Detail { get; }

    /// <summary>The name the error is about (a variable or function), used to point at it in the source.</summary>
    internal string? Subject { get; init; }

    private static KvErrorCode BaseCode(CypherErrorClass c) => c switch
    {
        CypherErrorClass.SyntaxError => KvErrorCode.ExpressionSyntax,
        CypherErrorClass.SemanticError => KvErrorCode.InvalidQuery,
        CypherErrorClass.ResourceLimit => KvErrorCode.LimitExceeded,
        _ => KvErrorCode.InvalidExpression,
    };
}
