using System.Reflection;

namespace KvDb.Mapping;

/// <summary>
/// Maps <typeparamref name="T"/> to items and back, and knows its key properties and default table. Built once
/// per type (see <see cref="ObjectMapper{T}"/>); thread-safe.
/// </summary>
/// <typeparam name="T">The mapped type.</typeparam>
internal sealed class ItemMapper<T>
    where T : class
{
    private static ItemMapper<T>? s_instance;

    private ItemMapper(ObjectMapper<T> mapper, MemberMap partitionKey, MemberMap? sortKey, string tableName)
    {
        Object = mapper;
        PartitionKey = partitionKey;
        SortKey = sortKey;
        DefaultTableName = tableName;
        PartitionKeyAttribute = new KeyAttribute(partitionKey.AttributeName, ScalarTypeOf(partitionKey));
        SortKeyAttribute = sortKey is null ? null : new KeyAttribute(sortKey.AttributeName, ScalarTypeOf(sortKey));
    }

    /// <summary>The mapper of <typeparamref name="T"/>; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidMapping"/>) when the type cannot be mapped.</summary>
    public static ItemMapper<T> Instance
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

    /// <summary>The mapper of the type's properties.</summary>
    public ObjectMapper<T> Object { get; }

    /// <summary>The partition key property.</summary>
    public MemberMap PartitionKey { get; }

    /// <summary>The sort key property, or null.</summary>
    public MemberMap? SortKey { get; }

    /// <summary>The table named by [KvTable], or the type's name.</summary>
    public string DefaultTableName { get; }

    /// <summary>The partition key's name and type.</summary>
    public KeyAttribute PartitionKeyAttribute { get; }

    /// <summary>The sort key's name and type, or null.</summary>
    public KeyAttribute? SortKeyAttribute { get; }

    /// <summary>The schema of a table storing <typeparamref name="T"/>.</summary>
    public TableSchema CreateSchema(string tableName) => new(tableName, PartitionKeyAttribute, SortKeyAttribute);

    /// <summary>The item of an entity.</summary>
    public Item ToItem(T entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return Item.FromMap(Object.WriteMap(entity));
    }

    /// <summary>The entity of an item; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidMapping"/>) when an attribute does not fit its property.</summary>
    public T FromItem(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            return Object.ReadMap(item.ToMap());
        }
        catch (MappingReadException ex)
        {
            throw ex.ToKvDbException(typeof(T));
        }
    }

    /// <summary>The key of an entity.</summary>
    public ItemKey KeyOf(T entity, string tableName)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var map = Object.WriteMap(entity);
        var pk = map.TryGetValue(PartitionKey.AttributeName, out var p) ? p : throw new ArgumentException(MappingErrors.KeyIsNull(tableName, "partition key"), nameof(entity));
        AttributeValue? sk = null;
        if (SortKey is not null && !map.TryGetValue(SortKey.AttributeName, out sk))
        {
            throw new ArgumentException(MappingErrors.KeyIsNull(tableName, "sort key"), nameof(entity));
        }

        return new ItemKey(pk, sk);
    }

    /// <summary>
    /// Converts a CLR key value (of the key property's type, another type converting to the key's S, N or B,
    /// or an <see cref="AttributeValue"/>) to the key's attribute value; throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public AttributeValue ConvertKey(object? value, bool sortKey, string tableName)
    {
        var member = sortKey ? SortKey : PartitionKey;
        var role = sortKey ? "sort key" : "partition key";
        if (member is null)
        {
            throw new ArgumentException(MappingErrors.NoSortKey(typeof(T), tableName), nameof(value));
        }

        if (value is null)
        {
            throw new ArgumentNullException(nameof(value), MappingErrors.KeyIsNull(tableName, role));
        }

        var expected = ScalarTypeOf(member);
        AttributeValue? converted;
        try
        {
            converted = member.Converter.ToAttributeObject(value);
        }
        catch (ArgumentException)
        {
            converted = null;
        }

        if (converted is null || converted.Kind != KindOf(expected))
        {
            throw new ArgumentException(MappingErrors.KeyValueType(tableName, role, member.AttributeName, expected, value), nameof(value));
        }

        return converted;
    }

    private static AttributeKind KindOf(ScalarType type) => type switch
    {
        ScalarType.String => AttributeKind.String,
        ScalarType.Number => AttributeKind.Number,
        _ => AttributeKind.Binary,
    };

    private static ScalarType ScalarTypeOf(MemberMap member) => member.Converter.Kind switch
    {
        AttributeKind.String => ScalarType.String,
        AttributeKind.Number => ScalarType.Number,
        _ => ScalarType.Binary,
    };

    private static ItemMapper<T> Build()
    {
        var type = typeof(T);
        var mapper = ObjectMapper<T>.Instance;
        var partitionKey = FindMarked(mapper, KeyMarks.PartitionKey, nameof(PartitionKeyAttribute));
        var sortKey = FindMarked(mapper, KeyMarks.SortKey, nameof(SortKeyAttribute));
        ThrowIfKeyIgnored(type);
        if (partitionKey is null && sortKey is null)
        {
            partitionKey = FindByName(mapper, "Pk", "PartitionKey", "Id");
            sortKey = FindByName(mapper, "Sk", "SortKey");
        }

        if (partitionKey is null)
        {
            MappingErrors.ThrowInvalidMapping(MappingErrors.NoPartitionKey(type));
        }

        if (ReferenceEquals(partitionKey, sortKey))
        {
            MappingErrors.ThrowInvalidMapping(MappingErrors.KeysOnSameProperty(type, partitionKey.Name));
        }

        CheckKeyType(type, partitionKey, "partition key");
        if (sortKey is not null)
        {
            CheckKeyType(type, sortKey, "sort key");
        }

        var tableName = type.GetCustomAttribute<KvTableAttribute>(inherit: false)?.Name ?? type.Name;
        return new ItemMapper<T>(mapper, partitionKey, sortKey, tableName);
    }

    private static MemberMap? FindMarked(ObjectMapper<T> mapper, KeyMarks mark, string attributeName)
    {
        MemberMap? found = null;
        foreach (var member in mapper.Members)
        {
            if ((member.Marks & mark) == 0)
            {
                continue;
            }

            if (found is not null)
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.TwoKeys(typeof(T), attributeName[..^"Attribute".Length], found.Name, member.Name));
            }

            found = member;
        }

        return found;
    }

    // A key attribute on an ignored property is a contradiction: report it rather than fall back to conventions.
    private static void ThrowIfKeyIgnored(Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.IsDefined(typeof(KvIgnoreAttribute), inherit: true) &&
                (property.IsDefined(typeof(PartitionKeyAttribute), inherit: true) || property.IsDefined(typeof(SortKeyAttribute), inherit: true)))
            {
                MappingErrors.ThrowInvalidMapping(MappingErrors.KeyIgnored(type, property.Name,
                    property.IsDefined(typeof(PartitionKeyAttribute), inherit: true) ? "partition key" : "sort key"));
            }
        }
    }

    private static MemberMap? FindByName(ObjectMapper<T> mapper, params string[] names)
    {
        foreach (var name in names)
        {
            foreach (var member in mapper.Members)
            {
                if (string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return member;
                }
            }
        }

        return null;
    }

    private static void CheckKeyType(Type type, MemberMap member, string role)
    {
        if (member.Converter.Kind is not (AttributeKind.String or AttributeKind.Number or AttributeKind.Binary))
        {
            MappingErrors.ThrowInvalidMapping(MappingErrors.KeyNotScalar(type, member.Name, member.Property.PropertyType, role));
        }
    }
}
