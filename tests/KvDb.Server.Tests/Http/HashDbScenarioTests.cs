using System.Text.Json;
using KvDb.Server.Cli;

namespace KvDb.Server.Tests.Http;

/// <summary>hash-db's example.py (reference hashdb.md 9.2) end to end over HTTP, with the correct results.</summary>
public sealed class HashDbScenarioTests
{
    [Fact]
    public async Task ExampleScenario_OverHttp_GivesCorrectResults()
    {
        await using var server = await TestServer.StartAsync();
        // Step 1.
        foreach (var (pk, sk, value) in DemoCommand.KeyValues)
        {
            var (status, body) = await server.PostAsync($"/set/{pk}/{sk}", value, "text/plain");
            Assert.Equal(200, status);
            Assert.True(body.GetProperty("stored").GetBoolean());
        }

        // Steps 2-6.
        var (_, begins) = await server.GetAsync("/query_begins/people-100/messages/asc");
        Assert.Equal(["messages-100", "messages-101", "messages-102", "messages-103", "messages-104", "messages-105", "messages-3500"],
            begins.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sk").GetString()));
        Assert.Equal(7, begins.GetProperty("count").GetInt32());
        var (_, beginsDesc) = await server.GetAsync("/query_begins/people-100/messages/desc");
        Assert.Equal(["messages-3500", "messages-105", "messages-104", "messages-103", "messages-102", "messages-101", "messages-100"],
            beginsDesc.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sk").GetString()));
        var (_, pkSk) = await server.GetAsync("/query_pk_sk_begins/people/messages/desc");
        Assert.Equal(
            ["people-200/messages-500=hey", "people-100/messages-3500=later", "people-100/messages-105=good", "people-100/messages-104=and you",
             "people-100/messages-103=fine", "people-100/messages-102=how are you", "people-100/messages-101=hi", "people-100/messages-100=hello"],
            TestServer.Items(pkSk));
        var (_, between) = await server.GetAsync("/query_between/people-100/messages-101/messages-105/desc");
        Assert.Equal(["messages-105", "messages-104", "messages-103", "messages-102", "messages-101"],
            between.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sk").GetString()));
        var (_, both) = await server.GetAsync("/both_between/people-100-2020-05/people-100-2020-07/friends-2019/friends-2020-06-~~/desc");
        Assert.Equal(["people-100-2020-06-01/friends-2020-06-01=1, 2, 3", "people-100-2020-05-01/friends-2019-05-01=1, 2"], TestServer.Items(both));

        // Step 7: the join is registered before any of its tables exists, as in hash-db; steps 8-11 follow.
        Assert.Equal(200, (await server.SqlAsync(DemoCommand.CreateJoin)).Status);
        foreach (var (name, age) in new[] { ("Ted", 29), ("Fred", 45), ("Simon", 29), ("Sam", 29) })
        {
            var (status, inserted) = await server.SqlAsync("insert into people (people_name, age) values (@name, @age)", new { name, age });
            Assert.Equal(200, status);
            Assert.Equal(1, inserted.GetProperty("affected").GetInt64());
        }

        var (_, age29) = await server.SqlAsync("select * from people where people.age = 29 order by people.id");
        Assert.Equal(["id", "people_name", "age"], age29.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["1|Ted|29", "3|Simon|29", "4|Sam|29"], TestServer.Rows(age29));
        // Values keep their types: numbers are JSON numbers.
        Assert.Equal(JsonValueKind.Number, age29.GetProperty("rows")[0][2].ValueKind);
        var (_, updated) = await server.SqlAsync("update people set people.age = 31 where people.people_name = 'Sam'");
        Assert.Equal(1, updated.GetProperty("affected").GetInt64());
        Assert.Equal(["Ted", "Simon"], TestServer.Rows((await server.SqlAsync("select people.people_name from people where people.age = 29 order by people.id")).Body));
        Assert.Equal(["Sam"], TestServer.Rows((await server.SqlAsync("select people.people_name from people where people.age = 31")).Body));
        foreach (var insert in new[]
        {
            "insert into items (search, people) values ('Cat', 3)", "insert into products (name, price) values ('Spanner', 300)",
            "insert into products (name, price) values ('Tree', 1000)", "insert into products (name, price) values ('Spanner', 450)",
            "insert into products (name, price) values ('Spanner', 600)", "insert into items (search, people) values ('Spanner', 3)",
            "insert into items (search, people) values ('Tree', 3)", "insert into items (search, people) values ('Spanner', 2)",
            "insert into reviews (rating, product) values ('5', 'Spanner')",
        })
        {
            Assert.Equal(200, (await server.SqlAsync(insert)).Status);
        }

        var (_, join) = await server.SqlAsync(DemoCommand.ThreeTableJoin);
        Assert.Equal(["1000|Simon|Tree", "300|Fred|Spanner", "300|Simon|Spanner", "450|Fred|Spanner", "450|Simon|Spanner", "600|Fred|Spanner", "600|Simon|Spanner"],
            TestServer.Rows(join).Order(StringComparer.Ordinal));

        // Steps 13-14: hash-db's triples through {"key", "cypher"}.
        foreach (var triple in DemoCommand.Triples)
        {
            var (status, merged) = await server.CypherAsync(triple, key: "hashdb");
            Assert.Equal(200, status);
            Assert.Empty(merged.GetProperty("rows").EnumerateArray());
        }

        var (_, match) = await server.PostAsync("/cypher", JsonSerializer.Serialize(new { cypher = DemoCommand.FourPartMatch, graph = "hashdb" }));
        Assert.Equal(["Samuel|Tasya|Ideas|Margaret", "Samuel|Tasya|Thoughts|John"], TestServer.Rows(match).Order(StringComparer.Ordinal));

        // Step 15: every predicate applies.
        await server.SqlAsync("insert into items (search, people) values ('blah sentence', 3)");
        var (_, search) = await server.SqlAsync("select items.search from items where (items.search like '%blah%' or items.search like '%nonsense%') and items.people = 3");
        Assert.Equal(["blah sentence"], TestServer.Rows(search));

        // Steps 16-18: documents back exactly, and queryable by path.
        var (saveStatus, _) = await server.PostAsync("/save/people/1", DemoCommand.Document);
        Assert.Equal(200, saveStatus);
        using var client = new HttpClient { BaseAddress = server.Address };
        var text = await client.GetStringAsync(new Uri("documents/people/1", UriKind.Relative));
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(DemoCommand.Document).RootElement), text);
        var (_, god) = await server.SqlAsync("select documents.id, documents.doc.name from documents where documents.collection = 'people' and documents.doc.hobbies[*].name = 'God'");
        Assert.Equal(["1|Sam Squire"], TestServer.Rows(god));
    }
}
