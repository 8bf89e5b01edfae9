using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Materialization;
using KvDb.Sql.Tests.Execution;

namespace KvDb.Sql.Tests.Materialization;

/// <summary>
/// The in-memory copy of a materialized join (<see cref="JoinRowCache"/>): it must always answer exactly what the
/// stored rows hold, follow every write, give each reader one consistent state, respect its memory budget and be
/// rebuilt from the stored rows whenever it cannot be trusted.
/// </summary>
public sealed class JoinRowCacheTests
{
    private const string Setup = """
        CREATE TABLE l (id NUMBER, k NUMBER, name STRING, PRIMARY KEY (id));
        CREATE TABLE r (id NUMBER, k NUMBER, label STRING, PRIMARY KEY (id));
        CREATE MATERIALIZED VIEW lr AS SELECT l.id AS lid, l.name AS name, r.id AS rid, r.label AS label FROM l INNER JOIN r ON l.k = r.k
        """;

    private const string ViewQuery = "SELECT lid, name, rid, label FROM lr";
    private const string PlainQuery = "SELECT l.id, l.name, r.id, r.label FROM l, r WHERE r.k = l.k";

    private static async Task<MaterializedJoin> JoinAsync(KvDatabase db, string name) =>
        (await SqlEngine.For(db).Maintainer.GetJoinsAsync(default)).Single(j => j.Name == name);

    private static async Task<List<string>> SortedAsync(KvDatabase db, string sql) => [.. (await db.RowsAsync(sql)).Order(StringComparer.Ordinal)];

    /// <summary>The view's rows are those of the same join run on the tables.</summary>
    private static async Task AssertViewIsThePlainJoinAsync(KvDatabase db) => Assert.Equal(await SortedAsync(db, PlainQuery), await SortedAsync(db, ViewQuery));

    private sealed record Op(int Kind, int Id, int Key, int Label);

