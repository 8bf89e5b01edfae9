using System.Globalization;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace KvDb.Core.Tests.Model;

public sealed class KvNumberProperties
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<int> s_digit = Gen.Frequency((3, Gen.Choose(0, 9)), (1, Gen.Elements(0, 9)));

    private static readonly Gen<int> s_length = Gen.Frequency(
        (3, Gen.Choose(1, 5)),
        (3, Gen.Choose(1, 38)),
        (2, Gen.Constant(38)),
        (1, Gen.Choose(36, 38)));

    private static readonly Gen<int> s_adjusted = Gen.Frequency(
        (3, Gen.Choose(-130, 125)),
        (2, Gen.Elements(-130, -129, -128, 123, 124, 125)),
        (3, Gen.Choose(-8, 40)));

    /// <summary>Valid numbers of any shape: up to 38 digits, exponents up to the limits, some zeros.</summary>
    private static readonly Gen<Spec> s_specs = Gen.Frequency(
        (1, from exponent in Gen.Choose(-200, 200) from negative in Gen.Elements(false, true) select new Spec(negative, "0", exponent)),
        (15, from negative in Gen.Elements(false, true)
             from length in s_length
             from digits in Digits(length)
             from adjusted in s_adjusted
             from lead in Gen.Choose(0, 2)
             from trail in Gen.Choose(0, 3)
             select new Spec(negative, new string('0', lead) + digits + new string('0', trail), adjusted - (length - 1) - trail)));

    /// <summary>Pairs that are either independent or close to each other (shared digit prefixes, opposite signs).</summary>
    private static readonly Gen<(Spec A, Spec B)> s_pairs = Gen.Frequency(
        (1, Gen.Zip(s_specs, s_specs)),
        (2, from a in s_specs from b in Related(a) select (a, b)),
        (1, from a in s_specs from b in Below(a) select (a, b)));

    /// <summary>Numbers that decimal holds exactly, small enough that sums and products stay exact in decimal.</summary>
    private static readonly Gen<Spec> s_smallDecimals =
        from negative in Gen.Elements(false, true)
        from length in Gen.Choose(1, 14)
        from digits in Digits(length)
        from exponent in Gen.Choose(-14, 0)
        select new Spec(negative, digits, exponent);

    /// <summary>Numbers that decimal holds exactly (up to 28 digits and 28 decimal places).</summary>
    private static readonly Gen<Spec> s_decimals =
        from negative in Gen.Elements(false, true)
        from length in Gen.Choose(1, 28)
        from digits in Digits(length)
        from exponent in Gen.Choose(-28, 28 - length)
        select new Spec(negative, digits, exponent);

    [Fact]
    public void Encode_RandomPairs_ByteOrderMatchesNumericOrder()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var x = pair.A.Number;
            var y = pair.B.Number;
            var expected = Math.Sign(Reference.Compare(pair.A, pair.B));
            Assert.Equal(expected, Math.Sign(KvNumber.Compare(x, y)));
            Assert.Equal(expected, Math.Sign(x.ToEncodedBytes().AsSpan().SequenceCompareTo(y.ToEncodedBytes())));
            Assert.Equal(expected == 0, x.ToEncodedBytes().AsSpan().SequenceEqual(y.ToEncodedBytes()));
        }).Check(s_config);
    }

    [Fact]
    public void Decode_OfEncode_RoundTrips()
    {
        var gen = from spec in s_specs from junk in Gen.ArrayOf(Gen.Choose(0, 255), 3) select (spec, junk);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var n = t.spec.Number;
            var length = n.GetEncodedLength();
            var buffer = new byte[length + t.junk.Length];
            Assert.Equal(length, n.Encode(buffer));
            for (var i = 0; i < t.junk.Length; i++)
            {
                buffer[length + i] = (byte)t.junk[i];
            }

            var decoded = KvNumber.Decode(buffer, out var read);
            Assert.Equal(n, decoded);
            Assert.Equal(length, read);
            Assert.True(length <= KvNumber.MaxEncodedLength);

            // Readers that skip a number find its end without decoding it.
            Assert.Equal(length, KvNumber.EncodedLength(buffer));
        }).Check(s_config);
    }

    [Fact]
    public void Decode_ArbitraryBytes_FailsOnlyWithInvalidNumber()
    {
        var gen = Gen.Frequency(
            (1, from length in Gen.Choose(0, 24)
                from bytes in Gen.ArrayOf(Gen.Choose(0, 255), length)
                select bytes),
            (3, from spec in s_specs
                from position in Gen.Choose(0, 21)
                from value in Gen.Choose(0, 255)
                from cut in Gen.Choose(0, 22)
                select Mutate(spec.Number.ToEncodedBytes(), position, value, cut)));
        Prop.ForAll(gen.ToArbitrary(), values =>
        {
            var bytes = Array.ConvertAll(values, v => (byte)v);
            KvNumber decoded;
            int read;
            int skipped;
            try
            {
                // The skip checks the structure only: it must fail with the same code or find an end inside the bytes.
                skipped = KvNumber.EncodedLength(bytes);
                Assert.InRange(skipped, 1, bytes.Length);
            }
            catch (KvDbException e)
            {
                Assert.Equal(KvErrorCode.InvalidNumber, e.Code);
                skipped = -1;
            }

            try
            {
                decoded = KvNumber.Decode(bytes, out read);
            }
            catch (KvDbException e)
            {
                Assert.Equal(KvErrorCode.InvalidNumber, e.Code);
                return;
            }

            Assert.Equal(read, skipped);

            // Whatever decodes is canonical: encoding it again gives back exactly the bytes read.
            Assert.Equal(bytes.AsSpan(0, read).ToArray(), decoded.ToEncodedBytes());
        }).Check(s_config);
    }

    [Fact]
    public void Parse_OfToString_RoundTrips()
    {
        Prop.ForAll(s_specs.ToArbitrary(), spec =>
        {
            var n = spec.Number;
            var text = n.ToString();
            Assert.Equal(n, KvNumber.Parse(text));
            Assert.Equal(text, KvNumber.Parse(text).ToString());
            Assert.True(text.Length <= KvNumber.MaxFormattedLength);
        }).Check(s_config);
    }

    [Fact]
    public void Parse_DigitsWithZeroRuns_MatchesReference()
    {
        var segment = Gen.Frequency(
            (2, from d in Gen.Choose(1, 9) select d.ToString(CultureInfo.InvariantCulture)),
            (1, from n in Gen.Choose(1, 25) select new string('0', n)));
        var gen = from count in Gen.Choose(1, 12)
                  from segments in Gen.ArrayOf(segment, count)
                  from point in Gen.Choose(0, 80)
                  from exponent in Gen.Choose(-60, 60)
                  select (digits: string.Concat(segments), point, exponent);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var point = Math.Min(t.point, t.digits.Length);
            var text = $"{t.digits[..point]}.{t.digits[point..]}e{t.exponent}";
            var significant = t.digits.Trim('0');
            var magnitude = BigInteger.Parse(t.digits, CultureInfo.InvariantCulture);
            if (magnitude.IsZero)
            {
                Assert.Equal(KvNumber.Zero, KvNumber.Parse(text));
                return;
            }

            var exponent = t.exponent - (t.digits.Length - point);
            while (magnitude % 10 == 0)
            {
                magnitude /= 10;
                exponent++;
            }

            var adjusted = exponent + significant.Length - 1;
            if (significant.Length > 38)
            {
                // Texts over 80 characters are shortened in messages.
                var message = Assert.Throws<KvDbException>(() => KvNumber.Parse(text)).Message;
                Assert.EndsWith($"' has {significant.Length} significant digits; at most 38 are supported", message);
            }
            else if (adjusted is < -130 or > 125)
            {
                Assert.EndsWith("' is out of range: magnitude must be between 1E-130 and 9.99...E+125", Assert.Throws<KvDbException>(() => KvNumber.Parse(text)).Message);
            }
            else
            {
                var n = KvNumber.Parse(text);
                Assert.Equal(magnitude, (BigInteger)n.Coefficient);
                Assert.Equal(exponent, n.Exponent);
                Assert.Equal(significant.Length, n.Precision);
            }
        }).Check(s_config);
    }

    [Fact]
    public void Parse_EquivalentSpellings_AreIdentical()
    {
        var gen = from spec in s_specs from extra in Gen.Choose(1, 5) select (spec, extra);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var n = t.spec.Number;
            var padded = new Spec(t.spec.Negative, t.spec.Digits + new string('0', t.extra), t.spec.Exponent - t.extra);
            var other = KvNumber.Parse(t.spec.Negative ? padded.Text : "+" + padded.Text);
            Assert.Equal(n, other);
            Assert.Equal(n.GetHashCode(), other.GetHashCode());
            Assert.Equal(n.ToString(), other.ToString());
            Assert.Equal(n.ToEncodedBytes(), other.ToEncodedBytes());
        }).Check(s_config);
    }

    [Fact]
    public void Compare_RandomPairs_MatchesBigIntegerReference()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var expected = Math.Sign(Reference.Compare(pair.A, pair.B));
            var x = pair.A.Number;
            var y = pair.B.Number;
            Assert.Equal(expected, Math.Sign(x.CompareTo(y)));
            Assert.Equal(-expected, Math.Sign(y.CompareTo(x)));
            Assert.Equal(expected == 0, x.Equals(y));
            if (expected == 0)
            {
                Assert.Equal(x.GetHashCode(), y.GetHashCode());
            }
        }).Check(s_config);
    }

    [Fact]
    public void Compare_DecimalRange_MatchesDecimal()
    {
        Prop.ForAll(Gen.Zip(s_decimals, s_decimals).ToArbitrary(), pair =>
        {
            var expected = Math.Sign(decimal.Compare(pair.Item1.Decimal, pair.Item2.Decimal));
            Assert.Equal(expected, Math.Sign(KvNumber.Compare(pair.Item1.Number, pair.Item2.Number)));
            Assert.Equal(pair.Item1.Number, KvNumber.FromDecimal(pair.Item1.Decimal));
            Assert.Equal(pair.Item1.Decimal, pair.Item1.Number.ToDecimal());
        }).Check(s_config);
    }

    [Fact]
    public void AddSubtract_SmallDecimals_MatchDecimal()
    {
        Prop.ForAll(Gen.Zip(s_smallDecimals, s_smallDecimals).ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            Assert.Equal(KvNumber.FromDecimal(a.Decimal + b.Decimal), KvNumber.Add(a.Number, b.Number));
            Assert.Equal(KvNumber.FromDecimal(a.Decimal - b.Decimal), KvNumber.Subtract(a.Number, b.Number));
            Assert.Equal(KvNumber.FromDecimal(a.Decimal + b.Decimal), KvNumber.AddExact(a.Number, b.Number));
            Assert.Equal(KvNumber.FromDecimal(a.Decimal - b.Decimal), KvNumber.SubtractExact(a.Number, b.Number));
            Assert.Equal(KvNumber.FromDecimal(a.Decimal * b.Decimal), KvNumber.Multiply(a.Number, b.Number));
            if (b.Decimal != 0)
            {
                Assert.Equal(KvNumber.FromDecimal(a.Decimal % b.Decimal), KvNumber.Remainder(a.Number, b.Number));
            }
        }).Check(s_config);
    }

    [Fact]
    public void AddSubtract_RandomPairs_MatchRoundedReference()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var (sum, sumExponent) = Reference.Add(a, b, negateRight: false);
            Reference.AssertRoundedResult(sum, sumExponent, () => KvNumber.Add(a.Number, b.Number));
            Reference.AssertExactResult(sum, sumExponent, () => KvNumber.AddExact(a.Number, b.Number));
            var (difference, differenceExponent) = Reference.Add(a, b, negateRight: true);
            Reference.AssertRoundedResult(difference, differenceExponent, () => KvNumber.Subtract(a.Number, b.Number));
            Reference.AssertExactResult(difference, differenceExponent, () => KvNumber.SubtractExact(a.Number, b.Number));
        }).Check(s_config);
    }

    [Fact]
    public void Multiply_RandomPairs_MatchesRoundedReference()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            Reference.AssertRoundedResult(a.Signed * b.Signed, a.Exponent + b.Exponent, () => KvNumber.Multiply(a.Number, b.Number));
        }).Check(s_config);
    }

    [Fact]
    public void Divide_RandomPairs_MatchesRoundedReference()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            if (b.Signed.IsZero)
            {
                Assert.Equal("Division by zero", Assert.Throws<KvDbException>(() => KvNumber.Divide(a.Number, b.Number)).Message);
                return;
            }

            // Quotient with 100 extra digits plus a sticky digit for any remainder: rounding it once is exact.
            const int Extra = 100;
            var numerator = a.Signed * BigInteger.Pow(10, Extra);
            var quotient = BigInteger.DivRem(numerator, b.Signed, out var remainder);
            var sticky = remainder.IsZero ? 0 : (numerator.Sign * b.Signed.Sign);
            Reference.AssertRoundedResult((quotient * 10) + sticky, a.Exponent - b.Exponent - Extra - 1, () => KvNumber.Divide(a.Number, b.Number));
        }).Check(s_config);
    }

    [Fact]
    public void Divide_OfExactProduct_GivesBackTheFactor()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var product = a.Signed * b.Signed;
            var exponent = a.Exponent + b.Exponent;
            if (b.Signed.IsZero || !KvNumber.TryParse($"{product}E{exponent}", out var p))
            {
                return; // inexact or out of range products are covered elsewhere
            }

            Assert.Equal(a.Number, KvNumber.Divide(p, b.Number));
        }).Check(s_config);
    }

    [Fact]
    public void Remainder_RandomPairs_MatchesBigIntegerReference()
    {
        Prop.ForAll(s_pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            if (b.Signed.IsZero)
            {
                Assert.Equal("Division by zero", Assert.Throws<KvDbException>(() => KvNumber.Remainder(a.Number, b.Number)).Message);
                return;
            }

            var low = Math.Min(a.Exponent, b.Exponent);
            var dividend = a.Signed * BigInteger.Pow(10, a.Exponent - low);
            var divisor = b.Signed * BigInteger.Pow(10, b.Exponent - low);
            // Exact, but may fall below 1E-130 (5.509E-130 % 5.5E-130 is 9E-133).
            Reference.AssertExactResult(BigInteger.Remainder(dividend, divisor), low, () => KvNumber.Remainder(a.Number, b.Number));
        }).Check(s_config);
    }

    [Fact]
    public void RoundingFunctions_DecimalRange_MatchDecimal()
    {
        var gen = from spec in s_decimals from decimals in Gen.Choose(0, 28) select (spec, decimals);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var value = t.spec.Decimal;
            var n = t.spec.Number;
            Assert.Equal(KvNumber.FromDecimal(Math.Floor(value)), n.Floor());
            Assert.Equal(KvNumber.FromDecimal(Math.Ceiling(value)), n.Ceiling());
            Assert.Equal(KvNumber.FromDecimal(Math.Truncate(value)), n.Truncate());
            Assert.Equal(KvNumber.FromDecimal(Math.Round(value, MidpointRounding.AwayFromZero)), n.Round());
            Assert.Equal(KvNumber.FromDecimal(Math.Round(value, t.decimals, MidpointRounding.AwayFromZero)), n.Round(t.decimals));
        }).Check(s_config);
    }

    [Fact]
    public void ToInt64_OfFromInt64_RoundTrips()
    {
        var gen = from high in Gen.Choose(int.MinValue, int.MaxValue)
                  from low in Gen.Choose(int.MinValue, int.MaxValue)
                  from shift in Gen.Choose(0, 63)
                  select ((long)high << 32 | (uint)low) >> shift;
        Prop.ForAll(gen.ToArbitrary(), value =>
        {
            var n = KvNumber.FromInt64(value);
            Assert.Equal(value, n.ToInt64());
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), n.ToString());
            Assert.Equal(n, KvNumber.Parse(value.ToString(CultureInfo.InvariantCulture)));
        }).Check(s_config);
    }

    [Fact]
    public void FromDouble_InRange_RoundTripsThroughToDouble()
    {
        var gen = from high in Gen.Choose(int.MinValue, int.MaxValue)
                  from low in Gen.Choose(int.MinValue, int.MaxValue)
                  select BitConverter.Int64BitsToDouble((long)high << 32 | (uint)low);
        Prop.ForAll(gen.ToArbitrary(), value =>
        {
            var magnitude = Math.Abs(value);
            if (!double.IsFinite(value) || (magnitude != 0 && (magnitude < 1e-130 || magnitude >= 1e126)))
            {
                Assert.Equal(KvErrorCode.InvalidNumber, Assert.Throws<KvDbException>(() => KvNumber.FromDouble(value)).Code);
                return;
            }

            var n = KvNumber.FromDouble(value);
            Assert.Equal(value == 0 ? 0.0 : value, n.ToDouble());
            Assert.Equal(KvNumber.Parse(value.ToString("R", CultureInfo.InvariantCulture)), n);
        }).Check(s_config);
    }

    private static Gen<string> Digits(int length) =>
        from first in Gen.Choose(1, 9)
        from rest in Gen.ArrayOf(s_digit, length - 1)
        select first.ToString(CultureInfo.InvariantCulture) + string.Concat(rest);

    /// <summary>A number near <paramref name="a"/>: same leading position, digits sharing a prefix, maybe the other sign.</summary>
    private static Gen<Spec> Related(Spec a)
    {
        var significant = a.Digits.TrimStart('0');
        var digits = significant.TrimEnd('0');
        if (digits.Length == 0)
        {
            return Gen.Constant(a);
        }

        var adjusted = a.Exponent + significant.Length - 1;
        var mutated = Gen.Frequency(
            (1, Gen.Constant(digits)),
            (2, from keep in Gen.Choose(1, digits.Length) select digits[..keep]),
            (2, from add in Gen.Choose(1, 3)
                from tail in Gen.ArrayOf(s_digit, add)
                select (digits + string.Concat(tail))[..Math.Min(38, digits.Length + add)]),
            (2, from position in Gen.Choose(1, Math.Max(1, digits.Length - 1))
                from digit in s_digit
                select digits.Length == 1 ? digits : digits[..position] + digit.ToString(CultureInfo.InvariantCulture) + digits[(position + 1)..]));
        return from d in mutated
               from flip in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
               select new Spec(a.Negative ^ flip, d, adjusted - (d.Length - 1));
    }

    /// <summary>A number whose leading digit is 0 to 45 places below <paramref name="a"/>'s: sums round near their boundaries.</summary>
    private static Gen<Spec> Below(Spec a)
    {
        var significant = a.Digits.TrimStart('0');
        if (significant.Length == 0)
        {
            return s_specs;
        }

        var adjusted = a.Exponent + significant.Length - 1;
        return from offset in Gen.Choose(0, 45)
               from length in s_length
               from digits in Digits(length)
               from negative in Gen.Elements(false, true)
               let target = Math.Max(-130, adjusted - offset)
               select new Spec(negative, digits, target - (length - 1));
    }

    private static int[] Mutate(byte[] encoded, int position, int value, int cut)
    {
        var bytes = Array.ConvertAll(encoded, b => (int)b);
        if (position < bytes.Length)
        {
            bytes[position] = value;
        }

        return bytes[..Math.Min(cut, bytes.Length)];
    }

    /// <summary>A number as sign, digit string (maybe with leading or trailing zeros) and exponent.</summary>
    public sealed record Spec(bool Negative, string Digits, int Exponent)
    {
        public string Text => $"{(Negative ? "-" : "")}{Digits}E{Exponent}";

        public BigInteger Signed => (Negative ? -1 : 1) * BigInteger.Parse(Digits, CultureInfo.InvariantCulture);

        public KvNumber Number => KvNumber.Parse(Text);

        public decimal Decimal => decimal.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture);

        public override string ToString() => Text;
    }

    /// <summary>Straightforward BigInteger arithmetic to check KvNumber against.</summary>
    private static class Reference
    {
        public static int Compare(Spec a, Spec b)
        {
            var low = Math.Min(a.Exponent, b.Exponent);
            return (a.Signed * BigInteger.Pow(10, a.Exponent - low)).CompareTo(b.Signed * BigInteger.Pow(10, b.Exponent - low));
        }

        public static (BigInteger Value, int Exponent) Add(Spec a, Spec b, bool negateRight)
        {
            var low = Math.Min(a.Exponent, b.Exponent);
            var right = b.Signed * BigInteger.Pow(10, b.Exponent - low);
            return ((a.Signed * BigInteger.Pow(10, a.Exponent - low)) + (negateRight ? -right : right), low);
        }

        /// <summary>The exact value rounded half to even to 38 digits must be the result, or the result must be out of range.</summary>
        public static void AssertRoundedResult(BigInteger value, int exponent, Func<KvNumber> operation)
        {
            var magnitude = BigInteger.Abs(value);
            var digits = magnitude.IsZero ? 1 : magnitude.ToString(CultureInfo.InvariantCulture).Length;
            if (digits > 38)
            {
                var divisor = BigInteger.Pow(10, digits - 38);
                var quotient = BigInteger.DivRem(magnitude, divisor, out var remainder);
                var twice = remainder * 2;
                if (twice > divisor || (twice == divisor && !quotient.IsEven))
                {
                    quotient++;
                }

                magnitude = quotient;
                exponent += digits - 38;
            }

            AssertResult(value.Sign < 0 ? -magnitude : magnitude, exponent, operation);
        }

        /// <summary>The exact value must be the result, or the operation must fail with InvalidNumber.</summary>
        public static void AssertExactResult(BigInteger value, int exponent, Func<KvNumber> operation) =>
            AssertResult(value, exponent, operation);

        private static void AssertResult(BigInteger value, int exponent, Func<KvNumber> operation)
        {
            if (KvNumber.TryParse($"{value}E{exponent}", out var expected))
            {
                Assert.Equal(expected, operation());
            }
            else
            {
                Assert.Equal(KvErrorCode.InvalidNumber, Assert.Throws<KvDbException>(() => operation()).Code);
            }
        }
    }
}
