using FsCheck;
using FsCheck.Fluent;
using KvDb.Engine;
using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

/// <summary>
/// Core's bulk insert (the path of SQL's INSERT on a local database): every row or none, every key new and
/// distinct, the same logging, index upkeep and change feed as a transaction of conditional puts; and, on random
/// rows, the same outcome as that transaction.
/// </summary>
public sealed class BulkInsertTests
{
    private static readonly string[] s_names = ["id", "name", "score"];

    private static BulkInsert Begin(KvDatabase db, string table, int capacity = 4) => db.LocalEngine!.BeginBulkInsert(table, capacity);

    private static void Add(BulkInsert bulk, params (string Name, AttributeValue Value)[] attributes) =>
        bulk.Add(attributes.Select(a => a.Name).ToArray(), attributes.Select(a => a.Value).ToArray());

    private static void AddRow(BulkInsert bulk, int id, string name) =>
        bulk.Add(s_names, [AttributeValue.FromNumber(id), AttributeValue.FromString(name), AttributeValue.FromNumber(id % 7)]);

    private static async Task<KvTable> CreateIdTable(KvDatabase db) => await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.Number));

    [Fact]
    public async Task Commit_InsertsEveryRow_ReadableByKeyAndInKeyOrder()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateIdTable(db);
        await t.PutAsync(Item.Create().Set("id", -1).Set("name", "before").Build());
        var bulk = Begin(db, "t", capacity: 2); // grows past its capacity
        for (var i = 999; i >= 0; i--)
        {
            AddRow(bulk, i, "n" + i);
        }

        Assert.Equal(1000, bulk.Count);
        var result = await bulk.CommitAsync();

        Assert.True(result.Succeeded);
        Assert.Equal(1001, (await t.DescribeAsync()).ItemCount);
        var item = await t.GetAsync(AttributeValue.FromNumber(123));
        Assert.Equal("n123", item!["name"].AsString());
        Assert.Equal(123 % 7, item["score"].AsNumber().ToInt64());
        Assert.Equal(["id", "name", "score"], item.Keys.Order(StringComparer.Ordinal));
        var ids = (await t.Scan().ToListAsync()).Select(i => i["id"].AsNumber().ToInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(-1, 1001).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task Commit_WithSortKey_KeepsItemsOfOnePartitionInSortKeyOrder()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("events", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        var bulk = Begin(db, "events");
        foreach (var sk in new[] { 5, 1, 3, 2, 4 })
        {
            Add(bulk, ("v", AttributeValue.FromString("x" + sk)), ("sk", AttributeValue.FromNumber(sk)), ("pk", AttributeValue.FromString("a")));
            Add(bulk, ("pk", AttributeValue.FromString("b")), ("sk", AttributeValue.FromNumber(sk)));
        }

        Assert.True((await bulk.CommitAsync()).Succeeded);
        var a = await t.Query("a").ToListAsync();
        Assert.Equal([1L, 2, 3, 4, 5], a.Select(i => i["sk"].AsNumber().ToInt64()));
        Assert.Equal(["x1", "x2", "x3", "x4", "x5"], a.Select(i => i["v"].AsString()));
        Assert.Equal(3, (await t.Query("b").Where(k => k.GreaterThanOrEqual(3)).ToListAsync()).Count);
        Assert.NotNull(await t.GetAsync(AttributeValue.FromString("b"), AttributeValue.FromNumber(4)));
    }

    [Fact]
    public async Task Commit_WhenAKeyExists_NamesTheFirstSuchRowAndChangesNothing()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateIdTable(db);
        await t.PutAsync(Item.Create().Set("id", 7).Set("name", "old").Build());
        await t.PutAsync(Item.Create().Set("id", 3).Set("name", "old").Build());
        var bulk = Begin(db, "t");
        foreach (var id in new[] { 1, 7, 2, 3 })
        {
            AddRow(bulk, id, "new");
        }

        var result = await bulk.CommitAsync();

        Assert.Equal(new BulkInsertResult(BulkInsertFailure.KeyExists, 1), result);
        Assert.Equal(new ItemKey(AttributeValue.FromNumber(7)), bulk.KeyAt(result.Row));
        Assert.Equal(2, (await t.DescribeAsync()).ItemCount);
        Assert.Null(await t.GetAsync(AttributeValue.FromNumber(1)));
        Assert.Equal("old", (await t.GetAsync(AttributeValue.FromNumber(7)))!["name"].AsString());
    }

    [Fact]
    public async Task Commit_WhenRowsRepeatAKey_NamesTheLaterRowAndChangesNothing()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("events", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        var bulk = Begin(db, "events");
        Add(bulk, ("pk", AttributeValue.FromString("a")), ("sk", AttributeValue.FromNumber(1)));
        Add(bulk, ("pk", AttributeValue.FromString("a")), ("sk", AttributeValue.FromNumber(2))); // same partition, other item
        Add(bulk, ("pk", AttributeValue.FromString("b")), ("sk", AttributeValue.FromNumber(1)));
        Add(bulk, ("pk", AttributeValue.FromString("a")), ("sk", AttributeValue.FromNumber(2)));

        Assert.Equal(3, bulk.FindRepeatedRow());
        var result = await bulk.CommitAsync();

        Assert.Equal(new BulkInsertResult(BulkInsertFailure.KeyRepeated, 3), result);
        Assert.Equal(new ItemKey(AttributeValue.FromString("a"), AttributeValue.FromNumber(2)), bulk.KeyAt(3));
        Assert.Equal(0, (await t.DescribeAsync()).ItemCount);
    }

    [Fact]
    public async Task FindRepeatedRow_RowsInKeyOrder_SeesARepeatAndNothingElse()
    {
        await using var db = KvDatabase.OpenInMemory();
        await CreateIdTable(db);
        var ascending = Begin(db, "t");
        var repeated = Begin(db, "t");
        foreach (var id in new[] { -5, 1, 2, 3, 1000 })
        {
            AddRow(ascending, id, "x");
        }

        foreach (var id in new[] { 1, 2, 3, 3, 4 })
        {
            AddRow(repeated, id, "x");
        }

        Assert.Equal(-1, ascending.FindRepeatedRow());
        Assert.Equal(3, repeated.FindRepeatedRow());

        var t = await db.CreateTableAsync("events", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        var sorted = Begin(db, "events");
        foreach (var (pk, sk) in new[] { ("a", 1), ("a", 2), ("b", 1), ("b", 1) })
        {
            Add(sorted, ("pk", AttributeValue.FromString(pk)), ("sk", AttributeValue.FromNumber(sk)));
        }

        Assert.Equal(3, sorted.FindRepeatedRow());
        Assert.Equal(new BulkInsertResult(BulkInsertFailure.KeyRepeated, 3), await sorted.CommitAsync());
        Assert.Equal(0, (await t.DescribeAsync()).ItemCount);
    }

    [Fact]
    public async Task Add_RejectsBadKeysAndOversizedItems_WithTheTableInTheMessage()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateIdTable(db);
        var bulk = Begin(db, "t");
        AddRow(bulk, 1, "fine");

        var missing = Assert.Throws<KvDbException>(() => Add(bulk, ("name", AttributeValue.FromString("no key"))));
        Assert.Equal(KvErrorCode.InvalidKey, missing.Code);
        Assert.Contains("\"t\"", missing.Message, StringComparison.Ordinal);
        var wrongType = Assert.Throws<KvDbException>(() => Add(bulk, ("id", AttributeValue.FromString("1"))));
        Assert.Equal(KvErrorCode.InvalidKey, wrongType.Code);
        var large = Assert.Throws<KvDbException>(() => Add(bulk, ("id", AttributeValue.FromNumber(2)), ("blob", AttributeValue.FromString(new string('x', 410 * 1024)))));
        Assert.Equal(KvErrorCode.ItemTooLarge, large.Code);
        Assert.Contains("400 KB", large.Message, StringComparison.Ordinal);

        // Only the good row was added; nothing is stored before the commit.
        Assert.Equal(1, bulk.Count);
        Assert.Equal(0, (await t.DescribeAsync()).ItemCount);
        Assert.True((await bulk.CommitAsync()).Succeeded);
        Assert.Equal(1, (await t.DescribeAsync()).ItemCount);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await bulk.CommitAsync());
        Assert.Throws<InvalidOperationException>(() => AddRow(bulk, 5, "late"));
    }

    [Fact]
    public async Task Add_AnItemJustUnderTheLimit_IsStored()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateIdTable(db);
        var bulk = Begin(db, "t");
        // 2 + 4 + (400 KiB - 100) bytes by DynamoDB's measure: under the limit, but within the slack where the exact size is taken.
        Add(bulk, ("id", AttributeValue.FromNumber(1)), ("blob", AttributeValue.FromString(new string('x', 400 * 1024 - 100))));
        Assert.True((await bulk.CommitAsync()).Succeeded);
        Assert.Equal(400 * 1024 - 100, (await t.GetAsync(AttributeValue.FromNumber(1)))!["blob"].AsString().Length);
    }

    [Fact]
    public async Task BeginBulkInsert_OnAMissingTable_Throws()
    {
        await using var db = KvDatabase.OpenInMemory();
        var e = Assert.Throws<KvDbException>(() => Begin(db, "nope"));
        Assert.Equal(KvErrorCode.TableNotFound, e.Code);
    }

    [Fact]
    public async Task Commit_AfterTheTableWasDropped_FailsAndStoresNothing()
    {
        await using var db = KvDatabase.OpenInMemory();
        await CreateIdTable(db);
        var bulk = Begin(db, "t");
        AddRow(bulk, 1, "a");
        await db.DeleteTableAsync("t");
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await bulk.CommitAsync());
        Assert.Equal(KvErrorCode.TableNotFound, e.Code);
    }

    [Fact]
    public async Task Commit_MaintainsIndexesAndPublishesOneInsertPerRowInRowOrder()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateIdTable(db);
        await db.CreateIndexAsync("t", IndexSchema.Global("byName", new KeyAttribute("name", ScalarType.String)));
        var start = db.LastSequence + 1;
        var bulk = Begin(db, "t");
        AddRow(bulk, 3, "x");
        AddRow(bulk, 1, "y");
        AddRow(bulk, 2, "x");
        Assert.True((await bulk.CommitAsync()).Succeeded);

        Assert.Equal([2L, 3], (await t.QueryIndex("byName", "x").ToListAsync()).Select(i => i["id"].AsNumber().ToInt64()).Order());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var changes = new List<ChangeRecord>();
        await foreach (var change in db.Changes(start, timeout.Token))
        {
            changes.Add(change);
            if (changes.Count == 3)
            {
                break;
            }
        }

        Assert.All(changes, c => Assert.Equal(ChangeType.Insert, c.Type));
        Assert.Equal([3L, 1, 2], changes.Select(c => c.Key.PartitionKey.AsNumber().ToInt64()));
        Assert.Equal([start, start + 1, start + 2], changes.Select(c => c.Sequence));
        Assert.Equal("y", changes[1].NewImage!["name"].AsString());
        Assert.Null(changes[0].OldImage);
    }

    [Fact]
    public async Task Commit_OverAnExpiredItem_ReplacesItAsAPutWould()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000_000));
        await using var db = KvDatabase.OpenInMemory(new KvDbOptions { TimeProvider = clock, TtlSweepInterval = TimeSpan.Zero });
        var t = await db.CreateTableAsync(new TableSchema("sessions", new KeyAttribute("id", ScalarType.String)) { TimeToLiveAttribute = "expires" });
        await t.PutAsync(Item.Create().Set("id", "s").Set("expires", 1_000_010).Build());
        clock.Advance(TimeSpan.FromSeconds(60));

        var start = db.LastSequence + 1;
        var bulk = Begin(db, "sessions");
        Add(bulk, ("id", AttributeValue.FromString("s")), ("expires", AttributeValue.FromNumber(2_000_000)));
        Assert.True((await bulk.CommitAsync()).Succeeded);
        Assert.Equal(2_000_000, (await t.GetAsync("s"))!["expires"].AsNumber().ToInt64());
        Assert.Equal(0, await db.SweepExpiredAsync());
        Assert.Equal(1, (await t.DescribeAsync()).ItemCount);

        // The change replaces the expired image, as a put's does.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var change in db.Changes(start, timeout.Token))
        {
            Assert.Equal(ChangeType.Modify, change.Type);
            Assert.Equal(1_000_010, change.OldImage!["expires"].AsNumber().ToInt64());
            Assert.Equal(2_000_000, change.NewImage!["expires"].AsNumber().ToInt64());
            break;
        }
    }

    [Fact]
    public async Task Commit_InFileMode_SurvivesReopenFromTheLogAndFromACheckpoint()
    {
        using var dir = new TempDirectory();
        await using (var db = KvDatabase.Open(dir.Path))
        {
            await CreateIdTable(db);
            var bulk = Begin(db, "t");
            for (var i = 0; i < 500; i++)
            {
                AddRow(bulk, i, "n" + i);
            }

            Assert.True((await bulk.CommitAsync()).Succeeded);
        }

        await using (var db = KvDatabase.Open(dir.Path))
        {
            var t = db.Table("t");
            Assert.Equal(500, (await t.DescribeAsync()).ItemCount);
            Assert.Equal("n499", (await t.GetAsync(AttributeValue.FromNumber(499)))!["name"].AsString());
            await db.CheckpointAsync();
            var bulk = Begin(db, "t");
            AddRow(bulk, 1000, "after checkpoint");
            Assert.True((await bulk.CommitAsync()).Succeeded);
        }

        await using (var db = KvDatabase.Open(dir.Path))
        {
            var t = db.Table("t");
            Assert.Equal(501, (await t.DescribeAsync()).ItemCount);
            Assert.Equal("after checkpoint", (await t.GetAsync(AttributeValue.FromNumber(1000)))!["name"].AsString());
        }
    }

    [Fact]
    public async Task Commit_RacingConditionalPutsOfItsKeys_IsAllOrNothing()
    {
        // The put starts 0 to ~6 ms after the bulk commit, so across the rounds it lands before, during and after the
        // commit's check of the keys; a put that slipped in after its key was checked would make both succeed.
        for (var round = 0; round < 24; round++)
        {
            await using var db = KvDatabase.OpenInMemory();
            var t = await CreateIdTable(db);
            var bulk = Begin(db, "t");
            for (var i = 0; i < 20_000; i++)
            {
                AddRow(bulk, i, "bulk");
            }

            var started = new ManualResetEventSlim();
            var putTask = Task.Factory.StartNew(() =>
            {
                started.Wait();
                var delay = System.Diagnostics.Stopwatch.StartNew();
                while (delay.Elapsed.TotalMilliseconds < round * 0.25)
                {
                    Thread.SpinWait(20);
                }

                return t.PutAsync(Item.Create().Set("id", round % 3).Set("name", "put").Build(), Condition.AttributeNotExists("id")).AsTask().GetAwaiter().GetResult();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            started.Set();
            var result = await bulk.CommitAsync();
            var put = await putTask;

            var names = (await t.Scan().ToListAsync()).Select(i => i["name"].AsString()).ToList();
            Assert.NotEqual(result.Succeeded, put.Succeeded);
            Assert.Equal(result.Succeeded ? Enumerable.Repeat("bulk", 20_000) : ["put"], names);
        }
    }

    [Fact]
    public async Task ConcurrentBulkInserts_SharingOneKey_OneWinsWhole_NoDeadlock()
    {
        // Three inserts of 5,000 rows each, all sharing key 0 and otherwise disjoint, commit at once: they lock the
        // same stripes in the same order, so they finish (bounded by the timeout), and exactly one is stored, whole.
        for (var round = 0; round < 10; round++)
        {
            await using var db = KvDatabase.OpenInMemory();
            var t = await CreateIdTable(db);
            var inserts = Enumerable.Range(0, 3).Select(w =>
            {
                var bulk = Begin(db, "t");
                AddRow(bulk, 0, "w" + w);
                for (var i = 1; i < 5000; i++)
                {
                    AddRow(bulk, (w * 10_000) + i, "w" + w);
                }

                return bulk;
            }).ToList();

            using var go = new ManualResetEventSlim();
            var tasks = inserts.Select(b => Task.Factory.StartNew(() =>
            {
                go.Wait();
                return b.CommitAsync().AsTask().GetAwaiter().GetResult();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
            go.Set();
            var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Single(results, r => r.Succeeded);
            Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(new BulkInsertResult(BulkInsertFailure.KeyExists, 0), r));
            var winner = "w" + Array.FindIndex(results, r => r.Succeeded);
            var names = (await t.Scan().ToListAsync()).Select(i => i["name"].AsString()).ToList();
            Assert.Equal(5000, names.Count);
            Assert.All(names, n => Assert.Equal(winner, n));
        }
    }

    // ------------------------------------------------------------------ rows built attribute by attribute

    [Fact]
    public void Property_RowsBuiltAttributeByAttribute_EqualRowsAddedWhole()
    {
        // Values that exercise every check: wrong key types, empty and too long key strings, an unpaired surrogate,
        // booleans and lists as keys, missing keys (names are drawn, so a key may be absent).
        var value = Gen.Elements<AttributeValue>(
            AttributeValue.FromNumber(7), AttributeValue.FromNumber(-2.5m), AttributeValue.FromNumber(123456789),
            AttributeValue.FromString("x"), AttributeValue.FromString(""), AttributeValue.FromString("\ud800"),
            AttributeValue.FromString(new string('k', 1100)), AttributeValue.FromString("é ü"),
            AttributeValue.FromBool(true), AttributeValue.FromList([AttributeValue.FromNumber(1)]), AttributeValue.Null);
        var row = Gen.Shuffle(new[] { "pk", "sk", "a", "b" }).SelectMany(names => Gen.Choose(0, 4).SelectMany(n =>
            value.ArrayOf(n).Select(values => (Names: names.Take(values.Length).ToArray(), Values: values))));
        var cases = from rows in row.ArrayOf() from stringSk in Gen.Elements(true, false) select (Rows: rows, StringSk: stringSk);
        Prop.ForAll(cases.ToArbitrary(), c => RowsAgree(c.Rows, c.StringSk).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));
    }

    private static async Task<bool> RowsAgree((string[] Names, AttributeValue[] Values)[] rows, bool stringSk)
    {
        await using var whole = KvDatabase.OpenInMemory();
        await using var parts = KvDatabase.OpenInMemory();
        var sk = new KeyAttribute("sk", stringSk ? ScalarType.String : ScalarType.Number);
        await whole.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.Number), sk);
        await parts.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.Number), sk);
        var a = Begin(whole, "t");
        var b = Begin(parts, "t");
        foreach (var (names, values) in rows)
        {
            string? expected = null;
            try
            {
                a.Add(names, values);
            }
            catch (KvDbException e)
            {
                expected = e.Message;
            }

            string? actual = null;
            try
            {
                b.BeginRow();
                for (var i = 0; i < names.Length; i++)
                {
                    var v = values[i];
                    switch (v.Kind)
                    {
                        case AttributeKind.Number:
                            b.Number(names[i], v.AsNumber());
                            break;
                        case AttributeKind.String:
                            b.String(names[i], v.AsString());
                            break;
                        case AttributeKind.Bool:
                            b.Bool(names[i], v.AsBool());
                            break;
                        default:
                            b.Value(names[i], v);
                            break;
                    }
                }

                b.EndRow();
            }
            catch (KvDbException e)
            {
                actual = e.Message;
            }

            if (expected != actual || a.Count != b.Count)
            {
                return false;
            }
        }

        var (ra, rb) = (await a.CommitAsync(), await b.CommitAsync());
        var sa = (await whole.Table("t").Scan().ToListAsync()).Select(i => i.ToString());
        var sb = (await parts.Table("t").Scan().ToListAsync()).Select(i => i.ToString());
        return ra == rb && sa.SequenceEqual(sb);
    }

    // ------------------------------------------------------------------ against a transaction of conditional puts

    [Fact]
    public void Property_BulkInsertAgreesWithATransactionOfConditionalPuts()
    {
        var rows = Gen.Choose(0, 12).Select(k => (Pk: "k" + (k % 5), Sk: k / 5)).ArrayOf();
        var stored = Gen.Choose(0, 12).ArrayOf();
        var sortKey = Gen.Elements(true, false);
        var cases = from r in rows from s in stored from k in sortKey select (Rows: r, Stored: s, SortKey: k);
        Prop.ForAll(cases.ToArbitrary(), c => Agrees(c.Rows, c.Stored, c.SortKey).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150).WithQuietOnSuccess(true));
    }

    private static async Task<bool> Agrees((string Pk, int Sk)[] rows, int[] stored, bool withSortKey)
    {
        await using var viaBulk = KvDatabase.OpenInMemory();
        await using var viaTransaction = KvDatabase.OpenInMemory();
        Item ItemOf(string pk, int sk, string v) => withSortKey
            ? Item.Create().Set("pk", pk).Set("sk", sk).Set("v", v).Build()
            : Item.Create().Set("pk", pk + "/" + sk).Set("v", v).Build();
        foreach (var db in new[] { viaBulk, viaTransaction })
        {
            var t = withSortKey
                ? await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number))
                : await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String));
            foreach (var k in stored)
            {
                await t.PutAsync(ItemOf("k" + (k % 5), k / 5, "stored"));
            }
        }

        var bulk = Begin(viaBulk, "t");
        foreach (var (pk, sk) in rows)
        {
            var item = ItemOf(pk, sk, "new");
            bulk.Add(item.Keys.ToArray(), item.Values.ToArray());
        }

        var bulkResult = await bulk.CommitAsync();
        BulkInsertResult transactionResult;
        try
        {
            var r = await viaTransaction.TransactWriteAsync(
                rows.Select(row => (TransactWriteItem)new TransactPut("t", ItemOf(row.Pk, row.Sk, "new"), Condition.AttributeNotExists("pk"))).ToList(),
                new TransactWriteOptions { MaxActions = 1000 });
            transactionResult = r.Succeeded ? default : new BulkInsertResult(BulkInsertFailure.KeyExists, r.FailedActionIndex);
        }
        catch (KvDbException e) when (e.Message.Contains("each item may appear once", StringComparison.Ordinal))
        {
            var index = int.Parse(e.Message.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture); // "Transaction action {i} touches ..."
            transactionResult = new BulkInsertResult(BulkInsertFailure.KeyRepeated, index);
        }
        catch (KvDbException e) when (rows.Length == 0 && e.Code == KvErrorCode.LimitExceeded)
        {
            transactionResult = default; // a transaction needs at least one action; an empty bulk insert does nothing
        }

        var a = (await viaBulk.Table("t").Scan().ToListAsync()).Select(i => i.ToString()).Order(StringComparer.Ordinal);
        var b = (await viaTransaction.Table("t").Scan().ToListAsync()).Select(i => i.ToString()).Order(StringComparer.Ordinal);
        return bulkResult == transactionResult && a.SequenceEqual(b);
    }
}
