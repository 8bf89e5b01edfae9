using FsCheck;
using FsCheck.Fluent;

namespace KvDb.Cypher.Tests.Execution;

/// <summary>
/// On random graphs and random writes, queries answered through a property index return exactly what the same
/// predicate returns without it (a WITH in between keeps the planner from seeking), and the stored index entries
/// always equal what the nodes call for.
/// </summary>
public sealed class IndexReferenceProperties
{
    private static readonly object?[] s_values =
    [
        -3L, 0L, 1L, 2L, 7L, long.MaxValue, -0.0, 0.0, 1.0, 1.5, 2.0, -2.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        "", "a", "ab", "b", "B", "\uD7FF", "\uE000", "\uFFFF", "\uD83D\uDE00", new string('z', 205) + "1", new string('z', 205) + "2",
        true, false, new List<object?> { 1L, 2L }, null,
    ];

    private static readonly string[] s_predicates =
    [
        "n.v = $x", "$x = n.v", "n.v IN [$x, $y]", "n.v IN $list", "n.v < $x", "n.v <= $x", "n.v > $x", "$x >= n.v",
        "n.v > $x AND n.v < $y", "$x <= n.v AND n.v <= $y AND n.w = 1", "n.v STARTS WITH $x", "n.w = $x AND n.v = $y",
    ];

    [Fact]
    public void IndexedQueries_OnRandomGraphsAndWrites_EqualTheUnindexedAnswer() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            object? Value() => s_values[random.Next(s_values.Length)];
            using var db = KvDatabase.OpenInMemory();
            var indexFirst = random.Next(2) == 0;
            if (indexFirst)
            {
                db.Cypher("CREATE INDEX v FOR (n:L) ON (n.v)");
            }

            for (var i = random.Next(1, 12); i > 0; i--)
            {
                db.Cypher(random.Next(3) == 0 ? "CREATE (:M {v: $v, w: $w})" : "CREATE (:L {v: $v, w: $w})", new { v = Value(), w = random.Next(2) });
            }

            if (!indexFirst)
            {
                db.Cypher("CREATE INDEX v FOR (n:L) ON (n.v)");
            }

            if (random.Next(2) == 0)
            {
                db.Cypher("CREATE INDEX w FOR (n:L) ON (n.w)");
            }

            for (var round = 0; round < 4; round++)
            {
                for (var q = 0; q < 4; q++)
                {
                    var predicate = s_predicates[random.Next(s_predicates.Length)];
                    var parameters = new Dictionary<string, object?> { ["x"] = Value(), ["y"] = Value(), ["list"] = new List<object?> { Value(), Value() } };
                    var indexed = Answer(db, $"MATCH (n:L) WHERE {predicate} RETURN id(n)", parameters);
                    var reference = Answer(db, $"MATCH (n:L) WITH n WHERE {predicate} RETURN id(n)", parameters);
                    var pattern = predicate == "n.v = $x" ? Answer(db, "MATCH (n:L {v: $x}) RETURN id(n)", parameters) : reference;
                    if (indexed != reference || pattern != reference)
                    {
                        throw new InvalidOperationException($"Seed {seed}: WHERE {predicate} with x={Show(parameters["x"])}, y={Show(parameters["y"])}, list={Show(parameters["list"])}\n" +
                            $"indexed:   {indexed}\npattern:   {pattern}\nreference: {reference}\n{db.Cypher($"EXPLAIN MATCH (n:L) WHERE {predicate} RETURN id(n)").Plan}");
                    }
                }

                // Random writes, some in one statement, some failing (and so changing nothing).
                for (var w = random.Next(1, 4); w > 0; w--)
                {
                    var id = random.Next(0, 14);
                    var statement = random.Next(9) switch
                    {
                        0 => "MATCH (n) WHERE id(n) = $id SET n.v = $v",
                        1 => "MATCH (n) WHERE id(n) = $id REMOVE n.v",
                        2 => "MATCH (n) WHERE id(n) = $id SET n:L",
                        3 => "MATCH (n) WHERE id(n) = $id REMOVE n:L",
                        4 => "MATCH (n) WHERE id(n) = $id DETACH DELETE n",
                        5 => "MATCH (n) WHERE id(n) = $id SET n = {v: $v, w: 1}",
                        6 => "MATCH (n:L) WHERE id(n) <= $id SET n += {v: $v} WITH n SET n.v = CASE WHEN id(n) % 2 = 0 THEN n.v ELSE $v END",
                        7 => "CREATE (:L {v: $v}) WITH 1 AS one MATCH (n) WHERE id(n) = $id SET n.v = $v RETURN 1 / 0",
                        _ => "UNWIND [$v, $v] AS v MERGE (m:L {v: v}) SET m.w = 1",
                    };
                    try
                    {
                        db.Cypher(statement, new Dictionary<string, object?> { ["id"] = (long)id, ["v"] = Value() });
                    }
                    catch (CypherException)
                    {
                        // Division by zero (statement 7) or a MERGE on null: the statement changed nothing.
                    }
                }

                IndexTests.AssertEntriesConsistent(db);
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60).WithQuietOnSuccess(true));

    private static string Answer(KvDatabase db, string query, Dictionary<string, object?> parameters)
    {
        try
        {
            return string.Join(",", db.Cypher(query, parameters).Rows.Select(r => (long)r[0]!).Order());
        }
        catch (CypherException ex)
        {
            return "error " + ex.Detail;
        }
    }

    private static string Show(object? value) => CypherValueText.Format(value);
}
