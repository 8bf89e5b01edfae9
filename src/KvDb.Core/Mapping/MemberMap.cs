using System.Linq.Expressions;
using System.Reflection;

namespace KvDb.Mapping;

/// <summary>How a property was marked as a key.</summary>
[Flags]
internal enum KeyMarks : byte
{
    /// <summary>Not marked.</summary>
    None = 0,
    /// <summary>[PartitionKey].</summary>
    PartitionKey = 1,
    /// <summary>[SortKey].</summary>
    SortKey = 2,
}

/// <summary>One mapped property: its attribute name, converter and compiled accessors.</summary>
internal abstract class MemberMap
{
    protected MemberMap(PropertyInfo property, string attributeName, ValueConverter converter, KeyMarks marks)
    {
        Property = property;
        AttributeName = attributeName;
        Converter = converter;
        Marks = marks;
    }

    /// <summary>The property.</summary>
    public PropertyInfo Property { get; }

    /// <summary>The property's name.</summary>
    public string Name => Property.Name;

    /// <summary>The attribute the property is stored in.</summary>
    public string AttributeName { get; }

    /// <summary>The converter of the property's type.</summary>
    public ValueConverter Converter { get; }

    /// <summary>Key attributes found on the property or its constructor parameter.</summary>
    public KeyMarks Marks { get; }

    /// <summary>True when reading sets the property through its setter; false for constructor-bound and write-only members.</summary>
    public abstract bool IsSettable { get; }
}

/// <summary>A mapped property of <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The declaring mapped type.</typeparam>
internal abstract class MemberMap<T> : MemberMap
{
    protected MemberMap(PropertyInfo property, string attributeName, ValueConverter converter, KeyMarks marks)
        : base(property, attributeName, converter, marks)
    {
    }

    /// <summary>The attribute value of the property of <paramref name="target"/>, or null to leave it out.</summary>
    public abstract AttributeValue? Write(T target);

    /// <summary>Sets the property from <paramref name="map"/> when the attribute is present.</summary>
    public abstract void ReadInto(T target, AttributeMap map);

    /// <summary>Creates the typed member (reflection happens here, once per property).</summary>
    public static MemberMap<T> Create(PropertyInfo property, string attributeName, ValueConverter converter, bool settable, KeyMarks marks)
    {
        var type = typeof(MemberMap<,>).MakeGenericType(typeof(T), property.PropertyType);
        return (MemberMap<T>)Activator.CreateInstance(type, property, attributeName, converter, settable, marks)!;
    }
}

/// <summary>A mapped property of type <typeparamref name="TValue"/>; the per-item work is two delegate calls and no boxing.</summary>
/// <typeparam name="T">The declaring mapped type.</typeparam>
/// <typeparam name="TValue">The property type.</typeparam>
internal sealed class MemberMap<T, TValue> : MemberMap<T>
{
    private readonly ValueConverter<TValue> _converter;
    private readonly Func<T, TValue> _getter;
    private readonly Action<T, TValue>? _setter;
    private TValue _missing = default!;

    public MemberMap(PropertyInfo property, string attributeName, ValueConverter converter, bool settable, KeyMarks marks)
        : base(property, attributeName, converter, marks)
    {
        _converter = (ValueConverter<TValue>)converter;
        var target = Expression.Parameter(typeof(T), "target");
        _getter = Expression.Lambda<Func<T, TValue>>(Expression.Property(target, property), target).Compile();
        if (settable)
        {
            // Init-only setters are ordinary set methods at run time, so records' init properties are set here too.
            var value = Expression.Parameter(typeof(TValue), "value");
            _setter = Expression.Lambda<Action<T, TValue>>(Expression.Assign(Expression.Property(target, property), value), target, value).Compile();
        }
    }

    public override bool IsSettable => _setter is not null;

    /// <summary>Sets the value a constructor receives when the attribute is missing (the parameter's default value).</summary>
    public void SetMissingValue(object? value) => _missing = value is null ? default! : (TValue)value;

    public override AttributeValue? Write(T target) => _converter.Write(_getter(target));

    public override void ReadInto(T target, AttributeMap map)
    {
        if (map.TryGetValue(AttributeName, out var value))
        {
            _setter!(target, ReadPresent(value));
        }
    }

    /// <summary>Reads a constructor argument: the converted attribute, or the parameter's default when it is missing.</summary>
    public TValue ReadValue(AttributeMap map) => map.TryGetValue(AttributeName, out var value) ? ReadPresent(value) : _missing;

    private TValue ReadPresent(AttributeValue value)
    {
        try
        {
            return _converter.ReadElement(value);
        }
        catch (MappingReadException ex)
        {
            throw ex.AtMember(Name, AttributeName);
        }
    }
}
