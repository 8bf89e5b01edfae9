namespace KvDb;

public readonly partial struct KvNumber
{
    // Exponent digits beyond this are saturated: any such exponent is out of range for a non-zero coefficient.
    private const long ExponentSaturation = 10_000_000_000L;

    private enum ParseStatus
    {
        Ok,
        Malformed,
        TooManyDigits,
        OutOfRange,
    }

    /// <summary>
    /// Parses a number: an optional sign, digits with at most one '.', and an optional exponent
    /// (<c>e</c> or <c>E</c>, optional sign, digits). Leading and trailing zeros are not significant; whitespace is
    /// not allowed. Digits are never rounded.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The number.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the text is malformed, has more than 38 significant digits or is
    /// outside the supported range.
    /// </exception>
    public static KvNumber Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.AsSpan());
    }

    /// <summary>Parses a number; see <see cref="Parse(string)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the text is malformed, has more than 38 significant digits or is
    /// outside the supported range.
    /// </exception>
    public static KvNumber Parse(ReadOnlySpan<char> text)
    {
        var status = ParseCore(text, out var value, out var digits);
        if (status != ParseStatus.Ok)
        {
            ThrowInvalid(ErrorMessage(status, text, digits));
        }

        return value;
    }

    /// <summary>Parses a number without throwing; see <see cref="Parse(string)"/> for the syntax.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The number, or zero when parsing fails.</param>
    /// <returns>True when the text is a valid number.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out KvNumber value) =>
        ParseCore(text, out value, out _) == ParseStatus.Ok;

    /// <summary>Parses a number without throwing and says what is wrong when it fails.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The number, or zero when parsing fails.</param>
    /// <param name="error">Null on success, otherwise the message <see cref="Parse(string)"/> would throw.</param>
    /// <returns>True when the text is a valid number.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out KvNumber value, out string? error)
    {
        var status = ParseCore(text, out value, out var digits);
        error = status == ParseStatus.Ok ? null : ErrorMessage(status, text, digits);
        return status == ParseStatus.Ok;
    }

    private static string ErrorMessage(ParseStatus status, ReadOnlySpan<char> text, int digits) => status switch
    {
        ParseStatus.TooManyDigits => TooManyDigitsMessage(text, digits),
        ParseStatus.OutOfRange => OutOfRangeMessage(text),
        _ => MalformedMessage(text),
    };

    /// <summary>
    /// Parses <paramref name="text"/>; on <see cref="ParseStatus.TooManyDigits"/> <paramref name="significantDigits"/>
    /// holds the number of significant digits found.
    /// </summary>
    private static ParseStatus ParseCore(ReadOnlySpan<char> text, out KvNumber value, out int significantDigits)
    {
        value = default;
        significantDigits = 0;

        var i = 0;
        var negative = false;
        if (!text.IsEmpty && (text[0] == '-' || text[0] == '+'))
        {
            negative = text[0] == '-';
            i = 1;
        }

        // The coefficient's first 19 digit positions accumulate in 'small', the rest (up to 19 more) in 'tail',
        // so no 128-bit arithmetic runs per digit: coefficient = small * 10^(significant - 19) + tail.
        ulong small = 0;
        ulong tail = 0;
        long significant = 0;   // digits from the first to the last non-zero digit seen so far
        long pendingZeros = 0;  // zeros after the last non-zero digit, not (yet) part of the coefficient
        long fractionDigits = 0;
        var anyDigit = false;
        var seenPoint = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            var digit = (uint)(c - '0');
            if (digit <= 9)
            {
                anyDigit = true;
                if (seenPoint)
                {
                    fractionDigits++;
                }

                if (digit == 0)
                {
                    if (significant != 0)
                    {
                        pendingZeros++;
                    }
                }
                else if (significant == 0)
                {
                    small = digit;
                    significant = 1;
                }
                else
                {
                    var total = significant + pendingZeros + 1;
                    if (total <= 19)
                    {
                        small = (small * (pendingZeros == 0 ? 10UL : (ulong)s_pow10[pendingZeros + 1])) + digit;
                    }
                    else if (total <= MaxPrecision)
                    {
                        if (significant <= 19)
                        {
                            // Pad 'small' to exactly 19 positions with the pending zeros that fit; the others lead 'tail'.
                            small *= (ulong)s_pow10[19 - significant];
                            tail = digit;
                        }
                        else
                        {
                            tail = (tail * (pendingZeros == 0 ? 10UL : (ulong)s_pow10[pendingZeros + 1])) + digit;
                        }
                    }

                    significant = total;
                    pendingZeros = 0;
                }
            }
            else if (c == '.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                break;
            }
        }

        if (!anyDigit)
        {
            return ParseStatus.Malformed;
        }

        long exponent = 0;
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                exponentNegative = text[i] == '-';
                i++;
            }

            var start = i;
            for (; i < text.Length; i++)
            {
                var digit = (uint)(text[i] - '0');
                if (digit > 9)
                {
                    break;
                }

                if (exponent < ExponentSaturation)
                {
                    exponent = (exponent * 10) + digit;
                }
            }

            if (i == start)
            {
                return ParseStatus.Malformed;
            }

            if (exponentNegative)
            {
                exponent = -exponent;
            }
        }

        if (i != text.Length)
        {
            return ParseStatus.Malformed;
        }

        if (significant > MaxPrecision)
        {
            significantDigits = (int)Math.Min(significant, int.MaxValue);
            return ParseStatus.TooManyDigits;
        }

        if (significant == 0)
        {
            return ParseStatus.Ok; // zero, whatever the sign and exponent
        }

        var scale = pendingZeros - fractionDigits + exponent;
        var adjusted = scale + significant - 1;
        if (adjusted < MinAdjustedExponent || adjusted > MaxAdjustedExponent)
        {
            return ParseStatus.OutOfRange;
        }

        var coefficient = significant <= 19 ? small : ((UInt128)small * (ulong)s_pow10[significant - 19]) + tail;
        value = new KvNumber(coefficient, (int)scale, negative, (int)significant);
        return ParseStatus.Ok;
    }
}
