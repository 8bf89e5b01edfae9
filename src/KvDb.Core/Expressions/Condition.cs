namespace KvDb.Expressions;

/// <summary>
/// A DynamoDB condition (condition expression or filter expression): comparisons, BETWEEN, IN, the functions
/// <c>attribute_exists</c>, <c>attribute_not_exists</c>, <c>attribute_type</c>, <c>begins_with</c>,
/// <c>contains</c> and <c>size</c>, combined with NOT, AND and OR. Immutable and thread-safe.
/// </summary>
/// <example><code>
/// var c = Condition.Parse("price &lt; :max AND attribute_not_exists(#d)", names, values);
/// var same = Condition.Path("price").LessThan(100) &amp; Condition.AttributeNotExists("deleted");
/// </code></example>
public abstract class Condition
{
    private protected Condition()
    {
    }

    /// <summary>Binding strength when printing: OR 1, AND 2, NOT 3, everything else 4.</summary>
    internal abstract int Precedence { get; }

    /// <summary>
    /// Parses a condition expression. Throws <see cref="KvParseException"/> on syntax errors
    /// (<see cref="KvErrorCode.ExpressionSyntax"/>) and undefined placeholders (<see cref="KvErrorCode.InvalidExpression"/>),
    /// and <see cref="KvDbException"/> for unused placeholders (<see cref="KvErrorCode.InvalidExpression"/>) or
    /// text longer than 4096 characters (<see cref="KvErrorCode.LimitExceeded"/>).
    /// </summary>
    public static Condition Parse(
        string expression,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null)
    {
        var attributes = new ExpressionAttributes(names, values);
        var condition = Parse(expression, attributes);
        attributes.ThrowIfAnyUnused();
        return condition;
    }

    /// <summary>
    /// Parses a condition expression with placeholders shared by several expressions of one request; call
    /// <see cref="ExpressionAttributes.ThrowIfAnyUnused"/> once all of them are parsed.
    /// </summary>
    public static Condition Parse(string expression, ExpressionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(attributes);
        return new ExpressionParser(expression, attributes).ParseConditionExpression();
    }

    /// <summary>Evaluates the condition against an item (pass <see cref="Item.Empty"/> for a missing item).</summary>
    public abstract bool Evaluate(Item item);

    /// <summary>A readable form with values inlined, e.g. <c>a.b &gt; 5 AND begins_with(c, "x")</c>; it is not meant to be reparsed.</summary>
    public override string ToString()
    {
        var writer = new ExpressionWriter(placeholders: false);
        Write(writer);
        return writer.ToString();
    }

    /// <summary>The condition in DynamoDB syntax with placeholders; <see cref="Parse(string, IReadOnlyDictionary{string, string}?, IReadOnlyDictionary{string, AttributeValue}?)"/> rebuilds it.</summary>
    public ExpressionText ToExpressionText()
    {
        var writer = new ExpressionWriter(placeholders: true);
        Write(writer);
        return writer.ToExpressionText();
    }

    internal abstract void Write(ExpressionWriter writer);

    /// <summary>Writes <paramref name="child"/>, in parentheses when it binds more loosely than <paramref name="minPrecedence"/>.</summary>
    private protected static void WriteChild(ExpressionWriter writer, Condition child, int minPrecedence)
    {
        if (child.Precedence < minPrecedence)
        {
            writer.Append('(');
            child.Write(writer);
            writer.Append(')');
        }
        else
        {
            child.Write(writer);
        }
    }

    /// <summary>An attribute path operand (<see cref="AttributePath.Parse"/> syntax: <c>a.b[2]</c>).</summary>
    public static ConditionOperand Path(string path) => ConditionOperand.ForPath(AttributePath.Parse(path));

    /// <summary>An attribute path operand.</summary>
    public static ConditionOperand Path(AttributePath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ConditionOperand.ForPath(path);
    }

    /// <summary>A constant operand.</summary>
    public static ConditionOperand Value(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return ConditionOperand.ForValue(value);
    }

    /// <summary><c>size(path)</c> as an operand.</summary>
    public static ConditionOperand Size(string path) => Path(path).Size();

    /// <summary>All conditions hold (nested ANDs are flattened).</summary>
    public static Condition And(params Condition[] conditions) => LogicalCondition.Create(isAnd: true, conditions);

    /// <summary>At least one condition holds (nested ORs are flattened).</summary>
    public static Condition Or(params Condition[] conditions) => LogicalCondition.Create(isAnd: false, conditions);

    /// <summary>The condition does not hold.</summary>
    public static Condition Not(Condition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return new NotCondition(condition);
    }

    /// <summary><c>a AND b</c>.</summary>
    public static Condition operator &(Condition left, Condition right) => And(left, right);

    /// <summary><c>a OR b</c>.</summary>
    public static Condition operator |(Condition left, Condition right) => Or(left, right);

    /// <summary><c>NOT a</c>.</summary>
    public static Condition operator !(Condition condition) => Not(condition);

    /// <summary><c>attribute_exists(path)</c>.</summary>
    public static Condition AttributeExists(string path) => Path(path).Exists();

    /// <summary><c>attribute_exists(path)</c>.</summary>
    public static Condition AttributeExists(AttributePath path) => Path(path).Exists();

    /// <summary><c>attribute_not_exists(path)</c>.</summary>
    public static Condition AttributeNotExists(string path) => Path(path).NotExists();

    /// <summary><c>attribute_not_exists(path)</c>.</summary>
    public static Condition AttributeNotExists(AttributePath path) => Path(path).NotExists();

    /// <summary><c>attribute_type(path, kind)</c>.</summary>
    public static Condition AttributeType(string path, AttributeKind kind) => Path(path).IsType(kind);

    /// <summary><c>begins_with(path, prefix)</c> for string attributes.</summary>
    public static Condition BeginsWith(string path, string prefix) => Path(path).BeginsWith(prefix);

    /// <summary><c>begins_with(path, prefix)</c> for binary attributes.</summary>
    public static Condition BeginsWith(string path, byte[] prefix) => Path(path).BeginsWith(prefix);

    /// <summary><c>contains(path, operand)</c>: a substring of S or B, an element of a set or a list.</summary>
    public static Condition Contains(string path, AttributeValue operand) => Path(path).Contains(operand);
}
