namespace KvDb.Core.Tests.Mapping;

public enum Color
{
    Red,
    Green,
    Blue,
}

[Flags]
public enum Permissions
{
    None = 0,
    Read = 1,
    Write = 2,
}

public sealed class Address
{
    public string? Street { get; set; }

    public string City { get; set; } = string.Empty;

    public int Zip { get; set; }
}

public sealed record Point(int X, int Y);

/// <summary>One property of every supported type; keys by convention (Pk, Sk).</summary>
public sealed class Everything
{
    public string Pk { get; set; } = string.Empty;

    public string Sk { get; set; } = string.Empty;

    public string? Text { get; set; }

    public bool Flag { get; set; }

    public char Letter { get; set; }

    public sbyte SByte { get; set; }

    public byte Byte { get; set; }

    public short Short { get; set; }

    public ushort UShort { get; set; }

    public int Int { get; set; }

    public uint UInt { get; set; }

    public long Long { get; set; }

    public ulong ULong { get; set; }

    public decimal Decimal { get; set; }

    public double Double { get; set; }

    public float Float { get; set; }

    public KvNumber Number { get; set; }

    public byte[]? Bytes { get; set; }

    public Guid Guid { get; set; }

    public DateTime DateTime { get; set; }

    public DateTimeOffset DateTimeOffset { get; set; }

    public DateOnly DateOnly { get; set; }

    public TimeOnly TimeOnly { get; set; }

    public TimeSpan TimeSpan { get; set; }

    public Color Color { get; set; }

    public Permissions Permissions { get; set; }

    public int? NullableInt { get; set; }

    public Guid? NullableGuid { get; set; }

    public Color? NullableColor { get; set; }

    public DateTimeOffset? NullableDate { get; set; }

    public bool? NullableBool { get; set; }

    public List<string>? Tags { get; set; }

    public int[]? Scores { get; set; }

    public IReadOnlyList<Address>? Addresses { get; set; }

    public IList<double>? Weights { get; set; }

    public List<List<int>>? Matrix { get; set; }

    public List<string?>? Sparse { get; set; }

    public HashSet<string>? Labels { get; set; }

    public ISet<string>? Categories { get; set; }

    public HashSet<int>? Numbers { get; set; }

    public HashSet<decimal>? Prices { get; set; }

    public SortedSet<long>? Sorted { get; set; }

    public Dictionary<string, int>? Counts { get; set; }

    public IReadOnlyDictionary<string, Address>? Places { get; set; }

    public Dictionary<string, List<string>>? Groups { get; set; }

    public Address? Home { get; set; }

    public Point? Origin { get; set; }

    public AttributeValue? Raw { get; set; }

    public AttributeMap? Extra { get; set; }
}

public sealed record Message(string Pk, string Sk, string Text, int Likes);

/// <summary>A record keyed through attributes on its constructor parameters, with a default and an init property.</summary>
[KvTable("profiles")]
public sealed record Profile([PartitionKey] string UserId, [AttributeName("display")] string Name, int Age = 18)
{
    public List<string> Roles { get; init; } = [];

    public string? Bio { get; init; }
}

[KvTable("orders")]
public sealed class Order
{
    [PartitionKey]
    public string CustomerId { get; set; } = string.Empty;

    [SortKey]
    public long OrderNumber { get; set; }

    [AttributeName("total_amount")]
    public decimal Total { get; set; }

    [KvIgnore]
    public string? Scratch { get; set; }

    public string Summary => $"{CustomerId}/{OrderNumber}";

    public Color Status { get; set; }
}

/// <summary>Keyed by Id (a Guid, stored as S), no sort key.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    public string Name { get; set; } = string.Empty;
}

/// <summary>Keyed by the long convention names, with a numeric sort key.</summary>
public sealed class Reading
{
    public string PartitionKey { get; set; } = string.Empty;

    public int SortKey { get; set; }

    public double Value { get; set; }
}

/// <summary>A computed, write-only partition key.</summary>
public sealed class Account
{
    public int Number { get; set; }

    [PartitionKey]
    public string Key => "account#" + Number;
}

public sealed class Node
{
    public string Pk { get; set; } = string.Empty;

    public string? Name { get; set; }

    public Node? Next { get; set; }
}

public sealed class Binary
{
    [PartitionKey]
    public byte[] Hash { get; set; } = [];

    [SortKey]
    public decimal Version { get; set; }
}

public sealed class NoKey
{
    public string Name { get; set; } = string.Empty;
}

public sealed class BoolKey
{
    public bool Pk { get; set; }
}

public sealed class ListKey
{
    [PartitionKey]
    public string Pk { get; set; } = string.Empty;

    [SortKey]
    public List<string> Parts { get; set; } = [];
}

public sealed class ObjectProperty
{
    public string Pk { get; set; } = string.Empty;

    public object? Anything { get; set; }
}

public sealed class IntKeyedDictionary
{
    public string Pk { get; set; } = string.Empty;

    public Dictionary<int, string>? ByNumber { get; set; }
}

public sealed class TwoPartitionKeys
{
    [PartitionKey]
    public string A { get; set; } = string.Empty;

    [PartitionKey]
    public string B { get; set; } = string.Empty;
}

public sealed class DuplicateNames
{
    public string Pk { get; set; } = string.Empty;

    [AttributeName("x")]
    public string? First { get; set; }

    [AttributeName("x")]
    public string? Second { get; set; }
}

public sealed class SortKeyOnly
{
    [SortKey]
    public string Sk { get; set; } = string.Empty;

    public string Pk { get; set; } = string.Empty;
}

public sealed class UnmatchedConstructor
{
    public UnmatchedConstructor(string pk, string secret)
    {
        Pk = pk;
        Hidden = secret;
    }

    public string Pk { get; }

    public string Hidden { get; }
}

public sealed record Small(string Pk, byte Level, uint Count, ulong Big, float Ratio);

public sealed record Annotated(string Pk, [KvIgnore] string? Note = null)
{
    [AttributeName("n")]
    public int Count { get; set; }
}
