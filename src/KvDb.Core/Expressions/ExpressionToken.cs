namespace KvDb.Expressions;

/// <summary>Token kinds of the DynamoDB expression languages.</summary>
internal enum ExpressionTokenKind : byte
{
    Eof,
    /// <summary>A name: a letter followed by letters, digits and '_'. Keywords are identifiers with a <see cref="ExpressionKeyword"/>.</summary>
    Identifier,
    /// <summary><c>#name</c>.</summary>
    NamePlaceholder,
    /// <summary><c>:value</c>.</summary>
    ValuePlaceholder,
    /// <summary>A run of decimal digits (list indexes).</summary>
    Integer,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Plus,
    Minus,
    /// <summary>A character that starts no token; the parser reports it as unexpected.</summary>
    Invalid,
}

/// <summary>Keywords (case-insensitive). Function names are not keywords: DynamoDB matches them case-sensitively.</summary>
internal enum ExpressionKeyword : byte
{
    None,
    And,
    Or,
    Not,
    Between,
    In,
    Set,
    Remove,
    Add,
    Delete,
}

/// <summary>A token: a slice of the source text.</summary>
internal readonly record struct ExpressionToken(
    ExpressionTokenKind Kind, int Start, int Length, int Line, int Column, ExpressionKeyword Keyword = ExpressionKeyword.None);
