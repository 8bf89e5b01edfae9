using KvDb.Sql.Tests.Parsing;

namespace KvDb.Sql.Tests.Execution;

/// <summary>Runs the EXPLAIN corpus under Fixtures/Explain against a fixed schema; plans must match exactly.</summary>
public sealed class ExplainFixtureTests
{
    private const string Schema = """
        CREATE TABLE people (id STRING, name STRING, age NUMBER, city STRING, PRIMARY KEY (id));
        CREATE TABLE orders (customer STRING, day STRING, total NUMBER, PRIMARY KEY (customer, day));
        INSERT INTO people (id, name, age, city) VALUES ('p1', 'Ann', 30, 'Oslo'), ('p2', 'Bo', 40, 'Rome');
        INSERT INTO orders (customer, day, total) VALUES ('p1', '2024-01-01', 5), ('p1', '2024-02-01', 15), ('p2', '2023-05-05', 7),
          ('p2', '2024-03-03', 9), ('p3', '2024-04-04', 1)
        """;

    private static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Explain", "plans.sql");

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < FixtureFile.Read(FixturePath).Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Explain_MatchesFixture(int index)
    {
        var (input, expected) = FixtureFile.Read(FixturePath)[index];
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(Schema);
        var plan = string.Join("\n", await db.RowsAsync("EXPLAIN " + input));
        Assert.Equal(expected, plan);
        // The plan runs.
        await db.Sql(input).ToListAsync();
    }
}
