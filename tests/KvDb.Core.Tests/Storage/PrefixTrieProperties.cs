using FsCheck;
using FsCheck.Fluent;
using KvDb.Storage;

namespace KvDb.Core.Tests.Storage;

public sealed class PrefixTrieProperties
{
    // Small alphabets make shared prefixes, keys that are prefixes of other keys, and deep branching likely.
    private static readonly Gen<byte[]> s_key =
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements<byte>(0x00, 0x01, 0x61, 0x62, 0xFE, 0xFF), n));

    private sealed record Op(bool Insert, byte[] Key);

    private static readonly Gen<Op[]> s_ops =
        Gen.ListOf(Gen.Zip(Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false))), s_key)
            .Select(t => new Op(t.Item1, t.Item2))).Select(l => l.ToArray());

    private static byte[] Record(byte[] key, int version) => ItemCodec.BuildRecord(key, [(byte)version]);

    [Fact]
    public void Trie_AfterAnyInsertsAndRemoves_MatchesSortedSetModel() =>
        Prop.ForAll(s_ops.ToArbitrary(), ops =>
        {
            var trie = new PrefixTrie();
            var model = new SortedDictionary<byte[], int>(ByteComparer.Instance);
            var version = 0;
            foreach (var op in ops)
            {
                if (op.Insert)
                {
                    version++;
                    var replaced = trie.Set(Record(op.Key, version));
                    Assert.Equal(model.ContainsKey(op.Key), replaced is not null);
                    model[op.Key] = version;
                }
                else
                {
                    var removed = trie.Remove(op.Key);
                    Assert.Equal(model.Remove(op.Key), removed is not null);
                }

                Assert.Equal(model.Count, trie.Count);

                // Ranges bounded by the operated key, from the subtree counts, agree with the model.
                foreach (var (lo, hi) in new (byte[]?, byte[]?)[] { (op.Key, null), (null, op.Key), (op.Key, op.Key), ([0x01], op.Key) })
                {
                    foreach (var inclusive in new[] { true, false })
                    {
                        var range = new KeyRange(lo, inclusive, hi, !inclusive);
                        Assert.Equal(model.Keys.Count(k => range.Contains(k)), trie.CountRange(range));
                    }
                }

                // Subtree counts answer every prefix (of a stored key, of the operated key, or absent) exactly.
                foreach (var prefix in model.Keys.SelectMany(k => Enumerable.Range(0, k.Length + 1).Select(n => k[..n])).Append(op.Key).Append([0x61, 0x61, 0x61]))
                {
                    Assert.Equal(model.Keys.Count(k => k.AsSpan().StartsWith(prefix)), trie.CountPrefix(prefix));
                }
            }

            foreach (var (key, v) in model)
            {
                var leaf = Assert.IsType<byte[]>(trie.Get(key));
                Assert.Equal(v, leaf[^1]);
            }

            var all = Drain(trie.ScanAll());
            Assert.Equal(model.Keys.Select(Convert.ToHexString), all.Select(Convert.ToHexString));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

    [Fact]
    public void Trie_WideNodesFilledInOrder_ThenChanged_MatchModel_AndOldCursorsStayConsistent()
    {
        // Ascending inserts append to a node's children in place (spare capacity); removes and middle inserts copy.
        // Cursors opened before a change see a consistent snapshot of every node they entered.
        var random = new Random(5);
        for (var round = 0; round < 40; round++)
        {
            var trie = new PrefixTrie();
            var model = new SortedSet<byte[]>(ByteComparer.Instance);
            var width = random.Next(1, 257);
            var before = new List<byte[]>();
            for (var b = 0; b < width; b++)
            {
                byte[] key = random.Next(4) == 0 ? [0x10, (byte)b] : [0x10, (byte)b, 0x01];
                trie.Set(Record(key, 1));
                model.Add(key);
                if (b == width / 2)
                {
                    before = Drain(trie.ScanAll());
                }
            }

            var cursor = trie.ScanAll(); // opened on the full node, drained after the changes below
            for (var n = 0; n < 30; n++)
            {
                byte[] key = [0x10, (byte)random.Next(256)];
                if (random.Next(2) == 0 && model.Remove(key))
                {
                    Assert.NotNull(trie.Remove(key));
                }
                else if (model.Add(key))
                {
                    Assert.Null(trie.Set(Record(key, 2)));
                }
            }

            Assert.Equal(model.Count, trie.Count);
            Assert.Equal(model.Count(k => k[0] == 0x10), trie.CountPrefix([0x10]));
            Assert.Equal(model.Select(Convert.ToHexString), Drain(trie.ScanAll()).Select(Convert.ToHexString));
            Assert.True(before.Count <= width / 2 + 1);
            var seen = Drain(cursor);
            Assert.Equal(seen.OrderBy(k => k, ByteComparer.Instance).Select(Convert.ToHexString), seen.Select(Convert.ToHexString));
            Assert.Equal(seen.Count, seen.Select(Convert.ToHexString).Distinct().Count());
        }
    }

    private sealed record RangeCase(List<byte[]> Keys, byte[]? Lower, bool LowerInclusive, byte[]? Upper, bool UpperInclusive, bool Descending);

    private static readonly Gen<RangeCase> s_rangeCase =
        from keys in Gen.ListOf(s_key)
        from lower in Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (4, s_key.Select(k => (byte[]?)k)))
        from lowerInclusive in Gen.Elements(true, false)
        from upper in Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (4, s_key.Select(k => (byte[]?)k)))
        from upperInclusive in Gen.Elements(true, false)
        from desc in Gen.Elements(true, false)
        select new RangeCase(keys.ToList(), lower, lowerInclusive, upper, upperInclusive, desc);

    [Fact]
    public void Trie_RangeScans_ReturnExactlyTheKeysInRangeInOrder() =>
        Prop.ForAll(s_rangeCase.ToArbitrary(), c =>
        {
            var (keys, lower, lowerInclusive, upper, upperInclusive, descending) = c;
            var trie = new PrefixTrie();
            var model = new SortedSet<byte[]>(ByteComparer.Instance);
            foreach (var k in keys)
            {
                trie.Set(Record(k, 1));
                model.Add(k);
            }

            var range = new KeyRange(lower, lowerInclusive, upper, upperInclusive);
            var expected = model.Where(k => range.Contains(k)).ToList();
            if (descending)
            {
                expected.Reverse();
            }

            var actual = Drain(trie.Scan(range, descending));
            Assert.Equal(expected.Select(Convert.ToHexString), actual.Select(Convert.ToHexString));
            Assert.Equal(expected.Count, trie.CountRange(range)); // from the subtree counts, no leaf visited
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true));

    [Fact]
    public void Trie_PrefixScan_ReturnsKeysWithPrefix() =>
        Prop.ForAll(Gen.Zip(Gen.ListOf(s_key), s_key).ToArbitrary(), t =>
        {
            var (keys, prefix) = t;
            var trie = new PrefixTrie();
            foreach (var k in keys)
            {
                trie.Set(Record(k, 1));
            }

            var expected = keys.Distinct(ByteComparer.Instance).Where(k => k.AsSpan().StartsWith(prefix)).Order(ByteComparer.Instance);
            var actual = Drain(trie.Scan(KeyRange.Prefix(prefix), false));
            Assert.Equal(expected.Select(Convert.ToHexString), actual.Select(Convert.ToHexString));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

    [Fact]
    public void Trie_ScanWhileWriterMutates_SeesOrderedKeysAndEveryStableKey()
    {
        // Keys 0..999 (even) stay; odd keys are inserted and removed concurrently. Every scan must be sorted
        // and must contain every stable key: readers never see a torn structure.
        var trie = new PrefixTrie();
        static byte[] K(int i) => System.Text.Encoding.ASCII.GetBytes($"k{i:D4}");
        for (var i = 0; i < 1000; i += 2)
        {
            trie.Set(Record(K(i), 1));
        }

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var rnd = new Random(7);
            var n = 0;
            while (!stop.IsCancellationRequested && n++ < 200_000)
            {
                var i = (rnd.Next(500) * 2) + 1;
                if (rnd.Next(2) == 0)
                {
                    trie.Set(Record(K(i), 1));
                }
                else
                {
                    trie.Remove(K(i));
                }
            }
        });

        for (var round = 0; round < 200; round++)
        {
            var keys = Drain(trie.ScanAll()).Select(System.Text.Encoding.ASCII.GetString).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            Assert.Equal(500, keys.Count(k => int.Parse(k[1..]) % 2 == 0));
        }

        stop.Cancel();
        writer.Wait();
    }

    [Fact]
    public void Trie_ReadersWhileAWriterAppendsInKeyOrder_SeeAGapFreePrefix()
    {
        // Ascending inserts fill wide nodes in place (spare capacity). Readers running meanwhile must see a sorted,
        // gap-free prefix of the insertion order that holds every key inserted before they started, and point reads
        // and counts must agree with it.
        var trie = new PrefixTrie();
        static byte[] K(int i) => [0x20, (byte)(i >> 8), (byte)i];
        const int Total = 256 * 200;
        var published = 0;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < Total; i++)
            {
                trie.Set(Record(K(i), 1));
                Volatile.Write(ref published, i + 1);
            }
        });

        var rounds = 0;
        while (!writer.IsCompleted || rounds < 5)
        {
            rounds++;
            var before = Volatile.Read(ref published);
            var keys = Drain(trie.ScanAll());
            Assert.InRange(keys.Count, before, Total);
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.True(keys[i].AsSpan().SequenceEqual(K(i)), $"scan position {i} holds {Convert.ToHexString(keys[i])}");
            }

            if (before > 0)
            {
                var probe = Random.Shared.Next(before);
                Assert.NotNull(trie.Get(K(probe)));
            }

            Assert.InRange(trie.CountPrefix([0x20]), before, Total);
        }

        writer.Wait();
        Assert.Equal(Total, trie.Count);
        Assert.Equal(Total, Drain(trie.ScanAll()).Count);
    }

    private static List<byte[]> Drain(TrieCursor cursor)
    {
        var list = new List<byte[]>();
        while (cursor.MoveNext())
        {
            list.Add(PrefixTrie.KeyOf(cursor.Current!).ToArray());
        }

        return list;
    }
}

internal sealed class ByteComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
{
    public static readonly ByteComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var h = new HashCode();
        h.AddBytes(obj);
        return h.ToHashCode();
    }
}
