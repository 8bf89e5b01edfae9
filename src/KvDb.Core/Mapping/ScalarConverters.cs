using System.Globalization;
using System.Numerics;

namespace KvDb.Mapping;

/// <summary>string as S.</summary>
internal sealed class StringConverter : ValueConverter<string?>
{
    public static readonly StringConverter Instance = new();

    private StringConverter()
        : base(AttributeKind.String)
    {
    }

    public override AttributeValue? Write(string? value) => value is null ? null : AttributeValue.FromString(value);

    public override string? Read(AttributeValue value) =>
        value.Kind == AttributeKind.String ? value.StringUnchecked : throw Mismatch("S", value);
}

/// <summary>char as a one-character S.</summary>
internal sealed class CharConverter : ValueConverter<char>
{
    public CharConverter()
        : base(AttributeKind.String)
    {
    }

    public override AttributeValue? Write(char value) => AttributeValue.FromString(value.ToString());

    public override char Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.String)
        {
            throw Mismatch("S", value);
        }

        var text = value.StringUnchecked;
        return text.Length == 1 ? text[0] : throw Failure(MappingErrors.BadText(text, "char"));
    }

    // Expression trees compare chars as ints: c == 'a' arrives as (int)c == 97.
    protected override AttributeValue? ConvertOther(object value) =>
        value is int code and >= char.MinValue and <= char.MaxValue ? Write((char)code) : base.ConvertOther(value);
}

/// <summary>bool as BOOL.</summary>
internal sealed class BoolConverter : ValueConverter<bool>
{
    public BoolConverter()
        : base(AttributeKind.Bool)
    {
    }

    public override AttributeValue? Write(bool value) => AttributeValue.FromBool(value);

    public override bool Read(AttributeValue value) =>
        value.Kind == AttributeKind.Bool ? value.BoolUnchecked : throw Mismatch("BOOL", value);
}

/// <summary>The integral types that fit a long (all but ulong) as N; reading checks range and integrality.</summary>
/// <typeparam name="TInteger">The integral type.</typeparam>
internal sealed class IntegerConverter<TInteger> : ValueConverter<TInteger>
    where TInteger : struct, IBinaryInteger<TInteger>, IMinMaxValue<TInteger>
{
    private static readonly long s_min = long.CreateChecked(TInteger.MinValue);
    private static readonly long s_max = long.CreateChecked(TInteger.MaxValue);

    public IntegerConverter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(TInteger value) => AttributeValue.FromNumber(KvNumber.FromInt64(long.CreateTruncating(value)));

    public override TInteger Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.Number)
        {
            throw Mismatch("N", value);
        }

        var number = value.NumberUnchecked;
        if (!number.IsInteger)
        {
            throw Failure(MappingErrors.NotAnInteger(number));
        }

        if (!number.TryToInt64(out var wide) || wide < s_min || wide > s_max)
        {
            throw Failure(MappingErrors.OutOfRange(number, ClrTypeName));
        }

        return TInteger.CreateTruncating(wide);
    }
}

/// <summary>ulong as N.</summary>
internal sealed class UInt64Converter : ValueConverter<ulong>
{
    public UInt64Converter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(ulong value) => AttributeValue.FromNumber(KvNumber.FromUInt64(value));

    public override ulong Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.Number)
        {
            throw Mismatch("N", value);
        }

        var number = value.NumberUnchecked;
        if (!number.IsInteger)
        {
            throw Failure(MappingErrors.NotAnInteger(number));
        }

        if (number.TryToInt64(out var wide))
        {
            return wide >= 0 ? (ulong)wide : throw Failure(MappingErrors.OutOfRange(number, ClrTypeName));
        }

        // Above long.MaxValue: a ulong has 20 digits at most, which a decimal holds exactly.
        if (number.IsNegative || number.Precision > 20 || number > KvNumber.FromUInt64(ulong.MaxValue))
        {
            throw Failure(MappingErrors.OutOfRange(number, ClrTypeName));
        }

        return (ulong)number.ToDecimal();
    }
}

/// <summary>decimal as N.</summary>
internal sealed class DecimalConverter : ValueConverter<decimal>
{
    public DecimalConverter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(decimal value) => AttributeValue.FromNumber(KvNumber.FromDecimal(value));

    public override decimal Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.Number)
        {
            throw Mismatch("N", value);
        }

        try
        {
            return value.NumberUnchecked.ToDecimal();
        }
        catch (KvDbException)
        {
            throw Failure(MappingErrors.OutOfRange(value.NumberUnchecked, ClrTypeName));
        }
    }
}

