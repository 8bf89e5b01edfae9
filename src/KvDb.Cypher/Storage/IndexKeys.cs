using System.Globalization;
using System.Text;

namespace KvDb.Cypher.Storage;

/// <summary>
/// Sort keys of property-index entries. An entry of index <c>i</c> for node <c>n</c> is the item
/// pk = "x" + hex(i), sk = V + "!" + hex(n), where V orders exactly as Cypher compares the values:
/// <list type="bullet">
/// <item>number (integer or float): "n" + 16 hex digits of the double's order-preserving bits. An integer is keyed
/// by <c>(double)value</c>, which is how Cypher compares and equates an integer with a float, so equal values share
/// a key and ordered values have ordered keys (integers beyond 2^53 may share a key: a seek only finds candidates,
/// every candidate is checked against the predicate again). -0.0 is keyed as 0.0; NaN is equal to nothing and
/// not ordered, so it is not indexed.</item>
/// <item>string: "s" + the first <see cref="MaxStringChars"/> UTF-16 code units, each shifted up by 0x22 (code units
/// from 0xD7DE on also by 0x800, past the surrogate block) so that the UTF-8 byte order Core sorts by equals
/// Cypher's ordinal UTF-16 order, and every key character sorts above the separator "!" (0x21). Longer strings
/// share the key of their prefix (candidates again).</item>
/// <item>boolean: "b0" or "b1".</item>
/// </list>
/// Lists, maps and null are not indexed; a seek for such a value falls back to the label scan.
/// </summary>
internal static class IndexKeys
{
    /// <summary>The most UTF-16 code units of a string that go into its key (at most 4 UTF-8 bytes each).</summary>
    public const int MaxStringChars = 200;

    public const char Separator = '!';

    /// <summary>One above <see cref="Separator"/>: the end of all entries of one value.</summary>
    public const char AfterSeparator = '"';

    /// <summary>Above every key character (the largest code point; keys use at most U+10821).</summary>
    public static readonly string MaxChar = char.ConvertFromUtf32(0x10FFFF);

    public static string Partition(long indexId) => "x" + GraphKeys.Hex(indexId);

    /// <summary>The key of a value, or null when the value is not indexed.</summary>
    public static string? ValueKey(object? value) => value switch
    {
        long l => NumberKey(l),
        double d => double.IsNaN(d) ? null : NumberKey(d),
        string s => StringKey(s),
        bool b => b ? "b1" : "b0",
        _ => null,
    };

    public static string EntrySortKey(string valueKey, long nodeId) => valueKey + Separator + GraphKeys.Hex(nodeId);

    public static long NodeOf(string entrySortKey) =>
        long.Parse(entrySortKey.AsSpan(entrySortKey.Length - 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static string NumberKey(double d)
    {
        if (d == 0)
        {
            d = 0; // -0.0 equals 0.0
        }

        var bits = (ulong)BitConverter.DoubleToInt64Bits(d);
        bits = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
        return string.Create(17, bits, static (key, b) =>
        {
            key[0] = 'n';
            b.TryFormat(key[1..], out _, "x16", CultureInfo.InvariantCulture);
        });
    }

    /// <summary>The key of a string's first <see cref="MaxStringChars"/> code units (see the class comment).</summary>
    public static string StringKey(string s) => "s" + Shift(s.Length > MaxStringChars ? s.AsSpan(0, MaxStringChars) : s.AsSpan());

    private static string Shift(ReadOnlySpan<char> s)
    {
        var sb = new StringBuilder(s.Length + 4);
        foreach (var c in s)
        {
            if (c < 0xD7DE)
            {
                sb.Append((char)(c + 0x22));
            }
            else
            {
                var cp = c + 0x22 + 0x800;
                if (cp <= 0xFFFF)
                {
                    sb.Append((char)cp);
                }
                else
                {
                    sb.Append(char.ConvertFromUtf32(cp));
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Compares keys in Core's order (UTF-8 bytes, i.e. code points) rather than .NET's ordinal UTF-16 order:
    /// the two differ for supplementary characters, which shifted keys contain.
    /// </summary>
    public sealed class CodePointComparer : IComparer<string>
    {
        public static CodePointComparer Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            var n = Math.Min(x.Length, y.Length);
            for (var i = 0; i < n; i++)
            {
                var a = x[i];
                var b = y[i];
                if (a != b)
                {
                    return Fix(a) - Fix(b);
                }
            }

            return x.Length - y.Length;
        }

        // Moves surrogates (which encode code points above U+FFFF) above U+E000..U+FFFF.
        private static int Fix(char c) => c < 0xD800 ? c : c < 0xE000 ? c + 0x2000 : c - 0x800;
    }
}
