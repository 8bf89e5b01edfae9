using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace KvDb.Mapping;

/// <summary>The untyped view of a mapped class: its members by property name (used by LINQ translation).</summary>
internal abstract class ObjectMapper
{
    private readonly Dictionary<string, MemberMap> _byProperty;

    protected ObjectMapper(Type type, IReadOnlyList<MemberMap> members)
    {
        Type = type;
        Members = members;
        _byProperty = new Dictionary<string, MemberMap>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            _byProperty[member.Name] = member;
        }
    }

    /// <summary>The mapped type.</summary>
    public Type Type { get; }

    /// <summary>The mapped members in declaration order.</summary>
    public IReadOnlyList<MemberMap> Members { get; }

    /// <summary>The member of a property, or null when the property is not mapped.</summary>
    public MemberMap? FindMember(string propertyName) => _byProperty.GetValueOrDefault(propertyName);
}

/// <summary>
/// Maps a class or record to an attribute map and back. Built once per type with reflection; reading and writing
/// then use compiled delegates only: a compiled constructor call (with constructor arguments read straight from
/// the map for records with primary constructors) and compiled property getters and setters.
/// </summary>
/// <typeparam name="T">The mapped type.</typeparam>
internal sealed class ObjectMapper<T> : ObjectMapper
    where T : class
{
    private static ObjectMapper<T>? s_instance;

    private readonly MemberMap<T>[] _members;
    private readonly MemberMap<T>[] _settable;
    private readonly Func<AttributeMap, T> _create;

    private ObjectMapper(MemberMap<T>[] members, Func<AttributeMap, T> create)
        : base(typeof(T), members)
    {
        _members = members;
        _create = create;
        _settable = Array.FindAll(members, m => m.IsSettable);
    }

    /// <summary>The mapper of <typeparamref name="T"/> (built on first use; failures are not cached).</summary>
    public static ObjectMapper<T> Instance
    {
        get
        {
            var instance = Volatile.Read(ref s_instance);
            if (instance is not null)
            {
                return instance;
            }

            instance = Build();
            return Interlocked.CompareExchange(ref s_instance, instance, null) ?? instance;
        }
    }

    /// <summary>Writes the object's mapped properties; null properties and empty sets are left out.</summary>
    public AttributeMap WriteMap(T value)
    {
        var names = new string[_members.Length];
        var values = new AttributeValue[_members.Length];
        var count = 0;
        foreach (var member in _members)
        {
            var attribute = member.Write(value);
            if (attribute is not null)
            {
                names[count] = member.AttributeName;
                values[count] = attribute;
                count++;
            }
        }

        if (count < names.Length)
        {
            Array.Resize(ref names, count);
            Array.Resize(ref values, count);
        }

        return new AttributeMap(names, values);
    }

    /// <summary>Creates an object from a map; throws <see cref="MappingReadException"/> when an attribute does not fit its property.</summary>
    public T ReadMap(AttributeMap map)
    {
        var value = _create(map);
        foreach (var member in _settable)
        {
            member.ReadInto(value, map);
        }

        return value;
    }

    private static ObjectMapper<T> Build()
    {
        var type = typeof(T);
        if (type.IsAbstract || type.IsInterface || type.IsValueType)
        {
            MappingErrors.ThrowInvalidMapping(MappingErrors.NotAClass(type));
        }

        using var _ = BuildScope.Enter(type);
        var properties = MappedProperties(type);
        var constructor = ChooseConstructor(type, properties);
        var parameters = constructor.GetParameters();

        var members = new List<MemberMap<T>>();
        var byAttribute = new Dictionary<string, MemberMap<T>>(StringComparer.Ordinal);
        var ctorMembers = new MemberMap<T>?[parameters.Length];
        foreach (var property in properties)
        {
            var parameterIndex = Array.FindIndex(parameters, p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            var parameter = parameterIndex >= 0 ? parameters[parameterIndex] : null;
            if (IsDefined<KvIgnoreAttribute>(property, parameter))
            {
                continue;
            }

            var settable = parameter is null && property.SetMethod is { IsPublic: true };
            var marks = (IsDefined<PartitionKeyAttribute>(property, parameter) ? KeyMarks.PartitionKey : KeyMarks.None) |
                        (IsDefined<SortKeyAttribute>(property, parameter) ? KeyMarks.SortKey : KeyMarks.None);
            var explicitName = Attribute<AttributeNameAttribute>(property, parameter)?.Name;

            // Get-only properties are left out unless a constructor sets them or they are marked explicitly,
            // which makes them write-only (computed keys such as `Pk => "user#" + Id`).
            if (parameter is null && !settable && marks == KeyMarks.None && explicitName is null)
            {
                continue;
            }

            var name = explicitName ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > 255)
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.InvalidAttributeName(type, property.Name));
            }

            var converter = ConverterFactory.TryGet(property.PropertyType);
            if (converter is null)
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.UnsupportedPropertyType(type, property.Name, property.PropertyType));
            }

            var member = MemberMap<T>.Create(property, name, converter, settable, marks);
            if (byAttribute.TryGetValue(name, out var existing))
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.DuplicateAttributeName(type, name, existing.Name, property.Name));
            }

            byAttribute.Add(name, member);
            members.Add(member);
            if (parameterIndex >= 0)
            {
                ctorMembers[parameterIndex] = member;
            }
        }

        return new ObjectMapper<T>([.. members], CompileFactory(type, constructor, parameters, ctorMembers));
    }

    private static List<PropertyInfo> MappedProperties(Type type)
    {
        // Most derived first, so a property hidden with `new` is mapped once, as the derived declaration.
        var result = new List<PropertyInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            var declared = current.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            var level = new List<PropertyInfo>();
            foreach (var property in declared)
            {
                if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true } && seen.Add(property.Name))
                {
                    level.Add(property);
                }
            }

            // Base-class properties come first in the item, as in declaration order of the whole hierarchy.
            result.InsertRange(0, level);
        }

        return result;
    }

    private static ConstructorInfo ChooseConstructor(Type type, List<PropertyInfo> properties)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        var parameterless = Array.Find(constructors, c => c.GetParameters().Length == 0);
        if (parameterless is not null)
        {
            return parameterless;
        }

        ConstructorInfo? best = null;
        string? firstUnmatched = null;
        foreach (var constructor in constructors.OrderByDescending(c => c.GetParameters().Length))
        {
            var unmatched = constructor.GetParameters().FirstOrDefault(p =>
                !p.HasDefaultValue && !properties.Exists(q => string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)));
            if (unmatched is null)
            {
                best = constructor;
                break;
            }

            firstUnmatched ??= unmatched.Name;
        }

        if (best is null)
        {
            MappingErrors.ThrowInvalidMapping(firstUnmatched is null
                ? MappingErrors.NoConstructor(type)
                : MappingErrors.UnmatchedParameter(type, firstUnmatched));
        }

        return best;
    }

    private static Func<AttributeMap, T> CompileFactory(Type type, ConstructorInfo constructor, ParameterInfo[] parameters, MemberMap<T>?[] members)
    {
        var map = Expression.Parameter(typeof(AttributeMap), "map");
        var arguments = new Expression[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var member = members[i];
            if (member is null)
            {
                // Unmatched (or ignored) parameter with a default value.
                arguments[i] = Expression.Constant(DefaultOf(parameter), parameter.ParameterType);
                continue;
            }

            if (!parameter.ParameterType.IsAssignableFrom(member.Property.PropertyType))
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.ParameterTypeMismatch(
                    type, parameter.Name!, parameter.ParameterType, member.Name, member.Property.PropertyType));
            }

            if (parameter.HasDefaultValue)
            {
                member.GetType().GetMethod(nameof(MemberMap<T, int>.SetMissingValue))!.Invoke(member, [DefaultOf(parameter)]);
            }

            var read = member.GetType().GetMethod(nameof(MemberMap<T, int>.ReadValue))!;
            Expression argument = Expression.Call(Expression.Constant(member), read, map);
            if (argument.Type != parameter.ParameterType)
            {
                argument = Expression.Convert(argument, parameter.ParameterType);
            }

            arguments[i] = argument;
        }

        return Expression.Lambda<Func<AttributeMap, T>>(Expression.New(constructor, arguments), map).Compile();
    }

    private static object? DefaultOf(ParameterInfo parameter)
    {
        if (parameter.HasDefaultValue && parameter.DefaultValue is not null and not DBNull)
        {
            var value = parameter.DefaultValue;
            var target = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            return target.IsEnum && value.GetType() != target ? Enum.ToObject(target, value) : value;
        }

        return parameter.ParameterType.IsValueType && Nullable.GetUnderlyingType(parameter.ParameterType) is null
            ? Activator.CreateInstance(parameter.ParameterType)
            : null;
    }

    private static bool IsDefined<TAttribute>(PropertyInfo property, ParameterInfo? parameter)
        where TAttribute : Attribute =>
        property.IsDefined(typeof(TAttribute), inherit: true) || (parameter?.IsDefined(typeof(TAttribute), inherit: true) ?? false);

    private static TAttribute? Attribute<TAttribute>(PropertyInfo property, ParameterInfo? parameter)
        where TAttribute : Attribute =>
        property.GetCustomAttribute<TAttribute>(inherit: true) ?? parameter?.GetCustomAttribute<TAttribute>(inherit: true);
}

