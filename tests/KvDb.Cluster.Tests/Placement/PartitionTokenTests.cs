using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using KvDb.Cluster.Placement;

namespace KvDb.Cluster.Tests.Placement;

public sealed class PartitionTokenTests
{
    // Pinned tokens: computed independently (Python, from the documented encoding: type byte, then UTF-8 /
    // KvNumber encoding / raw bytes, hashed with XXH64 seed 0). If one of these changes, every partition of every
    // existing cluster would move: do not "fix" the numbers, fix the code.
    [Fact]
    public void Of_String_IsPinned()
    {
        Assert.Equal(0x6D44F441E816EA2EUL, PartitionToken.Of("customer#42"));
        Assert.Equal(0x8A4127811B21E730UL, PartitionToken.Of(""));
        Assert.Equal(0x2E337F35204EBEE8UL, PartitionToken.Of("\u00E9")); // é: two UTF-8 bytes C3 A9
    }

    [Fact]
    public void Of_Number_IsPinned()
    {
        Assert.Equal(0x289A2D5B20C27E44UL, PartitionToken.Of(1));            // 02 C0 82 0B 00
        Assert.Equal(0xCC0B1C05B1E0F983UL, PartitionToken.Of(AttributeValue.FromNumber("-1.5"))); // 02 40 7D EF FF
        Assert.Equal(0xE7F71A0ECC65AD19UL, PartitionToken.Of(0));            // 02 80
    }

    [Fact]
    public void Of_Binary_IsPinned() =>
        Assert.Equal(0x427930A91CE3EE81UL, PartitionToken.Of(new byte[] { 1, 2, 3 }));

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1", "1e0")]
    [InlineData("1", "10E-1")]
    [InlineData("1", "+1.000")]
    [InlineData("0", "-0")]
    [InlineData("0", "0e10")]
    [InlineData("-12.5", "-1.25E1")]
    [InlineData("1000", "1e3")]
    public void Of_EqualNumbersWrittenDifferently_GiveSameToken(string a, string b) =>
        Assert.Equal(PartitionToken.Of(AttributeValue.FromNumber(a)), PartitionToken.Of(AttributeValue.FromNumber(b)));

    [Fact]
    public void Of_SameBytesDifferentType_GiveDifferentTokens()
    {
        var s = PartitionToken.Of("1");
        var n = PartitionToken.Of(1);
        var b = PartitionToken.Of(new byte[] { (byte)'1' });
        Assert.Equal(3, new HashSet<ulong> { s, n, b }.Count);
    }

    [Fact]
    public void Of_LongValues_UsePooledBufferAndSameEncoding()
    {
        var text = new string('x', 300) + "\u20AC"; // 303 UTF-8 bytes: past the 256-byte stack buffer
        var expected = StableHash.XxHash64([1, .. Encoding.UTF8.GetBytes(text)]);
        Assert.Equal(expected, PartitionToken.Of(text));

        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(StableHash.XxHash64([3, .. bytes]), PartitionToken.Of(bytes));
    }

    [Fact]
    public void Of_AnyString_HashesTypeByteAndUtf8() =>
        Prop.ForAll(ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).ToArbitrary(), s =>
                PartitionToken.Of(s) == StableHash.XxHash64([1, .. Encoding.UTF8.GetBytes(s)]))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));

    [Fact]
    public void Of_AnyNumberInTwoSpellings_GivesSameToken()
    {
        // m·10^e spelled as "m" "e" e and as "m0" "e" (e-1), with extra leading zeros: the same number.
        var gen =
            from mantissa in Gen.Choose(-999_999, 999_999)
            from exponent in Gen.Choose(-60, 60)
            select (mantissa, exponent);
        Prop.ForAll(gen.ToArbitrary(), c =>
            {
                var a = string.Create(CultureInfo.InvariantCulture, $"{c.mantissa}e{c.exponent}");
                var digits = Math.Abs(c.mantissa).ToString(CultureInfo.InvariantCulture);
                var b = string.Create(CultureInfo.InvariantCulture, $"{(c.mantissa < 0 ? "-" : "")}00{digits}0e{c.exponent - 1}");
                return PartitionToken.Of(AttributeValue.FromNumber(a)) == PartitionToken.Of(AttributeValue.FromNumber(b));
            })
            .Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Of_NonKeyType_Throws()
    {
        Assert.Throws<ArgumentException>(() => PartitionToken.Of(AttributeValue.True));
        Assert.Throws<ArgumentException>(() => PartitionToken.Of(AttributeValue.Null));
        Assert.Throws<ArgumentException>(() => PartitionToken.Of(AttributeValue.FromList(1, 2)));
        Assert.Throws<ArgumentNullException>(() => PartitionToken.Of(null!));
    }
}
