namespace KvDb.Expressions;

/// <summary>DynamoDB's comparison rules for S, N and B values.</summary>
internal static class ValueComparer
{
    /// <summary>True for the kinds that <c>&lt;</c>, <c>&gt;</c> and BETWEEN can order: S, N and B.</summary>
    public static bool IsOrderable(AttributeKind kind) =>
        kind is AttributeKind.String or AttributeKind.Number or AttributeKind.Binary;

    /// <summary>
    /// Orders two values of the same orderable kind: numbers numerically, strings by their UTF-8 bytes, binaries by
    /// unsigned bytes. False when the kinds differ or are not orderable.
    /// </summary>
    public static bool TryCompare(AttributeValue left, AttributeValue right, out int result)
    {
        result = 0;
        if (left.Kind != right.Kind)
        {
            return false;
        }

        switch (left.Kind)
        {
            case AttributeKind.Number:
                result = left.NumberUnchecked.CompareTo(right.NumberUnchecked);
                return true;
            case AttributeKind.String:
                result = CompareUtf8(left.StringUnchecked, right.StringUnchecked);
                return true;
            case AttributeKind.Binary:
                result = left.BinaryArray.AsSpan().SequenceCompareTo(right.BinaryArray);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Compares two strings in the order of their UTF-8 encodings (code point order) without encoding them. UTF-16
    /// ordinal order differs only where a surrogate (U+D800..U+DFFF) meets a unit in U+E000..U+FFFF; the first
    /// differing units are remapped so that surrogates sort above every BMP unit.
    /// </summary>
    public static int CompareUtf8(string left, string right)
    {
        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            var a = left[i];
            var b = right[i];
            if (a != b)
            {
                return Fixup(a) - Fixup(b);
            }
        }

        return left.Length - right.Length;
    }

    private static int Fixup(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
}

/// <summary>
/// The value of a condition operand at evaluation time, without allocating: a missing attribute, an operand with no
/// value (<c>size()</c> of a value that has no size), a stored value, or a size.
/// </summary>
internal readonly struct OperandValue
{
    private const byte MissingState = 0;
    private const byte UndefinedState = 1;
    private const byte ValueState = 2;
    private const byte SizeState = 3;

    private readonly AttributeValue? _value;
    private readonly KvNumber _size;
    private readonly byte _state;

    private OperandValue(byte state, AttributeValue? value, KvNumber size)
    {
        _state = state;
        _value = value;
        _size = size;
    }

    public static OperandValue Missing => default;

    public static OperandValue Undefined => new(UndefinedState, null, default);

    public static OperandValue Of(AttributeValue? value) => value is null ? default : new OperandValue(ValueState, value, default);

    public static OperandValue OfSize(int size) => new(SizeState, null, size);

    /// <summary>True for a missing attribute (as opposed to a value without a size).</summary>
    public bool IsMissing => _state == MissingState;

    /// <summary>True for an operand without a value that is not a missing attribute (<c>size()</c> of a number).</summary>
    public bool IsUndefined => _state == UndefinedState;

    /// <summary>True when there is a value or a size to compare.</summary>
    public bool HasValue => _state >= ValueState;

    /// <summary>The value (only when <see cref="HasValue"/> and not a size).</summary>
    public AttributeValue? Value => _value;

    public AttributeKind Kind => _state == SizeState ? AttributeKind.Number : _value?.Kind ?? 0;

    public bool TryGetNumber(out KvNumber number)
    {
        if (_state == SizeState)
        {
            number = _size;
            return true;
        }

        if (_state == ValueState && _value!.Kind == AttributeKind.Number)
        {
            number = _value.NumberUnchecked;
            return true;
        }

        number = default;
        return false;
    }

    /// <summary>DynamoDB equality: false unless both sides have values of the same type that are structurally equal.</summary>
    public static bool AreEqual(in OperandValue left, in OperandValue right)
    {
        if (!left.HasValue || !right.HasValue)
        {
            return false;
        }

        if (left._state == SizeState || right._state == SizeState)
        {
            return left.TryGetNumber(out var a) && right.TryGetNumber(out var b) && a == b;
        }

        return left._value!.Equals(right._value);
    }

    /// <summary>Orders two operands of the same orderable type; false when either is missing or the types differ.</summary>
    public static bool TryCompare(in OperandValue left, in OperandValue right, out int result)
    {
        result = 0;
        if (!left.HasValue || !right.HasValue)
        {
            return false;
        }

        if (left._state == SizeState || right._state == SizeState)
        {
            if (left.TryGetNumber(out var a) && right.TryGetNumber(out var b))
            {
                result = a.CompareTo(b);
                return true;
            }

            return false;
        }

        return ValueComparer.TryCompare(left._value!, right._value!, out result);
    }
}
