namespace KvDb.Expressions;

/// <summary>The right-hand side of a SET action, or a part of it. Evaluated against the item as it was before the update.</summary>
internal abstract class UpdateOperand
{
    /// <summary>The value; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidUpdate"/>) when it cannot be computed.</summary>
    public abstract AttributeValue Evaluate(AttributeMap item);

    public abstract void Write(ExpressionWriter writer);

    public override string ToString()
    {
        var writer = new ExpressionWriter(placeholders: false);
        Write(writer);
        return writer.ToString();
    }
}

/// <summary>An attribute of the item; it must exist.</summary>
internal sealed class PathUpdateOperand(AttributePath path) : UpdateOperand
{
    public AttributePath Path { get; } = path;

    public override AttributeValue Evaluate(AttributeMap item) =>
        Path.Resolve(item) ?? throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.MissingAttribute(Path));

    public override void Write(ExpressionWriter writer) => writer.WritePath(Path);
}

/// <summary>A constant.</summary>
internal sealed class ValueUpdateOperand(AttributeValue value) : UpdateOperand
{
    public AttributeValue Value { get; } = value;

    public override AttributeValue Evaluate(AttributeMap item) => Value;

    public override void Write(ExpressionWriter writer) => writer.WriteValue(Value);
}

/// <summary><c>if_not_exists(path, fallback)</c>: the attribute's value when present, otherwise the fallback.</summary>
internal sealed class IfNotExistsUpdateOperand(AttributePath path, UpdateOperand fallback) : UpdateOperand
{
    public AttributePath Path { get; } = path;

    public UpdateOperand Fallback { get; } = fallback;

    public override AttributeValue Evaluate(AttributeMap item) => Path.Resolve(item) ?? Fallback.Evaluate(item);

    public override void Write(ExpressionWriter writer)
    {
        writer.Append("if_not_exists(").WritePath(Path).Append(", ");
        Fallback.Write(writer);
        writer.Append(')');
    }
}

/// <summary><c>list_append(first, second)</c>: both must be lists.</summary>
internal sealed class ListAppendUpdateOperand(UpdateOperand first, UpdateOperand second) : UpdateOperand
{
    public UpdateOperand First { get; } = first;

    public UpdateOperand Second { get; } = second;

    public override AttributeValue Evaluate(AttributeMap item)
    {
        var a = RequireList(First, First.Evaluate(item));
        var b = RequireList(Second, Second.Evaluate(item));
        var result = new AttributeValue[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return AttributeValue.OwnedList(result);
    }

    public override void Write(ExpressionWriter writer)
    {
        writer.Append("list_append(");
        First.Write(writer);
        writer.Append(", ");
        Second.Write(writer);
        writer.Append(')');
    }

    private static AttributeValue[] RequireList(UpdateOperand operand, AttributeValue value) =>
        value.Kind == AttributeKind.List
            ? value.ListArray
            : throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.IncorrectDataType("list_append", operand.ToString(), value.Kind));
}

/// <summary><c>left + right</c> or <c>left - right</c> on numbers (exact; overflow is an error).</summary>
internal sealed class ArithmeticUpdateOperand(UpdateOperand left, bool subtract, UpdateOperand right) : UpdateOperand
{
    public UpdateOperand Left { get; } = left;

    public bool Subtract { get; } = subtract;

    public UpdateOperand Right { get; } = right;

    public override AttributeValue Evaluate(AttributeMap item)
    {
        var a = RequireNumber(Left, Left.Evaluate(item));
        var b = RequireNumber(Right, Right.Evaluate(item));
        return AttributeValue.FromNumber(Subtract ? KvNumber.SubtractExact(a, b) : KvNumber.AddExact(a, b));
    }

    public override void Write(ExpressionWriter writer)
    {
        Left.Write(writer);
        writer.Append(Subtract ? " - " : " + ");
        Right.Write(writer);
    }

    private KvNumber RequireNumber(UpdateOperand operand, AttributeValue value) =>
        value.Kind == AttributeKind.Number
            ? value.NumberUnchecked
            : throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.IncorrectDataType(Subtract ? "-" : "+", operand.ToString(), value.Kind));
}

/// <summary>The clauses of an update expression, in the order they are written out.</summary>
internal enum UpdateActionKind : byte
{
    Set,
    Remove,
    Add,
    Delete,
}

/// <summary>One action: <c>SET path = value</c>, <c>REMOVE path</c>, <c>ADD path value</c> or <c>DELETE path value</c>.</summary>
internal sealed class UpdateAction
{
    public UpdateAction(UpdateActionKind kind, AttributePath path, UpdateOperand? value = null, AttributeValue? operand = null)
    {
        Kind = kind;
        Path = path;
        Value = value;
        Operand = operand;
    }

    public UpdateActionKind Kind { get; }

    public AttributePath Path { get; }

    /// <summary>The right-hand side of SET.</summary>
    public UpdateOperand? Value { get; }

    /// <summary>The value of ADD and DELETE.</summary>
    public AttributeValue? Operand { get; }

    public void Write(ExpressionWriter writer)
    {
        writer.WritePath(Path);
        switch (Kind)
        {
            case UpdateActionKind.Set:
                writer.Append(" = ");
                Value!.Write(writer);
                break;
            case UpdateActionKind.Add:
            case UpdateActionKind.Delete:
                writer.Append(' ').WriteValue(Operand!);
                break;
        }
    }

    /// <summary>ADD's operand rule: a number or a set.</summary>
    public static string? CheckAddOperand(AttributeValue value) =>
        value.Kind == AttributeKind.Number || value.IsSet ? null : ExpressionErrors.IncorrectOperandType("ADD", value.Kind);

    /// <summary>DELETE's operand rule: a set.</summary>
    public static string? CheckDeleteOperand(AttributeValue value) =>
        value.IsSet ? null : ExpressionErrors.IncorrectOperandType("DELETE", value.Kind);
}
