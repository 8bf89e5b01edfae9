namespace KvDb.Expressions;

/// <summary>DynamoDB's documented expression limits, enforced by every expression parser.</summary>
internal static class ExpressionLimits
{
    /// <summary>Maximum length of an expression text, in characters (DynamoDB: 4 KB).</summary>
    public const int MaxExpressionLength = 4096;

    /// <summary>Maximum nesting of parentheses, NOTs and function calls; deeper input is a parse error, never a stack overflow.</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>Maximum number of elements of a document path (DynamoDB: 32).</summary>
    public const int MaxPathDepth = 32;

    /// <summary>Maximum number of operands of IN, the left operand included (DynamoDB: 100).</summary>
    public const int MaxInOperands = 100;

    /// <summary>Maximum number of operators and functions in one expression (DynamoDB: 300).</summary>
    public const int MaxOperators = 300;
}
