namespace KvDb.Expressions;

/// <summary>
/// An expression in DynamoDB syntax together with the placeholders it uses; <c>Parse(Expression, Names, Values)</c>
/// rebuilds an equivalent expression. Produced by <c>ToExpressionText()</c> on conditions, updates and projections
/// (for example to ship them to another node).
/// </summary>
public sealed class ExpressionText
{
    internal ExpressionText(string expression, IReadOnlyDictionary<string, string> names, IReadOnlyDictionary<string, AttributeValue> values)
    {
        Expression = expression;
        Names = names;
        Values = values;
    }

    /// <summary>The expression text, with <c>#n0</c>-style name and <c>:v0</c>-style value placeholders.</summary>
    public string Expression { get; }

    /// <summary>The name placeholders used by <see cref="Expression"/>.</summary>
    public IReadOnlyDictionary<string, string> Names { get; }

    /// <summary>The value placeholders used by <see cref="Expression"/>.</summary>
    public IReadOnlyDictionary<string, AttributeValue> Values { get; }

    /// <summary>The expression text.</summary>
    public override string ToString() => Expression;
}
