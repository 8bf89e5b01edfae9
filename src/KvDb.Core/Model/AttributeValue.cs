using System.Collections.ObjectModel;
using System.Text;
using KvDb.Json;

namespace KvDb;

/// <summary>
/// An immutable DynamoDB-style attribute value: S, N, B, BOOL, NULL, L, M, SS, NS or BS.
/// Equality is structural: lists compare element by element, maps and sets ignore order.
/// </summary>
public sealed class AttributeValue : IEquatable<AttributeValue>
{
    private static readonly AttributeValue s_true = new(AttributeKind.Bool, null, default, true);
    private static readonly AttributeValue s_false = new(AttributeKind.Bool, null, default, false);
    private static readonly AttributeValue s_null = new(AttributeKind.Null, null, default, false);

    // Values are immutable, so the integers 0 .. 1023 (counts, flags, small scores, list indexes) are shared: decoding
    // or parsing them allocates nothing. A race fills a slot twice with equal values, which is harmless.
    private const int SmallNumberCount = 1024;
    private static readonly AttributeValue?[] s_smallNumbers = new AttributeValue?[SmallNumberCount];

    // Payload by kind: String -> string; Binary -> byte[]; List -> AttributeValue[]; Map -> AttributeMap;
    // StringSet -> string[]; NumberSet -> KvNumber[]; BinarySet -> byte[][]. Number uses _number, Bool uses _bool.
    private readonly object? _ref;
    private readonly KvNumber _number;
    private readonly bool _bool;

    private AttributeValue(AttributeKind kind, object? reference, KvNumber number, bool boolean)
    {
        Kind = kind;
        _ref = reference;
        _number = number;
        _bool = boolean;
    }

    /// <summary>The value's type.</summary>
    public AttributeKind Kind { get; }

    /// <summary>The NULL value.</summary>
    public static AttributeValue Null => s_null;

    /// <summary>BOOL true.</summary>
    public static AttributeValue True => s_true;

    /// <summary>BOOL false.</summary>
    public static AttributeValue False => s_false;

