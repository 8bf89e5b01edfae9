using System.Buffers.Binary;
using System.Globalization;
using KvDb.Expressions;

namespace KvDb.Core.Tests.DurabilityTests;

/// <summary>
/// Damaged data directories: log segments cut at every byte of their last records, single-byte flips in the log and
/// in snapshots, corruption in an earlier segment, the lock file, and the recovery report. Recovery must always end
/// in a committed prefix of the log or in a precise error (file and offset), never in anything in between.
/// </summary>
public sealed class CorruptionTests : IDisposable
{
    private static readonly KeyAttribute s_pk = new("pk", ScalarType.String);
    private static readonly KeyAttribute s_sk = new("sk", ScalarType.Number);
    private static readonly TableSchema s_schema = new("t", s_pk, s_sk)
    {
        Indexes = [IndexSchema.Global("byOwner", new KeyAttribute("owner", ScalarType.String), new KeyAttribute("n", ScalarType.Number))],
    };

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private string Original => Path.Combine(_root.Path, "original");

    private string Work => Path.Combine(_root.Path, "work");

    private static KvDbOptions Options() => new() { TtlSweepInterval = TimeSpan.Zero };

    private static Item Row(string pk, int sk, int v) =>
        Item.Create().Set("pk", pk).Set("sk", sk).Set("v", v).Set("owner", "o" + (v % 3).ToString(CultureInfo.InvariantCulture)).Set("n", v).Build();

    // ------------------------------------------------------------------ truncation

    [Fact]
    public async Task LogCutAtEveryByteOfTheLastRecords_RecoversTheCommittedPrefix_AndAcceptsWritesAfterwards()
    {
        const int Puts = 30;
        await using (var db = KvDatabase.Open(Original, Options()))
        {
            var t = await db.CreateTableAsync(s_schema);
            for (var i = 1; i <= Puts; i++)
            {
                await t.PutAsync(Row("a", i, i));
            }
        }

        var segment = SingleSegment(Original);
        var frames = Frames(File.ReadAllBytes(segment));
        Assert.Equal(1 + Puts, frames.Count); // CreateTable, then one record per put
        var length = new FileInfo(segment).Length;
        Assert.Equal(frames[^1].End, length);

        var checkedCuts = 0;
        for (var cut = frames[27].Offset; cut <= length; cut++)
        {
            var whole = frames.Count(f => f.End <= cut) - 1; // puts wholly before the cut
            var lastEnd = frames.Where(f => f.End <= cut).Max(f => f.End);
            CopyDirectory(Original, Work);
            Truncate(Path.Combine(Work, Path.GetFileName(segment)), cut);
            await using (var db = KvDatabase.Open(Work, Options()))
            {
                var report = db.RecoveryReport!;
                var because = $"cut at {cut} of {length} ({whole} puts whole); report {report}";
                Assert.True(cut - lastEnd == report.BytesDiscarded, because);
                Assert.True((cut == lastEnd) == (report.TornTail is null), because);
                Assert.True(1 + whole == report.RecordsReplayed, because);
                Assert.True(1 + whole == report.LastSequence, because);
                await AssertItemsAsync(db, Enumerable.Range(1, whole), because);
                await db.Table("t").PutAsync(Row("b", (int)cut, 1000 + whole));
            }

            await using (var db = KvDatabase.Open(Work, Options()))
            {
                var because = $"second reopen after the cut at {cut}";
                Assert.Null(db.RecoveryReport!.TornTail);
                Assert.Equal(0, db.RecoveryReport.BytesDiscarded);
                await AssertItemsAsync(db, Enumerable.Range(1, whole), because, extra: ("b", (int)cut, 1000 + whole));
            }

            checkedCuts++;
        }

        Assert.True(checkedCuts > 4 * 9, $"only {checkedCuts} cuts were checked");
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("batch")]
    public async Task LogCutInsideAMultiItemCommit_DropsTheWholeCommit(string kind)
    {
        await using (var db = KvDatabase.Open(Original, Options()))
        {
            var t = await db.CreateTableAsync(s_schema);
            for (var i = 1; i <= 5; i++)
            {
                await t.PutAsync(Row("a", i, i));
            }

            // One record: three new items, an overwrite of (a, 2) and a delete of (a, 3).
            if (kind == "transaction")
            {
                var result = await db.TransactWriteAsync(
                [
                    new TransactPut("t", Row("x", 1, 101)),
                    new TransactPut("t", Row("x", 2, 102)),
                    new TransactPut("t", Row("y", 1, 103)),
                    new TransactPut("t", Row("a", 2, 200)),
                    new TransactDelete("t", new ItemKey("a", 3)),
                ]);
                Assert.True(result.Succeeded);
            }
            else
            {
                await t.BatchWriteAsync([Row("x", 1, 101), Row("x", 2, 102), Row("y", 1, 103), Row("a", 2, 200)], [new ItemKey("a", 3)]);
            }
        }

        var segment = SingleSegment(Original);
        var frames = Frames(File.ReadAllBytes(segment));
        Assert.Equal(7, frames.Count);
        var commit = frames[^1];
        for (var cut = commit.Offset; cut <= commit.End; cut++)
        {
            CopyDirectory(Original, Work);
            Truncate(Path.Combine(Work, Path.GetFileName(segment)), cut);
            await using var db = KvDatabase.Open(Work, Options());
            var t = db.Table("t");
            var items = await t.Scan().ToListAsync();
            var because = $"{kind} record [{commit.Offset}, {commit.End}) cut at {cut}";
            if (cut < commit.End)
            {
                await AssertItemsAsync(db, Enumerable.Range(1, 5), because);
                Assert.True(cut - commit.Offset == db.RecoveryReport!.BytesDiscarded, because);
            }
            else
            {
                Assert.Equal(7, items.Count); // 5 + 3 new - 1 deleted
                Assert.Null(await t.GetAsync("a", 3));
                Assert.Equal(200, (await t.GetAsync("a", 2))!["v"].AsNumber().ToInt64());
                Assert.Equal(3, items.Count(i => i["pk"].AsString() is "x" or "y"));
                Assert.Equal(0, db.RecoveryReport!.BytesDiscarded);
            }
        }
    }

