using System.Globalization;
using System.Text.Json;

namespace KvDb.Benchmarks.Server;

/// <summary>
/// hash-db's three-table join at its measured size: 200 people, 200 products and 200 items, every item matching one
/// person and one product, so the join returns 200 rows. Loaded over HTTP the way hash-db's README does it: the
/// optional <c>create join</c> first, then one <c>POST /sql</c> INSERT per row (people, then products, then items; tables
/// created by the first insert, ids 1..200 assigned by the server).
/// </summary>
public static class ServerJoinData
{
    public const int Rows = 200;

    public const string Query =
        "select products.price, people.people_name, items.search from items inner join people on items.people = people.id inner join products on items.search = products.name";

    public const string CreateJoin =
        "create join inner join people on people.id = items.people inner join products on items.search = products.name";

    public static async Task LoadAsync(BenchServer server, bool materialized)
    {
        if (materialized)
        {
            await server.SqlAsync(CreateJoin).ConfigureAwait(false);
        }

        for (var i = 1; i <= Rows; i++)
        {
            await server.SqlAsync($"insert into people (people_name, age) values ('person{I(i)}', {I(18 + (i % 60))})").ConfigureAwait(false);
        }

        for (var i = 1; i <= Rows; i++)
        {
            await server.SqlAsync($"insert into products (name, price) values ('product{I(i)}', {I(100 + i)})").ConfigureAwait(false);
        }

        for (var i = 1; i <= Rows; i++)
        {
            var person = ((i * 7) % Rows) + 1;
            var product = ((i * 13) % Rows) + 1;
            await server.SqlAsync($"insert into items (search, people) values ('product{I(product)}', {I(person)})").ConfigureAwait(false);
        }

        var plan = System.Text.Encoding.UTF8.GetString(await server.SqlAsync("EXPLAIN " + Query).ConfigureAwait(false));
        if (plan.Contains("MaterializedJoinScan", StringComparison.Ordinal) != materialized)
        {
            throw new InvalidOperationException($"Setup check: materialized={materialized} but the plan is:\n{plan}");
        }

        var rows = CountRows(await server.SqlAsync(Query).ConfigureAwait(false));
        if (rows != Rows)
        {
            throw new InvalidOperationException($"Setup check: the join returned {rows} rows, expected {Rows}.");
        }
    }

    public static int CountRows(byte[] answer)
    {
        using var doc = JsonDocument.Parse(answer);
        return doc.RootElement.GetProperty("rows").GetArrayLength();
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