    /// <summary>An S value.</summary>
    public static AttributeValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new AttributeValue(AttributeKind.String, value, default, false);
    }

    /// <summary>An N value.</summary>
    public static AttributeValue FromNumber(KvNumber value) =>
        value.TryGetSmallInteger(out var small) && small < SmallNumberCount
            ? s_smallNumbers[small] ??= new(AttributeKind.Number, null, value, false)
            : new(AttributeKind.Number, null, value, false);


    /// <summary>An N value parsed from text (throws <see cref="KvDbException"/> with <see cref="KvErrorCode.InvalidNumber"/>).</summary>
    public static AttributeValue FromNumber(string text) => FromNumber(KvNumber.Parse(text));

    /// <summary>A B value (the bytes are copied).</summary>
    public static AttributeValue FromBinary(ReadOnlySpan<byte> value) =>
        new(AttributeKind.Binary, value.ToArray(), default, false);

    /// <summary>A BOOL value.</summary>
    public static AttributeValue FromBool(bool value) => value ? s_true : s_false;

    /// <summary>An L value.</summary>
    public static AttributeValue FromList(IEnumerable<AttributeValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = values.ToArray();
        for (var i = 0; i < array.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(array[i], nameof(values));
        }

        return new AttributeValue(AttributeKind.List, array, default, false);
    }

    /// <summary>An L value.</summary>
    public static AttributeValue FromList(params AttributeValue[] values) => FromList((IEnumerable<AttributeValue>)values);

    /// <summary>An M value; insertion order is kept for reading back, but ignored by equality.</summary>
    public static AttributeValue FromMap(IEnumerable<KeyValuePair<string, AttributeValue>> entries) =>
        new(AttributeKind.Map, entries as AttributeMap ?? new AttributeMap(entries), default, false);

    /// <summary>An M value.</summary>
    public static AttributeValue FromMap(AttributeMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new AttributeValue(AttributeKind.Map, map, default, false);
    }

    /// <summary>An SS value. Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidValue"/>) when empty or with duplicates.</summary>
    public static AttributeValue FromStringSet(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = values.ToArray();
        if (array.Length == 0)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, "A string set (SS) must not be empty.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in array)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(values));
            if (!seen.Add(s))
            {
                throw new KvDbException(KvErrorCode.InvalidValue, $"A string set (SS) contains the duplicate value \"{s}\".");
            }
        }

        return new AttributeValue(AttributeKind.StringSet, array, default, false);
    }

    /// <summary>An NS value. Throws when empty or with duplicates (1e3 and 1000 are duplicates).</summary>
    public static AttributeValue FromNumberSet(IEnumerable<KvNumber> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = values.ToArray();
        if (array.Length == 0)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, "A number set (NS) must not be empty.");
        }

        var seen = new HashSet<KvNumber>();
        foreach (var n in array)
        {
            if (!seen.Add(n))
            {
                throw new KvDbException(KvErrorCode.InvalidValue, $"A number set (NS) contains the duplicate value {n}.");
            }
        }

        return new AttributeValue(AttributeKind.NumberSet, array, default, false);
    }

    /// <summary>A BS value. Throws when empty or with duplicates.</summary>
    public static AttributeValue FromBinarySet(IEnumerable<byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = values.Select(v => (byte[])v.Clone()).ToArray();
        if (array.Length == 0)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, "A binary set (BS) must not be empty.");
        }

        for (var i = 0; i < array.Length; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (array[i].AsSpan().SequenceEqual(array[j]))
                {
                    throw new KvDbException(KvErrorCode.InvalidValue, $"A binary set (BS) contains the duplicate value {Convert.ToBase64String(array[i])}.");
                }
            }
        }

        return new AttributeValue(AttributeKind.BinarySet, array, default, false);
    }

    // Trusted constructors used by the decoder: the payload is already validated and owned.
    internal static AttributeValue OwnedBinary(byte[] value) => new(AttributeKind.Binary, value, default, false);
    internal static AttributeValue OwnedList(AttributeValue[] values) => new(AttributeKind.List, values, default, false);
    internal static AttributeValue OwnedStringSet(string[] values) => new(AttributeKind.StringSet, values, default, false);
    internal static AttributeValue OwnedNumberSet(KvNumber[] values) => new(AttributeKind.NumberSet, values, default, false);
    internal static AttributeValue OwnedBinarySet(byte[][] values) => new(AttributeKind.BinarySet, values, default, false);

    /// <summary>The S payload; throws when the value is not S.</summary>
    public string AsString() => Kind == AttributeKind.String ? (string)_ref! : throw WrongKind(AttributeKind.String);

    /// <summary>The N payload; throws when the value is not N.</summary>
    public KvNumber AsNumber() => Kind == AttributeKind.Number ? _number : throw WrongKind(AttributeKind.Number);

    /// <summary>The B payload; throws when the value is not B.</summary>
    public ReadOnlyMemory<byte> AsBinary() => Kind == AttributeKind.Binary ? (byte[])_ref! : throw WrongKind(AttributeKind.Binary);

    /// <summary>The BOOL payload; throws when the value is not BOOL.</summary>
    public bool AsBool() => Kind == AttributeKind.Bool ? _bool : throw WrongKind(AttributeKind.Bool);

    /// <summary>The L payload; throws when the value is not L.</summary>
    public IReadOnlyList<AttributeValue> AsList() =>
        Kind == AttributeKind.List ? new ReadOnlyCollection<AttributeValue>((AttributeValue[])_ref!) : throw WrongKind(AttributeKind.List);

    /// <summary>The M payload; throws when the value is not M.</summary>
    public AttributeMap AsMap() => Kind == AttributeKind.Map ? (AttributeMap)_ref! : throw WrongKind(AttributeKind.Map);

    /// <summary>The SS payload; throws when the value is not SS.</summary>
    public IReadOnlyList<string> AsStringSet() =>
        Kind == AttributeKind.StringSet ? new ReadOnlyCollection<string>((string[])_ref!) : throw WrongKind(AttributeKind.StringSet);

    /// <summary>The NS payload; throws when the value is not NS.</summary>
    public IReadOnlyList<KvNumber> AsNumberSet() =>
        Kind == AttributeKind.NumberSet ? new ReadOnlyCollection<KvNumber>((KvNumber[])_ref!) : throw WrongKind(AttributeKind.NumberSet);

    /// <summary>The BS payload; throws when the value is not BS.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> AsBinarySet() =>
        Kind == AttributeKind.BinarySet
            ? ((byte[][])_ref!).Select(b => (ReadOnlyMemory<byte>)b).ToArray()
            : throw WrongKind(AttributeKind.BinarySet);

    internal byte[] BinaryArray => (byte[])_ref!;
    internal AttributeValue[] ListArray => (AttributeValue[])_ref!;
    internal string[] StringSetArray => (string[])_ref!;
    internal KvNumber[] NumberSetArray => (KvNumber[])_ref!;
    internal byte[][] BinarySetArray => (byte[][])_ref!;
    internal string StringUnchecked => (string)_ref!;
    internal KvNumber NumberUnchecked => _number;
    internal bool BoolUnchecked => _bool;
    internal AttributeMap MapUnchecked => (AttributeMap)_ref!;

    /// <summary>True for S, N and B.</summary>
    public bool IsScalarKeyType => Kind is AttributeKind.String or AttributeKind.Number or AttributeKind.Binary;

    /// <summary>True for SS, NS and BS.</summary>
    public bool IsSet => Kind is AttributeKind.StringSet or AttributeKind.NumberSet or AttributeKind.BinarySet;

    /// <summary>Number of elements of L, M or a set; UTF-8 bytes of S; bytes of B; otherwise throws.</summary>
    public int Size => Kind switch
    {
        AttributeKind.String => System.Text.Encoding.UTF8.GetByteCount(StringUnchecked),
        AttributeKind.Binary => BinaryArray.Length,
        AttributeKind.List => ListArray.Length,
        AttributeKind.Map => MapUnchecked.Count,
        AttributeKind.StringSet => StringSetArray.Length,
        AttributeKind.NumberSet => NumberSetArray.Length,
        AttributeKind.BinarySet => BinarySetArray.Length,
        _ => throw new KvDbException(KvErrorCode.InvalidValue, $"size() is not defined for a {Kind.ToShortName()} value."),
    };

    /// <summary>S.</summary>
    public static implicit operator AttributeValue(string value) => FromString(value);

    /// <summary>N.</summary>
    public static implicit operator AttributeValue(int value) => FromNumber(value);

    /// <summary>N.</summary>
    public static implicit operator AttributeValue(long value) => FromNumber(value);

    /// <summary>N.</summary>
    public static implicit operator AttributeValue(decimal value) => FromNumber(value);

    /// <summary>N.</summary>
    public static implicit operator AttributeValue(KvNumber value) => FromNumber(value);

    /// <summary>N (the shortest round-trip decimal form of the double).</summary>
    public static implicit operator AttributeValue(double value) => FromNumber(KvNumber.FromDouble(value));

    /// <summary>BOOL.</summary>
    public static implicit operator AttributeValue(bool value) => FromBool(value);

    /// <summary>B.</summary>
    public static implicit operator AttributeValue(byte[] value) => FromBinary(value);

    private InvalidOperationException WrongKind(AttributeKind wanted) =>
        new($"The value is {Kind.ToShortName()}, not {wanted.ToShortName()}.");

    /// <inheritdoc />
    public bool Equals(AttributeValue? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other.Kind != Kind)
        {
            return false;
        }

        switch (Kind)
        {
            case AttributeKind.String:
                return string.Equals(StringUnchecked, other.StringUnchecked, StringComparison.Ordinal);
            case AttributeKind.Number:
                return _number == other._number;
            case AttributeKind.Binary:
                return BinaryArray.AsSpan().SequenceEqual(other.BinaryArray);
            case AttributeKind.Bool:
                return _bool == other._bool;
            case AttributeKind.Null:
                return true;
            case AttributeKind.List:
            {
                var a = ListArray;
                var b = other.ListArray;
                if (a.Length != b.Length)
                {
                    return false;
                }

                for (var i = 0; i < a.Length; i++)
                {
                    if (!a[i].Equals(b[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            case AttributeKind.Map:
                return MapUnchecked.Equals(other.MapUnchecked);
            case AttributeKind.StringSet:
                return StringSetArray.Length == other.StringSetArray.Length &&
                       new HashSet<string>(StringSetArray, StringComparer.Ordinal).SetEquals(other.StringSetArray);
            case AttributeKind.NumberSet:
                return NumberSetArray.Length == other.NumberSetArray.Length &&
                       new HashSet<KvNumber>(NumberSetArray).SetEquals(other.NumberSetArray);
            case AttributeKind.BinarySet:
            {
                var a = BinarySetArray;
                var b = other.BinarySetArray;
                if (a.Length != b.Length)
                {
                    return false;
                }

                foreach (var x in a)
                {
                    var found = false;
                    foreach (var y in b)
                    {
                        if (x.AsSpan().SequenceEqual(y))
                        {
                            found = true;
                            break;
                        }
                    }

                    if (!found)
                    {
                        return false;
                    }
                }

                return true;
            }

            default:
                return false;
        }
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AttributeValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        switch (Kind)
        {
            case AttributeKind.String:
                return HashCode.Combine(Kind, StringUnchecked.GetHashCode(StringComparison.Ordinal));
            case AttributeKind.Number:
                return HashCode.Combine(Kind, _number);
            case AttributeKind.Binary:
            {
                var h = new HashCode();
                h.Add(Kind);
                h.AddBytes(BinaryArray);
                return h.ToHashCode();
            }

            case AttributeKind.Bool:
                return HashCode.Combine(Kind, _bool);
            case AttributeKind.List:
            {
                var h = new HashCode();
                h.Add(Kind);
                foreach (var v in ListArray)
                {
                    h.Add(v);
                }

                return h.ToHashCode();
            }

            case AttributeKind.Map:
                return HashCode.Combine(Kind, MapUnchecked.GetHashCode());
            case AttributeKind.StringSet:
            case AttributeKind.NumberSet:
            case AttributeKind.BinarySet:
                // Order-insensitive: the element count is enough for a valid (if coarse) hash.
                return HashCode.Combine(Kind, Size);
            default:
                return (int)Kind;
        }
    }

    /// <summary>Structural equality.</summary>
    public static bool operator ==(AttributeValue? left, AttributeValue? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(AttributeValue? left, AttributeValue? right) => !(left == right);

    /// <summary>
    /// A compact text form in DynamoDB JSON style, e.g. <c>{"S":"x"}</c>, <c>{"N":"1.5"}</c>,
    /// <c>{"M":{"a":{"BOOL":true}}}</c>; used in error messages and debugging.
    /// </summary>
    public override string ToString() => AttributeValueJson.ToDynamoJson(this);
}