    // ------------------------------------------------------------------ flipped bytes in the log

    [Fact]
    public async Task FlippedByteInTheLog_RecoversACommittedPrefix_OrFailsNamingFileAndOffset()
    {
        // Records: CreateTable, then 30 commits of every kind; prefixes[k] is the table after the first k records.
        var prefixes = new List<SortedDictionary<string, Item>?> { null };
        await using (var db = KvDatabase.Open(Original, Options()))
        {
            var t = await db.CreateTableAsync(s_schema);
            prefixes.Add(await StateAsync(db));
            var random = new Random(7);
            for (var i = 1; prefixes.Count < 32; i++)
            {
                var before = db.LastSequence;
                switch (i % 5)
                {
                    case 0:
                        await t.DeleteAsync("a", random.Next(1, i));
                        break;
                    case 1:
                        await t.UpdateAsync(new ItemKey("a", random.Next(1, 10)), Update.Set("v", 500 + i).Set("owner", "u"));
                        break;
                    case 2:
                        await db.TransactWriteAsync([new TransactPut("t", Row("a", i, i)), new TransactPut("t", Row("b", i, i)), new TransactDelete("t", new ItemKey("a", i - 1))]);
                        break;
                    case 3:
                        await t.BatchWriteAsync([Row("c", i, i), Row("c", i + 1, i), Row("c", i + 2, i)]);
                        break;
                    default:
                        await t.PutAsync(Row("a", i, i));
                        break;
                }

                if (db.LastSequence != before)
                {
                    prefixes.Add(await StateAsync(db)); // deleting an absent item logs nothing
                }
            }
        }

        var segment = SingleSegment(Original);
        var name = Path.GetFileName(segment);
        var original = File.ReadAllBytes(segment);
        var frames = Frames(original);
        Assert.Equal(31, frames.Count);
        Assert.Equal(frames.Count + 1, prefixes.Count);
        const int Seed = 20240611;
        var flips = new Random(Seed);
        var (opened, refused) = (0, 0);
        for (var n = 0; n < 200; n++)
        {
            var offset = flips.Next(8, original.Length); // not the magic
            var mask = (byte)flips.Next(1, 256);
            var j = frames.FindIndex(f => offset >= f.Offset && offset < f.End); // the damaged record; 0..j-1 are intact
            var because = $"flip #{n} (seed {Seed}): byte {offset} ^= 0x{mask:X2}, inside record {j} of {frames.Count} [{frames[j].Offset}, {frames[j].End})";
            CopyDirectory(Original, Work);
            var damaged = (byte[])original.Clone();
            damaged[offset] ^= mask;
            File.WriteAllBytes(Path.Combine(Work, name), damaged);
            KvDatabase db;
            try
            {
                db = KvDatabase.Open(Work, Options());
            }
            catch (KvDbException e)
            {
                Assert.True(e.Code == KvErrorCode.WalCorrupt, $"{because}: {e.Code}: {e.Message}");
                Assert.Contains(name, e.Message, StringComparison.Ordinal);
                Assert.Contains("offset", e.Message, StringComparison.Ordinal);
                // Only the last record can be a torn tail: damage before it has a valid record after it.
                Assert.True(j < frames.Count - 1, $"{because}: the last record is a torn tail, yet opening failed: {e.Message}");
                refused++;
                continue;
            }

            await using (db)
            {
                var state = await StateAsync(db);
                var k = prefixes.FindIndex(p => SameState(p, state));
                Assert.True(k >= 0, $"{because}: the recovered state is not a prefix of the log");
                Assert.True(k >= j, $"{because}: recovered only {k} records, but records before {j} were intact");
                Assert.True(k == j && j == frames.Count - 1, $"{because}: opened with {k} records; only a damaged last record may be cut off");
                Assert.Equal(original.Length - frames[j].Offset, db.RecoveryReport!.BytesDiscarded);
                Assert.NotNull(db.RecoveryReport.TornTail);
                opened++;
            }
        }

        Assert.True(opened > 0 && refused > 0, $"opened {opened}, refused {refused}");
    }

