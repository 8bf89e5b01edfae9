using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace KvDb;

/// <summary>
/// An exact decimal number with the semantics of DynamoDB's Number type: a sign, at most 38 significant decimal
/// digits and a magnitude that is either zero or between 1E-130 and 9.9999999999999999999999999999999999999E+125.
/// </summary>
/// <remarks>
/// <para>
/// Values are always normalised: the coefficient carries no trailing decimal zeros and zero is never negative, so
/// <c>1e3</c>, <c>1000</c>, <c>1000.000</c>, <c>+1000</c> and <c>10E2</c> have identical fields and are equal, hash
/// alike, print alike and encode alike. <c>default(KvNumber)</c> is zero.
/// </para>
/// <para>
/// <see cref="Encode"/> writes an order-preserving (memcomparable) form: comparing two encodings byte-wise as
/// unsigned bytes gives the same order as comparing the numbers.
/// </para>
/// </remarks>
public readonly partial struct KvNumber : IEquatable<KvNumber>, IComparable<KvNumber>, IComparable
{
    /// <summary>The most significant digits a number may have.</summary>
    internal const int MaxPrecision = 38;

    /// <summary>The smallest adjusted exponent (exponent of the first digit) of a non-zero number: 1E-130.</summary>
    internal const int MinAdjustedExponent = -130;

    /// <summary>The largest adjusted exponent of a number: 9.99...E+125.</summary>
    internal const int MaxAdjustedExponent = 125;

    /// <summary>The longest text <see cref="TryFormat"/> can produce (sign, 0.000000 and 38 digits).</summary>
    internal const int MaxFormattedLength = 48;

    private const string RangeText = "magnitude must be between 1E-130 and 9.99...E+125";

    // 10^0 .. 10^38; 10^38 is the first value with 39 digits and still fits UInt128 (max ~3.4E+38).
    private static readonly UInt128[] s_pow10 = CreatePowersOfTen();

    // value = (_negative ? -1 : 1) * _coefficient * 10^_exponent.
    // Invariants: _coefficient has no trailing decimal zeros and at most 38 digits; zero has all fields 0/false;
    // _precision caches the digit count of _coefficient (0 for zero) so comparisons need no division;
    // for non-zero values MinAdjustedExponent <= _exponent + _precision - 1 <= MaxAdjustedExponent.
    private readonly UInt128 _coefficient;
    private readonly int _exponent;
    private readonly bool _negative;
    private readonly byte _precision;

    private KvNumber(UInt128 coefficient, int exponent, bool negative, int precision)
    {
        _coefficient = coefficient;
        _exponent = exponent;
        _negative = negative;
        _precision = (byte)precision;
    }

    /// <summary>The number 0.</summary>
    public static KvNumber Zero => default;

    /// <summary>The number 1.</summary>
    public static KvNumber One => new(1, 0, false, 1);

    /// <summary>The largest number: 9.9999999999999999999999999999999999999E+125 (38 nines).</summary>
    internal static KvNumber MaxValue => new(s_pow10[MaxPrecision] - 1, MaxAdjustedExponent - MaxPrecision + 1, false, MaxPrecision);

    /// <summary>The smallest positive number: 1E-130.</summary>
    internal static KvNumber MinPositive => new(1, MinAdjustedExponent, false, 1);

    /// <summary>True when the value is 0.</summary>
    public bool IsZero => _precision == 0;

    /// <summary>True when the value is less than 0 (zero is never negative).</summary>
    public bool IsNegative => _negative;

    /// <summary>True when the value has no fractional part.</summary>
    public bool IsInteger => _exponent >= 0;

    /// <summary>-1, 0 or 1 according to the sign of the value.</summary>
    public int Sign => _precision == 0 ? 0 : _negative ? -1 : 1;

    /// <summary>The number of significant decimal digits (1 to 38; 1 for zero).</summary>
    public int Precision => _precision == 0 ? 1 : _precision;

    /// <summary>The significant digits without trailing zeros (0 for zero).</summary>
    internal UInt128 Coefficient => _coefficient;

    /// <summary>The value when it is an integer from 0 to 9,999 (read from the fields, no division); otherwise false.</summary>
    internal bool TryGetSmallInteger(out int value)
    {
        if (_negative || _exponent < 0 || _precision + _exponent > 4)
        {
            value = 0;
            return false;
        }

        value = (int)(uint)_coefficient * (int)(uint)s_pow10[_exponent];
        return true;
    }

    /// <summary>The power of ten the coefficient is scaled by: value = ±coefficient × 10^exponent (0 for zero).</summary>
    internal int Exponent => _exponent;

    /// <summary>The exponent of the first significant digit (0 for zero): 123.4 has 2, 0.01 has -2.</summary>
    internal int AdjustedExponent => _precision == 0 ? 0 : _exponent + _precision - 1;

    /// <summary>Converts a 64-bit integer exactly.</summary>
    /// <param name="value">The integer.</param>
    /// <returns>The number.</returns>
    public static KvNumber FromInt64(long value)
    {
        if (value == 0)
        {
            return default;
        }

        var magnitude = value < 0 ? unchecked(0UL - (ulong)value) : (ulong)value;
        return FromMagnitude(magnitude, value < 0);
    }

    /// <summary>Converts an unsigned 64-bit integer exactly.</summary>
    /// <param name="value">The integer.</param>
    /// <returns>The number.</returns>
    public static KvNumber FromUInt64(ulong value) => value == 0 ? default : FromMagnitude(value, false);

    /// <summary>Converts a <see cref="decimal"/> exactly (every decimal fits: 29 digits, magnitude at least 1E-28).</summary>
    /// <param name="value">The decimal.</param>
    /// <returns>The number.</returns>
    public static KvNumber FromDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        if (magnitude == 0)
        {
            return default;
        }

        long exponent = -((bits[3] >> 16) & 0xFF);
        magnitude = StripTrailingZeros(magnitude, ref exponent);
        return new KvNumber(magnitude, (int)exponent, bits[3] < 0, CountDigits(magnitude));
    }

    /// <summary>
    /// Converts a <see cref="double"/> through its shortest round-trip text ("R"), so <c>0.1</c> becomes exactly 0.1.
    /// </summary>
    /// <param name="value">The double.</param>
    /// <returns>The number.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> for NaN, infinities and values outside the supported range.
    /// </exception>
    public static KvNumber FromDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new KvDbException(KvErrorCode.InvalidNumber, MalformedMessage(value.ToString(CultureInfo.InvariantCulture)));
        }

        Span<char> text = stackalloc char[32];
        if (!value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture))
        {
            // Unreachable: "R" output of a finite double is at most 24 characters.
            return Parse(value.ToString("R", CultureInfo.InvariantCulture));
        }

        return Parse(text[..length]);
    }

    /// <summary>Converts a 32-bit integer exactly.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator KvNumber(int value) => FromInt64(value);

    /// <summary>Converts a 64-bit integer exactly.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator KvNumber(long value) => FromInt64(value);

    /// <summary>Converts a decimal exactly.</summary>
    /// <param name="value">The decimal.</param>
    public static implicit operator KvNumber(decimal value) => FromDecimal(value);

    /// <summary>Converts a double through its shortest round-trip text; see <see cref="FromDouble"/>.</summary>
    /// <param name="value">The double.</param>
    /// <exception cref="KvDbException"><see cref="KvErrorCode.InvalidNumber"/> for NaN, infinities and out of range values.</exception>
    public static explicit operator KvNumber(double value) => FromDouble(value);

    /// <summary>Converts to a 64-bit integer.</summary>
    /// <returns>The integer.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the value has a fractional part or is outside the range of <see cref="long"/>.
    /// </exception>
    public long ToInt64()
    {
        if (TryToInt64(out var value))
        {
            return value;
        }

        var message = IsInteger
            ? $"Number '{this}' is out of range for a 64-bit integer"
            : $"Number '{this}' is not an integer";
        throw new KvDbException(KvErrorCode.InvalidNumber, message);
    }

    /// <summary>Converts to a 64-bit integer when the value is an integer within the range of <see cref="long"/>.</summary>
    /// <param name="value">The integer, or 0 when the conversion fails.</param>
    /// <returns>True when the value converted exactly.</returns>
    public bool TryToInt64(out long value)
    {
        value = 0;
        if (_precision == 0)
        {
            return true;
        }

        if (_exponent < 0 || _precision + _exponent > 19)
        {
            return false;
        }

        var magnitude = _coefficient * s_pow10[_exponent];
        if (_negative)
        {
            if (magnitude > (UInt128)long.MaxValue + 1)
            {
                return false;
            }

            value = unchecked(-(long)(ulong)magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }

    /// <summary>
    /// Converts to a <see cref="decimal"/>. Digits beyond what a decimal can hold (28 decimal places, 96-bit
    /// coefficient) are rounded half to even; magnitudes below 5E-29 become 0.
    /// </summary>
    /// <returns>The decimal.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> (with an inner <see cref="OverflowException"/>) when the magnitude
    /// exceeds <see cref="decimal.MaxValue"/>.
    /// </exception>
    public decimal ToDecimal()
    {
        if (_precision == 0)
        {
            return 0m;
        }

        var maxCoefficient = ((UInt128)1 << 96) - 1;
        if (_exponent >= 0)
        {
            if (_precision + _exponent <= 29)
            {
                var magnitude = _coefficient * s_pow10[_exponent];
                if (magnitude <= maxCoefficient)
                {
                    return MakeDecimal(magnitude, 0, _negative);
                }
            }

            throw DecimalOverflow();
        }

        var scale = -_exponent;
        var drop = Math.Max(0, scale - 28);
        while (true)
        {
            var rounded = drop == 0 ? _coefficient : RoundHalfEvenDropping(_coefficient, drop);
            if (rounded == 0)
            {
                return 0m;
            }

            if (rounded <= maxCoefficient)
            {
                return MakeDecimal(rounded, scale - drop, _negative);
            }

            if (drop == scale)
            {
                throw DecimalOverflow();
            }

            drop++;
        }
    }

    /// <summary>Converts to the nearest <see cref="double"/> (parsing the canonical text).</summary>
    /// <returns>The double.</returns>
    public double ToDouble()
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        TryFormat(text, out var length);
        return double.Parse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Compares two numbers numerically.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    /// <returns>A negative value, 0 or a positive value as <paramref name="left"/> is less than, equal to or greater than <paramref name="right"/>.</returns>
    public static int Compare(KvNumber left, KvNumber right)
    {
        if (left._negative != right._negative)
        {
            return left._negative ? -1 : 1;
        }

        if (left._precision == 0 || right._precision == 0)
        {
            // Same sign flag, so both are non-negative here.
            return left._precision == 0 ? (right._precision == 0 ? 0 : -1) : 1;
        }

        var magnitude = CompareMagnitude(left, right);
        return left._negative ? -magnitude : magnitude;
    }

    /// <inheritdoc />
    public int CompareTo(KvNumber other) => Compare(this, other);

    /// <inheritdoc />
    public int CompareTo(object? obj)
    {
        if (obj is null)
        {
            return 1;
        }

        if (obj is KvNumber other)
        {
            return Compare(this, other);
        }

        throw new ArgumentException($"Object must be of type {nameof(KvNumber)}.", nameof(obj));
    }

    /// <inheritdoc />
    public bool Equals(KvNumber other) =>
        _coefficient == other._coefficient && _exponent == other._exponent && _negative == other._negative;

    /// <inheritdoc />
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is KvNumber other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_coefficient, _exponent, _negative);

    /// <summary>True when both numbers are numerically equal.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator ==(KvNumber left, KvNumber right) => left.Equals(right);

    /// <summary>True when the numbers differ.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator !=(KvNumber left, KvNumber right) => !left.Equals(right);

    /// <summary>True when <paramref name="left"/> is less than <paramref name="right"/>.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator <(KvNumber left, KvNumber right) => Compare(left, right) < 0;

    /// <summary>True when <paramref name="left"/> is less than or equal to <paramref name="right"/>.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator <=(KvNumber left, KvNumber right) => Compare(left, right) <= 0;

    /// <summary>True when <paramref name="left"/> is greater than <paramref name="right"/>.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator >(KvNumber left, KvNumber right) => Compare(left, right) > 0;

    /// <summary>True when <paramref name="left"/> is greater than or equal to <paramref name="right"/>.</summary>
    /// <param name="left">The first number.</param>
    /// <param name="right">The second number.</param>
    public static bool operator >=(KvNumber left, KvNumber right) => Compare(left, right) >= 0;

    /// <summary>
    /// The canonical text in invariant culture: plain notation (<c>1000</c>, <c>0.001</c>, <c>-123.45</c>) when the
    /// first digit's exponent is between -7 and 38, otherwise scientific (<c>1E+125</c>, <c>-1.5E-130</c>).
    /// <see cref="Parse(string)"/> of the result gives back the same number.
    /// </summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        TryFormat(text, out var length);
        return new string(text[..length]);
    }

    /// <summary>Writes the canonical text (see <see cref="ToString"/>) without allocating.</summary>
    /// <param name="destination">The buffer; 48 characters always suffice.</param>
    /// <param name="charsWritten">The number of characters written, or 0 when the buffer is too small.</param>
    /// <returns>False when <paramref name="destination"/> is too small.</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (_precision == 0)
        {
            if (destination.IsEmpty)
            {
                return false;
            }

            destination[0] = '0';
            charsWritten = 1;
            return true;
        }

        Span<byte> digits = stackalloc byte[MaxPrecision];
        var count = _precision;
        WriteDigits(_coefficient, count, digits);
        var adjusted = _exponent + count - 1;

        int length;
        if (adjusted is >= -7 and <= 38)
        {
            length = _exponent >= 0 ? count + _exponent
                : adjusted >= 0 ? count + 1
                : 2 - adjusted - 1 + count;
        }
        else
        {
            length = 1 + (count > 1 ? count : 0) + 2 + (adjusted is > -10 and < 10 ? 1 : adjusted is > -100 and < 100 ? 2 : 3);
        }

        if (_negative)
        {
            length++;
        }

        if (destination.Length < length)
        {
            return false;
        }

        var pos = 0;
        if (_negative)
        {
            destination[pos++] = '-';
        }

        if (adjusted is >= -7 and <= 38)
        {
            if (_exponent >= 0)
            {
                for (var i = 0; i < count; i++)
                {
                    destination[pos++] = (char)('0' + digits[i]);
                }

                destination.Slice(pos, _exponent).Fill('0');
                pos += _exponent;
            }
            else if (adjusted >= 0)
            {
                for (var i = 0; i < count; i++)
                {
                    if (i == adjusted + 1)
                    {
                        destination[pos++] = '.';
                    }

                    destination[pos++] = (char)('0' + digits[i]);
                }
            }
            else
            {
                destination[pos++] = '0';
                destination[pos++] = '.';
                destination.Slice(pos, -adjusted - 1).Fill('0');
                pos += -adjusted - 1;
                for (var i = 0; i < count; i++)
                {
                    destination[pos++] = (char)('0' + digits[i]);
                }
            }
        }
        else
        {
            destination[pos++] = (char)('0' + digits[0]);
            if (count > 1)
            {
                destination[pos++] = '.';
                for (var i = 1; i < count; i++)
                {
                    destination[pos++] = (char)('0' + digits[i]);
                }
            }

            destination[pos++] = 'E';
            destination[pos++] = adjusted < 0 ? '-' : '+';
            var magnitude = Math.Abs(adjusted);
            if (magnitude >= 100)
            {
                destination[pos++] = (char)('0' + magnitude / 100);
            }

            if (magnitude >= 10)
            {
                destination[pos++] = (char)('0' + magnitude / 10 % 10);
            }

            destination[pos++] = (char)('0' + magnitude % 10);
        }

        charsWritten = pos;
        return true;
    }

    /// <summary>Creates a number from a non-zero magnitude without trailing-zero or range guarantees.</summary>
    private static KvNumber FromMagnitude(ulong magnitude, bool negative)
    {
        var exponent = 0;
        while (magnitude % 10 == 0)
        {
            magnitude /= 10;
            exponent++;
        }

        return new KvNumber(magnitude, exponent, negative, CountDigits(magnitude));
    }

    /// <summary>Compares |left| with |right|; both must be non-zero.</summary>
    private static int CompareMagnitude(in KvNumber left, in KvNumber right)
    {
        var leftAdjusted = left._exponent + left._precision - 1;
        var rightAdjusted = right._exponent + right._precision - 1;
        if (leftAdjusted != rightAdjusted)
        {
            return leftAdjusted < rightAdjusted ? -1 : 1;
        }

        // Same leading position: scaling the shorter coefficient to the other's digit count fits in 38 digits.
        if (left._exponent == right._exponent)
        {
            return left._coefficient.CompareTo(right._coefficient);
        }

        if (left._exponent > right._exponent)
        {
            return (left._coefficient * s_pow10[left._exponent - right._exponent]).CompareTo(right._coefficient);
        }

        return left._coefficient.CompareTo(right._coefficient * s_pow10[right._exponent - left._exponent]);
    }

    private static UInt128[] CreatePowersOfTen()
    {
        var powers = new UInt128[MaxPrecision + 1];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    /// <summary>The number of decimal digits of <paramref name="value"/> (0 for 0).</summary>
    internal static int CountDigits(UInt128 value)
    {
        if (value <= ulong.MaxValue)
        {
            return CountDigits((ulong)value);
        }

        // value >= 2^64 > 10^19, so it has at least 20 digits.
        var digits = 20;
        while (digits < s_pow10.Length && value >= s_pow10[digits])
        {
            digits++;
        }

        return digits;
    }

    private static int CountDigits(ulong value)
    {
        if (value == 0)
        {
            return 0;
        }

        // floor(log10(value)) is log2 * 1233 / 4096 or one more.
        var estimate = (BitOperations.Log2(value) + 1) * 1233 >> 12;
        return estimate < 20 && value >= (ulong)s_pow10[estimate] ? estimate + 1 : estimate;
    }

    /// <summary>Writes the <paramref name="count"/> decimal digits of <paramref name="value"/> (0..9 each), most significant first.</summary>
    private static void WriteDigits(UInt128 value, int count, Span<byte> digits)
    {
        if (value <= ulong.MaxValue)
        {
            WriteDigits((ulong)value, digits[..count]);
            return;
        }

        var (quotient, remainder) = UInt128.DivRem(value, s_pow10[19]);
        WriteDigits((ulong)remainder, digits.Slice(count - 19, 19));
        WriteDigits((ulong)quotient, digits[..(count - 19)]);
    }

    /// <summary>Writes the last <c>digits.Length</c> decimal digits of <paramref name="value"/>, two per division.</summary>
    private static void WriteDigits(ulong value, Span<byte> digits)
    {
        var pos = digits.Length;
        while (pos >= 2)
        {
            (value, var pair) = Math.DivRem(value, 100UL);
            digits[--pos] = (byte)(pair % 10);
            digits[--pos] = (byte)(pair / 10);
        }

        if (pos == 1)
        {
            digits[0] = (byte)(value % 10);
        }
    }

    /// <summary>Removes trailing decimal zeros from a non-zero value, raising <paramref name="exponent"/> to match.</summary>
    private static UInt128 StripTrailingZeros(UInt128 value, ref long exponent)
    {
        while (value > ulong.MaxValue)
        {
            var (quotient, remainder) = UInt128.DivRem(value, 10);
            if (remainder != 0)
            {
                return value;
            }

            value = quotient;
            exponent++;
        }

        var small = (ulong)value;
        while (small % 10 == 0)
        {
            small /= 10;
            exponent++;
        }

        return small;
    }

    /// <summary>Rounds <paramref name="value"/> / 10^<paramref name="drop"/> half to even.</summary>
    private static UInt128 RoundHalfEvenDropping(UInt128 value, int drop)
    {
        if (drop > MaxPrecision)
        {
            return 0; // value < 10^38 <= 10^(drop - 1): below half.
        }

        var divisor = s_pow10[drop];
        var (quotient, remainder) = UInt128.DivRem(value, divisor);
        var twice = remainder * 2; // remainder < 10^38, so doubling fits.
        if (twice > divisor || (twice == divisor && !UInt128.IsEvenInteger(quotient)))
        {
            quotient++;
        }

        return quotient;
    }

    private static decimal MakeDecimal(UInt128 magnitude, int scale, bool negative) =>
        new(unchecked((int)(uint)magnitude), unchecked((int)(uint)(magnitude >> 32)), unchecked((int)(uint)(magnitude >> 64)), negative, (byte)scale);

    private KvDbException DecimalOverflow() =>
        new(KvErrorCode.InvalidNumber, $"Number '{this}' is out of range for decimal",
            new OverflowException("Value was either too large or too small for a Decimal."));

    /// <summary>The text of an input shown in messages, shortened when very long.</summary>
    private static string Quote(ReadOnlySpan<char> text) =>
        text.Length <= 80 ? text.ToString() : string.Concat(text[..77], "...");

    private static string MalformedMessage(ReadOnlySpan<char> text) => $"'{Quote(text)}' is not a valid number";

    private static string OutOfRangeMessage(ReadOnlySpan<char> text) =>
        $"Number '{Quote(text)}' is out of range: {RangeText}";

    private static string TooManyDigitsMessage(ReadOnlySpan<char> text, int digits) =>
        $"Number '{Quote(text)}' has {digits} significant digits; at most {MaxPrecision} are supported";

    [DoesNotReturn]
    private static void ThrowInvalid(string message) => throw new KvDbException(KvErrorCode.InvalidNumber, message);
}