    [Fact]
    public void EveryWrite_CopyAnswersLikeThePlainJoin_AndStaysInUse() =>
        Prop.ForAll(
            Gen.ListOf(from kind in Gen.Choose(0, 7) from id in Gen.Choose(1, 8) from key in Gen.Choose(1, 3) from label in Gen.Choose(0, 2)
                       select new Op(kind, id, key, label)).ToArbitrary(),
            ops => SqlTestHelpers.RunSync(() => CheckAsync(ops)))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(30).WithQuietOnSuccess(true));

    private static async Task CheckAsync(List<Op> ops)
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup);
        var join = await JoinAsync(db, "view_lr");
        Assert.NotNull(join.Rows);
        foreach (var op in ops.Take(30))
        {
            var table = op.Kind % 2 == 0 ? "l" : "r";
            var column = table == "l" ? "name" : "label";
            // Few distinct texts, so that rows share strings in the copy; one value per step that is new.
            var text = op.Label == 0 ? "'shared'" : op.Label == 1 ? $"'t{op.Id}'" : "NULL";
            var sql = op.Kind switch
            {
                0 or 1 => $"DELETE FROM {table} WHERE id = {op.Id}; INSERT INTO {table} (id, k, {column}) VALUES ({op.Id}, {op.Key}, {text})",
                2 or 3 => $"UPDATE {table} SET k = {op.Key} WHERE id = {op.Id}",
                4 or 5 => $"UPDATE {table} SET {column} = {text} WHERE id = {op.Id}",
                _ => $"DELETE FROM {table} WHERE id = {op.Id}",
            };
            await db.ExecAsync(sql);

            // Read after every write: each read catches up and applies the upkeep to the copy, which must then be
            // the one that answers (current, not rebuilt from scratch: the same snapshot serves the next read).
            var view = await SortedAsync(db, ViewQuery);
            var plain = await SortedAsync(db, PlainQuery);
            if (!view.SequenceEqual(plain))
            {
                throw new InvalidOperationException($"view {string.Join(",", view)} != join {string.Join(",", plain)} after {string.Join(" ", ops)}");
            }

            var snapshot = join.Rows!.Current;
            Assert.NotNull(snapshot);
            Assert.Equal(plain.Count, snapshot.Rows);

            // The memory estimate kept step by step equals one recounted from the rows and shared texts the copy
            // holds: nothing leaks into it, nothing is counted twice.
            Assert.Equal(join.Rows.RecountBytes(), join.Rows.EstimatedBytes);
        }
    }

    [Fact]
    public async Task Copy_IsKeptCurrentByTheUpkeep_NotRebuilt()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup + "; INSERT INTO l (id, k, name) VALUES (1, 1, 'a'), (2, 1, 'b'); INSERT INTO r (id, k, label) VALUES (10, 1, 'x')");
        Assert.Equal(["1|a|10|x", "2|b|10|x"], await SortedAsync(db, ViewQuery));
        var join = await JoinAsync(db, "view_lr");
        var first = join.Rows!.Current!;

        // The stored rows' key indexes (k0, k1: which rows a source item contributed to) hold keys only.
        var storage = (await db.Store.DescribeTableAsync(join.StorageTable))!.Schema;
        Assert.Equal([("k0", IndexProjection.KeysOnly), ("k1", IndexProjection.KeysOnly)], storage.Indexes.Select(i => (i.Name, i.Projection)));
        await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (11, 1, 'y'); DELETE FROM l WHERE id = 2");
        Assert.Equal(["1|a|10|x", "1|a|11|y"], await SortedAsync(db, ViewQuery));
        var second = join.Rows.Current!;
        Assert.NotSame(first, second);
        Assert.Equal(2, second.Rows);
        // The first state is unchanged (readers that hold it keep reading it); the new row took the deleted row's slot.
        Assert.Equal(2, first.Rows);
        Assert.Equal(2, second.Slots);
        Assert.NotSame(first.Row(1), second.Row(1));
        Assert.Same(first.Row(0), second.Row(0));
        Assert.True(join.Rows.EstimatedBytes > 0);

        // With no rows left, the copy holds nothing (the shared texts left with their last rows).
        await db.ExecAsync("DELETE FROM l WHERE id = 1");
        Assert.Empty(await db.RowsAsync(ViewQuery));
        Assert.Equal(0, join.Rows.Current!.Rows);
        Assert.Equal(0, join.Rows.EstimatedBytes);
    }

    [Fact]
    public async Task Copy_IsBuiltWhenAQueryFirstReadsTheJoin_NotForPrefixesNobodyReads()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(MaterializedJoinTests.HashDbTables);
        await db.ExecAsync("""
            INSERT INTO people (id, people_name) VALUES (1, 'Ted');
            INSERT INTO products (id, name, price) VALUES (1, 'Cat', 5);
            INSERT INTO items (id, search, people) VALUES (1, 'Cat', 1);
            create join inner join people on items.people = people.id inner join products on items.search = products.name
            """);
        var joins = await SqlEngine.For(db).Maintainer.GetJoinsAsync(default);
        Assert.Equal(["join_items_people", "join_items_people_products"], joins.Select(j => j.Name).Order(StringComparer.Ordinal));
        Assert.All(joins, j => Assert.Null(j.Rows!.Current));
        const string Join3 = "SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name";
        var plan = await db.RowsAsync("EXPLAIN " + Join3);
        Assert.Contains(plan, line => line.TrimStart().StartsWith("MaterializedJoinScan join_items_people_products (", StringComparison.Ordinal)
            && line.EndsWith(") [in-memory copy: built on first read]", StringComparison.Ordinal));

        await db.ExecAsync("INSERT INTO items (id, search, people) VALUES (2, 'Cat', 1)");
        Assert.Equal(["5|Ted|Cat", "5|Ted|Cat"], await db.RowsAsync(
            "SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name"));
        Assert.NotNull(joins.Single(j => j.Name == "join_items_people_products").Rows!.Current);
        Assert.Null(joins.Single(j => j.Name == "join_items_people").Rows!.Current);
        Assert.Contains("[in-memory copy: 2 rows]", string.Join("\n", await db.RowsAsync("EXPLAIN " + Join3)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_AfterTheFeedMovedOn_ReplacesTheCopy()
    {
        // A short change feed: more commits than it keeps between two reads make the upkeep recompute the join.
        await using var db = KvDatabase.OpenInMemory(new KvDbOptions { ChangeFeedRetention = 16 });
        await db.ExecAsync(Setup + "; INSERT INTO l (id, k, name) VALUES (1, 1, 'a'), (2, 1, 'b'); INSERT INTO r (id, k, label) VALUES (10, 1, 'x')");
        Assert.Equal(["1|a|10|x", "2|b|10|x"], await SortedAsync(db, ViewQuery));
        var join = await JoinAsync(db, "view_lr");
        var before = join.Rows!.Current!;
        for (var i = 0; i < 40; i++)
        {
            await db.ExecAsync($"UPDATE r SET label = 'v{i}' WHERE id = 10");
        }

        await db.ExecAsync("DELETE FROM l WHERE id = 2");
        Assert.Equal(["1|a|10|v39"], await SortedAsync(db, ViewQuery));
        var after = join.Rows.Current!;
        Assert.NotSame(before, after);
        Assert.Equal(1, after.Rows);
        Assert.Equal(1, after.Slots); // built afresh, not a changed copy of the old state (which had two slots)
        Assert.Equal(join.Rows.RecountBytes(), join.Rows.EstimatedBytes);
    }

    [Fact]
    public async Task BulkChanges_AreAppliedByRecomputingTheJoin_WithTheSameResult()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup);
        await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (100, 1, 'x'), (200, 2, 'y'), (300, 3, 'z')");
        Assert.Empty(await db.RowsAsync(ViewQuery));
        var join = await JoinAsync(db, "view_lr");
        var before = join.Rows!.Current!;

        // 600 items in one statement: more than 256 changed items and more than one per 64 stored rows.
        await db.ExecAsync("INSERT INTO l (id, k, name) VALUES " + string.Join(", ", Enumerable.Range(1, 600).Select(i => $"({i}, {1 + (i % 3)}, 'n{i % 5}')")));
        await AssertViewIsThePlainJoinAsync(db);
        Assert.Equal(600, join.Rows.Current!.Rows);
        Assert.NotSame(before, join.Rows.Current);

        // Fewer changes per catch-up (each read catches up): applied row by row, deletes leaving free slots.
        await db.ExecAsync("UPDATE l SET k = 3 WHERE k = 1");
        await AssertViewIsThePlainJoinAsync(db);
        await db.ExecAsync("DELETE FROM l WHERE id > 500");
        await AssertViewIsThePlainJoinAsync(db);
        await db.ExecAsync("DELETE FROM r WHERE id = 200");
        await AssertViewIsThePlainJoinAsync(db);
        Assert.True(join.Rows.Current!.Slots > join.Rows.Current.Rows);

        // 500 changed items: recomputed, and the copy replaced by the new rows (no free slots).
        await db.ExecAsync("UPDATE l SET name = 'm'");
        await AssertViewIsThePlainJoinAsync(db);
        Assert.Equal(join.Rows.Current!.Rows, join.Rows.Current.Slots);
        await db.ExecAsync("UPDATE l SET name = 'single' WHERE id = 3; INSERT INTO r (id, k, label) VALUES (201, 2, 'w')");
        await AssertViewIsThePlainJoinAsync(db);
        Assert.Equal(join.Rows.RecountBytes(), join.Rows.EstimatedBytes);
    }

    [Fact]
    public async Task Reader_KeepsTheStateItStartedWith_WhileTheJoinChanges()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup);
        await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (100, 1, 'x')");
        await db.ExecAsync("INSERT INTO l (id, k, name) VALUES " + string.Join(", ", Enumerable.Range(1, 3000).Select(i => $"({i}, 1, 'n{i % 7}')")));
        await using var reader = db.Sql(ViewQuery).GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        var seen = new HashSet<string> { SqlTestHelpers.Render(reader.Current) };

        // Change every row of the join, and let another query apply the change to the copy.
        await db.ExecAsync("UPDATE r SET label = 'changed' WHERE id = 100");
        await db.ExecAsync("DELETE FROM l WHERE id > 1500");
        Assert.Equal(["1500"], await db.RowsAsync("SELECT COUNT(*) FROM lr"));
        Assert.Equal(["1500"], await db.RowsAsync("SELECT COUNT(*) FROM lr WHERE label = 'changed'"));

        while (await reader.MoveNextAsync())
        {
            Assert.True(seen.Add(SqlTestHelpers.Render(reader.Current)));
        }

        Assert.Equal(3000, seen.Count);
        Assert.All(seen, row => Assert.EndsWith("|100|x", row, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Budget_TooSmall_JoinIsReadFromItsStoredRows_ZeroDisablesTheCopy()
    {
        foreach (var budget in new long[] { 10_000, 0 })
        {
            await using var db = KvDatabase.OpenInMemory(new KvDbOptions { MaterializedJoinCacheBytes = budget });
            await db.ExecAsync(Setup);
            await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (100, 1, 'x'), (101, 2, 'y')");
            await db.ExecAsync("INSERT INTO l (id, k, name) VALUES " + string.Join(", ", Enumerable.Range(1, 200).Select(i => $"({i}, {1 + (i % 2)}, 'n{i}')")));
            await AssertViewIsThePlainJoinAsync(db);
            await db.ExecAsync("DELETE FROM l WHERE id > 150");
            await AssertViewIsThePlainJoinAsync(db);
            var join = await JoinAsync(db, "view_lr");
            if (budget == 0)
            {
                Assert.Null(join.Rows);
                continue;
            }

            // 200 rows did not fit: the copy was dropped, and is not tried again while the join is over half that size.
            Assert.Null(join.Rows!.Current);
            Assert.Equal(0, join.Rows.EstimatedBytes);
            Assert.True(join.Rows.TooLarge);
            Assert.Contains("[stored rows: the in-memory copy is over its memory budget]", string.Join("\n", await db.RowsAsync("EXPLAIN " + ViewQuery)), StringComparison.Ordinal);

            // Once the join shrank to half the size at which it did not fit, the copy is tried again: ten rows fit.
            await db.ExecAsync("DELETE FROM l WHERE id > 10");
            await AssertViewIsThePlainJoinAsync(db);
            Assert.False(join.Rows.TooLarge);
            Assert.NotNull(join.Rows.Current);
            Assert.InRange(join.Rows.EstimatedBytes, 1, budget);
        }
    }

    [Fact]
    public async Task WriteToTheStorageTable_BySomeoneElse_IsSeen_TheCopyNeverDivergesFromTheStoredRows()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup + "; INSERT INTO l (id, k, name) VALUES (1, 1, 'a'); INSERT INTO r (id, k, label) VALUES (10, 1, 'x')");
        Assert.Equal(["1|a|10|x"], await db.RowsAsync(ViewQuery));
        var join = await JoinAsync(db, "view_lr");
        Assert.NotNull(join.Rows!.Current);

        var stored = Assert.Single((await db.Store.ScanAsync(new ScanRequest(join.StorageTable))).Items);
        await db.Store.PutItemAsync(new PutItemRequest(join.StorageTable, stored.With("s0.name", "edited")));
        Assert.Null(join.Rows.Current);
        Assert.Equal(["1|edited|10|x"], await db.RowsAsync(ViewQuery));
        Assert.NotNull(join.Rows.Current);

        // Written between the upkeep's reads and writes: the upkeep sees the count move by more than its own changes.
        await db.ExecAsync("INSERT INTO l (id, k, name) VALUES (2, 1, 'b')");
        await db.Store.PutItemAsync(new PutItemRequest(join.StorageTable, stored.With("s0.name", "again")));
        Assert.Equal(["1|again|10|x", "2|b|10|x"], await SortedAsync(db, ViewQuery));
    }

    [Fact]
    public async Task FileMode_AfterReopen_TheCopyIsBuiltFromTheStoredRows_AndFollowsWrites()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kvdb-mjcache-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var db = KvDatabase.Open(dir))
            {
                await db.ExecAsync(Setup + "; INSERT INTO l (id, k, name) VALUES (1, 1, 'a'), (2, 2, 'b'); INSERT INTO r (id, k, label) VALUES (10, 1, 'x'), (20, 2, 'y')");
                Assert.Equal(["1|a|10|x", "2|b|20|y"], await SortedAsync(db, ViewQuery));
            }

            await using (var db = KvDatabase.Open(dir))
            {
                var join = await JoinAsync(db, "view_lr");
                Assert.Null(join.Rows!.Current);
                Assert.Equal(["1|a|10|x", "2|b|20|y"], await SortedAsync(db, ViewQuery));
                Assert.NotNull(join.Rows.Current);
                await db.ExecAsync("UPDATE r SET label = 'z' WHERE id = 20");
                Assert.Equal(["1|a|10|x", "2|b|20|z"], await SortedAsync(db, ViewQuery));
                Assert.Equal(2, join.Rows.Current!.Rows);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SharedStrings_ReadExactlyAsStored_OneObjectPerText()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup);
        await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (10, 1, 'same'), (11, 1, 'same'), (12, 2, ''), (13, 2, NULL)");
        await db.ExecAsync("INSERT INTO l (id, k, name) VALUES (1, 1, 'same'), (2, 1, 'other'), (3, 2, ''), (4, 2, 'x')");
        await AssertViewIsThePlainJoinAsync(db);
        var rows = await db.Sql(ViewQuery).ToListAsync();
        Assert.NotNull((await JoinAsync(db, "view_lr")).Rows!.Current);
        var same = rows.SelectMany(r => new[] { r.GetAttribute(1), r.GetAttribute(3) }).Where(v => v?.AsString() == "same").ToList();
        Assert.Equal(6, same.Count); // l1 'same' twice (r10, r11), and the label of r10 and r11 with l1 and l2
        Assert.All(same, v => Assert.Same(same[0], v));
        Assert.Equal(2, rows.Count(r => r.GetAttribute(3)?.AsString() == ""));
        Assert.Equal(2, rows.Count(r => r.GetAttribute(3) is null));
    }

    [Fact]
    public async Task WholeItems_SchemalessTablesWithDifferentAttributes_ReadLikeThePlainJoin()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("create join inner join b on b.a_id = a.id");
        await db.ExecAsync("insert into a (x, doc) values (1, 'first')");
        await db.ExecAsync("insert into a (y) values ('two')");
        var ids = (await db.RowsAsync("select id, x from a")).ToDictionary(r => r.Split('|')[1], r => r.Split('|')[0]);
        await db.ExecAsync($"insert into b (a_id, note) values ({ids["1"]}, 'p')");
        await db.ExecAsync($"insert into b (a_id) values ({ids["NULL"]})");
        await db.ExecAsync($"insert into b (a_id, z) values ({ids["NULL"]}, true)");
        const string Query = "SELECT a.*, b.* FROM a INNER JOIN b ON b.a_id = a.id";
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("EXPLAIN " + Query)), StringComparison.Ordinal);
        var view = await db.Sql(Query).ToListAsync();
        Assert.NotNull((await JoinAsync(db, "join_a_b")).Rows!.Current);
        var plain = await db.Sql("SELECT a.*, b.* FROM a LEFT JOIN b ON b.a_id = a.id WHERE b.id IS NOT NULL").ToListAsync();
        Assert.DoesNotContain("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT a.*, b.* FROM a LEFT JOIN b ON b.a_id = a.id WHERE b.id IS NOT NULL")), StringComparison.Ordinal);
        Assert.Equal(3, view.Count);
        Assert.Equal(plain.Select(SqlTestHelpers.Render).Order(StringComparer.Ordinal).Select(Canonical), view.Select(SqlTestHelpers.Render).Order(StringComparer.Ordinal).Select(Canonical));
        for (var i = 0; i < view[0].Count; i++)
        {
            Assert.Equal(plain.Select(r => r.GetAttribute(i)).OrderBy(v => v?.ToString(), StringComparer.Ordinal).Select(v => v?.ToString()),
                view.Select(r => r.GetAttribute(i)).OrderBy(v => v?.ToString(), StringComparer.Ordinal).Select(v => v?.ToString()));
        }
    }

    /// <summary>A rendered row, unchanged: whole items are columns of their own here only when the table has no declared columns.</summary>
    private static string Canonical(string row) => row;

    [Fact]
    public async Task Cancellation_StopsAReadFromTheCopy()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Setup);
        await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (100, 1, 'x')");
        await db.ExecAsync("INSERT INTO l (id, k, name) VALUES " + string.Join(", ", Enumerable.Range(1, 5000).Select(i => $"({i}, 1, 'n')")));
        Assert.Equal(5000, (await db.RowsAsync(ViewQuery)).Count);
        using var cts = new CancellationTokenSource();
        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var row in db.Sql(ViewQuery).WithCancellation(cts.Token))
            {
                if (++read == 10)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.InRange(read, 10, 2048);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task ConcurrentReadersAndWriters_EveryReadSeesAWholeState(bool copy, bool fileMode)
    {
        // Each l row always joins exactly one r row: writers move rows between keys 1 and 2 (both present), so every
        // consistent state of the join has exactly 40 rows. Rows derived at different moments of a catch-up used to
        // join a moved row to both keys (up to 60 rows) until the next catch-up; the upkeep now derives them while
        // writers wait, and readers of the copy read whole snapshots. Without the copy, a read scans the stored rows,
        // and a scan is not atomic with respect to the upkeep's transaction writing them (Core scans see each item's
        // latest committed state): such reads are only checked once the writers are done.
        var rounds = fileMode ? 3 : 30;
        for (var round = 0; round < rounds; round++)
        {
            var dir = Path.Combine(Path.GetTempPath(), "kvdb-mjconc-" + Guid.NewGuid().ToString("N"));
            var options = new KvDbOptions { MaterializedJoinCacheBytes = copy ? 1L << 28 : 0, Durability = Durability.None };
            if (fileMode)
            {
                options.DataDirectory = dir;
            }

            try
            {
                await using var db = KvDatabase.Open(options);
                await db.ExecAsync(Setup);
                await db.ExecAsync("INSERT INTO r (id, k, label) VALUES (100, 1, 'x'), (200, 2, 'y')");
                await db.ExecAsync("INSERT INTO l (id, k, name) VALUES " + string.Join(", ", Enumerable.Range(1, 40).Select(i => $"({i}, 1, 'n')")));
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var done = 0;
                var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
                {
                    for (var i = 0; i < 150 && !stop.IsCancellationRequested; i++)
                    {
                        await db.ExecAsync($"UPDATE l SET k = {1 + ((i + w) % 2)} WHERE id = {1 + (((i * 7) + w) % 40)}");
                    }
                })).ToList();
                var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
                {
                    var reads = 0;
                    do
                    {
                        var rows = await db.RowsAsync(ViewQuery);
                        if (copy)
                        {
                            Assert.Equal(40, rows.Count);
                        }

                        reads++;
                    }
                    while (Volatile.Read(ref done) == 0 && !stop.IsCancellationRequested);

                    return reads;
                })).ToList();
                await Task.WhenAll(writers);
                Interlocked.Exchange(ref done, 1);
                Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));
                Assert.Equal(40, (await db.RowsAsync(ViewQuery)).Count);
                await AssertViewIsThePlainJoinAsync(db);
            }
            finally
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }
}
