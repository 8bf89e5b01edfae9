namespace KvDb.Mapping;

/// <summary>The shape of a converted value, which decides what a LINQ predicate may do with it.</summary>
internal enum ValueShape : byte
{
    /// <summary>A scalar (S, N, B, BOOL) or an opaque value.</summary>
    Scalar,
    /// <summary>An L value (lists, arrays): indexable, has a size, supports contains.</summary>
    List,
    /// <summary>An SS, NS or BS value (sets): has a size, supports contains.</summary>
    Set,
    /// <summary>An M value keyed by strings (dictionaries): keyed access, has a size.</summary>
    Dictionary,
    /// <summary>An M value holding a nested mapped object: member access.</summary>
    Object,
}

/// <summary>
/// Converts between one CLR type and attribute values. Instances are built once per type (reflection happens
/// only then) and are immutable and thread-safe. The typed <see cref="ValueConverter{TValue}"/> is what the
/// per-item path uses, without boxing; the untyped members serve keys and LINQ translation.
/// </summary>
internal abstract class ValueConverter
{
    protected ValueConverter(Type clrType, AttributeKind? kind)
    {
        ClrType = clrType;
        Kind = kind;
        ClrTypeName = TypeNames.Format(clrType);
    }

    /// <summary>The CLR type converted.</summary>
    public Type ClrType { get; }

    /// <summary>The C# spelling of <see cref="ClrType"/> for messages.</summary>
    public string ClrTypeName { get; }

    /// <summary>The kind written, or null when it depends on the value (<see cref="AttributeValue"/> properties, lists of sets...).</summary>
    public AttributeKind? Kind { get; }

    /// <summary>The shape, for LINQ translation.</summary>
    public virtual ValueShape Shape => ValueShape.Scalar;

    /// <summary>The converter of elements (lists, sets) or values (dictionaries); null for scalars and objects.</summary>
    public virtual ValueConverter? ElementConverter => null;

    /// <summary>The mapper of a nested object; null for other shapes.</summary>
    public virtual ObjectMapper? ObjectMapper => null;

    /// <summary>For <c>Nullable&lt;T&gt;</c>: the converter of T; otherwise this converter.</summary>
    public virtual ValueConverter Unwrapped => this;

    /// <summary>True when a stored NULL is handed to the converter instead of becoming the default value.</summary>
    public virtual bool ReadsNull => false;

    /// <summary>
    /// Converts a boxed value (a key or a constant of a LINQ predicate); null for null. Values of other CLR types
    /// are converted by their own type's converter, so an <c>int</c> constant compared with a <c>long</c> property works.
    /// </summary>
    public abstract AttributeValue? ToAttributeObject(object? value);

    /// <summary>Reads a boxed value (throws <see cref="MappingReadException"/> on a mismatch).</summary>
    public abstract object? FromAttributeObject(AttributeValue value);

    /// <summary>Throws the "expected X, found Y" mismatch.</summary>
    public MappingReadException Mismatch(string expected, AttributeValue found) =>
        new(MappingErrors.WrongKind(expected, found.Kind), ClrTypeName);

    /// <summary>A mismatch with a custom detail.</summary>
    public MappingReadException Failure(string detail) => new(detail, ClrTypeName);
}

/// <summary>Converts values of <typeparamref name="TValue"/>.</summary>
/// <typeparam name="TValue">The CLR type.</typeparam>
internal abstract class ValueConverter<TValue> : ValueConverter
{
    protected ValueConverter(AttributeKind? kind)
        : base(typeof(TValue), kind)
    {
    }

    /// <summary>The attribute value of <paramref name="value"/>, or null to leave the attribute out (null values, empty sets).</summary>
    public abstract AttributeValue? Write(TValue value);

    /// <summary>Reads a value; never called with NULL unless <see cref="ValueConverter.ReadsNull"/>.</summary>
    public abstract TValue Read(AttributeValue value);

    /// <summary>Writes an element of a list, map or set, where null becomes NULL rather than a missing attribute.</summary>
    public AttributeValue WriteElement(TValue value) => Write(value) ?? AttributeValue.Null;

    /// <summary>Reads an element of a list or map, where NULL becomes the default value.</summary>
    public TValue ReadElement(AttributeValue value) =>
        value.Kind == AttributeKind.Null && !ReadsNull ? default! : Read(value);

    /// <inheritdoc />
    public override AttributeValue? ToAttributeObject(object? value) => value switch
    {
        null => null,
        TValue typed => Write(typed),
        _ => ConvertOther(value),
    };

    /// <summary>Converts a value of another type (by default with that type's own converter).</summary>
    protected virtual AttributeValue? ConvertOther(object value)
    {
        if (value is AttributeValue attributeValue)
        {
            return attributeValue;
        }

        var converter = ConverterFactory.TryGet(value.GetType())
            ?? throw new ArgumentException($"A value of type {TypeNames.Format(value.GetType())} cannot be converted to an attribute value.");
        return converter.ToAttributeObject(value);
    }

    /// <inheritdoc />
    public override object? FromAttributeObject(AttributeValue value) => ReadElement(value);
}
