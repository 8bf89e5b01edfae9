namespace KvDb.Expressions;

/// <summary>
/// Checks DynamoDB makes on the constants of a condition before evaluating anything. A constant of the wrong type is
/// an error, while an item attribute of the wrong type just makes the condition false. Each check returns the error
/// message or null, so the parser can attach a position and the builders can throw without one.
/// </summary>
internal static class ConditionRules
{
    /// <summary>Operands of &lt;, &lt;=, &gt;, &gt;= and BETWEEN: a constant must be S, N or B.</summary>
    public static string? CheckOrderable(string op, ConditionOperand operand) =>
        operand.Kind == OperandKind.Value && !ValueComparer.IsOrderable(operand.Constant!.Kind)
            ? ExpressionErrors.IncorrectOperandType(op, operand.Constant.Kind)
            : null;

    /// <summary>Operands of begins_with: a constant must be S or B.</summary>
    public static string? CheckBeginsWith(ConditionOperand operand) =>
        operand.Kind == OperandKind.Value && operand.Constant!.Kind is not (AttributeKind.String or AttributeKind.Binary)
            ? ExpressionErrors.IncorrectOperandType("begins_with", operand.Constant.Kind)
            : null;

    /// <summary>Constant BETWEEN bounds must have the same type and be in order.</summary>
    public static string? CheckBetweenBounds(ConditionOperand low, ConditionOperand high)
    {
        if (low.Kind != OperandKind.Value || high.Kind != OperandKind.Value)
        {
            return null;
        }

        if (!ValueComparer.TryCompare(low.Constant!, high.Constant!, out var order))
        {
            return ExpressionErrors.BetweenTypes(low.Constant!, high.Constant!);
        }

        return order > 0 ? ExpressionErrors.BetweenBounds(low.Constant!, high.Constant!) : null;
    }

    public static void ThrowIfError(string? message)
    {
        if (message is not null)
        {
            throw new KvDbException(KvErrorCode.InvalidExpression, message);
        }
    }
}
