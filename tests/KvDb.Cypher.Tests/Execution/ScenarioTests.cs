namespace KvDb.Cypher.Tests.Execution;

/// <summary>
/// Runs Fixtures/scenarios.cypher: "given this graph (setup), this query returns exactly these rows (in order
/// or in any order), has these side effects (statistics) or fails with this error class and detail".
/// </summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var s in Scenario.ReadAll())
        {
            data.Add(s.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario_BehavesAsWritten(string name)
    {
        var scenario = Scenario.ReadAll().Single(s => s.Name == name);
        using var db = KvDatabase.OpenInMemory();
        foreach (var statement in scenario.Setup)
        {
            db.Cypher(statement);
        }

        if (scenario.Error is { } error)
        {
            var ex = Assert.Throws<CypherException>(() => db.Cypher(scenario.Query));
            Assert.Equal(error, ex.ErrorClass + " " + ex.Detail);
            return;
        }

        var result = db.Cypher(scenario.Query);
        var rows = result.Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).ToList();
        if (!scenario.Ordered)
        {
            rows.Sort(StringComparer.Ordinal);
            scenario.Rows.Sort(StringComparer.Ordinal);
        }

        Assert.Equal(scenario.Rows, rows);
        if (scenario.Effects is { } effects)
        {
            var s = result.Statistics;
            Assert.Equal(effects, $"nodes +{s.NodesCreated} -{s.NodesDeleted}, rels +{s.RelationshipsCreated} -{s.RelationshipsDeleted}, props {s.PropertiesSet}, labels +{s.LabelsAdded} -{s.LabelsRemoved}");
        }

        if (scenario.After is { } after)
        {
            var check = db.Cypher(after.Query).Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).ToList();
            Assert.Equal(after.Rows, check);
        }
    }

    private sealed class Scenario
    {
        public required string Name { get; init; }

        public List<string> Setup { get; } = [];

        public string Query { get; set; } = "";

        public List<string> Rows { get; } = [];

        public bool Ordered { get; set; }

        public string? Effects { get; set; }

        public string? Error { get; set; }

        public (string Query, List<string> Rows)? After { get; set; }

        /// <summary>
        /// Format: "## name", then sections "setup:" (one statement per line), "query:" (one line),
        /// "rows:" or "ordered rows:" (one row per line, values in Cypher notation joined by " | "),
        /// "effects:", "error:", "then:" (a query line followed by its rows), separated by "===".
        /// </summary>
        public static List<Scenario> ReadAll()
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "scenarios.cypher");
            var result = new List<Scenario>();
            foreach (var block in File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n===\n"))
            {
                var lines = block.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)).ToList();
                if (lines.Count == 0)
                {
                    continue;
                }

                var scenario = new Scenario { Name = lines[0].TrimStart('#', ' ') };
                var section = "";
                List<string>? afterRows = null;
                foreach (var line in lines.Skip(1))
                {
                    if (line is "setup:" or "query:" or "rows:" or "ordered rows:" or "then:")
                    {
                        section = line;
                        scenario.Ordered |= line == "ordered rows:";
                        continue;
                    }

                    if (line.StartsWith("effects: ", StringComparison.Ordinal))
                    {
                        scenario.Effects = line["effects: ".Length..];
                        continue;
                    }

                    if (line.StartsWith("error: ", StringComparison.Ordinal))
                    {
                        scenario.Error = line["error: ".Length..];
                        continue;
                    }

                    switch (section)
                    {
                        case "setup:": scenario.Setup.Add(line); break;
                        case "query:": scenario.Query = line; break;
                        case "then:":
                            if (afterRows is null)
                            {
                                afterRows = [];
                                scenario.After = (line, afterRows);
                            }
                            else
                            {
                                afterRows.Add(line);
                            }

                            break;
                        default: scenario.Rows.Add(line == "(empty string)" ? "''" : line); break;
                    }
                }

                result.Add(scenario);
            }

            return result;
        }
    }
}
