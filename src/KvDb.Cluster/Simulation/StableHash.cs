using System.Text;

namespace KvDb.Cluster.Simulated;

/// <summary>
/// FNV-1a 64: a hash that is the same in every process and on every platform (unlike <see cref="string.GetHashCode()"/>),
/// used to derive per-node seeds and to fingerprint traces.
/// </summary>
internal static class StableHash
{
    public const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Add(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    public static ulong Add(ulong hash, string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 256)
        {
            Span<byte> buffer = stackalloc byte[256];
            return Add(hash, buffer[..Encoding.UTF8.GetBytes(text, buffer)]);
        }

        return Add(hash, Encoding.UTF8.GetBytes(text));
    }

    public static ulong Add(ulong hash, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        return Add(hash, buffer);
    }

    /// <summary>A 32-bit seed for <see cref="Random"/> derived from the run's seed and a label.</summary>
    public static int DeriveSeed(int seed, string label)
    {
        var h = Add(Add(OffsetBasis, seed), label);
        return (int)(h ^ (h >> 32));
    }
}
