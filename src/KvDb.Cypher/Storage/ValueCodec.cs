using System.Globalization;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Storage;

/// <summary>
/// Cypher property values as Core attribute values. Core numbers are decimals, so the Cypher type is kept by
/// shape: an integer is a plain number (N); a float is a map <c>{"f": S}</c> holding its round-trip text (so NaN,
/// infinities and -0.0 survive); a string is S; a boolean BOOL; a list L of encoded values (null elements as NULL);
/// a map <c>{"m": M}</c>. The tag maps never collide because user maps are always wrapped.
/// </summary>
internal static class ValueCodec
{
    public static AttributeValue Encode(object? value) => value switch
    {
        null => AttributeValue.Null,
        long l => AttributeValue.FromNumber(KvNumber.FromInt64(l)),
        double d => AttributeValue.FromMap([new("f", AttributeValue.FromString(d.ToString("R", CultureInfo.InvariantCulture)))]),
        string s => AttributeValue.FromString(s),
        bool b => AttributeValue.FromBool(b),
        IReadOnlyDictionary<string, object?> m => AttributeValue.FromMap([new("m", EncodeMap(m))]),
        IReadOnlyList<object?> list => AttributeValue.FromList(list.Select(Encode)),
        _ => throw ErrorMessages.Type($"A property value cannot be a {TypeName(value)}."),
    };

    public static AttributeValue EncodeMap(IReadOnlyDictionary<string, object?> map) =>
        AttributeValue.FromMap(map.Where(kv => kv.Value is not null).Select(kv => new KeyValuePair<string, AttributeValue>(kv.Key, Encode(kv.Value))));

    public static object? Decode(AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeKind.Null:
                return null;
            case AttributeKind.Number:
                return value.AsNumber().ToInt64();
            case AttributeKind.String:
                return value.AsString();
            case AttributeKind.Bool:
                return value.AsBool();
            case AttributeKind.List:
                return value.AsList().Select(Decode).ToList();
            case AttributeKind.Map:
                var map = value.AsMap();
                if (map.TryGetValue("f", out var f))
                {
                    return double.Parse(f.AsString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                }

                return DecodeMap(map["m"].AsMap());
            default:
                throw new KvDbException(KvErrorCode.InvalidValue, $"Stored graph value has unexpected kind {value.Kind}.");
        }
    }

    /// <summary>A value that may be changed without changing <paramref name="value"/> (lists and maps copied deeply).</summary>
    public static object? Copy(object? value) => value switch
    {
        List<object?> list => list.Select(Copy).ToList(),
        Dictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Copy(kv.Value), StringComparer.Ordinal),
        _ => value,
    };

    public static Dictionary<string, object?> DecodeMap(AttributeMap map)
    {
        var result = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
        foreach (var kv in map)
        {
            result[kv.Key] = Decode(kv.Value);
        }

        return result;
    }

    /// <summary>True when a value may be stored as a property (no nodes, relationships or paths inside).</summary>
    public static bool IsStorable(object? value) => value switch
    {
        null or long or double or string or bool => true,
        IReadOnlyDictionary<string, object?> m => m.Values.All(IsStorable),
        IReadOnlyList<object?> l => l.All(v => v is null || (IsStorable(v) && v is not IReadOnlyList<object?>)),
        _ => false,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "Null",
        long => "Integer",
        double => "Float",
        string => "String",
        bool => "Boolean",
        Execution.NodeRef => "Node",
        Execution.RelRef => "Relationship",
        Execution.PathValue => "Path",
        IReadOnlyDictionary<string, object?> => "Map",
        IReadOnlyList<object?> => "List",
        _ => value.GetType().Name,
    };
}
