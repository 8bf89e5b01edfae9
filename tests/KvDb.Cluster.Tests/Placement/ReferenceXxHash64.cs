namespace KvDb.Cluster.Tests.Placement;

/// <summary>
/// A deliberately plain XXH64, written straight from the specification (xxhash_spec.md) with no spans, no
/// BinaryPrimitives and no BitOperations, to check the optimised <c>StableHash.XxHash64</c> on random inputs.
/// It reproduces every published sanity vector used in <see cref="StableHashTests"/>.
/// </summary>
internal static class ReferenceXxHash64
{
    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    public static ulong Hash(byte[] input, ulong seed)
    {
        var length = input.Length;
        var offset = 0;
        ulong acc;
        if (length >= 32)
        {
            var lanes = new[] { seed + P1 + P2, seed + P2, seed, seed - P1 };
            while (length - offset >= 32)
            {
                for (var lane = 0; lane < 4; lane++)
                {
                    lanes[lane] = Round(lanes[lane], ReadLittleEndian(input, offset, 8));
                    offset += 8;
                }
            }

            acc = Rotl(lanes[0], 1) + Rotl(lanes[1], 7) + Rotl(lanes[2], 12) + Rotl(lanes[3], 18);
            foreach (var laneValue in lanes)
            {
                acc = ((acc ^ Round(0, laneValue)) * P1) + P4;
            }
        }
        else
        {
            acc = seed + P5;
        }

        acc += (ulong)length;
        while (length - offset >= 8)
        {
            acc = (Rotl(acc ^ Round(0, ReadLittleEndian(input, offset, 8)), 27) * P1) + P4;
            offset += 8;
        }

        if (length - offset >= 4)
        {
            acc = (Rotl(acc ^ (ReadLittleEndian(input, offset, 4) * P1), 23) * P2) + P3;
            offset += 4;
        }

        while (offset < length)
        {
            acc = Rotl(acc ^ (input[offset] * P5), 11) * P1;
            offset++;
        }

        acc ^= acc >> 33;
        acc *= P2;
        acc ^= acc >> 29;
        acc *= P3;
        acc ^= acc >> 32;
        return acc;
    }

    private static ulong Round(ulong acc, ulong lane) => Rotl(acc + (lane * P2), 31) * P1;

    private static ulong Rotl(ulong x, int r) => (x << r) | (x >> (64 - r));

    private static ulong ReadLittleEndian(byte[] input, int offset, int count)
    {
        ulong value = 0;
        for (var i = count - 1; i >= 0; i--)
        {
            value = (value << 8) | input[offset + i];
        }

        return value;
    }
}
