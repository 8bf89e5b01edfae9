using System.Collections.Concurrent;

namespace KvDb.Server.Tests.Http;

/// <summary>A bounded load test: 32 concurrent clients, mixed reads, writes and SQL, a fixed request count.</summary>
public sealed class LoadTests
{
    private const int Clients = 32;
    private const int RequestsPerClient = 60;

    [Fact]
    public async Task ThirtyTwoClients_MixedRequests_NoErrors_NothingLost()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(200, (await server.SqlAsync("CREATE TABLE events (id STRING, client NUMBER, n NUMBER, PRIMARY KEY (id))")).Status);
        var acknowledged = new ConcurrentBag<(string Pk, string Sk, string Value)>();
        var inserted = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (var i = 0; i < RequestsPerClient; i++)
            {
                var kind = random.Next(4);
                var (status, body) = kind switch
                {
                    0 => await server.PostAsync($"/set/client-{c}/item-{i:D4}", $"value {c}/{i}", "text/plain"),
                    1 => await server.SqlAsync("INSERT INTO events (id, client, n) VALUES (@id, @c, @n)", new Dictionary<string, object> { ["id"] = $"{c}-{i}", ["c"] = c, ["n"] = i }),
                    2 => await server.GetAsync($"/query_begins/client-{c}/item/asc"),
                    _ => await server.SqlAsync("SELECT count(*) FROM events WHERE client = @c", new Dictionary<string, object> { ["c"] = c }),
                };
                if (status != 200)
                {
                    failures.Add($"{kind}: {status} {body}");
                    continue;
                }

                if (kind == 0)
                {
                    acknowledged.Add(($"client-{c}", $"item-{i:D4}", $"value {c}/{i}"));
                }
                else if (kind == 1)
                {
                    inserted.Add($"{c}-{i}");
                }
            }
        })));
        Assert.Empty(failures);
        Assert.True(acknowledged.Count > 0 && inserted.Count > 0);
        // Every acknowledged write is readable afterwards.
        foreach (var group in acknowledged.GroupBy(a => a.Pk))
        {
            var (_, body) = await server.GetAsync($"/query_begins/{group.Key}/item/asc");
            Assert.Equal(group.OrderBy(g => g.Sk, StringComparer.Ordinal).Select(g => $"{g.Pk}/{g.Sk}={g.Value}"), TestServer.Items(body));
        }

        var (_, count) = await server.SqlAsync("SELECT count(*) FROM events");
        Assert.Equal([inserted.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)], TestServer.Rows(count));
    }
}