    [Fact]
    public async Task DamageInAnEarlierSegment_IsAnError_NotALostSuffix()
    {
        // Three sessions without a checkpoint: three segments, all kept.
        for (var session = 0; session < 3; session++)
        {
            await using var db = KvDatabase.Open(Original, Options());
            var t = session == 0 ? await db.CreateTableAsync(s_schema) : db.Table("t");
            for (var i = 0; i < 5; i++)
            {
                await t.PutAsync(Row("s" + session.ToString(CultureInfo.InvariantCulture), i, i));
            }
        }

        var segments = Segments(Original);
        Assert.Equal(3, segments.Count);
        var middle = segments[1];
        var name = Path.GetFileName(middle);
        var bytes = File.ReadAllBytes(middle);
        var frames = Frames(bytes);
        Assert.Equal(5, frames.Count);

        // A flipped byte in the middle record, and in the last record of the middle segment (a "tail", but not of the log).
        foreach (var offset in new[] { frames[2].Offset + 3, frames[2].Offset + 12, frames[2].End - 1, frames[4].End - 1, frames[4].Offset })
        {
            CopyDirectory(Original, Work);
            var damaged = (byte[])bytes.Clone();
            damaged[offset] ^= 0x40;
            File.WriteAllBytes(Path.Combine(Work, name), damaged);
            var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(Work, Options()).Dispose());
            Assert.True(e.Code == KvErrorCode.WalCorrupt, $"flip at {offset}: {e.Code}: {e.Message}");
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
            Assert.Contains("offset " + frames.First(f => offset < f.End).Offset.ToString(CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }

        // The middle segment cut short: the records of the third segment follow, so this is no torn tail either.
        foreach (var cut in new[] { frames[4].End - 1, frames[4].Offset + 5, frames[2].Offset + 9 })
        {
            CopyDirectory(Original, Work);
            Truncate(Path.Combine(Work, name), cut);
            var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(Work, Options()).Dispose());
            Assert.True(e.Code == KvErrorCode.WalCorrupt, $"cut at {cut}: {e.Code}: {e.Message}");
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
            Assert.Contains("offset", e.Message, StringComparison.Ordinal);
        }

        // The middle segment lost altogether: a gap in the sequence numbers, not an empty stretch of history.
        CopyDirectory(Original, Work);
        File.Delete(Path.Combine(Work, name));
        var gap = Assert.Throws<KvDbException>(() => KvDatabase.Open(Work, Options()).Dispose());
        Assert.True(gap.Code == KvErrorCode.WalCorrupt, $"missing segment: {gap.Code}: {gap.Message}");
        Assert.Contains(Path.GetFileName(segments[2]), gap.Message, StringComparison.Ordinal);

        // Undamaged, all three sessions are there.
        CopyDirectory(Original, Work);
        await using (var db = KvDatabase.Open(Work, Options()))
        {
            Assert.Equal(15, (await db.Table("t").DescribeAsync()).ItemCount);
        }
    }

    // ------------------------------------------------------------------ snapshots

