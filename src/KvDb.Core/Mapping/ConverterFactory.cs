using System.Collections.Concurrent;

namespace KvDb.Mapping;

/// <summary>Finds (and caches) the converter of a CLR type; reflection happens here, once per type.</summary>
internal static class ConverterFactory
{
    private static readonly ConcurrentDictionary<Type, ValueConverter?> s_cache = new();

    private static readonly Dictionary<Type, ValueConverter> s_scalars = new()
    {
        [typeof(string)] = StringConverter.Instance,
        [typeof(char)] = new CharConverter(),
        [typeof(bool)] = new BoolConverter(),
        [typeof(sbyte)] = new IntegerConverter<sbyte>(),
        [typeof(byte)] = new IntegerConverter<byte>(),
        [typeof(short)] = new IntegerConverter<short>(),
        [typeof(ushort)] = new IntegerConverter<ushort>(),
        [typeof(int)] = new IntegerConverter<int>(),
        [typeof(uint)] = new IntegerConverter<uint>(),
        [typeof(long)] = new IntegerConverter<long>(),
        [typeof(ulong)] = new UInt64Converter(),
        [typeof(decimal)] = new DecimalConverter(),
        [typeof(double)] = new DoubleConverter(),
        [typeof(float)] = new SingleConverter(),
        [typeof(KvNumber)] = new KvNumberConverter(),
        [typeof(byte[])] = new BinaryConverter(),
        [typeof(Guid)] = new GuidConverter(),
        [typeof(DateTime)] = new DateTimeConverter(),
        [typeof(DateTimeOffset)] = new DateTimeOffsetConverter(),
        [typeof(DateOnly)] = new DateOnlyConverter(),
        [typeof(TimeOnly)] = new TimeOnlyConverter(),
        [typeof(TimeSpan)] = new TimeSpanConverter(),
        [typeof(AttributeValue)] = new AttributeValueConverter(),
        [typeof(AttributeMap)] = new AttributeMapConverter(),
    };

    /// <summary>The converter of <paramref name="type"/>, or null when the type cannot be mapped.</summary>
    public static ValueConverter? TryGet(Type type)
    {
        if (s_scalars.TryGetValue(type, out var scalar))
        {
            return scalar;
        }

        if (s_cache.TryGetValue(type, out var cached))
        {
            return cached;
        }

        // Not GetOrAdd with a factory: creating a converter may create others (and build nested mappers).
        var created = Create(type);
        return s_cache.GetOrAdd(type, created);
    }

    private static ValueConverter? Create(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            var inner = TryGet(underlying);
            return inner is null ? null : Instantiate(typeof(NullableConverter<>), [underlying], inner);
        }

        if (type.IsEnum)
        {
            return Instantiate(typeof(EnumConverter<>), [type]);
        }

        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            return type.GetArrayRank() == 1 && TryGet(element) is { } elementConverter
                ? Instantiate(typeof(ListConverter<,>), [type, element], elementConverter)
                : null;
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if (IsOneOf(definition, typeof(List<>), typeof(IList<>), typeof(IReadOnlyList<>), typeof(ICollection<>),
                    typeof(IReadOnlyCollection<>), typeof(IEnumerable<>)))
            {
                return TryGet(arguments[0]) is { } element
                    ? Instantiate(typeof(ListConverter<,>), [type, arguments[0]], element)
                    : null;
            }

            if (IsOneOf(definition, typeof(HashSet<>), typeof(ISet<>), typeof(IReadOnlySet<>), typeof(SortedSet<>)))
            {
                return TryGet(arguments[0]) is { } element
                    ? Instantiate(typeof(SetConverter<,>), [type, arguments[0]], element)
                    : null;
            }

            if (IsOneOf(definition, typeof(Dictionary<,>), typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>)))
            {
                return arguments[0] == typeof(string) && TryGet(arguments[1]) is { } value
                    ? Instantiate(typeof(DictionaryConverter<,>), [type, arguments[1]], value)
                    : null;
            }
        }

        return IsObjectType(type) ? Instantiate(typeof(ObjectConverter<>), [type]) : null;
    }

    /// <summary>Classes and records of the application: concrete, not collections, not framework types.</summary>
    private static bool IsObjectType(Type type) =>
        type.IsClass && !type.IsAbstract && !type.IsGenericTypeDefinition && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type) &&
        !typeof(Delegate).IsAssignableFrom(type) && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true &&
        type.GetConstructors().Length > 0;

    private static bool IsOneOf(Type definition, params Type[] candidates) => Array.IndexOf(candidates, definition) >= 0;

    private static ValueConverter Instantiate(Type generic, Type[] arguments, params object[] constructorArguments)
    {
        try
        {
            return (ValueConverter)Activator.CreateInstance(generic.MakeGenericType(arguments), constructorArguments)!;
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
