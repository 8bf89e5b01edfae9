namespace KvDb;

/// <summary>The DynamoDB attribute value types.</summary>
public enum AttributeKind : byte
{
    /// <summary>S: a UTF-8 string.</summary>
    String = 1,
    /// <summary>N: an exact decimal number (<see cref="KvNumber"/>).</summary>
    Number = 2,
    /// <summary>B: a byte string.</summary>
    Binary = 3,
    /// <summary>BOOL: true or false.</summary>
    Bool = 4,
    /// <summary>NULL: the null value.</summary>
    Null = 5,
    /// <summary>L: an ordered list of values of any types.</summary>
    List = 6,
    /// <summary>M: a map of attribute names to values.</summary>
    Map = 7,
    /// <summary>SS: a non-empty set of distinct strings.</summary>
    StringSet = 8,
    /// <summary>NS: a non-empty set of distinct numbers.</summary>
    NumberSet = 9,
    /// <summary>BS: a non-empty set of distinct byte strings.</summary>
    BinarySet = 10,
}

/// <summary>The scalar types a key attribute may have.</summary>
public enum ScalarType : byte
{
    /// <summary>S.</summary>
    String = 1,
    /// <summary>N.</summary>
    Number = 2,
    /// <summary>B.</summary>
    Binary = 3,
}

/// <summary>Short DynamoDB type names used in messages and in <c>attribute_type</c>.</summary>
public static class AttributeKindNames
{
    /// <summary>The DynamoDB short name of a kind: S, N, B, BOOL, NULL, L, M, SS, NS, BS.</summary>
    public static string ToShortName(this AttributeKind kind) => kind switch
    {
        AttributeKind.String => "S",
        AttributeKind.Number => "N",
        AttributeKind.Binary => "B",
        AttributeKind.Bool => "BOOL",
        AttributeKind.Null => "NULL",
        AttributeKind.List => "L",
        AttributeKind.Map => "M",
        AttributeKind.StringSet => "SS",
        AttributeKind.NumberSet => "NS",
        AttributeKind.BinarySet => "BS",
        _ => "?",
    };

    /// <summary>The short name of a scalar key type: S, N or B.</summary>
    public static string ToShortName(this ScalarType type) => type switch
    {
        ScalarType.String => "S",
        ScalarType.Number => "N",
        ScalarType.Binary => "B",
        _ => "?",
    };

    /// <summary>Parses a short name (S, N, B, BOOL, NULL, L, M, SS, NS, BS); false when unknown.</summary>
    public static bool TryParseShortName(string name, out AttributeKind kind)
    {
        kind = name switch
        {
            "S" => AttributeKind.String,
            "N" => AttributeKind.Number,
            "B" => AttributeKind.Binary,
            "BOOL" => AttributeKind.Bool,
            "NULL" => AttributeKind.Null,
            "L" => AttributeKind.List,
            "M" => AttributeKind.Map,
            "SS" => AttributeKind.StringSet,
            "NS" => AttributeKind.NumberSet,
            "BS" => AttributeKind.BinarySet,
            _ => 0,
        };
        return kind != 0;
    }
}
