using System.Buffers.Binary;
using KvDb.Cluster.Node;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster.Tests.Node;

/// <summary>
/// The replica metadata keys are stored on disk: the one-pass encodings (token and canonical key built in one
/// array, ballots and intents without intermediate copies) must produce exactly the documented bytes.
/// </summary>
public sealed class CellKeysEncodingTests
{
    public static TheoryData<AttributeValue> PartitionKeys() =>
    [
        AttributeValue.FromString("customer#42"),
        AttributeValue.FromString(""),
        AttributeValue.FromString("\u00E9\u4E2D"),
        AttributeValue.FromString(new string('x', 400)),
        AttributeValue.FromNumber(1),
        AttributeValue.FromNumber("-1.5"),
        AttributeValue.FromNumber(0),
        AttributeValue.FromNumber("-12345678901234567890123456789012345678e-100"),
        AttributeValue.FromBinary(new byte[] { 1, 2, 3 }),
        AttributeValue.FromBinary(Array.Empty<byte>()),
    ];

    [Theory]
    [MemberData(nameof(PartitionKeys))]
    public void MetaPartition_IsTokenThenCanonicalKey(AttributeValue pk)
    {
        var bytes = CellKeys.MetaPartition(pk, out var token);
        Assert.Equal(PartitionToken.Of(pk), token);
        Assert.Equal(token, BinaryPrimitives.ReadUInt64BigEndian(bytes));
        Assert.Equal(CellKeys.Canonical(pk), bytes[8..]);
        Assert.Equal(bytes, CellKeys.MetaPartition(new ItemKey(pk)));
    }

    [Theory]
    [MemberData(nameof(PartitionKeys))]
    public void MetaKey_RoundTripsToTheUserKey(AttributeValue pk)
    {
        foreach (var key in new[] { new ItemKey(pk), new ItemKey(pk, AttributeValue.FromString("sk")), new ItemKey(pk, AttributeValue.FromNumber(7)) })
        {
            var metaKey = CellKeys.MetaKeyOf(key, out var token);
            Assert.Equal(CellKeys.TokenOf(key), token);
            Assert.Equal(CellKeys.MetaPartition(key), metaKey.PartitionKey.AsBinary().ToArray());
            Assert.Equal(CellKeys.MetaSort(key), metaKey.SortKey!.AsBinary().ToArray());
            var meta = Item.Create().Set(CellKeys.MetaPk, metaKey.PartitionKey).Set(CellKeys.MetaSk, metaKey.SortKey).Build();
            Assert.Equal(key, CellKeys.UserKey(meta));
        }
    }

    [Fact]
    public void Ballots_RoundTripAndKeepTheirBigEndianLayout()
    {
        var ballot = new Ballot(0x0102030405060708, 0x090A0B0C, 0x0D0E0F10);
        var encoded = CellKeys.Encode(ballot);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), encoded.AsBinary().ToArray());
        var meta = Item.Create().Set(CellKeys.Accepted, encoded).Build();
        Assert.Equal(ballot, CellKeys.DecodeBallot(meta, CellKeys.Accepted));
        Assert.Equal(Ballot.Zero, CellKeys.DecodeBallot(meta, CellKeys.Promised));
    }

    [Fact]
    public void Intents_RoundTrip()
    {
        var item = Item.Create().Set("pk", "a").Set("n", 5).Build();
        foreach (var intent in new[]
        {
            new TxnIntent("txn-1", TxnIntentKind.Put, item, 1234),
            new TxnIntent("txn-2", TxnIntentKind.Delete, null, 99),
            new TxnIntent("txn-3", TxnIntentKind.Check, null, 0),
        })
        {
            var meta = Item.Create().Set(CellKeys.Intent, CellKeys.EncodeIntent(intent)).Build();
            Assert.Equal(intent, CellKeys.DecodeIntent(meta));
        }
    }
}
