using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace KvDb.Cypher.Tests.Execution;

public sealed class ExecutionRobustnessProperties
{
    private static readonly string[] s_nodeExpressions =
    [
        "{0}.name", "{0}.n + 1", "size({0}.l)", "{0}.name STARTS WITH 'x'", "labels({0})", "id({0})", "coalesce({0}.n, 0)",
        "toString({0}.n)", "CASE WHEN {0}.n > 0 THEN 1 ELSE 'z' END", "{0}.n / 0", "{0}.l[0]", "{0}.l[1..]", "keys({0})",
        "{0}:Person", "{0}.name + {0}.n", "toInteger({0}.name)", "[x IN range(1, 3) | x * {0}.n]", "{0}.n IN [1, 2]",
        "properties({0})", "{0}.name =~ 'x.*'", "reverse({0}.name)", "{0}.n * 9223372036854775807", "{0}.missing IS NULL",
        "exists({0}.n)", "{0}", "substring({0}.name, 0, 1)", "head({0}.l)", "{0}.n ^ 2", "sqrt({0}.n)", "-{0}.n",
    ];

    private static readonly string[] s_aggregates = ["count(*)", "count({0})", "collect({0}.n)", "sum({0}.n)", "avg({0}.n)", "max({0}.name)", "min({0}.l)", "count(DISTINCT {0}.name)"];

    private static string Statement(Random random)
    {
        var sb = new StringBuilder();
        var vars = new List<string>();
        var rels = new List<string>();
        sb.Append(random.Next(4) == 0 ? "OPTIONAL MATCH " : "MATCH ");
        var type = random.Next(3) switch { 0 => ":R", 1 => ":R|S", _ => "" };
        var length = random.Next(4) == 0 ? "*1..2" : "";
        switch (random.Next(4))
        {
            case 0:
                sb.Append("(a)");
                vars.Add("a");
                break;
            case 1:
                sb.Append("(a:Person)-[r").Append(type).Append(length).Append("]->(b)");
                vars.AddRange(["a", "b"]);
                if (length.Length == 0)
                {
                    rels.Add("r");
                }

                break;
            case 2:
                sb.Append("p = (a)-[").Append(type).Append(length).Append("]-(b)");
                vars.AddRange(["a", "b"]);
                break;
            default:
                sb.Append("(a), (b:Person)");
                vars.AddRange(["a", "b"]);
                break;
        }

        string V() => vars[random.Next(vars.Count)];
        string E() => string.Format(System.Globalization.CultureInfo.InvariantCulture, s_nodeExpressions[random.Next(s_nodeExpressions.Length)], V());

        if (random.Next(2) == 0)
        {
            sb.Append(" WHERE ").Append(E()).Append(random.Next(2) == 0 ? " IS NOT NULL" : " = " + E());
        }

        if (random.Next(3) == 0)
        {
            sb.Append(" UNWIND [1, 2] AS u");
        }

        switch (random.Next(6))
        {
            case 0:
                sb.Append(" SET ").Append(V()).Append(".n = ").Append(E());
                break;
            case 1:
                sb.Append(" SET ").Append(V()).Append(":Tag");
                break;
            case 2:
                sb.Append(" REMOVE ").Append(V()).Append(".name");
                break;
            case 3 when rels.Count > 0:
                sb.Append(" DELETE ").Append(rels[0]);
                break;
            case 4:
                sb.Append(" WITH ").Append(string.Join(", ", vars)).Append(" ORDER BY ").Append(E()).Append(" LIMIT 3");
                break;
        }

        if (random.Next(5) == 0)
        {
            // Fails at run time after the writes above: the statement must leave nothing behind.
            sb.Append(" CREATE (:Leak) WITH * WHERE 1 / 0 = 1");
        }

        sb.Append(" RETURN ");
        if (random.Next(3) == 0)
        {
            sb.Append(V()).Append(".name AS k, ").Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, s_aggregates[random.Next(s_aggregates.Length)], V()));
        }
        else
        {
            sb.Append(random.Next(4) == 0 ? "DISTINCT " : "").Append(E()).Append(" AS x, ").Append(E()).Append(" AS y");
            if (random.Next(2) == 0)
            {
                sb.Append(" ORDER BY x DESC SKIP 1");
            }
        }

        return sb.ToString();
    }

    private static string Dump(KvDatabase db, CypherGraph graph) =>
        string.Join("\n", db.Store.ScanAsync(new ScanRequest(graph.TableName)).AsTask().GetAwaiter().GetResult().Items
            .Select(i => i.ToString()).Order(StringComparer.Ordinal));

    /// <summary>Random valid statements over a small graph either run or fail with a CypherException, never anything else.</summary>
    [Fact]
    public void RandomStatements_RunOrFailWithCypherException()
    {
        using var db = KvDatabase.OpenInMemory();
        var graph = db.Graph("fuzz");
        var ran = 0;
        var failures = new Dictionary<CypherErrorCode, int>();
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            graph.Cypher("MATCH (n) DETACH DELETE n");
            graph.Cypher("CREATE (a:Person {name: 'x', n: 1})-[:R {w: 2}]->(b:Person {name: 'y', l: [1, 2]}), (b)-[:S]->(a), (a)-[:R]->(a), (:A {n: 2.5})");
            var text = Statement(new Random(seed));
            var before = Dump(db, graph);
            try
            {
                graph.Cypher(text);
                ran++;
            }
            catch (CypherException ex)
            {
                failures[ex.Detail] = failures.GetValueOrDefault(ex.Detail) + 1;
                if (Dump(db, graph) != before)
                {
                    throw new InvalidOperationException($"Seed {seed}: failing statement changed the graph: {text}");
                }
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Seed {seed}: {text}\n{ex}");
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

        // The generator must reach the executor often enough for the property to mean something.
        Assert.True(ran >= 100, $"only {ran} of 300 statements ran; failures: {string.Join(", ", failures.Select(f => f.Key + "=" + f.Value))}");
    }
}
