using FsCheck;
using FsCheck.Fluent;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster.Tests.Messages;

/// <summary>FsCheck generators for every cluster message and the structures inside them.</summary>
internal static class MessageGenerators
{
    private static readonly string[] s_fragments = ["", "a", "pk", "order#42", "é", "日本", "\U0001F600", " ", "\n", "x-y_z.1", "\0"];

    public static Gen<string> Text { get; } =
        Gen.Frequency(
            (1, Gen.Constant("")),
            (6, Gen.ListOf(Gen.Elements(s_fragments)).Select(parts => string.Concat(parts))),
            (1, Gen.Choose(100, 400).Select(n => new string('s', n))));

    public static Gen<long> AnyLong { get; } = Gen.Frequency(
        (4, Gen.Choose(-1000, 1000).Select(i => (long)i)),
        (2, Gen.Elements(0L, 1L, -1L, long.MaxValue, long.MinValue, int.MaxValue + 1L, 1_700_000_000_000L)),
        (3, from hi in Gen.Choose(int.MinValue, int.MaxValue) from lo in Gen.Choose(int.MinValue, int.MaxValue) select ((long)hi << 32) ^ (uint)lo));

    public static Gen<int> AnyInt { get; } = Gen.Frequency(
        (4, Gen.Choose(-100, 1000)),
        (1, Gen.Elements(0, -1, int.MaxValue, int.MinValue)),
        (2, Gen.Choose(int.MinValue, int.MaxValue)));

    public static Gen<ulong> AnyULong { get; } = AnyLong.Select(l => unchecked((ulong)l));

