using FsCheck;
using FsCheck.Fluent;
using KvDb.Cluster.Replication;
using KvDb.Expressions;

namespace KvDb.Cluster.Tests.Messages;

public sealed class MessageCodecTests
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithQuietOnSuccess(true);

    [Fact]
    public void Decode_OfEncode_RoundTripsEveryMessage() =>
        Prop.ForAll(MessageGenerators.Message.ToArbitrary(), message =>
        {
            var bytes = MessageCodec.Encode(message);
            var decoded = MessageCodec.Decode(bytes);
            MessageAssert.Equal(message, decoded);
            Assert.Equal(bytes, MessageCodec.Encode(decoded));
        }).Check(s_config.WithMaxTest(400));

    [Fact]
    public void Generators_CoverEveryMessageType()
    {
        var all = typeof(ClusterMessage).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ClusterMessage)) && !t.IsAbstract)
            .Select(t => t.Name)
            .ToHashSet();
        var seen = MessageGenerators.Message.Sample(600).Select(m => m.GetType().Name).ToHashSet();
        Assert.Equal(all.Order(), seen.Order());
        Assert.Equal(21, all.Count);
    }

    [Fact]
    public void Decode_AnyStrictPrefix_ThrowsProtocolException() =>
        Prop.ForAll(MessageGenerators.Message.ToArbitrary(), message =>
        {
            var bytes = MessageCodec.Encode(message);
            for (var length = 0; length < bytes.Length; length++)
            {
                var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode(bytes.AsSpan(0, length)));
                Assert.InRange(e.Offset, 0, length);
            }
        }).Check(s_config.WithMaxTest(150));

    [Fact]
    public void Decode_WithTrailingByte_ThrowsProtocolException() =>
        Prop.ForAll(MessageGenerators.Message.ToArbitrary(), Gen.Choose(0, 255).ToArbitrary(), (message, extra) =>
        {
            var bytes = MessageCodec.Encode(message);
            var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode([.. bytes, (byte)extra]));
            Assert.Equal(bytes.Length, e.Offset);
            Assert.Contains("unexpected bytes after", e.Message, StringComparison.Ordinal);
        }).Check(s_config.WithMaxTest(100));

    [Fact]
    public void Decode_WithFlippedBits_DecodesOrThrowsProtocolException()
    {
        var gen = from message in MessageGenerators.Message
                  from flips in Gen.ListOf(Gen.Choose(0, int.MaxValue))
                  select (message, flips);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var bytes = MessageCodec.Encode(t.message);
            foreach (var flip in t.flips.DefaultIfEmpty(7))
            {
                bytes[flip / 8 % bytes.Length] ^= (byte)(1 << (flip % 8));
            }

            DecodeOrProtocolError(bytes);
        }).Check(s_config.WithMaxTest(1000));
    }

    [Fact]
    public void Decode_RandomBytes_DecodesOrThrowsProtocolException()
    {
        // Half the inputs start with a valid header so the fuzzing reaches the field decoders.
        var gen = from body in MessageGenerators.Bytes
                  from header in Gen.Elements(true, false)
                  from type in Gen.Choose(0, 20)
                  select header ? [MessageCodec.Magic, MessageCodec.Version, (byte)type, .. body] : body;
        Prop.ForAll(gen.ToArbitrary(), bytes => DecodeOrProtocolError(bytes)).Check(s_config.WithMaxTest(3000));
    }

    [Fact]
    public void Decode_SplicedEncodings_DecodesOrThrowsProtocolException()
    {
        // The tail of one valid message after the header and some fields of another: plausible-looking garbage.
        var gen = from a in MessageGenerators.Message
                  from b in MessageGenerators.Message
                  from cutA in Gen.Choose(0, 10_000)
                  from cutB in Gen.Choose(0, 10_000)
                  select (a, b, cutA, cutB);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var x = MessageCodec.Encode(t.a);
            var y = MessageCodec.Encode(t.b);
            var spliced = x.AsSpan(0, 3 + (t.cutA % (x.Length - 2))).ToArray().Concat(y.Skip(t.cutB % y.Length)).ToArray();
            DecodeOrProtocolError(spliced);
        }).Check(s_config.WithMaxTest(1000));
    }

    [Theory]
    [InlineData(new byte[0], 0, "Malformed cluster message: a message needs at least 3 header bytes, got 0 at byte 0.")]
    [InlineData(new byte[] { 0xCB, 1 }, 2, "Malformed cluster message: a message needs at least 3 header bytes, got 2 at byte 2.")]
    [InlineData(new byte[] { 0x00, 1, 15, 0 }, 0, "Malformed cluster message: magic byte is 0x00, expected 0xCB at byte 0.")]
    [InlineData(new byte[] { 0xCB, 2, 15, 0 }, 1, "Malformed cluster message: format version 2 is not supported (this node reads version 1) at byte 1.")]
    [InlineData(new byte[] { 0xCB, 1, 99, 0 }, 2, "Malformed cluster message: message type 99 is unknown at byte 2.")]
    [InlineData(new byte[] { 0xCB, 1, 15 }, 3, "Malformed cluster message: truncated epoch at byte 3.")]
    [InlineData(new byte[] { 0xCB, 1, 17, 5, 0x61 }, 3, "Malformed cluster message: error message length 5 runs past the end of the message (1 bytes left) at byte 3.")]
    [InlineData(new byte[] { 0xCB, 1, 17, 1, 0xFF }, 4, "Malformed cluster message: error message is not valid UTF-8 at byte 4.")]
    [InlineData(new byte[] { 0xCB, 1, 4, 9, 0, 0, 0, 0 }, 3, "Malformed cluster message: reply status 9 is unknown at byte 3.")]
    [InlineData(new byte[] { 0xCB, 1, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, 3,
        "Malformed cluster message: epoch varint overflows 64 bits at byte 3.")]
    [InlineData(new byte[] { 0xCB, 1, 12, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 }, 5,
        "Malformed cluster message: digests count 2 is larger than the remaining 8 bytes allow at byte 5.")]
    [InlineData(new byte[] { 0xCB, 1, 16, 0x85, 0x00 }, 3, "Malformed cluster message: epoch varint is not minimally encoded at byte 3.")]
    [InlineData(new byte[] { 0xCB, 1, 10, 0, 0, 0, 2 }, 6, "Malformed cluster message: more flag is 0x02, expected 0 or 1 at byte 6.")]
    public void Decode_Malformed_NamesProblemAndOffset(byte[] bytes, int offset, string message)
    {
        var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode(bytes));
        Assert.Equal(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Decode_KeyWithNonScalarValue_Throws()
    {
        // PrepareRequest: epoch 0, table "", key whose partition key is BOOL true (tag 0x05).
        var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode([0xCB, 1, 1, 0, 0, 0x05, 0]));
        Assert.Equal("Malformed cluster message: key partition key has type tag 0x05, expected a string, number or binary value at byte 5.", e.Message);
    }

    [Fact]
    public void Decode_ItemWithDuplicateAttribute_Throws()
    {
        var item = Item.Create().Set("a", "x").Set("b", "y").Build();
        var bytes = MessageCodec.Encode(new AcceptRequest(1, "t", new ItemKey("k"), new Ballot(1, 0, 1), new CellState(item, new Ballot(1, 0, 1))));
        // Attribute names are varint length then UTF-8: rename "b" to "a".
        var at = bytes.AsSpan().IndexOf(new byte[] { 1, (byte)'b', 0x01 });
        Assert.True(at > 0);
        bytes[at + 1] = (byte)'a';
        var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode(bytes));
        Assert.Contains("state item is not a valid item", e.Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ItemWithBadNestedValue_Throws()
    {
        var item = Item.Create().Set("a", AttributeValue.FromList("x")).Build();
        var bytes = MessageCodec.Encode(new AcceptRequest(1, "t", new ItemKey("k"), Ballot.Zero, new CellState(item, Ballot.Zero)));
        // Inside the list: the string tag 0x01 followed by length 1 and 'x'; make the tag unknown.
        var at = bytes.AsSpan().LastIndexOf(new byte[] { 0x01, 0x01, (byte)'x' });
        bytes[at] = 0x7E;
        var e = Assert.Throws<ClusterProtocolException>(() => MessageCodec.Decode(bytes));
        Assert.Contains("unknown type tag 0x7E", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_QueryFilterAndProjection_AreNotSent()
    {
        var query = new QueryRequest("orders")
        {
            PartitionKey = "customer#42",
            SortKeyCondition = KeyCondition.Between("2024-01", "2024-12"),
            Filter = Condition.Parse("amount > :min", values: new Dictionary<string, AttributeValue> { [":min"] = 10 }),
            Projection = Projection.Of("amount"),
            Limit = 20,
            Descending = true,
        };
        var decoded = (KeyQueryRequest)MessageCodec.Decode(MessageCodec.Encode(new KeyQueryRequest(3, query)));
        Assert.Null(decoded.Query.Filter);
        Assert.Null(decoded.Query.Projection);
        Assert.Equal(query with { Filter = null, Projection = null }, decoded.Query);
    }

    [Fact]
    public void Encode_NonScalarKey_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => MessageCodec.Encode(new PrepareRequest(1, "t", new ItemKey(AttributeValue.True), Ballot.Zero)));
        Assert.StartsWith("The message field Key.PartitionKey must be a string, number or binary value.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_NullField_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => MessageCodec.Encode(new ReadRequest(1, null!, [])));
        Assert.Throws<ArgumentException>(() => MessageCodec.Encode(new StoreRequest(1, "t", null!)));
        Assert.Throws<ArgumentException>(() => MessageCodec.Encode(new AcceptReply((ReplyStatus)77, 1, Ballot.Zero)));
    }

    [Fact]
    public void Encode_SmallMessages_AreCompact()
    {
        Assert.Equal(4, MessageCodec.Encode(new HeartbeatRequest(7)).Length);
        // header 3, status 1, epoch 1, ballot: physical 6 bytes (1.7e12 zigzag is 42 bits), logical 1, node 1.
        Assert.Equal(13, MessageCodec.Encode(new AcceptReply(ReplyStatus.Ok, 5, new Ballot(1_700_000_000_000, 0, 3))).Length);
    }

    [Fact]
    public void Decode_LargeStoreRequest_RoundTrips()
    {
        var cells = Enumerable.Range(0, 64)
            .Select(i => new CellEntry(new ItemKey($"p{i}", i), new Ballot(i, 0, 1),
                new CellState(Item.Create().Set("pk", $"p{i}").Set("blob", new byte[32 * 1024]).Build(), new Ballot(i, 0, 1))))
            .ToArray();
        var message = new StoreRequest(9, "big", cells);
        var bytes = MessageCodec.Encode(message);
        Assert.InRange(bytes.Length, 2 * 1024 * 1024, 3 * 1024 * 1024);
        MessageAssert.Equal(message, MessageCodec.Decode(bytes));
    }

    private static void DecodeOrProtocolError(byte[] bytes)
    {
        try
        {
            // Whatever decodes must encode and decode again to the same message.
            var message = MessageCodec.Decode(bytes);
            MessageAssert.Equal(message, MessageCodec.Decode(MessageCodec.Encode(message)));
        }
        catch (ClusterProtocolException e)
        {
            Assert.InRange(e.Offset, 0, bytes.Length);
        }
    }
}
