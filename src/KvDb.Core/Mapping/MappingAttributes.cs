namespace KvDb;

/// <summary>
/// Marks the property (or primary-constructor parameter) that holds an item's partition key. Without any key
/// attribute on a type, a property named <c>Pk</c>, <c>PartitionKey</c> or <c>Id</c> is the partition key.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class PartitionKeyAttribute : Attribute
{
}

/// <summary>
/// Marks the property (or primary-constructor parameter) that holds an item's sort key. Without any key attribute
/// on a type, a property named <c>Sk</c> or <c>SortKey</c> is the sort key.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class SortKeyAttribute : Attribute
{
}

/// <summary>
/// Stores a property under this attribute name instead of the default (the property name in camelCase).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class AttributeNameAttribute : Attribute
{
    /// <summary>Maps the property to the attribute <paramref name="name"/>.</summary>
    /// <param name="name">The attribute name (1 to 255 bytes of UTF-8).</param>
    public AttributeNameAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The attribute name.</summary>
    public string Name { get; }
}

/// <summary>Leaves a property (or primary-constructor parameter) out of the mapping: it is neither written nor read.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class KvIgnoreAttribute : Attribute
{
}

/// <summary>Names the table a mapped type is stored in (the default is the type's name).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class KvTableAttribute : Attribute
{
    /// <summary>Stores the type in table <paramref name="name"/>.</summary>
    /// <param name="name">The table name.</param>
    public KvTableAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The table name.</summary>
    public string Name { get; }
}