/// <summary>double as N (shortest round-trip text).</summary>
internal sealed class DoubleConverter : ValueConverter<double>
{
    public DoubleConverter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(double value) => AttributeValue.FromNumber(KvNumber.FromDouble(value));

    public override double Read(AttributeValue value) =>
        value.Kind == AttributeKind.Number ? value.NumberUnchecked.ToDouble() : throw Mismatch("N", value);
}

/// <summary>float as N (shortest round-trip text of the float, so 0.1f is stored as 0.1).</summary>
internal sealed class SingleConverter : ValueConverter<float>
{
    public SingleConverter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(float value)
    {
        if (!float.IsFinite(value))
        {
            return AttributeValue.FromNumber(KvNumber.FromDouble(value));
        }

        return AttributeValue.FromNumber(KvNumber.Parse(value.ToString("R", CultureInfo.InvariantCulture)));
    }

    public override float Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.Number)
        {
            throw Mismatch("N", value);
        }

        var result = (float)value.NumberUnchecked.ToDouble();
        return float.IsFinite(result) ? result : throw Failure(MappingErrors.OutOfRange(value.NumberUnchecked, ClrTypeName));
    }
}

/// <summary>KvNumber as N.</summary>
internal sealed class KvNumberConverter : ValueConverter<KvNumber>
{
    public KvNumberConverter()
        : base(AttributeKind.Number)
    {
    }

    public override AttributeValue? Write(KvNumber value) => AttributeValue.FromNumber(value);

    public override KvNumber Read(AttributeValue value) =>
        value.Kind == AttributeKind.Number ? value.NumberUnchecked : throw Mismatch("N", value);
}

/// <summary>byte[] as B (copied both ways: attribute values are immutable).</summary>
internal sealed class BinaryConverter : ValueConverter<byte[]?>
{
    public BinaryConverter()
        : base(AttributeKind.Binary)
    {
    }

    public override AttributeValue? Write(byte[]? value) => value is null ? null : AttributeValue.FromBinary(value);

    public override byte[]? Read(AttributeValue value) =>
        value.Kind == AttributeKind.Binary ? value.AsBinary().ToArray() : throw Mismatch("B", value);
}

/// <summary>Types stored as S text in an invariant, round-trip format (Guid, dates, times).</summary>
/// <typeparam name="TValue">The type.</typeparam>
internal abstract class TextConverter<TValue> : ValueConverter<TValue>
{
    private readonly string _what;

    protected TextConverter(string what)
        : base(AttributeKind.String)
    {
        _what = what;
    }

    public sealed override AttributeValue? Write(TValue value) => AttributeValue.FromString(Format(value));

    public sealed override TValue Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.String)
        {
            throw Mismatch("S", value);
        }

        var text = value.StringUnchecked;
        return TryParse(text, out var result) ? result : throw Failure(MappingErrors.BadText(text, _what));
    }

    protected abstract string Format(TValue value);

    protected abstract bool TryParse(string text, out TValue value);
}

/// <summary>Guid as S ("D" format: 8-4-4-4-12 lower-case hex digits).</summary>
internal sealed class GuidConverter : TextConverter<Guid>
{
    public GuidConverter()
        : base("Guid")
    {
    }

    protected override string Format(Guid value) => value.ToString("D");

    protected override bool TryParse(string text, out Guid value) => Guid.TryParse(text, out value);
}

/// <summary>DateTime as ISO-8601 S ("O" round-trip format, keeping the kind).</summary>
internal sealed class DateTimeConverter : TextConverter<DateTime>
{
    public DateTimeConverter()
        : base("ISO-8601 date and time")
    {
    }

    protected override string Format(DateTime value) => value.ToString("O", CultureInfo.InvariantCulture);

    protected override bool TryParse(string text, out DateTime value) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value);
}

/// <summary>DateTimeOffset as ISO-8601 S ("O" round-trip format, keeping the offset).</summary>
internal sealed class DateTimeOffsetConverter : TextConverter<DateTimeOffset>
{
    public DateTimeOffsetConverter()
        : base("ISO-8601 date and time with offset")
    {
    }

    protected override string Format(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    protected override bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
}

/// <summary>DateOnly as S ("yyyy-MM-dd").</summary>
internal sealed class DateOnlyConverter : TextConverter<DateOnly>
{
    public DateOnlyConverter()
        : base("date (yyyy-MM-dd)")
    {
    }

    protected override string Format(DateOnly value) => value.ToString("O", CultureInfo.InvariantCulture);