/// <summary>
/// The types whose mappers are being built on this thread. A nested object converter builds its type's mapper
/// eagerly (so mapping errors surface when the outer type is mapped), except for a type already being built here,
/// which is a cycle (<c>class Node { Node? Next; }</c>) and is resolved on first use instead.
/// </summary>
internal static class BuildScope
{
    [ThreadStatic]
    private static HashSet<Type>? t_building;

    public static bool IsBuilding(Type type) => t_building?.Contains(type) ?? false;

    public static Scope Enter(Type type)
    {
        (t_building ??= []).Add(type);
        return new Scope(type);
    }

    /// <summary>Leaves the scope on dispose.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly Type _type;

        public Scope(Type type)
        {
            _type = type;
        }

        public void Dispose() => t_building?.Remove(_type);
    }
}

/// <summary>Nested classes and records as M.</summary>
/// <typeparam name="TObject">The nested type.</typeparam>
internal sealed class ObjectConverter<TObject> : ValueConverter<TObject?>
    where TObject : class
{
    public ObjectConverter()
        : base(AttributeKind.Map)
    {
        if (!BuildScope.IsBuilding(typeof(TObject)))
        {
            _ = ObjectMapper<TObject>.Instance;
        }
    }

    public override ValueShape Shape => ValueShape.Object;

    public override ObjectMapper? ObjectMapper => ObjectMapper<TObject>.Instance;

    public override AttributeValue? Write(TObject? value) =>
        value is null ? null : AttributeValue.FromMap(ObjectMapper<TObject>.Instance.WriteMap(value));

    public override TObject? Read(AttributeValue value) =>
        value.Kind == AttributeKind.Map ? ObjectMapper<TObject>.Instance.ReadMap(value.MapUnchecked) : throw Mismatch("M", value);
}
