using System.Globalization;

namespace KvDb.Core.Tests.Model;

public sealed class KvNumberTests
{
    private const string Max = "9.9999999999999999999999999999999999999E+125";
    private const string Nines38 = "99999999999999999999999999999999999999";
    private const string MaxPairs = "64646464646464646464" + "646464646464646464"; // 19 pairs of 99
    private const string RangeText = "magnitude must be between 1E-130 and 9.99...E+125";

    private static KvNumber N(string text) => KvNumber.Parse(text);

    private static string Invalid(Func<KvNumber> operation) => Invalid(() => { _ = operation(); });

    private static string Invalid(Action action) => Assert.Throws<KvDbException>(action) switch
    {
        { Code: KvErrorCode.InvalidNumber } e => e.Message,
        var e => throw new InvalidOperationException($"Unexpected code {e.Code}"),
    };

    // ---- Parse and normalisation -------------------------------------------------------------------------------

    [Theory]
    [InlineData("1e3", "1000")]
    [InlineData("1000", "1000")]
    [InlineData("1000.000", "1000")]
    [InlineData("+1000", "1000")]
    [InlineData("10E2", "1000")]
    [InlineData("1E+3", "1000")]
    [InlineData("1.50", "1.5")]
    [InlineData("-12.3400", "-12.34")]
    [InlineData("-0", "0")]
    [InlineData("+0", "0")]
    [InlineData("0.000", "0")]
    [InlineData("-0.000e-5", "0")]
    [InlineData("00012", "12")]
    [InlineData("000.000100", "0.0001")]
    [InlineData(".5", "0.5")]
    [InlineData("-.5", "-0.5")]
    [InlineData("5.", "5")]
    [InlineData("5.e1", "50")]
    [InlineData("1e+0", "1")]
    [InlineData("1e-0000000005", "0.00001")]
    [InlineData("123.456e2", "12345.6")]
    [InlineData("0e999999999999", "0")]
    [InlineData("0e-99999999999999999999999", "0")]
    [InlineData("1e-130", "1E-130")]
    [InlineData("-1e-130", "-1E-130")]
    [InlineData("9.99e125", "9.99E+125")]
    [InlineData("9.9999999999999999999999999999999999999e125", Max)]
    [InlineData(Nines38, Nines38)]
    [InlineData("0000" + Nines38, Nines38)]
    [InlineData("1.0000000000000000000000000000000000000000", "1")]
    [InlineData("100000000000000000000000000000000000000000000000000", "1E+50")]
    [InlineData("12345678901234567890123456789012345678e-20", "123456789012345678.90123456789012345678")]
    [InlineData("1e38", "100000000000000000000000000000000000000")]
    [InlineData("1e39", "1E+39")]
    public void Parse_ValidText_Normalises(string text, string expected)
    {
        Assert.Equal(expected, N(text).ToString());
    }