    public static Gen<byte[]> Bytes { get; } = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i));

    public static Gen<AttributeValue> Number { get; } = Gen.OneOf(
        AnyLong.Select(l => (AttributeValue)l),
        from unscaled in Gen.Choose(int.MinValue, int.MaxValue) from scale in Gen.Choose(0, 12)
        select (AttributeValue)new decimal(Math.Abs(unscaled), 0, 0, unscaled < 0, (byte)scale),
        Gen.Elements("1e100", "-1.5e-90", "12345678901234567890123456789012345678", "0.000").Select(AttributeValue.FromNumber));

    public static Gen<AttributeValue> KeyValue { get; } = Gen.OneOf(
        Text.Select(AttributeValue.FromString),
        Number,
        Bytes.Select(b => AttributeValue.FromBinary(b)));

    public static Gen<ItemKey> Key { get; } =
        from pk in KeyValue
        from sk in Gen.OneOf(Gen.Constant<AttributeValue?>(null), KeyValue.Select(v => (AttributeValue?)v))
        select new ItemKey(pk, sk);

    public static Gen<ItemKey?> OptionalKey { get; } = Gen.OneOf(Gen.Constant<ItemKey?>(null), Key.Select(k => (ItemKey?)k));

    public static Gen<AttributeValue> Value(int depth) => depth <= 0
        ? Gen.OneOf(KeyValue, Gen.Elements(AttributeValue.True, AttributeValue.False, AttributeValue.Null))
        : Gen.Frequency(
            (6, Value(0)),
            (1, Gen.ListOf(Value(depth - 1)).Select(AttributeValue.FromList)),
            (1, Attributes(depth - 1).Select(AttributeValue.FromMap)),
            (1, Gen.NonEmptyListOf(Text).Select(s => AttributeValue.FromStringSet(s.Distinct()))),
            (1, Gen.NonEmptyListOf(AnyLong).Select(n => AttributeValue.FromNumberSet(n.Distinct().Select(x => (KvNumber)x)))),
            (1, Gen.NonEmptyListOf(Bytes).Select(b => AttributeValue.FromBinarySet(b.DistinctBy(Convert.ToHexString)))));

    private static Gen<List<KeyValuePair<string, AttributeValue>>> Attributes(int depth) =>
        from names in Gen.ListOf(Gen.OneOf(Text, Gen.Elements("pk", "sk", "n", "data")))
        from values in Gen.ArrayOf(Value(depth), names.Distinct().Count())
        select names.Distinct().Zip(values, (n, v) => new KeyValuePair<string, AttributeValue>(n, v)).ToList();

    public static Gen<Item> Item { get; } = Gen.Sized(size => Attributes(Math.Min(size / 10, 3)).Select(KvDb.Item.FromAttributes));

    public static Gen<Item?> OptionalItem { get; } = Gen.OneOf(Gen.Constant<Item?>(null), Item.Select(i => (Item?)i));

    public static Gen<Ballot> Ballot { get; } = Gen.Frequency(
        (1, Gen.Constant(KvDb.Cluster.Replication.Ballot.Zero)),
        (5, from p in AnyLong from l in AnyInt from n in AnyInt select new Ballot(p, l, n)));

    public static Gen<TxnIntent?> Intent { get; } = Gen.Frequency(
        (2, Gen.Constant<TxnIntent?>(null)),
        (1, from id in Text
            from kind in Gen.Elements(TxnIntentKind.Put, TxnIntentKind.Delete, TxnIntentKind.Check)
            from item in OptionalItem
            from started in AnyLong
            select (TxnIntent?)new TxnIntent(id, kind, item, started)));

    public static Gen<CellState> CellState { get; } = Gen.Frequency(
        (1, Gen.Constant(KvDb.Cluster.Replication.CellState.Empty)),
        (6, from item in OptionalItem from version in Ballot from intent in Intent select new CellState(item, version, intent)));

    public static Gen<CellEntry> Cell { get; } =
        from key in Key from accepted in Ballot from state in CellState select new CellEntry(key, accepted, state);

    public static Gen<IReadOnlyList<CellEntry>> Cells { get; } = Gen.Sized(size => Gen.Resize(Gen.ListOf(Cell), Math.Min(size, 12)))
        .Select(l => (IReadOnlyList<CellEntry>)l.ToArray());

    public static Gen<ReplyStatus> Status { get; } = Gen.Elements(Enum.GetValues<ReplyStatus>());

    public static Gen<KeyCondition?> Condition { get; } = Gen.Frequency(
        (1, Gen.Constant<KeyCondition?>(null)),
        (3, from op in Gen.Elements(Enum.GetValues<KeyOperator>())
            from v in KeyValue
            from v2 in Gen.OneOf(Gen.Constant<AttributeValue?>(null), KeyValue.Select(x => (AttributeValue?)x))
            select (KeyCondition?)new KeyCondition(op, v, v2)));

    public static Gen<QueryRequest> Query { get; } =
        from table in Text
        from pk in Gen.OneOf(Gen.Constant<AttributeValue?>(null), KeyValue.Select(v => (AttributeValue?)v))
        from pkCondition in Condition
        from skCondition in Condition
        from flags in Gen.Choose(0, 7)
        from limit in Gen.OneOf(Gen.Constant<int?>(null), AnyInt.Select(i => (int?)i))
        from start in OptionalKey
        from index in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(s => (string?)s))
        select new QueryRequest(table)
        {
            PartitionKey = pk,
            PartitionKeyCondition = pkCondition,
            SortKeyCondition = skCondition,
            Descending = (flags & 1) != 0,
            CountOnly = (flags & 2) != 0,
            Limit = limit,
            ExclusiveStartKey = start,
            IndexName = index,
        };

    /// <summary>Any message, every type about equally often.</summary>
    public static Gen<ClusterMessage> Message { get; } = Gen.OneOf(
        from e in AnyLong from t in Text from k in Key from b in Ballot select (ClusterMessage)new PrepareRequest(e, t, k, b),
        from s in Status from e in AnyLong from p in Ballot from a in Ballot from st in CellState select (ClusterMessage)new PrepareReply(s, e, p, a, st),
        from e in AnyLong from t in Text from k in Key from b in Ballot from st in CellState select (ClusterMessage)new AcceptRequest(e, t, k, b, st),
        from s in Status from e in AnyLong from p in Ballot select (ClusterMessage)new AcceptReply(s, e, p),
        from e in AnyLong from t in Text from ks in Gen.ListOf(Key) select (ClusterMessage)new ReadRequest(e, t, ks.ToArray()),
        from s in Status from e in AnyLong from c in Cells select (ClusterMessage)new ReadReply(s, e, c),
        from e in AnyLong from q in Query select (ClusterMessage)new KeyQueryRequest(e, q),
        from s in Status from e in AnyLong from c in Cells from k in OptionalKey select (ClusterMessage)new KeyQueryReply(s, e, c, k),
        from e in AnyLong from t in Text from f in AnyULong from to in AnyULong from a in OptionalKey from l in AnyInt
        select (ClusterMessage)new RangeFetchRequest(e, t, f, to, a, l),
        from s in Status from e in AnyLong from c in Cells from m in Gen.Elements(true, false) select (ClusterMessage)new RangeFetchReply(s, e, c, m),
        from e in AnyLong from t in Text from f in AnyULong from to in AnyULong from b in AnyInt select (ClusterMessage)new RangeDigestRequest(e, t, f, to, b),
        from s in Status from e in AnyLong from d in Gen.ListOf(AnyULong) select (ClusterMessage)new RangeDigestReply(s, e, d.ToArray()),
        from e in AnyLong from t in Text from c in Cells select (ClusterMessage)new StoreRequest(e, t, c),
        from s in Status from e in AnyLong from n in AnyInt select (ClusterMessage)new StoreReply(s, e, n),
        AnyLong.Select(e => (ClusterMessage)new HeartbeatRequest(e)),
        AnyLong.Select(e => (ClusterMessage)new HeartbeatReply(e)),
        Text.Select(t => (ClusterMessage)new ErrorReply(t)),
        from e in AnyLong from t in Text select (ClusterMessage)new TableStatsRequest(e, t),
        from s in Status from e in AnyLong from i in AnyLong from p in AnyLong from b in AnyLong select (ClusterMessage)new TableStatsReply(s, e, i, p, b),
        from e in AnyLong from t in Text from c in Cells select (ClusterMessage)new TombstoneCheckRequest(e, t, c),
        from s in Status from e in AnyLong from f in Gen.ListOf(Gen.Elements(true, false)) select (ClusterMessage)new TombstoneCheckReply(s, e, f.ToArray()));
}
