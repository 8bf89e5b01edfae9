using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Tests.Execution;

namespace KvDb.Sql.Tests.Materialization;

public sealed class MaterializedJoinTests
{
    /// <summary>hash-db's three tables, declared.</summary>
    internal const string HashDbTables = """
        CREATE TABLE people (id NUMBER, people_name STRING, PRIMARY KEY (id));
        CREATE TABLE products (id NUMBER, name STRING, price NUMBER, PRIMARY KEY (id));
        CREATE TABLE items (id NUMBER, search STRING, people NUMBER, PRIMARY KEY (id))
        """;

    private const string ThreeTableJoin =
        "select products.price, people.people_name, items.search from items inner join people on items.people = people.id inner join products on items.search = products.name";

    [Fact]
    public async Task HashDbCreateJoin_BeforeTables_IsKeptCurrentAndUsedByPlanner()
    {
        await using var db = KvDatabase.OpenInMemory();
        // Step 7: registered before any table exists.
        await db.ExecAsync("create join inner join people on people.id = items.people inner join products on items.search = products.name inner join reviews on items.search = reviews.product");
        // Driving rows inserted before their partners (hash-db lost rows in this order).
        await db.ExecAsync("insert into items (search, people) values ('Cat', 3)");
        await db.ExecAsync("insert into items (search, people) values ('Spanner', 3)");
        await db.ExecAsync("insert into items (search, people) values ('Tree', 3)");
        await db.ExecAsync("insert into items (search, people) values ('Spanner', 2)");
        foreach (var (name, age) in new[] { ("Ted", 29), ("Fred", 45), ("Simon", 29), ("Sam", 29) })
        {
            await db.ExecAsync($"insert into people (people_name, age) values ('{name}', {age})");
        }

        await db.ExecAsync("insert into products (name, price) values ('Spanner', 300), ('Tree', 1000), ('Spanner', 450), ('Spanner', 600)");
        await db.ExecAsync("insert into reviews (rating, product) values ('5', 'Spanner')");

        var plan = string.Join("\n", await db.RowsAsync("explain " + ThreeTableJoin));
        Assert.Contains("MaterializedJoinScan join_items_people_products", plan, StringComparison.Ordinal);
        var expected = new[] { "1000|Simon|Tree", "300|Fred|Spanner", "300|Simon|Spanner", "450|Fred|Spanner", "450|Simon|Spanner", "600|Fred|Spanner", "600|Simon|Spanner" };
        Assert.Equal(expected, (await db.RowsAsync(ThreeTableJoin)).Order(StringComparer.Ordinal));

        // Updates and deletes flow through: Fred leaves, a Spanner gets cheaper.
        await db.ExecAsync("delete from people where people_name = 'Fred'");
        await db.ExecAsync("update products set price = 299 where price = 300");
        Assert.Equal(["1000|Simon|Tree", "299|Simon|Spanner", "450|Simon|Spanner", "600|Simon|Spanner"], (await db.RowsAsync(ThreeTableJoin)).Order(StringComparer.Ordinal));

        // No phantom stub rows in the base tables.
        Assert.Equal(["4"], await db.RowsAsync("select count(*) from items"));

        // The four-table chain is materialized too.
        Assert.Equal(["3"], await db.RowsAsync(
            "select count(*) from items inner join people on people.id = items.people inner join products on items.search = products.name inner join reviews on items.search = reviews.product"));

        await db.ExecAsync("drop materialized view join_items_people_products");
        var after = string.Join("\n", await db.RowsAsync("explain " + ThreeTableJoin));
        Assert.DoesNotContain("MaterializedJoinScan", after, StringComparison.Ordinal);
        Assert.Equal(4, (await db.RowsAsync(ThreeTableJoin)).Count);
    }

    [Fact]
    public async Task HashDbCreateJoin_InHashDbsOrder_PeopleBeforeTheOtherTablesExist()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("create join inner join people on people.id = items.people inner join products on items.search = products.name");
        // hash-db's steps 8-10: people is created and read while items and products do not exist yet.
        foreach (var (name, age) in new[] { ("Ted", 29), ("Fred", 45), ("Simon", 29) })
        {
            await db.ExecAsync($"insert into people (people_name, age) values ('{name}', {age})");
        }

        Assert.Equal(["Fred", "Simon", "Ted"], (await db.RowsAsync("select people_name from people")).Order(StringComparer.Ordinal));
        await db.ExecAsync("update people set age = 31 where people_name = 'Simon'");
        Assert.Equal(["Simon"], await db.RowsAsync("select people_name from people where age = 31"));

