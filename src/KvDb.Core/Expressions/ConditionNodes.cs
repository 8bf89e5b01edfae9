namespace KvDb.Expressions;

/// <summary>The comparators of a comparison condition.</summary>
internal enum ComparisonOperator : byte
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary><c>left op right</c>.</summary>
internal sealed class ComparisonCondition : Condition
{
    private ComparisonCondition(ComparisonOperator op, ConditionOperand left, ConditionOperand right)
    {
        Operator = op;
        Left = left;
        Right = right;
    }

    public ComparisonOperator Operator { get; }

    public ConditionOperand Left { get; }

    public ConditionOperand Right { get; }

    internal override int Precedence => 4;

    public static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.NotEqual => "<>",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        _ => ">=",
    };

    public static ComparisonCondition Create(ComparisonOperator op, ConditionOperand left, ConditionOperand right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual))
        {
            ConditionRules.ThrowIfError(ConditionRules.CheckOrderable(Symbol(op), left) ?? ConditionRules.CheckOrderable(Symbol(op), right));
        }

        return new ComparisonCondition(op, left, right);
    }

    public override bool Evaluate(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var left = Left.Evaluate(item);
        var right = Right.Evaluate(item);
        int order;
        switch (Operator)
        {
            case ComparisonOperator.Equal:
                return OperandValue.AreEqual(left, right);
            case ComparisonOperator.NotEqual:
                // A missing attribute is "not equal" to anything (even another missing one); size() of a value
                // without a size makes every comparison false.
                return !left.IsUndefined && !right.IsUndefined && !OperandValue.AreEqual(left, right);
            case ComparisonOperator.Less:
                return OperandValue.TryCompare(left, right, out order) && order < 0;
            case ComparisonOperator.LessOrEqual:
                return OperandValue.TryCompare(left, right, out order) && order <= 0;
            case ComparisonOperator.Greater:
                return OperandValue.TryCompare(left, right, out order) && order > 0;
            default:
                return OperandValue.TryCompare(left, right, out order) && order >= 0;
        }
    }

    internal override void Write(ExpressionWriter writer)
    {
        Left.Write(writer);
        writer.Append(' ').Append(Symbol(Operator)).Append(' ');
        Right.Write(writer);
    }
}

/// <summary><c>operand BETWEEN low AND high</c>, inclusive.</summary>
internal sealed class BetweenCondition : Condition
{
    private BetweenCondition(ConditionOperand operand, ConditionOperand low, ConditionOperand high)
    {
        Operand = operand;
        Low = low;
        High = high;
    }

    public ConditionOperand Operand { get; }

    public ConditionOperand Low { get; }

    public ConditionOperand High { get; }

    internal override int Precedence => 4;

    public static BetweenCondition Create(ConditionOperand operand, ConditionOperand low, ConditionOperand high)
    {
        ArgumentNullException.ThrowIfNull(operand);
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(high);
        ConditionRules.ThrowIfError(
            ConditionRules.CheckOrderable("BETWEEN", operand)
            ?? ConditionRules.CheckOrderable("BETWEEN", low)
            ?? ConditionRules.CheckOrderable("BETWEEN", high)
            ?? ConditionRules.CheckBetweenBounds(low, high));
        return new BetweenCondition(operand, low, high);
    }

    public override bool Evaluate(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var value = Operand.Evaluate(item);
        return OperandValue.TryCompare(value, Low.Evaluate(item), out var low) && low >= 0
            && OperandValue.TryCompare(value, High.Evaluate(item), out var high) && high <= 0;
    }

    internal override void Write(ExpressionWriter writer)
    {
        Operand.Write(writer);
        writer.Append(" BETWEEN ");
        Low.Write(writer);
        writer.Append(" AND ");
        High.Write(writer);
    }
}

/// <summary><c>operand IN (o1, o2, ...)</c>.</summary>
internal sealed class InCondition : Condition
{
    private readonly ConditionOperand[] _list;

    private InCondition(ConditionOperand operand, ConditionOperand[] list)
    {
        Operand = operand;
        _list = list;
    }

    public ConditionOperand Operand { get; }

    public IReadOnlyList<ConditionOperand> List => _list;

    internal override int Precedence => 4;

