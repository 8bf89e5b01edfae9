using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace KvDb;

public readonly partial struct KvNumber
{
    private enum Operation
    {
        Add,
        Subtract,
        Multiply,
        Divide,
        Remainder,
        Round,
    }

    private enum RoundingMode
    {
        TowardZero,
        Floor,
        Ceiling,
        HalfAwayFromZero,
    }

    private enum ArithmeticFailure
    {
        Overflow,
        Underflow,
        Precision,
    }

    /// <summary>
    /// Adds two numbers. The result is exact when it fits in 38 significant digits; otherwise it is rounded half to
    /// even to 38 digits (DynamoDB's ADD update action would reject such a result instead: use
    /// <see cref="AddExact"/> to reject it too).
    /// </summary>
    /// <param name="left">The first addend.</param>
    /// <param name="right">The second addend.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the result's magnitude is above 9.99...E+125 (overflow) or is
    /// non-zero and below 1E-130 (underflow).
    /// </exception>
    public static KvNumber Add(KvNumber left, KvNumber right) =>
        AddCore(left, right, right._negative, exact: false, Operation.Add);

    /// <summary>
    /// Subtracts <paramref name="right"/> from <paramref name="left"/>, rounding half to even to 38 significant digits
    /// when the exact result needs more (see <see cref="Add"/>; use <see cref="SubtractExact"/> to reject instead).
    /// </summary>
    /// <param name="left">The minuend.</param>
    /// <param name="right">The subtrahend.</param>
    /// <returns>The difference.</returns>
    /// <exception cref="KvDbException"><see cref="KvErrorCode.InvalidNumber"/> on overflow or underflow.</exception>
    public static KvNumber Subtract(KvNumber left, KvNumber right) =>
        AddCore(left, right, !right._negative, exact: false, Operation.Subtract);

    /// <summary>Adds two numbers exactly, as DynamoDB's ADD update action does.</summary>
    /// <param name="left">The first addend.</param>
    /// <param name="right">The second addend.</param>
    /// <returns>The exact sum.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the exact sum needs more than 38 significant digits, overflows or
    /// underflows.
    /// </exception>
    public static KvNumber AddExact(KvNumber left, KvNumber right) =>
        AddCore(left, right, right._negative, exact: true, Operation.Add);

    /// <summary>Subtracts <paramref name="right"/> from <paramref name="left"/> exactly.</summary>
    /// <param name="left">The minuend.</param>
    /// <param name="right">The subtrahend.</param>
    /// <returns>The exact difference.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when the exact difference needs more than 38 significant digits,
    /// overflows or underflows.
    /// </exception>
    public static KvNumber SubtractExact(KvNumber left, KvNumber right) =>
        AddCore(left, right, !right._negative, exact: true, Operation.Subtract);

    /// <summary>Multiplies two numbers, rounding half to even to 38 significant digits when needed.</summary>
    /// <param name="left">The multiplicand.</param>
    /// <param name="right">The multiplier.</param>
    /// <returns>The product.</returns>
    /// <exception cref="KvDbException"><see cref="KvErrorCode.InvalidNumber"/> on overflow or underflow.</exception>
    public static KvNumber Multiply(KvNumber left, KvNumber right)
    {
        if (left._precision == 0 || right._precision == 0)
        {
            return default;
        }

        long exponent = left._exponent + right._exponent;
        UInt128 coefficient;
        if (left._coefficient <= ulong.MaxValue && right._coefficient <= ulong.MaxValue)
        {
            coefficient = RoundToPrecision((UInt128)(ulong)left._coefficient * (ulong)right._coefficient, ref exponent, out _);
        }
        else
        {
            coefficient = RoundToPrecision((BigInteger)left._coefficient * right._coefficient, ref exponent, false, out _);
        }

        return Finish(coefficient, exponent, left._negative != right._negative, Operation.Multiply, left, right);
    }

    /// <summary>Divides two numbers, rounding half to even to 38 significant digits.</summary>
    /// <param name="left">The dividend.</param>
    /// <param name="right">The divisor.</param>
    /// <returns>The quotient.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when <paramref name="right"/> is zero, or on overflow or underflow.
    /// </exception>
    public static KvNumber Divide(KvNumber left, KvNumber right)
    {
        if (right._precision == 0)
        {
            ThrowInvalid("Division by zero");
        }

        if (left._precision == 0)
        {
            return default;
        }

        var negative = left._negative != right._negative;
        if (right._coefficient <= ulong.MaxValue)
        {
            // Long division in chunks of up to 19 digits until the quotient has 38 digits or nothing remains; the
            // remainder then decides the rounding exactly (2r against the divisor).
            var divisor = (ulong)right._coefficient;
            var (fastQuotient, fastRemainder) = UInt128.DivRem(left._coefficient, divisor);
            var rest = (ulong)fastRemainder;
            long scale = left._exponent - right._exponent;
            var digits = CountDigits(fastQuotient);
            while (rest != 0 && digits < MaxPrecision)
            {
                var chunk = Math.Min(19, MaxPrecision - digits);
                var (next, nextRest) = UInt128.DivRem((UInt128)rest * (ulong)s_pow10[chunk], divisor);
                fastQuotient = (fastQuotient * s_pow10[chunk]) + next;
                rest = (ulong)nextRest;
                scale -= chunk;
                digits = CountDigits(fastQuotient);
            }

            if (rest != 0)
            {
                var twice = (UInt128)rest * 2;
                if (twice > divisor || (twice == divisor && !UInt128.IsEvenInteger(fastQuotient)))
                {
                    fastQuotient++;
                }
            }

            return Finish(fastQuotient, scale, negative, Operation.Divide, left, right);
        }

        // Scale the dividend so the integer quotient has at least 39 digits (38 plus the rounding digit); the
        // remainder then only decides ties.
        var shift = MaxPrecision + 1 + right._precision - left._precision;
        var quotient = BigInteger.DivRem((BigInteger)left._coefficient * BigPowersOfTen.Get(shift), right._coefficient, out var remainder);
        long exponent = (long)left._exponent - right._exponent - shift;
        var coefficient = RoundToPrecision(quotient, ref exponent, !remainder.IsZero, out _);
        return Finish(coefficient, exponent, negative, Operation.Divide, left, right);
    }

    /// <summary>
    /// The remainder of truncated division (like C#'s <c>%</c>): it has the sign of <paramref name="left"/> and a
    /// magnitude below |<paramref name="right"/>|. It is always exact (never rounded).
    /// </summary>
    /// <param name="left">The dividend.</param>
    /// <param name="right">The divisor.</param>
    /// <returns>The remainder.</returns>
    /// <exception cref="KvDbException">
    /// <see cref="KvErrorCode.InvalidNumber"/> when <paramref name="right"/> is zero, or when the exact remainder is
    /// non-zero but below 1E-130 (5.509E-130 % 5.5E-130 is 9E-133).
    /// </exception>
    public static KvNumber Remainder(KvNumber left, KvNumber right)
    {
        if (right._precision == 0)
        {
            ThrowInvalid("Division by zero");
        }

        if (left._precision == 0 || CompareMagnitude(left, right) < 0)
        {
            return left;
        }

        UInt128 remainder;
        long exponent;
        if (left._exponent < right._exponent)
        {
            // |left| >= |right| bounds right's digits scaled down to left's exponent to 38.
            exponent = left._exponent;
            remainder = left._coefficient % (right._coefficient * s_pow10[right._exponent - left._exponent]);
        }
        else
        {
            exponent = right._exponent;
            var shift = left._exponent - right._exponent;
            if (shift + left._precision <= MaxPrecision)
            {
                remainder = (left._coefficient * s_pow10[shift]) % right._coefficient;
            }
            else
            {
                BigInteger divisor = right._coefficient;
                var scaled = (BigInteger)left._coefficient * BigInteger.ModPow(10, shift, divisor);
                remainder = (UInt128)(scaled % divisor);
            }
        }

        // The remainder is below |right| and a multiple of 10^min(exponents), so it has at most 38 digits; it can
        // still fall below 1E-130 when the lower exponent is under -130, which Finish reports as underflow.
        return remainder == 0 ? default : Finish(remainder, exponent, left._negative, Operation.Remainder, left, right);
    }

    /// <summary>Returns the number with its sign reversed (zero stays zero).</summary>
    /// <param name="value">The number.</param>
    /// <returns>-<paramref name="value"/>.</returns>
    public static KvNumber Negate(KvNumber value) =>
        value._precision == 0 ? value : new KvNumber(value._coefficient, value._exponent, !value._negative, value._precision);

    /// <summary>Returns the magnitude of a number.</summary>
    /// <param name="value">The number.</param>
    /// <returns>|<paramref name="value"/>|.</returns>
    public static KvNumber Abs(KvNumber value) =>
        new(value._coefficient, value._exponent, false, value._precision);

    /// <summary>Adds two numbers; see <see cref="Add"/>.</summary>
    /// <param name="left">The first addend.</param>
    /// <param name="right">The second addend.</param>
    public static KvNumber operator +(KvNumber left, KvNumber right) => Add(left, right);

    /// <summary>Subtracts two numbers; see <see cref="Subtract"/>.</summary>
    /// <param name="left">The minuend.</param>
    /// <param name="right">The subtrahend.</param>
    public static KvNumber operator -(KvNumber left, KvNumber right) => Subtract(left, right);

    /// <summary>Multiplies two numbers; see <see cref="Multiply"/>.</summary>
    /// <param name="left">The multiplicand.</param>
    /// <param name="right">The multiplier.</param>
    public static KvNumber operator *(KvNumber left, KvNumber right) => Multiply(left, right);

    /// <summary>Divides two numbers; see <see cref="Divide"/>.</summary>
    /// <param name="left">The dividend.</param>
    /// <param name="right">The divisor.</param>
    public static KvNumber operator /(KvNumber left, KvNumber right) => Divide(left, right);

    /// <summary>The remainder of truncated division; see <see cref="Remainder"/>.</summary>
    /// <param name="left">The dividend.</param>
    /// <param name="right">The divisor.</param>
    public static KvNumber operator %(KvNumber left, KvNumber right) => Remainder(left, right);

    /// <summary>Reverses the sign; see <see cref="Negate"/>.</summary>
    /// <param name="value">The number.</param>
    public static KvNumber operator -(KvNumber value) => Negate(value);

    /// <summary>The largest integer less than or equal to this value.</summary>
    /// <returns>The floor.</returns>
    public KvNumber Floor() => RoundToExponent(this, 0, RoundingMode.Floor);

    /// <summary>The smallest integer greater than or equal to this value.</summary>
    /// <returns>The ceiling.</returns>
    public KvNumber Ceiling() => RoundToExponent(this, 0, RoundingMode.Ceiling);

    /// <summary>The integer part of this value (rounded toward zero).</summary>
    /// <returns>The integer part.</returns>
    public KvNumber Truncate() => RoundToExponent(this, 0, RoundingMode.TowardZero);

    /// <summary>
    /// Rounds to <paramref name="decimals"/> decimal places, halves away from zero (2.5 becomes 3, -2.5 becomes -3).
    /// A negative <paramref name="decimals"/> rounds to tens, hundreds and so on.
    /// </summary>
    /// <param name="decimals">The number of decimal places to keep.</param>
    /// <returns>The rounded number.</returns>
    /// <exception cref="KvDbException"><see cref="KvErrorCode.InvalidNumber"/> when rounding up overflows the supported range.</exception>
    public KvNumber Round(int decimals = 0) => RoundToExponent(this, -(long)decimals, RoundingMode.HalfAwayFromZero);

    private static KvNumber AddCore(in KvNumber left, in KvNumber right, bool rightNegative, bool exact, Operation operation)
    {
        if (right._precision == 0)
        {
            return left;
        }

        if (left._precision == 0)
        {
            return new KvNumber(right._coefficient, right._exponent, rightNegative, right._precision);
        }

        // x is the operand whose leading digit is higher (or either when level), y the other.
        var leftAdjusted = left._exponent + left._precision - 1;
        var rightAdjusted = right._exponent + right._precision - 1;
        var leftDominant = leftAdjusted >= rightAdjusted;
        var xCoefficient = leftDominant ? left._coefficient : right._coefficient;
        var xExponent = leftDominant ? left._exponent : right._exponent;
        var xNegative = leftDominant ? left._negative : rightNegative;
        var xAdjusted = leftDominant ? leftAdjusted : rightAdjusted;
        var yCoefficient = leftDominant ? right._coefficient : left._coefficient;
        var yExponent = leftDominant ? right._exponent : left._exponent;
        var yNegative = leftDominant ? rightNegative : left._negative;
        var yAdjusted = leftDominant ? rightAdjusted : leftAdjusted;

        var low = Math.Min(xExponent, yExponent);
        bool inexact;
        if (xAdjusted - low + 1 <= MaxPrecision)
        {
            // Both operands aligned to the lower exponent fit in 38 digits; their sum fits UInt128.
            var x = xCoefficient * s_pow10[xExponent - low];
            var y = yCoefficient * s_pow10[yExponent - low];
            UInt128 sum;
            bool negative;
            if (xNegative == yNegative)
            {
                sum = x + y;
                negative = xNegative;
            }
            else if (x >= y)
            {
                sum = x - y;
                negative = xNegative;
            }
            else
            {
                sum = y - x;
                negative = yNegative;
            }

            if (sum == 0)
            {
                return default;
            }

            long exponent = low;
            sum = RoundToPrecision(sum, ref exponent, out inexact);
            if (inexact && exact)
            {
                ThrowArithmetic(ArithmeticFailure.Precision, operation, left, right);
            }

            return Finish(sum, exponent, negative, operation, left, right);
        }

        if (yAdjusted <= xAdjusted - 40)
        {
            // |y| < 10^(xAdjusted - 39), less than half a unit in the 38th digit of any result next to x (even below
            // a power of ten), so x ± y rounds to x; y only acts as a sticky bit.
            if (exact)
            {
                ThrowArithmetic(ArithmeticFailure.Precision, operation, left, right);
            }

            return new KvNumber(xCoefficient, xExponent, xNegative, CountDigits(xCoefficient));
        }

        // The aligned operands span at most 78 digits: add exactly, then round.
        var wideX = (BigInteger)xCoefficient * BigPowersOfTen.Get(xExponent - low);
        var wideY = (BigInteger)yCoefficient * BigPowersOfTen.Get(yExponent - low);
        BigInteger wideSum;
        bool wideNegative;
        if (xNegative == yNegative)
        {
            wideSum = wideX + wideY;
            wideNegative = xNegative;
        }
        else if (wideX >= wideY)
        {
            wideSum = wideX - wideY;
            wideNegative = xNegative;
        }
        else
        {
            wideSum = wideY - wideX;
            wideNegative = yNegative;
        }

        if (wideSum.IsZero)
        {
            return default;
        }

        long wideExponent = low;
        var coefficient = RoundToPrecision(wideSum, ref wideExponent, false, out inexact);
        if (inexact && exact)
        {
            ThrowArithmetic(ArithmeticFailure.Precision, operation, left, right);
        }

        return Finish(coefficient, wideExponent, wideNegative, operation, left, right);
    }

    private static KvNumber RoundToExponent(in KvNumber value, long target, RoundingMode mode)
    {
        if (value._precision == 0 || value._exponent >= target)
        {
            return value;
        }

        var drop = target - value._exponent;
        var negative = value._negative;
        UInt128 quotient;
        bool up;
        if (drop > value._precision)
        {
            // |value| < 10^(target - 1): below half a unit of the target position.
            quotient = 0;
            up = mode == RoundingMode.Floor ? negative : mode == RoundingMode.Ceiling && !negative;
        }
        else
        {
            (quotient, var remainder) = UInt128.DivRem(value._coefficient, s_pow10[drop]);
            up = mode switch
            {
                RoundingMode.Floor => negative,
                RoundingMode.Ceiling => !negative,
                RoundingMode.HalfAwayFromZero => remainder >= 5 * s_pow10[drop - 1],
                _ => false,
            };
        }

        if (up)
        {
            quotient++;
        }

        return quotient == 0
            ? default
            : Finish(quotient, target, negative, Operation.Round, value, FromInt64(-target));
    }

    /// <summary>Rounds a value of up to 39 digits half to even to 38 digits.</summary>
    private static UInt128 RoundToPrecision(UInt128 value, ref long exponent, out bool inexact)
    {
        inexact = false;
        if (value < s_pow10[MaxPrecision])
        {
            return value;
        }

        // UInt128.MaxValue < 10^39, so exactly one digit goes.
        var (quotient, remainder) = UInt128.DivRem(value, 10);
        exponent++;
        if (remainder != 0)
        {
            inexact = true;
            if (remainder > 5 || (remainder == 5 && !UInt128.IsEvenInteger(quotient)))
            {
                quotient++;
            }
        }

        return quotient;
    }

    /// <summary>
    /// Rounds a positive value half to even to 38 digits. <paramref name="sticky"/> says non-zero digits were
    /// already cut off below the value; callers that pass it make sure the value has more than 38 digits.
    /// </summary>
    private static UInt128 RoundToPrecision(BigInteger value, ref long exponent, bool sticky, out bool inexact)
    {
        var digits = CountDigits(value);
        if (digits <= MaxPrecision)
        {
            inexact = sticky;
            return (UInt128)value;
        }

        var drop = digits - MaxPrecision;
        var divisor = BigPowersOfTen.Get(drop);
        var quotient = BigInteger.DivRem(value, divisor, out var remainder);
        var comparison = (remainder << 1).CompareTo(divisor);
        if (comparison == 0 && sticky)
        {
            comparison = 1;
        }

        if (comparison > 0 || (comparison == 0 && !quotient.IsEven))
        {
            quotient += BigInteger.One;
        }

        inexact = sticky || !remainder.IsZero;
        exponent += drop;
        return (UInt128)quotient; // at most 10^38, which Finish normalises to 1E+38
    }

    private static int CountDigits(BigInteger value)
    {
        if (value <= ulong.MaxValue)
        {
            return CountDigits((ulong)value);
        }

        // 2^(bits-1) <= value < 2^bits; start from a slight underestimate of the digit count and correct.
        var digits = (int)((value.GetBitLength() - 1) * 0.30102999566398120) + 1;
        while (value >= BigPowersOfTen.Get(digits))
        {
            digits++;
        }

        while (digits > 1 && value < BigPowersOfTen.Get(digits - 1))
        {
            digits--;
        }

        return digits;
    }

    /// <summary>Normalises an arithmetic result of at most 38 digits and checks its range.</summary>
    private static KvNumber Finish(UInt128 coefficient, long exponent, bool negative, Operation operation, in KvNumber left, in KvNumber right)
    {
        if (coefficient == 0)
        {
            return default;
        }

        coefficient = StripTrailingZeros(coefficient, ref exponent);
        var digits = CountDigits(coefficient);
        var adjusted = exponent + digits - 1;
        if (adjusted > MaxAdjustedExponent)
        {
            ThrowArithmetic(ArithmeticFailure.Overflow, operation, left, right);
        }

        if (adjusted < MinAdjustedExponent)
        {
            ThrowArithmetic(ArithmeticFailure.Underflow, operation, left, right);
        }

        return new KvNumber(coefficient, (int)exponent, negative, digits);
    }

    [DoesNotReturn]
    private static void ThrowArithmetic(ArithmeticFailure failure, Operation operation, in KvNumber left, in KvNumber right)
    {
        var what = operation switch
        {
            Operation.Add => $"Adding {left} and {right}",
            Operation.Subtract => $"Subtracting {right} from {left}",
            Operation.Multiply => $"Multiplying {left} by {right}",
            Operation.Divide => $"Dividing {left} by {right}",
            Operation.Remainder => $"The remainder of {left} divided by {right}",
            _ => $"Rounding {left} to {right} decimal places",
        };
        var outcome = failure switch
        {
            ArithmeticFailure.Overflow => " overflows the supported range",
            ArithmeticFailure.Underflow => " underflows the supported range: a non-zero result must have magnitude at least 1E-130",
            _ => $" needs more than {MaxPrecision} significant digits",
        };
        ThrowInvalid(what + outcome);
    }

    /// <summary>Powers of ten as <see cref="BigInteger"/>, built on first use of the slow arithmetic paths.</summary>
    private static class BigPowersOfTen
    {
        private static readonly BigInteger[] s_powers = Create();

        public static BigInteger Get(int power) =>
            (uint)power < (uint)s_powers.Length ? s_powers[power] : BigInteger.Pow(10, power);

        private static BigInteger[] Create()
        {
            var powers = new BigInteger[100];
            powers[0] = BigInteger.One;
            for (var i = 1; i < powers.Length; i++)
            {
                powers[i] = powers[i - 1] * 10;
            }

            return powers;
        }
    }
}
