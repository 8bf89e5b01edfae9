using System.Diagnostics.CodeAnalysis;

namespace KvDb;

// Order-preserving (memcomparable) encoding. Comparing two encodings as unsigned bytes, lexicographically, orders
// them exactly as the numbers; equal numbers have identical encodings.
//
//   zero      0x80
//   positive  0xC0, E + 129, p1 + 1, p2 + 1, ..., pk + 1, 0x00
//   negative  0x40, then the bitwise complement of every byte after 0xC0 in the encoding of |x| (ends with 0xFF)
//
// where |x| = 0.d1 d2 ... dn × 10^E with d1 != 0 and dn != 0 (n <= 38, so E = adjusted exponent + 1 is in
// -129..126 and E + 129 fits a byte), and p1..pk are the digits grouped in pairs from the left (p = 10·d + d',
// 0..99), the last pair padded with a 0 when n is odd. Pair bytes are 1..100, above the 0x00 terminator, so a
// shorter digit string sorts before any longer one it prefixes (0.12 < 0.1201 < 0.123:
// 13 00 < 13 02 00 < 13 31 00). Because trailing zeros are stripped the last pair is never 00, which makes the
// encoding unique; a last pair ending in 0 (such as 30) always means an odd digit count.
public readonly partial struct KvNumber
{
    /// <summary>The largest number of bytes <see cref="Encode"/> writes (1 + 1 + 19 + 1).</summary>
    public const int MaxEncodedLength = 22;

    private const byte ZeroMarker = 0x80;
    private const byte PositiveMarker = 0xC0;
    private const byte NegativeMarker = 0x40;
    private const int ExponentBias = 129;

    /// <summary>The number of bytes <see cref="Encode"/> writes for this value (1 to 22).</summary>
    /// <returns>The encoded length.</returns>
    public int GetEncodedLength() => _precision == 0 ? 1 : 3 + ((_precision + 1) >> 1);

    /// <summary>Writes the order-preserving encoding of this value.</summary>
    /// <param name="destination">The buffer; at least <see cref="GetEncodedLength"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int Encode(Span<byte> destination)
    {
        var length = GetEncodedLength();
        if (destination.Length < length)
        {
            throw new ArgumentException(
                $"The destination has {destination.Length} bytes but the number needs {length}.", nameof(destination));
        }

        if (_precision == 0)
        {
            destination[0] = ZeroMarker;
            return 1;
        }

        Span<byte> digits = stackalloc byte[MaxPrecision + 1];
        var count = _precision;
        WriteDigits(_coefficient, count, digits);
        digits[count] = 0; // padding for an odd digit count

        // Complementing with 0xFF for negatives turns the ascending positive order into descending order.
        var flip = _negative ? (byte)0xFF : (byte)0;
        destination[0] = _negative ? NegativeMarker : PositiveMarker;
        destination[1] = (byte)((_exponent + count + ExponentBias) ^ flip);
        var pos = 2;
        for (var i = 0; i < count; i += 2)
        {
            destination[pos++] = (byte)(((digits[i] * 10) + digits[i + 1] + 1) ^ flip);
        }

        destination[pos++] = flip;
        return pos;
    }

    /// <summary>Returns the order-preserving encoding of this value in a new array.</summary>
    /// <returns>The encoding.</returns>
    public byte[] ToEncodedBytes()
    {
        var bytes = new byte[GetEncodedLength()];
        Encode(bytes);
        return bytes;
    }

    /// <summary>
    /// The length of the encoded number at the start of <paramref name="source"/>, found without decoding it (for
    /// readers that skip a value): the marker, the exponent byte and the digit bytes up to the terminator. Only the
    /// structure is checked; <see cref="Decode"/> checks the digits.
    /// </summary>
    internal static int EncodedLength(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            ThrowInvalidEncoding("the input is empty");
        }

        var marker = source[0];
        if (marker == ZeroMarker)
        {
            return 1;
        }

        if (marker != PositiveMarker && marker != NegativeMarker)
        {
            ThrowInvalidEncoding($"unknown leading byte 0x{marker:X2}");
        }

        if (source.Length < 2)
        {
            ThrowInvalidEncoding("the exponent byte is missing");
        }

        // The terminator is the first digit byte equal to 0 (positive) or 0xFF (negative, every byte flipped).
        // (A plain loop: numbers are a few bytes long, shorter than a vectorized search needs to pay off.)
        var end = marker == NegativeMarker ? (byte)0xFF : (byte)0;
        for (var i = 2; i < source.Length; i++)
        {
            if (source[i] == end)
            {
                return i + 1;
            }
        }

        ThrowInvalidEncoding("the terminator is missing");
        return 0;
    }

    /// <summary>Reads a number written by <see cref="Encode"/> from the start of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes; anything after the encoded number is ignored.</param>
    /// <param name="bytesRead">The number of bytes the encoded number occupies.</param>
    /// <returns>The number.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the bytes are not a complete, canonical encoding.
    /// </exception>
    public static KvNumber Decode(ReadOnlySpan<byte> source, out int bytesRead)
    {
        bytesRead = 0;
        if (source.IsEmpty)
        {
            ThrowInvalidEncoding("the input is empty");
        }

        var marker = source[0];
        if (marker == ZeroMarker)
        {
            bytesRead = 1;
            return default;
        }

        if (marker != PositiveMarker && marker != NegativeMarker)
        {
            ThrowInvalidEncoding($"unknown leading byte 0x{marker:X2}");
        }

        var negative = marker == NegativeMarker;
        var flip = negative ? (byte)0xFF : (byte)0;
        if (source.Length < 2)
        {
            ThrowInvalidEncoding("the exponent byte is missing");
        }

        var scientificExponent = (source[1] ^ flip) - ExponentBias;
        ulong small = 0;         // the coefficient while it has at most 18 digits
        UInt128 coefficient = 0; // the coefficient once it has more
        var count = 0;
        var pos = 2;
        while (true)
        {
            if (pos >= source.Length)
            {
                ThrowInvalidEncoding("the terminator is missing");
            }

            var b = source[pos] ^ flip;
            if (b == 0)
            {
                break;
            }

            if (b > 100)
            {
                ThrowInvalidEncoding($"digit byte 0x{source[pos]:X2} at offset {pos} is out of range");
            }

            if (count == MaxPrecision)
            {
                ThrowInvalidEncoding($"it has more than {MaxPrecision} digits");
            }

            var pair = (uint)(b - 1);
            if (count == 0 && pair < 10)
            {
                ThrowInvalidEncoding("the first digit is zero");
            }

            var last = pos + 1 < source.Length && (source[pos + 1] ^ flip) == 0;
            var padded = last && pair % 10 == 0;
            if (padded && pair == 0)
            {
                ThrowInvalidEncoding("it has trailing zero digits");
            }

            var scale = padded ? 10U : 100U;
            var digits = padded ? pair / 10 : pair;
            if (count < 18)
            {
                small = (small * scale) + digits;
            }
            else
            {
                if (count == 18)
                {
                    coefficient = small;
                }

                coefficient = (coefficient * scale) + digits;
            }

            count += padded ? 1 : 2;

            pos++;
        }

        if (count == 0)
        {
            ThrowInvalidEncoding("it has no digits");
        }

        var exponent = scientificExponent - count;
        var adjusted = scientificExponent - 1;
        if (adjusted < MinAdjustedExponent || adjusted > MaxAdjustedExponent)
        {
            ThrowInvalidEncoding($"exponent {adjusted} is out of range");
        }

        bytesRead = pos + 1;
        return new KvNumber(count <= 18 ? small : coefficient, exponent, negative, count);
    }

    [DoesNotReturn]
    private static void ThrowInvalidEncoding(string reason) =>
        ThrowInvalid($"Invalid number encoding: {reason}");
}
