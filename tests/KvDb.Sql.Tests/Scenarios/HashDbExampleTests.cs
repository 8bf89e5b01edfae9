using KvDb.Sql.Tests.Execution;

namespace KvDb.Sql.Tests.Scenarios;

/// <summary>
/// hash-db's example.py (reference/hashdb.md section 9.2, steps 8-12 and 15-18) with the correct results: exact
/// equality (not prefix), every AND predicate applied, UPDATE touching only matching rows, typed values, the
/// three-table join independent of insert order, and document paths.
/// </summary>
public sealed class HashDbExampleTests
{
    private static async Task<KvDatabase> PeopleAsync()
    {
        var db = KvDatabase.OpenInMemory();
        // Step 8: tables are created by their first INSERT, with generated ids 1, 2, 3, 4.
        foreach (var (name, age) in new[] { ("Ted", 29), ("Fred", 45), ("Simon", 29), ("Sam", 29) })
        {
            Assert.Equal(1, await db.ExecAsync($"insert into people (people_name, age) values ('{name}', {age})"));
        }

        return db;
    }

    [Fact]
    public async Task Step08_Inserts_GetIds1To4()
    {
        await using var db = await PeopleAsync();
        Assert.Equal(["1|Ted|29", "2|Fred|45", "3|Simon|29", "4|Sam|29"], await db.RowsAsync("select people.id, people.people_name, people.age from people order by people.id"));
        // Values keep their types: age is a number, not the string "29".
        var row = (await db.Sql("select age from people where id = 1").ToListAsync())[0];
        Assert.Equal(KvNumber.FromInt64(29), row["age"]);
    }

    [Fact]
    public async Task Step09_SelectStarWhereAge29_ReturnsTedSimonSam()
    {
        await using var db = await PeopleAsync();
        Assert.Equal(["1|Ted|29", "3|Simon|29", "4|Sam|29"], await db.RowsAsync("select * from people where people.age = 29 order by people.id"));
        var columns = (await db.Sql("select * from people").ExecuteAsync()).Columns;
        Assert.Equal(["id", "people_name", "age"], columns);
    }

    [Fact]
    public async Task Step10_UpdateSam_ChangesOnlySam()
    {
        await using var db = await PeopleAsync();
        Assert.Equal(1, await db.ExecAsync("update people set people.age = 31 where people.people_name = 'Sam'"));
        Assert.Equal(["Ted", "Simon"], await db.RowsAsync("select people.people_name from people where people.age = 29 order by people.id"));
        Assert.Equal(["Sam"], await db.RowsAsync("select people.people_name from people where people.age = 31"));
    }

    private static async Task<KvDatabase> ShopAsync()
    {
        var db = await PeopleAsync();
        await db.ExecAsync("update people set people.age = 31 where people.people_name = 'Sam'");
        // Step 11, one statement per insert as in example.py.
        await db.ExecAsync("insert into items (search, people) values ('Cat', 3)");
        await db.ExecAsync("insert into products (name, price) values ('Spanner', 300)");
        await db.ExecAsync("insert into products (name, price) values ('Tree', 1000)");
        await db.ExecAsync("insert into products (name, price) values ('Spanner', 450)");
        await db.ExecAsync("insert into products (name, price) values ('Spanner', 600)");
        await db.ExecAsync("insert into items (search, people) values ('Spanner', 3)");
        await db.ExecAsync("insert into items (search, people) values ('Tree', 3)");
        await db.ExecAsync("insert into items (search, people) values ('Spanner', 2)");
        await db.ExecAsync("insert into reviews (rating, product) values ('5', 'Spanner')");
        return db;
    }

    [Fact]
    public async Task Step12_ThreeTableJoin_ReturnsSevenCorrectRows()
    {
        await using var db = await ShopAsync();
        var rows = await db.RowsAsync(
            "select products.price, people.people_name, items.search from items inner join people on items.people = people.id inner join products on items.search = products.name");
        Assert.Equal(
            ["1000|Simon|Tree", "300|Fred|Spanner", "300|Simon|Spanner", "450|Fred|Spanner", "450|Simon|Spanner", "600|Fred|Spanner", "600|Simon|Spanner"],
            rows.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Step12_SameColumnNameFromTwoTables_DoesNotCollide()
    {
        await using var db = await ShopAsync();
        // hash-db merged rows by bare field name, so two 'id' columns collapsed into one.
        Assert.Equal(["2|4", "3|1", "3|2", "3|3"], (await db.RowsAsync(
            "select people.id, items.id from items inner join people on items.people = people.id")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Step15_FullTextStyleSearch_AppliesEveryPredicate()
    {
        await using var db = await ShopAsync();
        await db.ExecAsync("insert into items (search, people) values ('blah sentence', 3)");
        // hash-db's '~' operator is dead and only the last AND predicate applied (4 rows); the intended answer is one row.
        Assert.Equal(["blah sentence"], await db.RowsAsync("""
            select items.search from items
            where (items.search like '%blah%' or items.search like '%nonsense%' or items.search like '%notthere%') and items.people = 3
            """));
    }

    [Fact]
    public async Task Steps16To18_DocumentPaths()
    {
        await using var db = await PeopleAsync();
        // Step 16: a document saved through the key-value API into the same table.
        await db.Store.PutItemAsync(new PutItemRequest("people", Item.FromJson("""
            {"id": 7, "people_name": "Sam Squire", "age": 32, "hobbies": [{"name": "God"}, {"name": "databases"}, {"name": "computers"}]}
            """)));
        var saved = await db.Store.GetItemAsync(new GetItemRequest("people", new ItemKey(7)));
        Assert.Equal(3, saved!["hobbies"].AsList().Count);

        // Step 17: any-element match in WHERE.
        Assert.Equal(["7|Sam Squire|32"], await db.RowsAsync("select * from people where people.hobbies[*].name = 'God'"));
        Assert.Empty(await db.RowsAsync("select * from people where people.hobbies[*].name = 'Go'"));

        // Step 18: the path reads every element's name (one row holding the list; hash-db returned one row per element).
        var row = Assert.Single(await db.Sql("select people.hobbies[*].name from people where people.hobbies is not null").ToListAsync());
        var names = row.GetAttribute(0)!.AsList().Select(v => v.AsString());
        Assert.Equal(["God", "databases", "computers"], names);
        Assert.Equal(["databases"], await db.RowsAsync("select people.hobbies[1].name from people where people.id = 7"));
    }

    [Fact]
    public async Task ConcurrentInserts_NeverLoseRows()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("insert into counters (n) values (0)");
        // hash-db lost 27 of 160 rows here: 4 clients x 40 inserts raced on the id counter.
        var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await db.ExecAsync("insert into counters (n) values (@n)", new { n = (c * 100) + i });
            }
        }));
        await Task.WhenAll(clients);
        Assert.Equal(["161|161"], await db.RowsAsync("select count(*), count(distinct id) from counters"));
    }
}
