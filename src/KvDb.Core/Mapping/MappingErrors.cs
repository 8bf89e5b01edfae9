using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Text;

namespace KvDb.Mapping;

/// <summary>The texts of typed-mapping errors and the helpers that throw them.</summary>
internal static class MappingErrors
{
    public static string NoPartitionKey(Type type) =>
        $"Type {TypeNames.Format(type)} has no partition key: mark a property with [PartitionKey] or name it Pk, PartitionKey or Id.";

    public static string TwoKeys(Type type, string attribute, string first, string second) =>
        $"Type {TypeNames.Format(type)} has more than one [{attribute}] property: {first} and {second}.";

    public static string KeysOnSameProperty(Type type, string property) =>
        $"Type {TypeNames.Format(type)}: property {property} cannot be both the partition key and the sort key.";

    public static string KeyNotScalar(Type type, string property, Type propertyType, string role) =>
        $"Type {TypeNames.Format(type)}: the {role} {property} ({TypeNames.Format(propertyType)}) must map to S, N or B " +
        "(use string, a number type, byte[], Guid, DateTime, DateTimeOffset or an enum).";

    public static string KeyIgnored(Type type, string property, string role) =>
        $"Type {TypeNames.Format(type)}: the {role} {property} is marked [KvIgnore] or is not readable and writable.";

    public static string UnsupportedPropertyType(Type type, string property, Type propertyType) =>
        $"Type {TypeNames.Format(type)}: property {property} has type {TypeNames.Format(propertyType)}, which cannot be mapped. " +
        "Supported: string, bool, char, integral types, decimal, double, float, KvNumber, byte[], Guid, DateTime, DateTimeOffset, " +
        "DateOnly, TimeOnly, TimeSpan, enums, AttributeValue, AttributeMap, nullable versions of these, lists and arrays, " +
        "sets, Dictionary<string, T> and classes or records made of these.";

    public static string DuplicateAttributeName(Type type, string name, string first, string second) =>
        $"Type {TypeNames.Format(type)}: properties {first} and {second} both map to the attribute \"{name}\".";

    public static string InvalidAttributeName(Type type, string property) =>
        $"Type {TypeNames.Format(type)}: the attribute name of property {property} must be 1 to 255 bytes long.";

    public static string NoConstructor(Type type) =>
        $"Type {TypeNames.Format(type)} cannot be created: it needs a public parameterless constructor, or a public constructor " +
        "whose parameters all match mapped properties by name (ignoring case).";

    public static string UnmatchedParameter(Type type, string parameter) =>
        $"Type {TypeNames.Format(type)} cannot be created: constructor parameter \"{parameter}\" matches no mapped property (ignoring case) " +
        "and has no default value.";

    public static string ParameterTypeMismatch(Type type, string parameter, Type parameterType, string property, Type propertyType) =>
        $"Type {TypeNames.Format(type)} cannot be created: constructor parameter \"{parameter}\" ({TypeNames.Format(parameterType)}) " +
        $"does not match the type of property {property} ({TypeNames.Format(propertyType)}).";

    public static string NotAClass(Type type) =>
        $"Type {TypeNames.Format(type)} cannot be mapped to an item: only classes and records (not structs, interfaces or abstract classes) can.";

    public static string ReadFailed(Type root, string propertyPath, string clrType, string attributePath, string detail) =>
        $"Cannot read {TypeNames.Format(root)}.{propertyPath} ({clrType}) from attribute \"{attributePath}\": {detail}.";

    public static string WrongKind(string expected, AttributeKind found) => $"expected {expected}, found {found.ToShortName()}";

    public static string OutOfRange(KvNumber number, string clrType) => $"the number {number} is out of range for {clrType}";

    public static string NotAnInteger(KvNumber number) => $"the number {number} is not an integer";

    public static string BadText(string text, string what) => $"\"{Truncate(text)}\" is not a valid {what}";

    public static string NullInSet(Type type) => $"A set of type {TypeNames.Format(type)} contains null, which a set attribute cannot hold.";

    public static string KeyValueType(string table, string role, string keyName, ScalarType expected, object value) =>
        $"The {role} of table \"{table}\" is \"{keyName}\" ({expected.ToShortName()}); a value of type {TypeNames.Format(value.GetType())} cannot be converted to it.";

    public static string NoSortKey(Type type, string table) =>
        $"Type {TypeNames.Format(type)} (table \"{table}\") has no sort key, so no sort key value can be given.";

    public static string KeyIsNull(string table, string role) => $"The {role} value for table \"{table}\" is null.";

    public static string UnsupportedExpression(Expression expression, string? reason) =>
        $"The expression '{expression}' cannot be translated to a KvDb key condition or filter" +
        (reason is null ? "." : $": {reason}.") +
        " Supported: comparisons (==, !=, <, <=, >, >=) of mapped properties with values or other properties, string.Compare(a, b) " +
        "and a.CompareTo(b) against 0, &&, ||, !, boolean properties, == null and != null, HasValue, string StartsWith, Contains and " +
        "Equals (ordinal), string.IsNullOrEmpty, Contains on list and set properties, Contains on a captured collection (IN), " +
        "Count and Length of lists, sets, dictionaries and arrays (size), list indexes and dictionary keys, and captured variables.";

    [DoesNotReturn]
    public static void ThrowInvalidMapping(string message) => throw new KvDbException(KvErrorCode.InvalidMapping, message);

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");
}

/// <summary>
/// Raised inside the mapper when an attribute cannot be read into a property; carries the path from the failing
/// value up to the root, and is turned into a <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidMapping"/>)
/// by the root mapper, whose message then names the whole path.
/// </summary>
internal sealed class MappingReadException : Exception
{
    private readonly List<string> _properties = [];
    private readonly List<string> _attributes = [];

    public MappingReadException(string detail, string clrType)
        : base(detail)
    {
        Detail = detail;
        ClrType = clrType;
    }

    public string Detail { get; }

    /// <summary>The C# type of the innermost value that could not be read.</summary>
    public string ClrType { get; }

    /// <summary>Adds the property (and attribute) one level up.</summary>
    public MappingReadException AtMember(string property, string attribute)
    {
        _properties.Add(property);
        _attributes.Add(attribute);
        return this;
    }

    /// <summary>Adds a list index one level up.</summary>
    public MappingReadException AtIndex(int index)
    {
        var text = "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
        _properties.Add(text);
        _attributes.Add(text);
        return this;
    }

    /// <summary>Adds a map key one level up.</summary>
    public MappingReadException AtKey(string key)
    {
        var text = "[\"" + key + "\"]";
        _properties.Add(text);
        _attributes.Add("." + key);
        return this;
    }

    public KvDbException ToKvDbException(Type root) =>
        new(KvErrorCode.InvalidMapping, MappingErrors.ReadFailed(root, Join(_properties, "."), ClrType, Join(_attributes, "."), Detail));

    private static string Join(List<string> parts, string separator)
    {
        // Parts were added innermost first; indexes attach to the previous part without a separator.
        var sb = new StringBuilder();
        for (var i = parts.Count - 1; i >= 0; i--)
        {
            var part = parts[i];
            if (sb.Length > 0 && part[0] != '[' && part[0] != '.')
            {
                sb.Append(separator);
            }

            sb.Append(part);
        }

        return sb.ToString();
    }
}