    [Fact]
    public async Task FlippedByteOrCutInTheSnapshot_IsSnapshotCorrupt_NamingTheFile()
    {
        await using (var db = KvDatabase.Open(Original, new KvDbOptions { TtlSweepInterval = TimeSpan.Zero, ChangeFeedLogRetentionBytes = 0 }))
        {
            var t = await db.CreateTableAsync(s_schema);
            for (var i = 0; i < 25; i++)
            {
                await t.PutAsync(Row("p" + (i % 4).ToString(CultureInfo.InvariantCulture), i, i));
            }

            await db.CheckpointAsync();
            await t.PutAsync(Row("after", 1, 1));
        }

        var snapshot = Assert.Single(Directory.GetFiles(Original, "snapshot-*.snap"));
        var name = Path.GetFileName(snapshot);
        var bytes = File.ReadAllBytes(snapshot);
        CopyDirectory(Original, Work);
        var target = Path.Combine(Work, name);
        try
        {
            for (var offset = 0; offset < bytes.Length; offset++)
            {
                var damaged = (byte[])bytes.Clone();
                damaged[offset] ^= (byte)(1 << (offset % 8));
                File.WriteAllBytes(target, damaged);
                AssertSnapshotCorrupt($"flip at {offset} of {bytes.Length}");
            }

            for (var length = 0; length < bytes.Length; length++)
            {
                File.WriteAllBytes(target, bytes.AsSpan(0, length).ToArray());
                AssertSnapshotCorrupt($"cut at {length} of {bytes.Length}");
            }
        }
        finally
        {
            File.WriteAllBytes(target, bytes);
        }

        await using (var db = KvDatabase.Open(Work, Options()))
        {
            Assert.True(db.RecoveryReport!.SnapshotSequence > 0);
            Assert.Equal(26, (await db.Table("t").DescribeAsync()).ItemCount);
            Assert.Equal(26, await db.Table("t").ScanIndex("byOwner").CountAsync());
        }

        void AssertSnapshotCorrupt(string what)
        {
            var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(Work, Options()).Dispose());
            Assert.True(e.Code == KvErrorCode.SnapshotCorrupt, $"{what}: {e.Code}: {e.Message}");
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
            Assert.Contains("offset", e.Message, StringComparison.Ordinal);
        }
    }

    // ------------------------------------------------------------------ lock and report

    [Fact]
    public async Task SecondOpenInTheSameProcess_IsDatabaseInUse_UntilTheFirstIsDisposed()
    {
        var first = KvDatabase.Open(Original, Options());
        await (await first.CreateTableAsync(s_schema)).PutAsync(Row("a", 1, 1));
        var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(Original, Options()).Dispose());
        Assert.Equal(KvErrorCode.DatabaseInUse, e.Code);
        Assert.Contains(Path.Combine(Path.GetFullPath(Original), "LOCK"), e.Message, StringComparison.Ordinal);
        Assert.NotNull(await first.Table("t").GetAsync("a", 1)); // the refused opener disturbed nothing
        await first.DisposeAsync();

        await using var second = KvDatabase.Open(Original, Options());
        Assert.NotNull(await second.Table("t").GetAsync("a", 1));
    }

    [Fact]
    public async Task RecoveryReport_NamesATornTail_AndIsCleanAfterACleanClose()
    {
        await using (var db = KvDatabase.Open(Original, Options()))
        {
            var t = await db.CreateTableAsync(s_schema);
            for (var i = 0; i < 10; i++)
            {
                await t.PutAsync(Row("a", i, i));
            }
        }

        var segment = SingleSegment(Original);
        var name = Path.GetFileName(segment);
        var frames = Frames(File.ReadAllBytes(segment));
        CopyDirectory(Original, Work); // opening starts a new segment: keep the original with its one segment
        await using (var db = KvDatabase.Open(Work, Options()))
        {
            var report = db.RecoveryReport!;
            Assert.Null(report.TornTail);
            Assert.Equal(0, report.BytesDiscarded);
            Assert.Equal(11, report.RecordsReplayed);
            Assert.Equal(11, report.LastSequence);
            Assert.Equal(0, report.SnapshotSequence);
        }

        // A write torn 5 bytes short of its end.
        CopyDirectory(Original, Work);
        var cut = frames[^1].End - 5;
        Truncate(Path.Combine(Work, name), cut);
        await using (var db = KvDatabase.Open(Work, Options()))
        {
            var report = db.RecoveryReport!;
            Assert.NotNull(report.TornTail);
            Assert.Contains(name, report.TornTail, StringComparison.Ordinal);
            Assert.Equal(cut - frames[^1].Offset, report.BytesDiscarded);
            Assert.Equal(10, report.RecordsReplayed);
            Assert.Equal(10, report.LastSequence);
            Assert.Equal(9, (await db.Table("t").DescribeAsync()).ItemCount);
        }

        await using (var db = KvDatabase.Open(Work, Options()))
        {
            Assert.Null(db.RecoveryReport!.TornTail); // the tail was cut off for good
            Assert.Equal(0, db.RecoveryReport.BytesDiscarded);
            Assert.Equal(9, (await db.Table("t").DescribeAsync()).ItemCount);
        }

        // Zeros after the last record (a file extended but never written) are a torn tail too, and lose nothing.
        CopyDirectory(Original, Work);
        using (var file = new FileStream(Path.Combine(Work, name), FileMode.Append))
        {
            file.Write(new byte[100]);
        }

        await using (var db = KvDatabase.Open(Work, Options()))
        {
            Assert.NotNull(db.RecoveryReport!.TornTail);
            Assert.Equal(100, db.RecoveryReport.BytesDiscarded);
            Assert.Equal(10, (await db.Table("t").DescribeAsync()).ItemCount);
        }
    }

    // ------------------------------------------------------------------ helpers

    private readonly record struct Frame(long Offset, long End);

    /// <summary>The frames of a segment (<c>u32 length, u32 crc, payload</c> after the 8-byte magic); fails on a partial frame.</summary>
    private static List<Frame> Frames(byte[] segment)
    {
        Assert.True(segment.AsSpan(0, 8).SequenceEqual("KVDBWAL1"u8));
        var frames = new List<Frame>();
        long offset = 8;
        while (offset < segment.Length)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(segment.AsSpan((int)offset));
            var end = offset + 8 + length;
            Assert.True(end <= segment.Length, $"frame at {offset} runs past the end");
            frames.Add(new Frame(offset, end));
            offset = end;
        }

        return frames;
    }

    private static List<string> Segments(string directory) => [.. Directory.GetFiles(directory, "wal-*.log").Order(StringComparer.Ordinal)];

    private static string SingleSegment(string directory) => Assert.Single(Segments(directory));

    private static void Truncate(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(length);
    }

    private static void CopyDirectory(string from, string to)
    {
        if (Directory.Exists(to))
        {
            Directory.Delete(to, true);
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static async Task<SortedDictionary<string, Item>?> StateAsync(KvDatabase db)
    {
        if (await db.DescribeTableAsync("t") is null)
        {
            return null;
        }

        var t = db.Table("t");
        var state = new SortedDictionary<string, Item>(StringComparer.Ordinal);
        foreach (var item in await t.Scan().ToListAsync())
        {
            state.Add(item["pk"].AsString() + "/" + item["sk"].AsNumber(), item);
        }

        // The index must agree with the table in every recovered state.
        var indexed = await t.ScanIndex("byOwner").ToListAsync();
        Assert.Equal(state.Values.Count(i => i.ContainsKey("owner") && i.ContainsKey("n")), indexed.Count);
        foreach (var item in indexed)
        {
            Assert.Equal(state[item["pk"].AsString() + "/" + item["sk"].AsNumber()], item);
        }

        Assert.Equal(state.Count, (await t.DescribeAsync()).ItemCount);
        return state;
    }

    private static bool SameState(SortedDictionary<string, Item>? a, SortedDictionary<string, Item>? b) =>
        a is null || b is null ? a is null && b is null : a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var item) && item.Equals(kv.Value));

    /// <summary>Asserts the table holds exactly the puts <c>(a, i)</c> for <paramref name="sks"/> (plus <paramref name="extra"/>).</summary>
    private static async Task AssertItemsAsync(KvDatabase db, IEnumerable<int> sks, string because, (string Pk, int Sk, int V)? extra = null)
    {
        var expected = sks.Select(i => Row("a", i, i)).ToList();
        if (extra is { } x)
        {
            expected.Add(Row(x.Pk, x.Sk, x.V));
        }

        var state = await StateAsync(db);
        Assert.NotNull(state);
        var actual = state.Values.ToList();
        Assert.True(expected.Count == actual.Count && expected.All(e => actual.Contains(e)),
            $"{because}: expected [{string.Join(", ", expected)}], found [{string.Join(", ", actual)}]");
    }
}
