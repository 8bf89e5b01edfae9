namespace KvDb.Expressions;

/// <summary>What a <see cref="ConditionOperand"/> denotes.</summary>
internal enum OperandKind : byte
{
    /// <summary>An attribute of the item.</summary>
    Path,
    /// <summary>A constant (an expression attribute value).</summary>
    Value,
    /// <summary><c>size(path)</c>.</summary>
    Size,
}

/// <summary>
/// An operand of a condition: an attribute path, a constant value, or <c>size(path)</c>. Obtained from
/// <see cref="Condition.Path(string)"/> and <see cref="Condition.Value"/>; its methods build conditions:
/// <c>Condition.Path("price").LessThan(100)</c>.
/// </summary>
public sealed class ConditionOperand
{
    private ConditionOperand(OperandKind kind, AttributePath? path, AttributeValue? value)
    {
        Kind = kind;
        OperandPath = path;
        Constant = value;
    }

    internal OperandKind Kind { get; }

    /// <summary>The path of a Path or Size operand.</summary>
    internal AttributePath? OperandPath { get; }

    /// <summary>The value of a Value operand.</summary>
    internal AttributeValue? Constant { get; }

    internal static ConditionOperand ForPath(AttributePath path) => new(OperandKind.Path, path, null);

    internal static ConditionOperand ForValue(AttributeValue value) => new(OperandKind.Value, null, value);

    internal static ConditionOperand ForSize(AttributePath path) => new(OperandKind.Size, path, null);

    /// <summary><c>this = value</c>.</summary>
    public Condition Equal(AttributeValue value) => Equal(ForValue(NotNull(value)));

    /// <summary><c>this = other</c>.</summary>
    public Condition Equal(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.Equal, this, other);

    /// <summary><c>this &lt;&gt; value</c> (true when the attribute is missing or has another type).</summary>
    public Condition NotEqual(AttributeValue value) => NotEqual(ForValue(NotNull(value)));

    /// <summary><c>this &lt;&gt; other</c>.</summary>
    public Condition NotEqual(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.NotEqual, this, other);

    /// <summary><c>this &lt; value</c>.</summary>
    public Condition LessThan(AttributeValue value) => LessThan(ForValue(NotNull(value)));

    /// <summary><c>this &lt; other</c>.</summary>
    public Condition LessThan(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.Less, this, other);

    /// <summary><c>this &lt;= value</c>.</summary>
    public Condition LessThanOrEqual(AttributeValue value) => LessThanOrEqual(ForValue(NotNull(value)));

    /// <summary><c>this &lt;= other</c>.</summary>
    public Condition LessThanOrEqual(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.LessOrEqual, this, other);

    /// <summary><c>this &gt; value</c>.</summary>
    public Condition GreaterThan(AttributeValue value) => GreaterThan(ForValue(NotNull(value)));

    /// <summary><c>this &gt; other</c>.</summary>
    public Condition GreaterThan(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.Greater, this, other);

    /// <summary><c>this &gt;= value</c>.</summary>
    public Condition GreaterThanOrEqual(AttributeValue value) => GreaterThanOrEqual(ForValue(NotNull(value)));

    /// <summary><c>this &gt;= other</c>.</summary>
    public Condition GreaterThanOrEqual(ConditionOperand other) => ComparisonCondition.Create(ComparisonOperator.GreaterOrEqual, this, other);

    /// <summary><c>this BETWEEN low AND high</c> (inclusive).</summary>
    public Condition Between(AttributeValue low, AttributeValue high) => Between(ForValue(NotNull(low)), ForValue(NotNull(high)));

    /// <summary><c>this BETWEEN low AND high</c> (inclusive).</summary>
    public Condition Between(ConditionOperand low, ConditionOperand high) => BetweenCondition.Create(this, low, high);

    /// <summary><c>this IN (v1, v2, ...)</c>.</summary>
    public Condition In(params AttributeValue[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var operands = new ConditionOperand[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            operands[i] = ForValue(NotNull(values[i]));
        }

        return In(operands);
    }

    /// <summary><c>this IN (o1, o2, ...)</c>.</summary>
    public Condition In(params ConditionOperand[] operands) => InCondition.Create(this, operands);

    /// <summary><c>begins_with(this, prefix)</c>.</summary>
    public Condition BeginsWith(string prefix) => BeginsWith(ForValue(AttributeValue.FromString(prefix)));

    /// <summary><c>begins_with(this, prefix)</c> for binary attributes.</summary>
    public Condition BeginsWith(byte[] prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return BeginsWith(ForValue(AttributeValue.FromBinary(prefix)));
    }

    /// <summary><c>begins_with(this, prefix)</c>.</summary>
    public Condition BeginsWith(ConditionOperand prefix) => BeginsWithCondition.Create(this, prefix);

    /// <summary><c>contains(this, operand)</c>: substring of S/B, element of a set or list.</summary>
    public Condition Contains(AttributeValue operand) => Contains(ForValue(NotNull(operand)));

    /// <summary><c>contains(this, operand)</c>.</summary>
    public Condition Contains(ConditionOperand operand) => ContainsCondition.Create(this, operand);

    /// <summary><c>attribute_exists(this)</c>; the operand must be a path.</summary>
    public Condition Exists() => new AttributeExistsCondition(RequirePath("attribute_exists"), exists: true);

    /// <summary><c>attribute_not_exists(this)</c>; the operand must be a path.</summary>
    public Condition NotExists() => new AttributeExistsCondition(RequirePath("attribute_not_exists"), exists: false);

    /// <summary><c>attribute_type(this, kind)</c>.</summary>
    public Condition IsType(AttributeKind kind)
    {
        if (kind.ToShortName() == "?")
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown attribute kind.");
        }

        return new AttributeTypeCondition(this, kind);
    }

    /// <summary><c>size(this)</c>; the operand must be a path.</summary>
    public ConditionOperand Size() => ForSize(RequirePath("size"));

    /// <summary>The operand as readable text: a path, a literal or <c>size(path)</c>.</summary>
    public override string ToString()
    {
        var writer = new ExpressionWriter(placeholders: false);
        Write(writer);
        return writer.ToString();
    }

    internal void Write(ExpressionWriter writer)
    {
        switch (Kind)
        {
            case OperandKind.Path:
                writer.WritePath(OperandPath!);
                break;
            case OperandKind.Value:
                writer.WriteValue(Constant!);
                break;
            default:
                writer.Append("size(").WritePath(OperandPath!).Append(')');
                break;
        }
    }

    /// <summary>The operand's value for an item. Allocation-free except for decoding the attribute itself.</summary>
    internal OperandValue Evaluate(Item item)
    {
        switch (Kind)
        {
            case OperandKind.Value:
                return OperandValue.Of(Constant);
            case OperandKind.Path:
                return OperandValue.Of(OperandPath!.Resolve(item));
            default:
            {
                // size() of a missing attribute, or of a value without a size, makes every comparison false (even <>).
                var value = OperandPath!.Resolve(item);
                return value is null || value.Kind is AttributeKind.Number or AttributeKind.Bool or AttributeKind.Null
                    ? OperandValue.Undefined
                    : OperandValue.OfSize(value.Size);
            }
        }
    }

    private AttributePath RequirePath(string function) =>
        Kind == OperandKind.Path
            ? OperandPath!
            : throw new KvDbException(KvErrorCode.InvalidExpression, ExpressionErrors.RequiresPath(function));

    private static AttributeValue NotNull(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }
}
