using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using KvDb.Cypher;
using KvDb.Json;
using KvDb.Server.Http;
using KvDb.Sql;

namespace KvDb.Server.Cli;

/// <summary>
/// <c>kvdb demo</c>: hash-db's example.py end to end (reference hashdb.md section 9.2) on an embedded database —
/// key-value queries, create join, inserts, the three-table join, update, documents and Cypher — printing each step
/// and its result. It uses the same tables and encodings as the HTTP API, so <c>kvdb serve --data DIR</c> serves
/// what <c>kvdb demo --data DIR</c> left behind.
/// </summary>
internal static class DemoCommand
{
    /// <summary>hash-db's 19 merge triples (steps 13-14), in its own syntax.</summary>
    public static readonly string[] Triples =
    [
        "merge (a:Person {'name':'Samuel'})-[:FRIEND]->(b:Person {'name':'Tasya'})",
        "merge (a:Person {'name':'Tasya'})-[:FRIEND]->(b:Person {'name':'Simon'})",
        "merge (a:Person {'name':'Simon'})-[:FRIEND]->(b:Person {'name':'John'})",
        "merge (a:Person {'name':'Sally'})-[:FRIEND]->(b:Person {'name':'Margaret'})",
        "merge (a:Person {'name':'Samuel'})-[:LIKES]->(b:Post {'name':'Ideas'})",
        "merge (a:Person {'name':'Samuel'})-[:LIKES]->(b:Post {'name':'Thoughts'})",
        "merge (a:Person {'name':'Tasya'})-[:POSTED]->(b:Post {'name':'Ideas'})",
        "merge (a:Person {'name':'Tasya'})-[:POSTED]->(b:Post {'name':'Thoughts'})",
        "merge (a:Post {'name':'Ideas'})-[:REFERS]->(b:Person {'name':'Margaret'})",
        "merge (a:Post {'name':'Thoughts'})-[:REFERS]->(b:Person {'name':'John'})",
        "merge (a:Person {'name':'Simon'})-[:POSTED]->(b:Post {'name':'Lamentations'})",
        "merge (a:Person {'name':'Tasya'})-[:LIKES]->(b:Post {'name':'Lamentations'})",
        "merge (a:Post {'name':'Lamentations'})-[:REFERS]->(b:Food {'name':'Pocky'})",
        "merge (a:Person {'name':'John'})-[:POSTED]->(b:Post {'name':'Love'})",
        "merge (a:Person {'name':'Sally'})-[:LIKES]->(b:Post {'name':'Love'})",
        "merge (a:Person {'name':'Margaret'})-[:LIKES]->(b:Food {'name':'Pocky'})",
        "merge (a:Post {'name':'Love'})-[:REFERS]->(b:Food {'name':'Pocky'})",
        "merge (a:Person {'name':'Simon'})-[:LIKES]->(b:Food {'name':'Pocky'})",
        "merge (person:Post {'name':'Samuel'})-[:LIKES]->(post:Post {'name':'Love'})",
    ];

    /// <summary>The key-value pairs of step 1.</summary>
    public static readonly (string Pk, string Sk, string Value)[] KeyValues =
    [
        ("people-100", "messages-100", "hello"), ("people-100", "messages-101", "hi"), ("people-100", "messages-102", "how are you"),
        ("people-100", "messages-103", "fine"), ("people-100", "messages-104", "and you"), ("people-100", "messages-105", "good"),
        ("people-100", "messages-3500", "later"), ("people-200", "messages-500", "hey"), ("machines-10", "messages-3500", "beep"),
        ("people-100-2020-05-01", "friends-2019-05-01", "1, 2"), ("people-100-2020-06-01", "friends-2020-06-01", "1, 2, 3"),
    ];

    public const string CreateJoin =
        "create join inner join people on people.id = items.people inner join products on items.search = products.name inner join reviews on items.search = reviews.product";

    public const string ThreeTableJoin =
        "select products.price, people.people_name, items.search from items inner join people on items.people = people.id inner join products on items.search = products.name";

    public const string FourPartMatch =
        "match (start:Person)-[:FRIEND]->(end:Person), (start)-[:LIKES]->(post:Post), (end)-[:POSTED]->(post:Post), (post:Post)-[:REFERS]->(person:Person) return start.name, end.name, post.name, person.name";

