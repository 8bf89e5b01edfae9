using System.Buffers.Binary;
using System.Numerics;

namespace KvDb.Cluster.Placement;

/// <summary>
/// Hash functions whose results never change between processes, machines, runtimes or versions, so they may
/// decide where data lives. <see cref="string.GetHashCode()"/> is randomised per process and must never be used
/// for placement.
/// </summary>
public static class StableHash
{
    // The five 64-bit primes of the xxHash specification (xxhash_spec.md, "XXH64 algorithm description").
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    /// <summary>
    /// Computes the 64-bit xxHash (XXH64) of <paramref name="data"/>, bit for bit as the reference implementation
    /// (<c>XXH64(data, length, seed)</c>); the input is read as little-endian words on every platform.
    /// </summary>
    /// <param name="data">The bytes to hash.</param>
    /// <param name="seed">The seed; different seeds give unrelated hash functions.</param>
    /// <returns>The hash.</returns>
    public static ulong XxHash64(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var length = data.Length;
        ulong hash;
        if (length >= 32)
        {
            // Four independent lanes consume 32-byte stripes; the tail (< 32 bytes) is mixed in below.
            var v1 = seed + Prime1 + Prime2;
            var v2 = seed + Prime2;
            var v3 = seed;
            var v4 = seed - Prime1;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[16..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[24..]));
                data = data[32..];
            }
            while (data.Length >= 32);

            hash = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) +
                   BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            hash = MergeRound(hash, v1);
            hash = MergeRound(hash, v2);
            hash = MergeRound(hash, v3);
            hash = MergeRound(hash, v4);
        }
        else
        {
            hash = seed + Prime5;
        }

        hash += (ulong)length;

        while (data.Length >= 8)
        {
            hash ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data));
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            hash ^= BinaryPrimitives.ReadUInt32LittleEndian(data) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            data = data[4..];
        }

        for (var i = 0; i < data.Length; i++)
        {
            hash ^= data[i] * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
        }

        // Avalanche: every input bit affects every output bit.
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }

    private static ulong Round(ulong accumulator, ulong input)
    {
        accumulator += input * Prime2;
        accumulator = BitOperations.RotateLeft(accumulator, 31);
        return accumulator * Prime1;
    }

    private static ulong MergeRound(ulong accumulator, ulong lane)
    {
        accumulator ^= Round(0, lane);
        return (accumulator * Prime1) + Prime4;
    }
}