    protected override bool TryParse(string text, out DateOnly value) =>
        DateOnly.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
}

/// <summary>TimeOnly as S ("HH:mm:ss.fffffff").</summary>
internal sealed class TimeOnlyConverter : TextConverter<TimeOnly>
{
    public TimeOnlyConverter()
        : base("time (HH:mm:ss.fffffff)")
    {
    }

    protected override string Format(TimeOnly value) => value.ToString("O", CultureInfo.InvariantCulture);

    protected override bool TryParse(string text, out TimeOnly value) =>
        TimeOnly.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
}

/// <summary>TimeSpan as S (constant "c" format: [-][d.]hh:mm:ss[.fffffff]).</summary>
internal sealed class TimeSpanConverter : TextConverter<TimeSpan>
{
    public TimeSpanConverter()
        : base("time span ([-][d.]hh:mm:ss[.fffffff])")
    {
    }

    protected override string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    protected override bool TryParse(string text, out TimeSpan value) =>
        TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out value);
}

/// <summary>Enums as S holding the member name (or names, for flags); reading also accepts N.</summary>
/// <typeparam name="TEnum">The enum type.</typeparam>
internal sealed class EnumConverter<TEnum> : ValueConverter<TEnum>
    where TEnum : struct, Enum
{
    private readonly Dictionary<TEnum, AttributeValue> _names;

    public EnumConverter()
        : base(AttributeKind.String)
    {
        _names = [];
        foreach (var member in Enum.GetValues<TEnum>())
        {
            _names.TryAdd(member, AttributeValue.FromString(member.ToString()));
        }
    }

    public override AttributeValue? Write(TEnum value) =>
        _names.TryGetValue(value, out var name) ? name : AttributeValue.FromString(value.ToString());

    public override TEnum Read(AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeKind.String:
            {
                var text = value.StringUnchecked;
                return Enum.TryParse<TEnum>(text, ignoreCase: false, out var result)
                    ? result
                    : throw Failure(MappingErrors.BadText(text, "value of " + typeof(TEnum).Name));
            }

            case AttributeKind.Number when value.NumberUnchecked.TryToInt64(out var number):
                return (TEnum)Enum.ToObject(typeof(TEnum), number);
            default:
                throw Mismatch("S", value);
        }
    }

    // Expression trees compare enums as their underlying integers: e == Color.Red arrives as (int)e == 0.
    protected override AttributeValue? ConvertOther(object value) =>
        value is sbyte or byte or short or ushort or int or uint or long or ulong
            ? Write((TEnum)Enum.ToObject(typeof(TEnum), value))
            : base.ConvertOther(value);
}

/// <summary><c>Nullable&lt;T&gt;</c>: null leaves the attribute out; values are written as T.</summary>
/// <typeparam name="TValue">The underlying type.</typeparam>
internal sealed class NullableConverter<TValue> : ValueConverter<TValue?>
    where TValue : struct
{
    private readonly ValueConverter<TValue> _inner;

    public NullableConverter(ValueConverter<TValue> inner)
        : base(inner.Kind)
    {
        _inner = inner;
    }

    public override ValueConverter Unwrapped => _inner;

    public override ValueShape Shape => _inner.Shape;

    public override ValueConverter? ElementConverter => _inner.ElementConverter;

    public override AttributeValue? Write(TValue? value) => value.HasValue ? _inner.Write(value.GetValueOrDefault()) : null;

    public override TValue? Read(AttributeValue value) => _inner.Read(value);

    protected override AttributeValue? ConvertOther(object value) => _inner.ToAttributeObject(value);
}

/// <summary>AttributeValue properties, stored as they are (a stored NULL reads back as NULL).</summary>
internal sealed class AttributeValueConverter : ValueConverter<AttributeValue?>
{
    public AttributeValueConverter()
        : base(null)
    {
    }

    public override bool ReadsNull => true;

    public override AttributeValue? Write(AttributeValue? value) => value;

    public override AttributeValue? Read(AttributeValue value) => value;
}

/// <summary>AttributeMap properties as M.</summary>
internal sealed class AttributeMapConverter : ValueConverter<AttributeMap?>
{
    public AttributeMapConverter()
        : base(AttributeKind.Map)
    {
    }

    public override AttributeValue? Write(AttributeMap? value) => value is null ? null : AttributeValue.FromMap(value);

    public override AttributeMap? Read(AttributeValue value) =>
        value.Kind == AttributeKind.Map ? value.MapUnchecked : throw Mismatch("M", value);
}