    [Fact]
    public void Parse_SmallestMagnitudeWrittenPlain_IsAccepted()
    {
        var text = "0." + new string('0', 129) + "1";
        Assert.Equal("1E-130", N(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData(".")]
    [InlineData("-.")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1e--5")]
    [InlineData("e5")]
    [InlineData(".e5")]
    [InlineData("1.2.3")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("+-1")]
    [InlineData("--1")]
    [InlineData("12a")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("0x10")]
    [InlineData("1_000")]
    [InlineData("1,5")]
    [InlineData("1e5.5")]
    [InlineData("\u0661")]
    [InlineData("1234567890123456789012345678901234567890x")]
    public void Parse_MalformedText_ThrowsInvalidNumber(string text)
    {
        var expected = $"'{text}' is not a valid number";
        Assert.Equal(expected, Invalid(() => N(text)));
        Assert.False(KvNumber.TryParse(text, out var value, out var error));
        Assert.Equal(expected, error);
        Assert.True(value.IsZero);
        Assert.False(KvNumber.TryParse(text, out _));
    }

    [Theory]
    [InlineData("1e-131")]
    [InlineData("-1e-131")]
    [InlineData("0.99999e-130")]
    [InlineData("0.099e-129")]
    [InlineData("1e126")]
    [InlineData("-1e126")]
    [InlineData("10e125")]
    [InlineData("1.23e999")]
    [InlineData("1e99999999999999999999")]
    [InlineData("1e-99999999999999999999")]
    public void Parse_OutOfRange_ThrowsInvalidNumber(string text)
    {
        var expected = $"Number '{text}' is out of range: {RangeText}";
        Assert.Equal(expected, Invalid(() => N(text)));
        Assert.False(KvNumber.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("123456789012345678901234567890123456789", 39)]
    [InlineData("-1.00000000000000000000000000000000000001", 39)]
    [InlineData("0.000123456789012345678901234567890123456789e5", 39)]
    public void Parse_TooManyDigits_ThrowsInvalidNumber(string text, int digits)
    {
        var expected = $"Number '{text}' has {digits} significant digits; at most 38 are supported";
        Assert.Equal(expected, Invalid(() => N(text)));
        Assert.False(KvNumber.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Parse_TooManyDigitsWithZerosBetween_CountsTheZeros()
    {
        var text = "1" + new string('0', 50) + "1";
        Assert.Equal($"Number '{text}' has 52 significant digits; at most 38 are supported", Invalid(() => N(text)));
    }

    [Fact]
    public void Parse_VeryLongText_ShortensTheMessage()
    {
        var text = new string('1', 200);
        var message = Invalid(() => N(text));
        Assert.Equal($"Number '{new string('1', 77)}...' has 200 significant digits; at most 38 are supported", message);
    }

    [Fact]
    public void Parse_NullString_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => KvNumber.Parse((string)null!));
    }

    [Fact]
    public void TryParse_ValidText_ReturnsValueAndNoError()
    {
        Assert.True(KvNumber.TryParse("-1.5e2", out var value, out var error));
        Assert.Null(error);
        Assert.Equal("-150", value.ToString());
        Assert.True(KvNumber.TryParse("7", out var seven));
        Assert.Equal(KvNumber.FromInt64(7), seven);
    }

    [Theory]
    [InlineData("1e3", "1000")]
    [InlineData("1000", "10E2")]
    [InlineData("1000.000", "+1000")]
    [InlineData("0", "-0.0e7")]
    [InlineData("0.5", ".50")]
    [InlineData("-12.5", "-1.25E+1")]
    public void Parse_EquivalentTexts_AreIdentical(string a, string b)
    {
        var x = N(a);
        var y = N(b);
        Assert.Equal(x, y);
        Assert.True(x == y);
        Assert.False(x != y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.Equal(x.ToString(), y.ToString());
        Assert.Equal(x.ToEncodedBytes(), y.ToEncodedBytes());
        Assert.Equal(0, KvNumber.Compare(x, y));
        Assert.True(x.Equals((object)y));
    }

    // ---- Basic properties --------------------------------------------------------------------------------------

    [Fact]
    public void Default_IsZero()
    {
        var zero = default(KvNumber);
        Assert.Equal(KvNumber.Zero, zero);
        Assert.True(zero.IsZero);
        Assert.False(zero.IsNegative);
        Assert.True(zero.IsInteger);
        Assert.Equal(0, zero.Sign);
        Assert.Equal(1, zero.Precision);
        Assert.Equal("0", zero.ToString());
        Assert.Equal(N("-0"), zero);
        Assert.Equal(N("-0").GetHashCode(), zero.GetHashCode());
    }

    [Theory]
    [InlineData("1", false, false, true, 1, 1)]
    [InlineData("-1.5", false, true, false, -1, 2)]
    [InlineData("1200", false, false, true, 1, 2)]
    [InlineData("-0.001", false, true, false, -1, 1)]
    [InlineData(Nines38, false, false, true, 1, 38)]
    public void Properties_ReflectTheValue(string text, bool zero, bool negative, bool integer, int sign, int precision)
    {
        var n = N(text);
        Assert.Equal(zero, n.IsZero);
        Assert.Equal(negative, n.IsNegative);
        Assert.Equal(integer, n.IsInteger);
        Assert.Equal(sign, n.Sign);
        Assert.Equal(precision, n.Precision);
    }

    [Fact]
    public void One_IsOne()
    {
        Assert.Equal("1", KvNumber.One.ToString());
        Assert.Equal(N("1.000"), KvNumber.One);
    }

    [Fact]
    public void InternalAccessors_ExposeNormalisedParts()
    {
        var n = N("-123.4500");
        Assert.Equal((UInt128)12345, n.Coefficient);
        Assert.Equal(-2, n.Exponent);
        Assert.Equal(2, n.AdjustedExponent);
        Assert.Equal((UInt128)1, N("1e3").Coefficient);
        Assert.Equal(3, N("1e3").Exponent);
        Assert.Equal(N(Max), KvNumber.MaxValue);
        Assert.Equal(N("1e-130"), KvNumber.MinPositive);
        Assert.Equal(0, KvNumber.Zero.AdjustedExponent);
    }

    // ---- ToString ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1000", "1000")]
    [InlineData("0.001", "0.001")]
    [InlineData("123.45", "123.45")]
    [InlineData("-0.5", "-0.5")]
    [InlineData("0.0000001", "0.0000001")]
    [InlineData("0.00000001", "1E-8")]
    [InlineData("-0.000000012", "-1.2E-8")]
    [InlineData("1.234e-7", "0.0000001234")]
    [InlineData("1e125", "1E+125")]
    [InlineData("1.5e-130", "1.5E-130")]
    [InlineData("-9.99e100", "-9.99E+100")]
    [InlineData("1.23e39", "1.23E+39")]
    [InlineData("123e37", "1.23E+39")]
    [InlineData("1.5e38", "150000000000000000000000000000000000000")]
    [InlineData("1e-10", "1E-10")]
    [InlineData("1.5e-99", "1.5E-99")]
    [InlineData("1e-100", "1E-100")]
    [InlineData("1e+99", "1E+99")]
    [InlineData("1e+100", "1E+100")]
    [InlineData("12345678901234567890123456789012345678e88", "1.2345678901234567890123456789012345678E+125")]
    [InlineData("-1.2345678901234567890123456789012345678e-130", "-1.2345678901234567890123456789012345678E-130")]
    [InlineData("0.12345678901234567890123456789012345678", "0.12345678901234567890123456789012345678")]
    public void ToString_WritesCanonicalText(string text, string expected)
    {
        var n = N(text);
        Assert.Equal(expected, n.ToString());
        Assert.Equal(n, N(n.ToString()));
    }

    [Fact]
    public void TryFormat_SmallBuffer_ReturnsFalse()
    {
        var n = N("-123.45");
        Assert.False(n.TryFormat(new char[6], out var written));
        Assert.Equal(0, written);
        var buffer = new char[7];
        Assert.True(n.TryFormat(buffer, out written));
        Assert.Equal("-123.45", new string(buffer, 0, written));
        Assert.False(KvNumber.Zero.TryFormat(Span<char>.Empty, out _));
    }

    [Fact]
    public void TryFormat_LongestValues_FitTheDocumentedBuffer()
    {
        var longest = new[]
        {
            N("-0.00000012345678901234567890123456789012345678"),
            N("-1.2345678901234567890123456789012345678E-130"),
            N("-1e38"),
        };
        foreach (var n in longest)
        {
            Assert.True(n.TryFormat(new char[KvNumber.MaxFormattedLength], out var written));
            Assert.True(written <= KvNumber.MaxFormattedLength);
        }
    }

    // ---- Conversions -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1L, "1")]
    [InlineData(-1L, "-1")]
    [InlineData(1000L, "1000")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void FromInt64_IsExact(long value, string expected)
    {
        Assert.Equal(expected, KvNumber.FromInt64(value).ToString());
        Assert.Equal(N(expected), KvNumber.FromInt64(value));
        KvNumber implicitValue = value;
        Assert.Equal(N(expected), implicitValue);
        Assert.Equal(value, KvNumber.FromInt64(value).ToInt64());
    }

    [Fact]
    public void FromUInt64_IsExact()
    {
        Assert.Equal("18446744073709551615", KvNumber.FromUInt64(ulong.MaxValue).ToString());
        Assert.Equal(KvNumber.Zero, KvNumber.FromUInt64(0));
        Assert.Equal(N("1e19"), KvNumber.FromUInt64(10_000_000_000_000_000_000));
    }

    [Fact]
    public void ImplicitFromInt_IsExact()
    {
        KvNumber n = -42;
        Assert.Equal("-42", n.ToString());
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1.2300", "1.23")]
    [InlineData("-0.0", "0")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335", "-79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001", "1E-28")]
    [InlineData("123456789.123456789", "123456789.123456789")]
    public void FromDecimal_IsExact(string decimalText, string expected)
    {
        var value = decimal.Parse(decimalText, CultureInfo.InvariantCulture);
        Assert.Equal(expected, KvNumber.FromDecimal(value).ToString());
        KvNumber implicitValue = value;
        Assert.Equal(N(expected), implicitValue);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e100, "1E+100")]
    [InlineData(1.5e125, "1.5E+125")]
    [InlineData(123456789012345680.0, "123456789012345680")]
    [InlineData(5e-130, "5E-130")]
    public void FromDouble_UsesShortestRoundTripText(double value, string expected)
    {
        Assert.Equal(expected, KvNumber.FromDouble(value).ToString());
        Assert.Equal(N(expected), (KvNumber)value);
    }

    [Fact]
    public void FromDouble_NegativeZero_IsZero()
    {
        Assert.Equal(KvNumber.Zero, KvNumber.FromDouble(-0.0));
        Assert.False(KvNumber.FromDouble(-0.0).IsNegative);
    }

    [Theory]
    [InlineData(double.NaN, "'NaN' is not a valid number")]
    [InlineData(double.PositiveInfinity, "'Infinity' is not a valid number")]
    [InlineData(double.NegativeInfinity, "'-Infinity' is not a valid number")]
    [InlineData(1e300, "Number '1E+300' is out of range: " + RangeText)]
    [InlineData(-1.5e-300, "Number '-1.5E-300' is out of range: " + RangeText)]
    [InlineData(double.Epsilon, "Number '5E-324' is out of range: " + RangeText)]
    public void FromDouble_Unrepresentable_ThrowsInvalidNumber(double value, string expected)
    {
        Assert.Equal(expected, Invalid(() => KvNumber.FromDouble(value)));
        Assert.Equal(expected, Invalid(() => _ = (KvNumber)value));
    }

    [Theory]
    [InlineData("123", 123L)]
    [InlineData("-123", -123L)]
    [InlineData("1e18", 1_000_000_000_000_000_000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0", 0L)]
    [InlineData("12.000", 12L)]
    public void ToInt64_Integer_Converts(string text, long expected)
    {
        Assert.Equal(expected, N(text).ToInt64());
        Assert.True(N(text).TryToInt64(out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("1.5", "Number '1.5' is not an integer")]
    [InlineData("-0.001", "Number '-0.001' is not an integer")]
    [InlineData("1e-130", "Number '1E-130' is not an integer")]
    [InlineData("9223372036854775808", "Number '9223372036854775808' is out of range for a 64-bit integer")]
    [InlineData("-9223372036854775809", "Number '-9223372036854775809' is out of range for a 64-bit integer")]
    [InlineData("1e19", "Number '10000000000000000000' is out of range for a 64-bit integer")]
    [InlineData("1e20", "Number '100000000000000000000' is out of range for a 64-bit integer")]
    [InlineData("1e125", "Number '1E+125' is out of range for a 64-bit integer")]
    [InlineData(Nines38, "Number '" + Nines38 + "' is out of range for a 64-bit integer")]
    public void ToInt64_NotALong_ThrowsInvalidNumber(string text, string expected)
    {
        Assert.Equal(expected, Invalid(() => N(text).ToInt64()));
        Assert.False(N(text).TryToInt64(out var value));
        Assert.Equal(0, value);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1.5", "1.5")]
    [InlineData("-1.5", "-1.5")]
    [InlineData("1e-28", "0.0000000000000000000000000001")]
    [InlineData("1e-29", "0")]
    [InlineData("5e-29", "0")]
    [InlineData("6e-29", "0.0000000000000000000000000001")]
    [InlineData("-1.5e-28", "-0.0000000000000000000000000002")]
    [InlineData("1.2345678901234567890123456789012345678e0", "1.2345678901234567890123456789")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335", "-79228162514264337593543950335")]
    [InlineData("79228162514264337593543950334.5", "79228162514264337593543950334")]
    [InlineData("9.9999999999999999999999999999999999999e27", "10000000000000000000000000000")]
    [InlineData("1e28", "10000000000000000000000000000")]
    [InlineData("0.33333333333333333333333333333333333333", "0.3333333333333333333333333333")]
    public void ToDecimal_InRange_RoundsHalfEven(string text, string expected)
    {
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), N(text).ToDecimal());
    }

    [Theory]
    [InlineData("79228162514264337593543950336")]
    [InlineData("79228162514264337593543950335.5")]
    [InlineData("1e29")]
    [InlineData("-1e125")]
    public void ToDecimal_OutOfRange_ThrowsInvalidNumberWrappingOverflow(string text)
    {
        var n = N(text);
        var e = Assert.Throws<KvDbException>(() => n.ToDecimal());
        Assert.Equal(KvErrorCode.InvalidNumber, e.Code);
        Assert.Equal($"Number '{n}' is out of range for decimal", e.Message);
        Assert.IsType<OverflowException>(e.InnerException);
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("0.1", 0.1)]
    [InlineData("-2.5", -2.5)]
    [InlineData("1e125", 1e125)]
    [InlineData("1.5e-130", 1.5e-130)]
    [InlineData("12345678901234567890123456789012345678", 1.2345678901234568e37)]
    public void ToDouble_ReturnsNearestDouble(string text, double expected)
    {
        Assert.Equal(expected, N(text).ToDouble());
    }

    // ---- Comparison --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1", "2", -1)]
    [InlineData("-1", "1", -1)]
    [InlineData("0", "-0", 0)]
    [InlineData("0", "1e-130", -1)]
    [InlineData("0", "-1e-130", 1)]
    [InlineData("1e3", "1000", 0)]
    [InlineData("0.12", "0.123", -1)]
    [InlineData("0.12", "0.1201", -1)]
    [InlineData("0.1201", "0.123", -1)]
    [InlineData("-0.12", "-0.123", 1)]
    [InlineData("-0.12", "-0.1201", 1)]
    [InlineData("-0.1201", "-0.123", 1)]
    [InlineData("10", "9.99", 1)]
    [InlineData("-10", "-9.99", -1)]
    [InlineData("1.5", "1.4999999999999999999999999999999999999", 1)]
    [InlineData("9.99e125", "1e125", 1)]
    [InlineData(Max, "9.9999999999999999999999999999999999998e125", 1)]
    [InlineData("-" + Max, "-1e-130", -1)]
    [InlineData("1e-130", "1.0000000000000000000000000000000000001e-130", -1)]
    [InlineData("100", "99.999999999999999999999999999999999999", 1)]
    [InlineData("123", "1.23e2", 0)]
    public void Compare_OrdersNumerically_AndEncodingAgrees(string a, string b, int expected)
    {
        var x = N(a);
        var y = N(b);
        Assert.Equal(expected, Math.Sign(KvNumber.Compare(x, y)));
        Assert.Equal(-expected, Math.Sign(KvNumber.Compare(y, x)));
        Assert.Equal(expected, Math.Sign(x.CompareTo(y)));
        Assert.Equal(expected, Math.Sign(x.CompareTo((object)y)));
        Assert.Equal(expected < 0, x < y);
        Assert.Equal(expected <= 0, x <= y);
        Assert.Equal(expected > 0, x > y);
        Assert.Equal(expected >= 0, x >= y);
        Assert.Equal(expected == 0, x == y);
        Assert.Equal(expected != 0, x != y);
        Assert.Equal(expected, Math.Sign(x.ToEncodedBytes().AsSpan().SequenceCompareTo(y.ToEncodedBytes())));
    }

    [Fact]
    public void CompareTo_NullOrOtherType_FollowsIComparable()
    {
        Assert.Equal(1, KvNumber.One.CompareTo(null));
        Assert.Throws<ArgumentException>(() => KvNumber.One.CompareTo("1"));
        Assert.False(KvNumber.One.Equals("1"));
        Assert.False(KvNumber.One.Equals(null));
    }

    // ---- Encoding ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("0", "80")]
    [InlineData("1", "C0820B00")]
    [InlineData("-1", "407DF4FF")]
    [InlineData("0.12", "C0810D00")]
    [InlineData("123", "C0840D1F00")]
    [InlineData("-123", "407BF2E0FF")]
    [InlineData("0.1201", "C0810D0200")]
    [InlineData("1e-130", "C0000B00")]
    [InlineData("-1e-130", "40FFF4FF")]
    [InlineData(Max, "C0FF" + MaxPairs + "00")]
    public void Encode_WritesDocumentedLayout(string text, string hex)
    {
        var n = N(text);
        var expected = Convert.FromHexString(hex);
        Assert.Equal(expected, n.ToEncodedBytes());
        Assert.Equal(expected.Length, n.GetEncodedLength());
        var buffer = new byte[KvNumber.MaxEncodedLength + 3];
        Assert.Equal(expected.Length, n.Encode(buffer));
        Assert.Equal(n, KvNumber.Decode(buffer, out var read));
        Assert.Equal(expected.Length, read);
    }

    [Fact]
    public void Encode_LongestValue_Is22Bytes()
    {
        Assert.Equal(22, N(Max).GetEncodedLength());
        Assert.Equal(22, N("-" + Max).ToEncodedBytes().Length);
        Assert.Equal(KvNumber.MaxEncodedLength, N("-" + Max).GetEncodedLength());
    }

    [Fact]
    public void Encode_DestinationTooSmall_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => N("123").Encode(new byte[4]));
        Assert.Throws<ArgumentException>(() => KvNumber.Zero.Encode(Span<byte>.Empty));
    }

    [Fact]
    public void Decode_IgnoresTrailingBytes()
    {
        var bytes = Convert.FromHexString("C0840D1F00FFFF");
        Assert.Equal(N("123"), KvNumber.Decode(bytes, out var read));
        Assert.Equal(5, read);
        Assert.Equal(KvNumber.Zero, KvNumber.Decode(new byte[] { 0x80, 0x00 }, out read));
        Assert.Equal(1, read);
    }

    [Theory]
    [InlineData("", "the input is empty")]
    [InlineData("12", "unknown leading byte 0x12")]
    [InlineData("00", "unknown leading byte 0x00")]
    [InlineData("FF0B00", "unknown leading byte 0xFF")]
    [InlineData("C0", "the exponent byte is missing")]
    [InlineData("40", "the exponent byte is missing")]
    [InlineData("C082", "the terminator is missing")]
    [InlineData("C0820B", "the terminator is missing")]
    [InlineData("407DF4", "the terminator is missing")]
    [InlineData("407DF400", "digit byte 0x00 at offset 3 is out of range")]
    [InlineData("C08200", "it has no digits")]
    [InlineData("407DFF", "it has no digits")]
    [InlineData("C0826500", "digit byte 0x65 at offset 2 is out of range")]
    [InlineData("C0820BFF00", "digit byte 0xFF at offset 3 is out of range")]
    [InlineData("407D9AFF", "digit byte 0x9A at offset 2 is out of range")]
    [InlineData("C0820B0100", "it has trailing zero digits")]
    [InlineData("407DF4FEFF", "it has trailing zero digits")]
    [InlineData("C0820200", "the first digit is zero")]
    [InlineData("C0820A00", "the first digit is zero")]
    [InlineData("C0FF" + MaxPairs + "6400", "it has more than 38 digits")]
    [InlineData("C0FF" + MaxPairs, "the terminator is missing")]
    public void Decode_Malformed_ThrowsInvalidNumber(string hex, string reason)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Equal($"Invalid number encoding: {reason}", Invalid(() => KvNumber.Decode(bytes, out _)));
    }

    [Fact]
    public void Decode_OddDigitCount_UsesPaddedPair()
    {
        // 0.123 × 10^3: pairs 12 and 30 (padded).
        Assert.Equal(N("123"), KvNumber.Decode(Convert.FromHexString("C0840D1F00"), out _));
        // Pair 30 in the middle is two digits: 0.1230 45 → 123045 (E=6).
        Assert.Equal(N("123045"), KvNumber.Decode(Convert.FromHexString("C0870D1F2E00"), out _));
    }

    // ---- Arithmetic --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1", "2", "3")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("-5", "3", "-2")]
    [InlineData("1.5", "-1.5", "0")]
    [InlineData("1e125", "-1e125", "0")]
    [InlineData("0", "-7", "-7")]
    [InlineData("-7", "0", "-7")]
    [InlineData("1e-130", "1e-130", "2E-130")]
    [InlineData("5e37", "5e37", "100000000000000000000000000000000000000")]
    [InlineData(Nines38, "1", "100000000000000000000000000000000000000")]
    [InlineData("1e38", "1", "100000000000000000000000000000000000000")]
    [InlineData("1.0000000000000000000000000000000000001e38", "5", "100000000000000000000000000000000000020")]
    [InlineData("1.0000000000000000000000000000000000002e38", "5", "100000000000000000000000000000000000020")]
    [InlineData("1.0000000000000000000000000000000000002e38", "5.0000000001", "100000000000000000000000000000000000030")]
    [InlineData("1e125", "1e-130", "1E+125")]
    [InlineData("1e125", "-1e-130", "1E+125")]
    [InlineData("1e40", "-1", "1E+40")]
    [InlineData("1e40", "-50", "1E+40")]
    [InlineData("1e40", "-51", "9.9999999999999999999999999999999999999E+39")]
    [InlineData("1e40", "-50.0000001", "9.9999999999999999999999999999999999999E+39")]
    [InlineData("1e40", "-9.9999999999999999999999999999999999999e39", "100")]
    [InlineData(Max, "1", Max)]
    [InlineData(Max, "4.9e87", Max)]
    [InlineData("-" + Max, Max, "0")]
    [InlineData("1.2345678901234567890123456789012345678e10", "1e-30", "12345678901.234567890123456789012345678")]
    public void Add_ExactOrRoundedHalfEven(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.Add(N(a), N(b)).ToString());
        Assert.Equal(expected, KvNumber.Add(N(b), N(a)).ToString());
        Assert.Equal(expected, (N(a) + N(b)).ToString());
        Assert.Equal(expected, KvNumber.Subtract(N(a), -N(b)).ToString());
        Assert.Equal(N(expected), -KvNumber.Subtract(-N(a), N(b)));
    }

    [Theory]
    [InlineData("3", "5", "-2")]
    [InlineData("-3", "-5", "2")]
    [InlineData("0", "5", "-5")]
    [InlineData("1", "0.0000001", "0.9999999")]
    [InlineData("1e-129", "1e-130", "9E-130")]
    public void Subtract_Exact(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.Subtract(N(a), N(b)).ToString());
        Assert.Equal(expected, (N(a) - N(b)).ToString());
        Assert.Equal(expected, KvNumber.SubtractExact(N(a), N(b)).ToString());
    }

    [Theory]
    [InlineData("1", "2", "3")]
    [InlineData("5e37", "5e37", "100000000000000000000000000000000000000")]
    [InlineData(Nines38, "1", "100000000000000000000000000000000000000")]
    [InlineData("1e40", "-9.9999999999999999999999999999999999999e39", "100")]
    [InlineData("0", "1e-130", "1E-130")]
    public void AddExact_FitsIn38Digits_ReturnsExactSum(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.AddExact(N(a), N(b)).ToString());
    }

    [Theory]
    [InlineData(Nines38, "2", "Adding 99999999999999999999999999999999999999 and 2 needs more than 38 significant digits")]
    [InlineData("1e38", "1", "Adding 100000000000000000000000000000000000000 and 1 needs more than 38 significant digits")]
    [InlineData("1e125", "1e-130", "Adding 1E+125 and 1E-130 needs more than 38 significant digits")]
    [InlineData("1e40", "-51", "Adding 1E+40 and -51 needs more than 38 significant digits")]
    [InlineData("9.99e125", "1e125", "Adding 9.99E+125 and 1E+125 overflows the supported range")]
    [InlineData(
        "1.0000000000000000000000000000000000001e-100",
        "-1e-100",
        "Adding 1.0000000000000000000000000000000000001E-100 and -1E-100 underflows the supported range: a non-zero result must have magnitude at least 1E-130")]
    public void AddExact_CannotBeExact_ThrowsInvalidNumber(string a, string b, string expected)
    {
        Assert.Equal(expected, Invalid(() => KvNumber.AddExact(N(a), N(b))));
    }

    [Theory]
    [InlineData("1e125", "-1e-130", "Subtracting -1E-130 from 1E+125 needs more than 38 significant digits")]
    [InlineData("-9.99e125", "1e125", "Subtracting 1E+125 from -9.99E+125 overflows the supported range")]
    public void SubtractExact_CannotBeExact_ThrowsInvalidNumber(string a, string b, string expected)
    {
        Assert.Equal(expected, Invalid(() => KvNumber.SubtractExact(N(a), N(b))));
    }

    [Theory]
    [InlineData("9.99e125", "1e125", "Adding 9.99E+125 and 1E+125 overflows the supported range")]
    [InlineData(Max, Max, "Adding " + Max + " and " + Max + " overflows the supported range")]
    [InlineData(Max, "5e87", "Adding " + Max + " and 5E+87 overflows the supported range")]
    [InlineData(
        "1.0000000000000000000000000000000000001e-100",
        "-1e-100",
        "Adding 1.0000000000000000000000000000000000001E-100 and -1E-100 underflows the supported range: a non-zero result must have magnitude at least 1E-130")]
    public void Add_OutOfRange_ThrowsInvalidNumber(string a, string b, string expected)
    {
        Assert.Equal(expected, Invalid(() => KvNumber.Add(N(a), N(b))));
    }

    [Fact]
    public void Subtract_Underflow_ThrowsInvalidNumber()
    {
        Assert.Equal(
            "Subtracting 1E-100 from 1.0000000000000000000000000000000000001E-100 underflows the supported range: a non-zero result must have magnitude at least 1E-130",
            Invalid(() => N("1.0000000000000000000000000000000000001e-100") - N("1e-100")));
    }

    [Theory]
    [InlineData("2", "3", "6")]
    [InlineData("-1.5", "2", "-3")]
    [InlineData("-1.5", "-2", "3")]
    [InlineData("0", "-5", "0")]
    [InlineData("-5", "0", "0")]
    [InlineData("25", "4", "100")]
    [InlineData("1e-65", "1e-65", "1E-130")]
    [InlineData("1e62", "9.99e63", "9.99E+125")]
    [InlineData("12345678901234567890", "98765432109876543210", "1.2193263113702179522374638011112635269E+39")]
    [InlineData("18446744073709551615", "18446744073709551615", "340282366920938463426481119284349108220")]
    [InlineData(Nines38, Nines38, "9.9999999999999999999999999999999999998E+75")]
    [InlineData("11", "11111111111111111111111111111111111111", "122222222222222222222222222222222222220")]
    [InlineData("3", "33333333333333333333333333333333333335", "100000000000000000000000000000000000000")]
    public void Multiply_ExactOrRoundedHalfEven(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.Multiply(N(a), N(b)).ToString());
        Assert.Equal(expected, (N(b) * N(a)).ToString());
    }

    [Theory]
    [InlineData("1e100", "1e100", "Multiplying 1E+100 by 1E+100 overflows the supported range")]
    [InlineData("-1e-100", "1e-100", "Multiplying -1E-100 by 1E-100 underflows the supported range: a non-zero result must have magnitude at least 1E-130")]
    [InlineData(Max, "1.0000000000000000000000000000000000001", "Multiplying " + Max + " by 1.0000000000000000000000000000000000001 overflows the supported range")]
    public void Multiply_OutOfRange_ThrowsInvalidNumber(string a, string b, string expected)
    {
        Assert.Equal(expected, Invalid(() => KvNumber.Multiply(N(a), N(b))));
    }

    [Theory]
    [InlineData("1", "3", "0.33333333333333333333333333333333333333")]
    [InlineData("2", "3", "0.66666666666666666666666666666666666667")]
    [InlineData("1", "7", "0.14285714285714285714285714285714285714")]
    [InlineData("1", "4", "0.25")]
    [InlineData("-1", "8", "-0.125")]
    [InlineData("-10", "-4", "2.5")]
    [InlineData("0", "5", "0")]
    [InlineData("0", "-5", "0")]
    [InlineData("6", "3", "2")]
    [InlineData("1", Nines38, "1E-38")]
    [InlineData(Max, "3", "3.3333333333333333333333333333333333333E+125")]
    [InlineData("2.5", "0.5", "5")]
    public void Divide_RoundsHalfEvenTo38Digits(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.Divide(N(a), N(b)).ToString());
        Assert.Equal(expected, (N(a) / N(b)).ToString());
    }

    [Theory]
    [InlineData("1e125", "1e-5", "Dividing 1E+125 by 0.00001 overflows the supported range")]
    [InlineData("1e-130", "2", "Dividing 1E-130 by 2 underflows the supported range: a non-zero result must have magnitude at least 1E-130")]
    [InlineData("1e-100", "-1e100", "Dividing 1E-100 by -1E+100 underflows the supported range: a non-zero result must have magnitude at least 1E-130")]
    public void Divide_OutOfRange_ThrowsInvalidNumber(string a, string b, string expected)
    {
        Assert.Equal(expected, Invalid(() => N(a) / N(b)));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("-1e-130")]
    public void Divide_ByZero_ThrowsInvalidNumber(string a)
    {
        Assert.Equal("Division by zero", Invalid(() => KvNumber.Divide(N(a), KvNumber.Zero)));
        Assert.Equal("Division by zero", Invalid(() => N(a) % KvNumber.Zero));
    }

    [Theory]
    [InlineData("7", "3", "1")]
    [InlineData("-7", "3", "-1")]
    [InlineData("7", "-3", "1")]
    [InlineData("-7", "-3", "-1")]
    [InlineData("5.5", "2", "1.5")]
    [InlineData("1", "3", "1")]
    [InlineData("-1", "3", "-1")]
    [InlineData("0.3", "0.1", "0")]
    [InlineData("12.345", "0.1", "0.045")]
    [InlineData("0", "3", "0")]
    [InlineData("6", "3", "0")]
    [InlineData("1e100", "3", "1")]
    [InlineData("1e100", "7", "4")]
    [InlineData("-1e125", "7", "-5")]
    [InlineData("1e125", "1e-130", "0")]
    [InlineData("1.5e20", "7e-100", "5E-100")]
    [InlineData(Max, "1e88", "0")]
    [InlineData("1e-130", "1", "1E-130")]
    public void Remainder_IsTruncatedAndExact(string a, string b, string expected)
    {
        Assert.Equal(expected, KvNumber.Remainder(N(a), N(b)).ToString());
        Assert.Equal(expected, (N(a) % N(b)).ToString());
    }

    [Fact]
    public void Remainder_BelowSmallestMagnitude_ThrowsInvalidNumber()
    {
        Assert.Equal(
            "The remainder of 5.509E-130 divided by 5.5E-130 underflows the supported range: a non-zero result must have magnitude at least 1E-130",
            Invalid(() => N("5.509e-130") % N("5.5e-130")));
    }

    [Theory]
    [InlineData("5", "-5")]
    [InlineData("-1.5", "1.5")]
    [InlineData("0", "0")]
    public void Negate_FlipsSign(string a, string expected)
    {
        Assert.Equal(expected, KvNumber.Negate(N(a)).ToString());
        Assert.Equal(expected, (-N(a)).ToString());
        Assert.Equal(N(a).ToString().TrimStart('-'), KvNumber.Abs(N(a)).ToString());
    }

    // ---- Rounding functions ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1.5", "1", "2", "1", "2")]
    [InlineData("-1.5", "-2", "-1", "-1", "-2")]
    [InlineData("2.5", "2", "3", "2", "3")]
    [InlineData("-2.5", "-3", "-2", "-2", "-3")]
    [InlineData("0.4", "0", "1", "0", "0")]
    [InlineData("-0.4", "-1", "0", "0", "0")]
    [InlineData("0.5", "0", "1", "0", "1")]
    [InlineData("-0.5", "-1", "0", "0", "-1")]
    [InlineData("1e-130", "0", "1", "0", "0")]
    [InlineData("-1e-130", "-1", "0", "0", "0")]
    [InlineData("123", "123", "123", "123", "123")]
    [InlineData("0", "0", "0", "0", "0")]
    [InlineData("99.99", "99", "100", "99", "100")]
    [InlineData("12345678901234567890.123456789012345678", "12345678901234567890", "12345678901234567891", "12345678901234567890", "12345678901234567890")]
    [InlineData(Max, Max, Max, Max, Max)]
    public void FloorCeilingTruncateRound_FollowTheirRules(string text, string floor, string ceiling, string truncate, string round)
    {
        var n = N(text);
        Assert.Equal(N(floor), n.Floor());
        Assert.Equal(N(ceiling), n.Ceiling());
        Assert.Equal(N(truncate), n.Truncate());
        Assert.Equal(N(round), n.Round());
    }

    [Theory]
    [InlineData("1.2345", 2, "1.23")]
    [InlineData("1.235", 2, "1.24")]
    [InlineData("-1.235", 2, "-1.24")]
    [InlineData("1.2", 5, "1.2")]
    [InlineData("1250", -2, "1300")]
    [InlineData("1249", -2, "1200")]
    [InlineData("5", -1, "10")]
    [InlineData("4", -1, "0")]
    [InlineData("0.05", 1, "0.1")]
    [InlineData("0.049", 1, "0")]
    [InlineData("1e-130", 130, "1E-130")]
    [InlineData("1e-130", 129, "0")]
    [InlineData("5e-130", 129, "1E-129")]
    [InlineData("123", int.MinValue, "0")]
    [InlineData("123.456", int.MaxValue, "123.456")]
    public void Round_WithDecimals_RoundsHalfAwayFromZero(string text, int decimals, string expected)
    {
        Assert.Equal(N(expected), N(text).Round(decimals));
    }

    [Fact]
    public void Round_UpBeyondMaximum_ThrowsInvalidNumber()
    {
        Assert.Equal(
            "Rounding " + Max + " to -126 decimal places overflows the supported range",
            Invalid(() => N(Max).Round(-126)));
    }

    [Fact]
    public void FromNumber_SharesTheIntegers0To1023_AndKeepsEveryOtherValueExact()
    {
        // Any spelling of a small integer gives the one shared value; it reads back as that integer.
        Assert.Same(AttributeValue.FromNumber(10), AttributeValue.FromNumber("1E1"));
        Assert.Same(AttributeValue.FromNumber(0), AttributeValue.FromNumber("-0.00"));
        Assert.Same(AttributeValue.FromNumber(1023), AttributeValue.FromNumber(N("1023.0")));
        Assert.NotSame(AttributeValue.FromNumber(1024), AttributeValue.FromNumber(1024));
        Assert.NotSame(AttributeValue.FromNumber(-1), AttributeValue.FromNumber(-1));
        for (var i = -20; i < 10_050; i++)
        {
            var text = i.ToString(CultureInfo.InvariantCulture);
            var value = AttributeValue.FromNumber(i);
            Assert.Equal(i, value.AsNumber().ToInt64());
            Assert.Equal(text, value.AsNumber().ToString());
            Assert.Equal(AttributeValue.FromNumber(text), value);
        }

        Assert.Equal("0.5", AttributeValue.FromNumber(N("0.5")).AsNumber().ToString());
        Assert.Equal("1000.5", AttributeValue.FromNumber(N("1000.5")).AsNumber().ToString());
        Assert.Equal("10000", AttributeValue.FromNumber(N("1E4")).AsNumber().ToString());
    }
}
