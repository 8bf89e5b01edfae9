using System.Buffers;
using System.Text;

namespace KvDb.Cluster.Placement;

/// <summary>
/// The position of a partition on the <see cref="HashRing"/>: a 64-bit token derived only from the partition key's
/// value, so every node, process and version computes the same one.
/// </summary>
/// <remarks>
/// The token is <see cref="StableHash.XxHash64"/> (seed 0) over a canonical encoding of the key:
/// <code>
///   S   0x01, the UTF-8 bytes of the string
///   N   0x02, the order-preserving KvNumber encoding (KvNumber.Encode: equal numbers such as 1, 1.0 and 1e0
///             have identical encodings)
///   B   0x03, the raw bytes
/// </code>
/// The type byte keeps <c>"1"</c> (S), <c>1</c> (N) and the byte 0x31 (B) apart. Changing this encoding moves every
/// partition in every cluster: the tests pin token values so that it cannot change silently.
/// </remarks>
public static class PartitionToken
{
    private const byte StringType = 1;
    private const byte NumberType = 2;
    private const byte BinaryType = 3;
    private const int StackLimit = 256;

    /// <summary>Computes the ring token of the partition with key <paramref name="partitionKey"/>.</summary>
    /// <param name="partitionKey">The partition key value: an S, N or B value.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="partitionKey"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="partitionKey"/> is not S, N or B.</exception>
    public static ulong Of(AttributeValue partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        switch (partitionKey.Kind)
        {
            case AttributeKind.String:
                return OfString(partitionKey.StringUnchecked);
            case AttributeKind.Number:
            {
                var number = partitionKey.NumberUnchecked;
                Span<byte> buffer = stackalloc byte[1 + KvNumber.MaxEncodedLength];
                buffer[0] = NumberType;
                var written = number.Encode(buffer[1..]);
                return StableHash.XxHash64(buffer[..(1 + written)]);
            }

            case AttributeKind.Binary:
                return OfBytes(BinaryType, partitionKey.BinaryArray);
            default:
                throw new ArgumentException(
                    $"A partition key must be S, N or B, not {partitionKey.Kind.ToShortName()}.", nameof(partitionKey));
        }
    }

    private static ulong OfString(string value)
    {
        var length = 1 + Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            buffer[0] = StringType;
            var written = Encoding.UTF8.GetBytes(value, buffer[1..]);
            return StableHash.XxHash64(buffer[..(1 + written)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ulong OfBytes(byte type, ReadOnlySpan<byte> value)
    {
        var length = 1 + value.Length;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            buffer[0] = type;
            value.CopyTo(buffer[1..]);
            return StableHash.XxHash64(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