    public static InCondition Create(ConditionOperand operand, ConditionOperand[] list)
    {
        ArgumentNullException.ThrowIfNull(operand);
        ArgumentNullException.ThrowIfNull(list);
        if (list.Length == 0)
        {
            throw new ArgumentException("IN needs at least one operand.", nameof(list));
        }

        if (list.Length + 1 > ExpressionLimits.MaxInOperands)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, ExpressionErrors.TooManyInOperands(list.Length + 1));
        }

        foreach (var o in list)
        {
            ArgumentNullException.ThrowIfNull(o, nameof(list));
        }

        return new InCondition(operand, (ConditionOperand[])list.Clone());
    }

    public override bool Evaluate(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var value = Operand.Evaluate(item);
        if (!value.HasValue)
        {
            return false;
        }

        foreach (var candidate in _list)
        {
            if (OperandValue.AreEqual(value, candidate.Evaluate(item)))
            {
                return true;
            }
        }

        return false;
    }

    internal override void Write(ExpressionWriter writer)
    {
        Operand.Write(writer);
        writer.Append(" IN (");
        for (var i = 0; i < _list.Length; i++)
        {
            if (i > 0)
            {
                writer.Append(", ");
            }

            _list[i].Write(writer);
        }

        writer.Append(')');
    }
}

/// <summary>n-ary AND or OR; nested nodes of the same kind are flattened.</summary>
internal sealed class LogicalCondition : Condition
{
    private readonly Condition[] _operands;

    private LogicalCondition(bool isAnd, Condition[] operands)
    {
        IsAnd = isAnd;
        _operands = operands;
    }

    public bool IsAnd { get; }

    public IReadOnlyList<Condition> Operands => _operands;

    internal override int Precedence => IsAnd ? 2 : 1;

    public static Condition Create(bool isAnd, Condition[] conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Length == 0)
        {
            throw new ArgumentException("At least one condition is needed.", nameof(conditions));
        }

        var operands = new List<Condition>(conditions.Length);
        foreach (var c in conditions)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(conditions));
            if (c is LogicalCondition same && same.IsAnd == isAnd)
            {
                operands.AddRange(same._operands);
            }
            else
            {
                operands.Add(c);
            }
        }

        return operands.Count == 1 ? operands[0] : new LogicalCondition(isAnd, [.. operands]);
    }

    public override bool Evaluate(Item item)
    {
        if (IsAnd)
        {
            foreach (var c in _operands)
            {
                if (!c.Evaluate(item))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var c in _operands)
        {
            if (c.Evaluate(item))
            {
                return true;
            }
        }

        return false;
    }

    internal override void Write(ExpressionWriter writer)
    {
        for (var i = 0; i < _operands.Length; i++)
        {
            if (i > 0)
            {
                writer.Append(IsAnd ? " AND " : " OR ");
            }

            // Children of the same kind were flattened, so only looser children need parentheses.
            WriteChild(writer, _operands[i], Precedence + 1);
        }
    }
}

/// <summary><c>NOT condition</c>.</summary>
internal sealed class NotCondition : Condition
{
    public NotCondition(Condition operand)
    {
        Operand = operand;
    }

    public Condition Operand { get; }

    internal override int Precedence => 3;

    public override bool Evaluate(Item item) => !Operand.Evaluate(item);

    internal override void Write(ExpressionWriter writer)
    {
        writer.Append("NOT ");
        WriteChild(writer, Operand, 3);
    }
}

/// <summary><c>attribute_exists(path)</c> or <c>attribute_not_exists(path)</c>.</summary>
internal sealed class AttributeExistsCondition : Condition
{
    public AttributeExistsCondition(AttributePath path, bool exists)
    {
        TargetPath = path;
        Exists = exists;
    }

    public AttributePath TargetPath { get; }

    public bool Exists { get; }

    internal override int Precedence => 4;

    public override bool Evaluate(Item item) => (TargetPath.Resolve(item) is not null) == Exists;

    internal override void Write(ExpressionWriter writer) =>
        writer.Append(Exists ? "attribute_exists(" : "attribute_not_exists(").WritePath(TargetPath).Append(')');
}

/// <summary><c>attribute_type(operand, :type)</c>.</summary>
internal sealed class AttributeTypeCondition : Condition
{
    public AttributeTypeCondition(ConditionOperand operand, AttributeKind kind)
    {
        ArgumentNullException.ThrowIfNull(operand);
        Operand = operand;
        Type = kind;
    }

    public ConditionOperand Operand { get; }

    public AttributeKind Type { get; }

    internal override int Precedence => 4;

    public override bool Evaluate(Item item)
    {
        var value = Operand.Evaluate(item);
        return value.HasValue && value.Kind == Type;
    }

