using System.Buffers.Binary;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;
using KvDb.Storage;

namespace KvDb.Cluster.Node;

/// <summary>
/// Encodings of the replica metadata table that sits beside every replicated table on a node: its partition
/// key is the ring token (8 bytes, big-endian) followed by the item's partition key, so a token range is one
/// partition-key range query; its sort key is the item's sort key (or a marker byte).
/// </summary>
internal static class CellKeys
{
    public const string MetaPk = "t";
    public const string MetaSk = "s";
    public const string Promised = "p";
    public const string Accepted = "a";
    public const string Version = "v";
    public const string Exists = "x";
    public const string Intent = "i";

    public static byte[] Canonical(AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeKind.String:
            {
                var s = value.AsString();
                var bytes = new byte[1 + System.Text.Encoding.UTF8.GetByteCount(s)];
                bytes[0] = 1;
                System.Text.Encoding.UTF8.GetBytes(s, bytes.AsSpan(1));
                return bytes;
            }

            case AttributeKind.Number:
                return [2, .. value.AsNumber().ToEncodedBytes()];
            case AttributeKind.Binary:
                return [3, .. value.AsBinary().Span];
            default:
                throw new KvDbException(KvErrorCode.InvalidKey, $"A key value must be S, N or B, not {value.Kind}.");
        }
    }

    public static AttributeValue FromCanonical(ReadOnlySpan<byte> bytes) => bytes[0] switch
    {
        1 => AttributeValue.FromString(System.Text.Encoding.UTF8.GetString(bytes[1..])),
        2 => KeyCodec.Decode(bytes[1..], ScalarType.Number),
        3 => AttributeValue.FromBinary(bytes[1..]),
        _ => throw new KvDbException(KvErrorCode.InvalidKey, $"Unknown key type byte {bytes[0]} in replica metadata."),
    };

    public static ulong TokenOf(ItemKey key) => PartitionToken.Of(key.PartitionKey);

    public static byte[] MetaPartition(ItemKey key) => MetaPartition(key.PartitionKey, out _);

    /// <summary>
    /// The metadata partition key (token, then the canonical key) built in one array; the token is the hash of the
    /// canonical part, so it is computed here once (it is exactly <see cref="PartitionToken.Of"/>).
    /// </summary>
    public static byte[] MetaPartition(AttributeValue partitionKey, out ulong token)
    {
        byte[] bytes;
        switch (partitionKey.Kind)
        {
            case AttributeKind.String:
            {
                var s = partitionKey.AsString();
                bytes = new byte[9 + System.Text.Encoding.UTF8.GetByteCount(s)];
                bytes[8] = 1;
                System.Text.Encoding.UTF8.GetBytes(s, bytes.AsSpan(9));
                break;
            }

            case AttributeKind.Number:
            {
                Span<byte> buffer = stackalloc byte[KvNumber.MaxEncodedLength];
                var written = partitionKey.AsNumber().Encode(buffer);
                bytes = new byte[9 + written];
                bytes[8] = 2;
                buffer[..written].CopyTo(bytes.AsSpan(9));
                break;
            }

            case AttributeKind.Binary:
            {
                var raw = partitionKey.AsBinary().Span;
                bytes = new byte[9 + raw.Length];
                bytes[8] = 3;
                raw.CopyTo(bytes.AsSpan(9));
                break;
            }

            default:
                throw new KvDbException(KvErrorCode.InvalidKey, $"A key value must be S, N or B, not {partitionKey.Kind}.");
        }

        token = StableHash.XxHash64(bytes.AsSpan(8));
        BinaryPrimitives.WriteUInt64BigEndian(bytes, token);
        return bytes;
    }

    public static byte[] MetaSort(ItemKey key) => key.SortKey is null ? [0] : Canonical(key.SortKey);

    /// <summary>The metadata sort key of an item without a sort key (one shared, never-mutated value).</summary>
    private static readonly AttributeValue NoSortKey = AttributeValue.FromBinary([0]);

    public static ItemKey MetaKey(ItemKey key) => MetaKeyOf(key, out _);

    /// <summary>The metadata key, built without copies (the arrays are owned by the values).</summary>
    public static ItemKey MetaKeyOf(ItemKey key, out ulong token) => new(
        AttributeValue.OwnedBinary(MetaPartition(key.PartitionKey, out token)),
        key.SortKey is null ? NoSortKey : AttributeValue.OwnedBinary(Canonical(key.SortKey)));

    public static ItemKey UserKey(Item meta)
    {
        var pk = meta[MetaPk].AsBinary().Span;
        var sk = meta[MetaSk].AsBinary().Span;
        return new ItemKey(FromCanonical(pk[8..]), sk.Length == 1 && sk[0] == 0 ? null : FromCanonical(sk));
    }

    public static ulong TokenOfMeta(Item meta) => BinaryPrimitives.ReadUInt64BigEndian(meta[MetaPk].AsBinary().Span);

    public static AttributeValue Encode(Ballot b)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, b.Physical);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), b.Logical);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), b.Node);
        return AttributeValue.OwnedBinary(bytes); // the array is fresh: no defensive copy
    }

    public static Ballot DecodeBallot(Item meta, string name)
    {
        if (!meta.TryGetValue(name, out var v))
        {
            return Ballot.Zero;
        }

        var s = v.AsBinary().Span;
        return new Ballot(BinaryPrimitives.ReadInt64BigEndian(s), BinaryPrimitives.ReadInt32BigEndian(s[8..]), BinaryPrimitives.ReadInt32BigEndian(s[12..]));
    }

    private static readonly string[] IntentNames = ["t", "k", "s"];
    private static readonly string[] IntentNamesWithItem = ["t", "k", "s", "n"];

    public static AttributeValue EncodeIntent(TxnIntent intent)
    {
        // One map built in one pass (the same attributes, in the same order, as a chain of With calls).
        AttributeValue txn = intent.TxnId;
        AttributeValue kind = (int)intent.Kind;
        AttributeValue started = intent.StartedMilliseconds;
        var map = intent.NewItem is null
            ? new AttributeMap(IntentNames, [txn, kind, started])
            : new AttributeMap(IntentNamesWithItem, [txn, kind, started, AttributeValue.FromMap(intent.NewItem.ToMap())]);
        return AttributeValue.FromMap(map);
    }

    public static TxnIntent? DecodeIntent(Item meta)
    {
        if (!meta.TryGetValue(Intent, out var v))
        {
            return null;
        }

        var m = v.AsMap();
        return new TxnIntent(
            m["t"].AsString(),
            (TxnIntentKind)(int)m["k"].AsNumber().ToInt64(),
            m.TryGetValue("n", out var n) ? Item.FromMap(n.AsMap()) : null,
            m["s"].AsNumber().ToInt64());
    }
}