        // Step 11: the other tables appear; the join fills in.
        await db.ExecAsync("insert into products (name, price) values ('Tree', 1000)");
        await db.ExecAsync("insert into items (search, people) values ('Tree', 3)");
        Assert.Equal(["1000|Simon|Tree"], await db.RowsAsync(ThreeTableJoin));
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("explain " + ThreeTableJoin)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaterializedView_QueryableByName_WithWhereAndProjection()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE a (id NUMBER, v STRING, PRIMARY KEY (id));
            CREATE TABLE b (id NUMBER, a_id NUMBER, w NUMBER, PRIMARY KEY (id));
            INSERT INTO a (id, v) VALUES (1, 'x'), (2, 'y');
            INSERT INTO b (id, a_id, w) VALUES (10, 1, 5), (11, 1, 6), (12, 2, 7);
            CREATE MATERIALIZED VIEW av AS SELECT a.v AS v, b.w AS w FROM a INNER JOIN b ON a.id = b.a_id WHERE b.w > 5
            """);
        Assert.Equal(["x|6", "y|7"], await db.RowsAsync("SELECT v, w FROM av ORDER BY w"));
        await db.ExecAsync("INSERT INTO b (id, a_id, w) VALUES (13, 2, 9)");
        Assert.Equal(["y|16"], await db.RowsAsync("SELECT v, SUM(w) FROM av WHERE v = 'y' GROUP BY v"));
        var plan = string.Join("\n", await db.RowsAsync("EXPLAIN SELECT v FROM av"));
        Assert.Contains("MaterializedJoinScan view_av", plan, StringComparison.Ordinal);
        await db.ExecAsync("DROP MATERIALIZED VIEW av");
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.RowsAsync("SELECT v FROM av"));
        Assert.Equal(SqlErrorCode.UnknownTable, ex.SqlCode);
    }

    private sealed record Op(int Kind, int Id, int Key);

    [Fact]
    public void AnyOrderOfWrites_MaterializedJoinEqualsPlainJoin() =>
        Prop.ForAll(
            Gen.ListOf(from kind in Gen.Choose(0, 5) from id in Gen.Choose(1, 6) from key in Gen.Choose(1, 3) select new Op(kind, id, key)).ToArbitrary(),
            ops => SqlTestHelpers.RunSync(() => CheckAsync(ops)))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true));

    private static async Task CheckAsync(List<Op> ops)
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE l (id NUMBER, k NUMBER, PRIMARY KEY (id));
            CREATE TABLE r (id NUMBER, k NUMBER, PRIMARY KEY (id));
            CREATE MATERIALIZED VIEW lr AS SELECT l.id AS lid, r.id AS rid FROM l INNER JOIN r ON l.k = r.k
            """);
        var step = 0;
        foreach (var op in ops.Take(25))
        {
            var table = op.Kind % 2 == 0 ? "l" : "r";
            var sql = op.Kind switch
            {
                0 or 1 => $"DELETE FROM {table} WHERE id = {op.Id}; INSERT INTO {table} (id, k) VALUES ({op.Id}, {op.Key})",
                2 or 3 => $"UPDATE {table} SET k = {op.Key} WHERE id = {op.Id}",
                _ => $"DELETE FROM {table} WHERE id = {op.Id}",
            };
            await db.ExecAsync(sql);
            if (++step % 7 == 0)
            {
                // Read in the middle too, so that catching up happens at arbitrary points.
                await db.RowsAsync("SELECT lid FROM lr");
            }
        }

        Assert.Contains("MaterializedJoinScan view_lr", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT lid, rid FROM lr")), StringComparison.Ordinal);
        Assert.DoesNotContain("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT l.id, r.id FROM l, r WHERE r.k = l.k")), StringComparison.Ordinal);
        var viewRows = (await db.RowsAsync("SELECT lid, rid FROM lr")).Order(StringComparer.Ordinal).ToList();
        var plain = (await db.RowsAsync("SELECT l.id, r.id FROM l, r WHERE r.k = l.k")).Order(StringComparer.Ordinal).ToList();
        if (!viewRows.SequenceEqual(plain))
        {
            throw new InvalidOperationException($"view {string.Join(",", viewRows)} != join {string.Join(",", plain)} after {string.Join(" ", ops)}");
        }
    }

    [Fact]
    public async Task InsideATransaction_TheJoinSeesPendingRows_AndManyChangesStayCheap()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(HashDbTables);
        await db.ExecAsync("""
            INSERT INTO people (id, people_name) VALUES (1, 'Ted'), (2, 'Fred');
            INSERT INTO products (id, name, price) VALUES (1, 'Cat', 5);
            INSERT INTO items (id, search, people) VALUES (1, 'Cat', 1);
            create join inner join people on items.people = people.id inner join products on items.search = products.name
            """);
        var session = db.SqlSession();
        await session.ExecuteAsync("BEGIN; INSERT INTO items (id, search, people) VALUES (2, 'Cat', 2)");
        var inside = await (await session.ExecuteAsync(ThreeTableJoin)).ToListAsync();
        Assert.Equal(["5|Fred|Cat", "5|Ted|Cat"], inside.Select(SqlTestHelpers.Render).Order(StringComparer.Ordinal));
        Assert.Equal(["5|Ted|Cat"], await db.RowsAsync(ThreeTableJoin));
        await session.ExecuteAsync("COMMIT");
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("explain " + ThreeTableJoin)), StringComparison.Ordinal);
        Assert.Equal(["5|Fred|Cat", "5|Ted|Cat"], (await db.RowsAsync(ThreeTableJoin)).Order(StringComparer.Ordinal));

        // More single-row commits than the change feed retains (4,096): the join is refreshed once, then stays current
        // (its own upkeep is one change set per catch-up, so it never falls out of the feed again).
        for (var i = 0; i < 5000; i++)
        {
            await db.ExecAsync($"UPDATE products SET price = {i} WHERE id = 1");
        }

        Assert.Equal(["4999|Fred|Cat", "4999|Ted|Cat"], (await db.RowsAsync(ThreeTableJoin)).Order(StringComparer.Ordinal));
        var before = db.LastSequence;
        Assert.Equal(2, (await db.RowsAsync(ThreeTableJoin)).Count);
        Assert.Equal(before, db.LastSequence);
    }

    private const string DocJoin = "SELECT a.name, a.doc.k, a.doc.list[*].v, b.note FROM a JOIN b ON b.a_id = a.id";

    private static async Task<KvDatabase> DocJoinDatabaseAsync()
    {
        var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE a (id NUMBER, name STRING, doc MAP, PRIMARY KEY (id));
            CREATE TABLE b (id NUMBER, a_id NUMBER, note STRING, PRIMARY KEY (id));
            create join inner join b on b.a_id = a.id
            """);
        await db.Table("a").PutAsync(Item.FromJson("""{"id": 1, "name": "one", "doc": {"k": "x", "list": [{"v": 1}, {"v": 2}]}}"""));
        await db.Table("a").PutAsync(Item.FromJson("""{"id": 2}"""));
        await db.ExecAsync("INSERT INTO b (id, a_id, note) VALUES (10, 1, 'p'), (11, 2, NULL), (12, 3, 'orphan')");
        return db;
    }

    [Fact]
    public async Task FlatFormat_ReadsColumnsPathsMissingAttributesAndStar()
    {
        await using var db = await DocJoinDatabaseAsync();
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("EXPLAIN " + DocJoin)), StringComparison.Ordinal);
        Assert.Equal(["NULL|NULL|[]|NULL", "one|x|[1,2]|p"], (await db.RowsAsync(DocJoin)).Select(Compact).Order(StringComparer.Ordinal));
        Assert.Equal(["1|one|x|10|1|p", "2|NULL|NULL|11|2|NULL"],
            (await db.RowsAsync("SELECT a.id, a.name, a.doc.k, b.* FROM a JOIN b ON b.a_id = a.id")).Order(StringComparer.Ordinal));
        var star = await db.Sql("SELECT * FROM a JOIN b ON b.a_id = a.id WHERE b.id = 10").ToListAsync();
        Assert.Equal(["id", "name", "doc", "id", "a_id", "note"], Assert.Single(star).Columns);
        Assert.Equal("x", star[0].GetAttribute(2)!.AsMap()["k"].AsString());
        Assert.Equal(["2|2"], await db.RowsAsync("SELECT COUNT(*), COUNT(DISTINCT b.a_id) / 2 + 1 FROM a JOIN b ON b.a_id = a.id WHERE a.doc IS NULL OR a.id = 1 AND b.note = 'p' OR a.id = 2"));
    }

    [Fact]
    public async Task FirstFormat_JoinsStoredBeforeTheFlatFormat_AreStillRead()
    {
        await using var db = await DocJoinDatabaseAsync();
        Assert.Equal(2, (await db.RowsAsync(DocJoin)).Count);

        // Rewrite the join as the first format stored it: no format in its catalog entry, each source's item as one map.
        var entry = (await db.Store.GetItemAsync(new GetItemRequest("__sql_catalog", new ItemKey("join_a_b", "mjoin"))))!;
        await db.Store.PutItemAsync(new PutItemRequest("__sql_catalog", entry.Without("format")));
        var stored = await db.Store.ScanAsync(new ScanRequest("__mj_join_a_b"));
        foreach (var row in stored.Items)
        {
            var old = new Dictionary<string, AttributeValue> { ["key"] = row["key"], ["k0"] = row["k0"], ["k1"] = row["k1"] };
            for (var i = 0; i < 2; i++)
            {
                var prefix = $"s{i}.";
                old[$"s{i}"] = AttributeValue.FromMap(row.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(a => KeyValuePair.Create(a.Key[prefix.Length..], a.Value)));
            }

            await db.Store.PutItemAsync(new PutItemRequest("__mj_join_a_b", Item.FromAttributes(old)));
        }

        // A second database object over the same store loads the join from the catalog again.
        var reopened = new KvDatabase(db.Store);
        Assert.Equal(["NULL|NULL|[]|NULL", "one|x|[1,2]|p"], (await reopened.RowsAsync(DocJoin)).Select(Compact).Order(StringComparer.Ordinal));
        await reopened.ExecAsync("INSERT INTO b (id, a_id, note) VALUES (13, 1, 'q')");
        Assert.Equal(["NULL|NULL|[]|NULL", "one|x|[1,2]|p", "one|x|[1,2]|q"], (await reopened.RowsAsync(DocJoin)).Select(Compact).Order(StringComparer.Ordinal));
        var added = await reopened.Store.GetItemAsync(new GetItemRequest("__mj_join_a_b", new ItemKey(
            (await reopened.Store.ScanAsync(new ScanRequest("__mj_join_a_b"))).Items.Select(i => i["key"].AsString()).Single(k => k.Contains("13", StringComparison.Ordinal)))));
        Assert.Equal(AttributeKind.Map, added!["s1"].Kind);
        Assert.Single(await reopened.Sql("SELECT * FROM a JOIN b ON b.a_id = a.id WHERE b.id = 13").ToListAsync());
    }

    /// <summary>A row with its list rendered as [v, ...] (numbers only).</summary>
    private static string Compact(string row) =>
        System.Text.RegularExpressions.Regex.Replace(row, @"\{""L"":\[(.*?)\]\}", m => "[" + string.Join(",", System.Text.RegularExpressions.Regex.Matches(m.Groups[1].Value, @"""N"":""([^""]*)""").Select(n => n.Groups[1].Value)) + "]");

    [Fact]
    public async Task CatchUp_AfterACatalogRecord_DoesNotWaitForTheFeed()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE a (id NUMBER, PRIMARY KEY (id)); CREATE TABLE b (id NUMBER, a NUMBER, PRIMARY KEY (id)); INSERT INTO a (id) VALUES (1)");
        await db.ExecAsync("create join inner join a on b.a = a.id");
        // A data change, then a sequence without a change record (CREATE INDEX) at the end of the feed: the catch-up
        // used to wait 10 s for a record at the last sequence.
        await db.ExecAsync("INSERT INTO b (id, a) VALUES (1, 1), (2, 1); CREATE INDEX by_a ON b (a)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(["1|1", "2|1"], await db.RowsAsync("SELECT b.id, a.id FROM b JOIN a ON b.a = a.id ORDER BY 1"));
        Assert.Equal(["1|1", "2|1"], await db.RowsAsync("SELECT b.id, a.id FROM b JOIN a ON b.a = a.id ORDER BY 1"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"two queries took {clock.Elapsed}");
        Assert.Contains("MaterializedJoinScan", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT b.id, a.id FROM b JOIN a ON b.a = a.id")), StringComparison.Ordinal);
    }
}



public sealed class MaterializedJoinLifecycleTests
{
    [Fact]
    public async Task DropTable_DropsJoinsOverIt_OtherQueriesKeepWorking()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE a (id NUMBER, PRIMARY KEY (id));
            CREATE TABLE b (id NUMBER, a_id NUMBER, PRIMARY KEY (id));
            INSERT INTO a (id) VALUES (1);
            INSERT INTO b (id, a_id) VALUES (1, 1);
            create join inner join b on b.a_id = a.id
            """);
        Assert.Contains("MaterializedJoinScan join_a_b", string.Join("\n", await db.RowsAsync("EXPLAIN SELECT * FROM a INNER JOIN b ON b.a_id = a.id")), StringComparison.Ordinal);
        await db.ExecAsync("DROP TABLE b");
        await db.ExecAsync("INSERT INTO a (id) VALUES (2)");
        Assert.Equal(["1", "2"], await db.RowsAsync("SELECT id FROM a ORDER BY id"));
        var ex = await Assert.ThrowsAsync<SqlException>(() => db.RowsAsync("SELECT * FROM a INNER JOIN b ON b.a_id = a.id"));
        Assert.Equal(SqlErrorCode.UnknownTable, ex.SqlCode);
    }
}