    internal override void Write(ExpressionWriter writer)
    {
        writer.Append("attribute_type(");
        Operand.Write(writer);
        writer.Append(", ").WriteValue(AttributeValue.FromString(Type.ToShortName())).Append(')');
    }
}

/// <summary><c>begins_with(operand, prefix)</c> for S and B values.</summary>
internal sealed class BeginsWithCondition : Condition
{
    private BeginsWithCondition(ConditionOperand operand, ConditionOperand prefix)
    {
        Operand = operand;
        Prefix = prefix;
    }

    public ConditionOperand Operand { get; }

    public ConditionOperand Prefix { get; }

    internal override int Precedence => 4;

    public static BeginsWithCondition Create(ConditionOperand operand, ConditionOperand prefix)
    {
        ArgumentNullException.ThrowIfNull(operand);
        ArgumentNullException.ThrowIfNull(prefix);
        ConditionRules.ThrowIfError(ConditionRules.CheckBeginsWith(operand) ?? ConditionRules.CheckBeginsWith(prefix));
        return new BeginsWithCondition(operand, prefix);
    }

    public override bool Evaluate(Item item)
    {
        var value = Operand.Evaluate(item).Value;
        var prefix = Prefix.Evaluate(item).Value;
        if (value is null || prefix is null || value.Kind != prefix.Kind)
        {
            return false;
        }

        return value.Kind switch
        {
            AttributeKind.String => value.StringUnchecked.StartsWith(prefix.StringUnchecked, StringComparison.Ordinal),
            AttributeKind.Binary => value.BinaryArray.AsSpan().StartsWith(prefix.BinaryArray),
            _ => false,
        };
    }

    internal override void Write(ExpressionWriter writer)
    {
        writer.Append("begins_with(");
        Operand.Write(writer);
        writer.Append(", ");
        Prefix.Write(writer);
        writer.Append(')');
    }
}

/// <summary><c>contains(operand, element)</c>: substring of S or B, element of SS/NS/BS or of L.</summary>
internal sealed class ContainsCondition : Condition
{
    private ContainsCondition(ConditionOperand operand, ConditionOperand element)
    {
        Operand = operand;
        Element = element;
    }

    public ConditionOperand Operand { get; }

    public ConditionOperand Element { get; }

    internal override int Precedence => 4;

    public static ContainsCondition Create(ConditionOperand operand, ConditionOperand element)
    {
        ArgumentNullException.ThrowIfNull(operand);
        ArgumentNullException.ThrowIfNull(element);
        return new ContainsCondition(operand, element);
    }

    public override bool Evaluate(Item item)
    {
        var container = Operand.Evaluate(item).Value;
        var elementValue = Element.Evaluate(item);
        if (container is null || !elementValue.HasValue)
        {
            return false;
        }

        // size() as the element is a number; it is rare enough to allocate for.
        var element = elementValue.Value ?? (elementValue.TryGetNumber(out var n) ? AttributeValue.FromNumber(n) : null);
        if (element is null)
        {
            return false;
        }

        switch (container.Kind)
        {
            case AttributeKind.String:
                return element.Kind == AttributeKind.String
                    && container.StringUnchecked.Contains(element.StringUnchecked, StringComparison.Ordinal);
            case AttributeKind.Binary:
                return element.Kind == AttributeKind.Binary
                    && container.BinaryArray.AsSpan().IndexOf(element.BinaryArray) >= 0;
            case AttributeKind.StringSet:
                if (element.Kind == AttributeKind.String)
                {
                    foreach (var s in container.StringSetArray)
                    {
                        if (string.Equals(s, element.StringUnchecked, StringComparison.Ordinal))
                        {
                            return true;
                        }
                    }
                }

                return false;
            case AttributeKind.NumberSet:
                if (element.Kind == AttributeKind.Number)
                {
                    foreach (var number in container.NumberSetArray)
                    {
                        if (number == element.NumberUnchecked)
                        {
                            return true;
                        }
                    }
                }

                return false;
            case AttributeKind.BinarySet:
                if (element.Kind == AttributeKind.Binary)
                {
                    foreach (var b in container.BinarySetArray)
                    {
                        if (b.AsSpan().SequenceEqual(element.BinaryArray))
                        {
                            return true;
                        }
                    }
                }

                return false;
            case AttributeKind.List:
                foreach (var v in container.ListArray)
                {
                    if (v.Equals(element))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    internal override void Write(ExpressionWriter writer)
    {
        writer.Append("contains(");
        Operand.Write(writer);
        writer.Append(", ");
        Element.Write(writer);
        writer.Append(')');
    }
}