    public const string Document =
        """{"name": "Sam Squire", "age": 32, "score": 9.5, "hobbies": [{"name": "God"}, {"name": "databases"}, {"name": "computers"}], "tags": ["a", "b"], "address": {"city": "London"}, "spouse": null}""";

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb demo", args, ["data"]);
        a.ExpectPositional(0, 0, "kvdb demo [--data DIR]");
        var keep = a.Value("data");
        var directory = keep ?? Path.Combine(Path.GetTempPath(), "kvdb-demo-" + Guid.NewGuid().ToString("N")[..12]);
        var o = console.Out;
        var total = Stopwatch.StartNew();
        try
        {
            await using (var db = KvdbCli.OpenDirectory(directory))
            {
                o.WriteLine($"KvDb demo: hash-db's example scenario on an embedded database in {Path.GetFullPath(directory)}");
                foreach (var name in await db.ListTablesAsync(ct))
                {
                    o.WriteLine($"  (removing table {name} left by an earlier run)");
                    await db.DeleteTableAsync(name, ct);
                }

                await RunStepsAsync(db, o, ct);
            }

            o.WriteLine();
            o.WriteLine($"done in {total.ElapsedMilliseconds} ms" + (keep is null ? "; the temporary data directory is removed" : $"; the data stays in {Path.GetFullPath(directory)} (serve it with: kvdb serve --data {keep})"));
            return 0;
        }
        finally
        {
            if (keep is null && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task RunStepsAsync(KvDatabase db, TextWriter o, CancellationToken ct)
    {
        await HashDbKv.EnsureTablesAsync(db, ct);
        Step(o, 1, $"POST /set/{{pk}}/{{sk}} x {KeyValues.Length}");
        foreach (var (pk, sk, value) in KeyValues)
        {
            await HashDbKv.SetAsync(db, pk, sk, value, ct);
        }

        o.WriteLine($"stored {KeyValues.Length} items");
        Step(o, 2, "GET /query_begins/people-100/messages/asc");
        Items(o, await HashDbKv.QueryBeginsAsync(db, "people-100", "messages", false, ct));
        Step(o, 3, "GET /query_begins/people-100/messages/desc");
        Items(o, await HashDbKv.QueryBeginsAsync(db, "people-100", "messages", true, ct));
        Step(o, 4, "GET /query_pk_sk_begins/people/messages/desc");
        Items(o, await HashDbKv.QueryPkSkBeginsAsync(db, "people", "messages", true, ct));
        Step(o, 5, "GET /query_between/people-100/messages-101/messages-105/desc");
        Items(o, await HashDbKv.QueryBetweenAsync(db, "people-100", "messages-101", "messages-105", true, ct));
        Step(o, 6, "GET /both_between/people-100-2020-05/people-100-2020-07/friends-2019/friends-2020-06-~~/desc");
        Items(o, await HashDbKv.BothBetweenAsync(db, "people-100-2020-05", "people-100-2020-07", "friends-2019", "friends-2020-06-~~", true, ct));

        Step(o, 7, "POST /sql " + CreateJoin + " (before its tables exist, as in hash-db)");
        await SqlAsync(db, o, CreateJoin, ct);
        Step(o, 8, "POST /sql insert into people (people_name, age) values (...) x 4");
        foreach (var (name, age) in new[] { ("Ted", 29), ("Fred", 45), ("Simon", 29), ("Sam", 29) })
        {
            await db.Sql("insert into people (people_name, age) values (@name, @age)", new { name, age }).ExecuteAsync(ct);
        }

        await SqlAsync(db, o, "select * from people order by people.id", ct);
        Step(o, 9, "POST /sql select * from people where people.age = 29");
        await SqlAsync(db, o, "select * from people where people.age = 29 order by people.id", ct);
        Step(o, 10, "POST /sql update people set people.age = 31 where people.people_name = 'Sam'");
        await SqlAsync(db, o, "update people set people.age = 31 where people.people_name = 'Sam'", ct);
        await SqlAsync(db, o, "select people.people_name, people.age from people where people.age = 31", ct);
        Step(o, 11, "POST /sql inserts into items, products and reviews");
        string[] inserts =
        [
            "insert into items (search, people) values ('Cat', 3)",
            "insert into products (name, price) values ('Spanner', 300)",
            "insert into products (name, price) values ('Tree', 1000)",
            "insert into products (name, price) values ('Spanner', 450)",
            "insert into products (name, price) values ('Spanner', 600)",
            "insert into items (search, people) values ('Spanner', 3)",
            "insert into items (search, people) values ('Tree', 3)",
            "insert into items (search, people) values ('Spanner', 2)",
            "insert into reviews (rating, product) values ('5', 'Spanner')",
        ];
        foreach (var insert in inserts)
        {
            await db.Sql(insert).ExecuteAsync(ct);
        }

        o.WriteLine($"{inserts.Length} inserts");
        Step(o, 12, "POST /sql the three-table join (kept current by the materialized join of step 7)");
        await SqlAsync(db, o, ThreeTableJoin + " order by products.price, people.people_name", ct);

        Step(o, 13, $"POST /cypher {{\"key\": \"hashdb\", \"cypher\": \"merge ...\"}} x {Triples.Length}");
        var graph = db.Graph("hashdb");
        foreach (var triple in Triples)
        {
            await graph.HashDbCypherAsync(triple, cancellationToken: ct);
        }

        await CypherAsync(o, graph, "match (n) return count(n) as nodes", ct);
        Step(o, 14, "POST /cypher " + FourPartMatch);
        await CypherAsync(o, graph, FourPartMatch + " order by post.name", ct);

        Step(o, 15, "POST /sql insert 'blah sentence', then search it with every predicate applied");
        await db.Sql("insert into items (search, people) values ('blah sentence', 3)").ExecuteAsync(ct);
        await SqlAsync(db, o, "select items.search from items where (items.search like '%blah%' or items.search like '%nonsense%' or items.search like '%notthere%') and items.people = 3", ct);

        Step(o, 16, "POST /save/people/1, then GET /documents/people/1");
        await db.Table(KvDbApi.DocumentTable).PutAsync(Item.Create().Set("collection", "people").Set("id", "1")
            .Set("doc", AttributeValue.FromMap(AttributeValueJson.ParseDocument(Document))).Build(), cancellationToken: ct);
        var saved = await db.Table(KvDbApi.DocumentTable).GetAsync("people", "1", ct);
        o.WriteLine(AttributeValueJson.ToDocumentJson(saved!["doc"].AsMap()));
        Step(o, 17, "POST /sql documents by a nested path");
        await SqlAsync(db, o, "select documents.id, documents.doc.name from documents where documents.collection = 'people' and documents.doc.hobbies[*].name = 'God'", ct);
        Step(o, 18, "POST /sql a path through a list");
        await SqlAsync(db, o, "select documents.doc.hobbies[1].name, documents.doc.address.city from documents where documents.collection = 'people'", ct);
    }

    private static void Step(TextWriter o, int number, string title)
    {
        o.WriteLine();
        o.WriteLine($"[{number,2}] {title}");
    }

    private static void Items(TextWriter o, List<Item> items) =>
        o.Write(TablePrinter.Format(["pk", "sk", "value"], [.. items.Select(i => (IReadOnlyList<string>)[i["pk"].AsString(), i["sk"].AsString(), i["value"].AsString()])]) +
            $"({items.Count} items)\n");

    private static async Task SqlAsync(KvDatabase db, TextWriter o, string sql, CancellationToken ct)
    {
        o.WriteLine("sql> " + sql);
        var result = await db.Sql(sql).ExecuteAsync(ct);
        var buffer = new ArrayBufferWriter<byte>();
        await using (var w = new Utf8JsonWriter(buffer))
        {
            await ResultJson.WriteSqlAsync(w, result, ct);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        TablePrinter.Print(o, doc.RootElement);
    }

    private static async Task CypherAsync(TextWriter o, CypherGraph graph, string cypher, CancellationToken ct)
    {
        o.WriteLine("cypher> " + cypher);
        var result = await graph.CypherAsync(cypher, cancellationToken: ct);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            ResultJson.WriteCypher(w, result);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        TablePrinter.Print(o, doc.RootElement);
    }
}
