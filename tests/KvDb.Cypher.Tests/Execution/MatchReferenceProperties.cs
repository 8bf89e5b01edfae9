using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace KvDb.Cypher.Tests.Execution;

/// <summary>On small random graphs, MATCH returns exactly what a brute-force reference matcher finds.</summary>
public sealed class MatchReferenceProperties
{
    private sealed record Node(int K, string[] Labels);

    private sealed record Rel(int I, int Start, int End, string Type);

    private sealed record Hop(string Direction, string[] Types, int Min, int Max, bool VarLength);

    /// <summary>A chain: node variable names (a repeated name closes a cycle), node labels and the hops between.</summary>
    private sealed record Part(string[] Vars, string?[] Labels, Hop[] Hops);

    [Fact]
    public void Match_OnRandomGraphs_EqualsBruteForce() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var nodes = Enumerable.Range(0, random.Next(1, 6))
                .Select(k => new Node(k, random.Next(4) switch { 0 => [], 1 => ["A"], 2 => ["B"], _ => ["A", "B"] })).ToList();
            var rels = Enumerable.Range(0, random.Next(0, 8))
                .Select(i => new Rel(i, random.Next(nodes.Count), random.Next(nodes.Count), random.Next(2) == 0 ? "R" : "S")).ToList();
            var parts = new List<Part>();
            var varNames = new[] { "a", "b", "c", "d" };
            var relCounter = 0;
            for (var p = 0; p < random.Next(1, 3); p++)
            {
                var hops = random.Next(0, 3);
                var vars = new string[hops + 1];
                var labels = new string?[hops + 1];
                for (var i = 0; i <= hops; i++)
                {
                    vars[i] = varNames[random.Next(varNames.Length)];
                    labels[i] = random.Next(3) switch { 0 => "A", 1 => "B", _ => null };
                }

                var hopList = new Hop[hops];
                for (var i = 0; i < hops; i++)
                {
                    var varLength = random.Next(4) == 0;
                    var min = varLength ? random.Next(0, 2) : 1;
                    hopList[i] = new Hop(
                        random.Next(3) switch { 0 => "->", 1 => "<-", _ => "-" },
                        random.Next(3) switch { 0 => ["R"], 1 => ["R", "S"], _ => [] },
                        min,
                        varLength ? min + random.Next(0, 2) : 1,
                        varLength);
                    relCounter++;
                }

                parts.Add(new Part(vars, labels, hopList));
            }

            // Optional WHERE conjuncts over node keys (pushed down into the match by the planner).
            var nodeVarNames = parts.SelectMany(p => p.Vars).Distinct().ToList();
            var predicates = new List<(string Text, Func<Dictionary<string, int>, bool> Holds)>();
            for (var i = random.Next(0, 3); i > 0; i--)
            {
                var x = nodeVarNames[random.Next(nodeVarNames.Count)];
                var y = nodeVarNames[random.Next(nodeVarNames.Count)];
                var n = random.Next(0, 5);
                predicates.Add(random.Next(2) == 0
                    ? ($"{x}.k < {n}", vars => vars[x] < n)
                    : ($"{x}.k <> {y}.k", vars => vars[x] != vars[y]));
            }

            using var db = KvDatabase.OpenInMemory();
            Load(db, nodes, rels);
            var (query, columns) = BuildQuery(parts);
            if (predicates.Count > 0)
            {
                query = query.Replace(" RETURN ", " WHERE " + string.Join(" AND ", predicates.Select(p => p.Text)) + " RETURN ", StringComparison.Ordinal);
            }
            var actual = db.Cypher(query).Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).Order(StringComparer.Ordinal).ToList();
            var expected = BruteForce(nodes, rels, parts, columns, predicates.Select(p => p.Holds).ToList()).Order(StringComparer.Ordinal).ToList();
            if (!actual.SequenceEqual(expected))
            {
                throw new InvalidOperationException($"Seed {seed}: {query}\nexpected:\n{string.Join("\n", expected)}\nactual:\n{string.Join("\n", actual)}");
            }

            // count(*) of the same MATCH (counted without expanding the last hop when the pattern allows it).
            var countQuery = query[..query.IndexOf(" RETURN ", StringComparison.Ordinal)] + " RETURN count(*)";
            var count = (long)db.Cypher(countQuery).Rows[0][0]!;
            if (count != expected.Count)
            {
                throw new InvalidOperationException($"Seed {seed}: {countQuery} counted {count}, expected {expected.Count}");
            }

            // Grouped counts (counted per group when the key is known before the last hop) equal the general
            // aggregation's (sum(1) is never counted that way), and count(v) of a pattern variable equals count(*).
            var match = query[..query.IndexOf(" RETURN ", StringComparison.Ordinal)];
            var first = parts[0].Vars[0];
            var last = parts[^1].Vars[^1];
            var grouped = db.Cypher(match + $" RETURN {first}.k AS g, count(*) AS c, count({last}) AS d").Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).Order(StringComparer.Ordinal).ToList();
            var general = db.Cypher(match + $" RETURN {first}.k AS g, sum(1) AS c, sum(1) AS d").Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).Order(StringComparer.Ordinal).ToList();
            if (!grouped.SequenceEqual(general))
            {
                throw new InvalidOperationException($"Seed {seed}: {match} grouped counts\n{string.Join("\n", grouped)}\ndiffer from\n{string.Join("\n", general)}");
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(250).WithQuietOnSuccess(true));

    private static void Load(KvDatabase db, List<Node> nodes, List<Rel> rels)
    {
        var sb = new StringBuilder("CREATE ");
        sb.Append(string.Join(", ", nodes.Select(n => $"(n{n.K}{string.Concat(n.Labels.Select(l => ":" + l))} {{k: {n.K}}})")));
        foreach (var r in rels)
        {
            sb.Append($", (n{r.Start})-[:{r.Type} {{i: {r.I}}}]->(n{r.End})");
        }

        db.Cypher(sb.ToString());
    }

    private static (string Query, List<(string Name, bool IsNode, bool IsList)> Columns) BuildQuery(List<Part> parts)
    {
        var columns = new List<(string, bool, bool)>();
        var patterns = new List<string>();
        var relIndex = 0;
        foreach (var part in parts)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < part.Vars.Length; i++)
            {
                sb.Append('(').Append(part.Vars[i]).Append(part.Labels[i] is { } l ? ":" + l : "").Append(')');
                if (!columns.Any(c => c.Item1 == part.Vars[i]))
                {
                    columns.Add((part.Vars[i], true, false));
                }

                if (i < part.Hops.Length)
                {
                    var hop = part.Hops[i];
                    var name = "r" + relIndex++;
                    columns.Add((name, false, hop.VarLength));
                    var inner = name + (hop.Types.Length > 0 ? ":" + string.Join("|", hop.Types) : "") + (hop.VarLength ? $"*{hop.Min}..{hop.Max}" : "");
                    sb.Append(hop.Direction switch { "->" => $"-[{inner}]->", "<-" => $"<-[{inner}]-", _ => $"-[{inner}]-" });
                }
            }

            patterns.Add(sb.ToString());
        }

        var returns = columns.Select(c => c.Item2 ? c.Item1 + ".k" : c.Item3 ? $"[x IN {c.Item1} | x.i]" : c.Item1 + ".i");
        return ("MATCH " + string.Join(", ", patterns) + " RETURN " + string.Join(", ", returns), columns);
    }

    private static List<string> BruteForce(List<Node> nodes, List<Rel> rels, List<Part> parts, List<(string Name, bool IsNode, bool IsList)> columns,
        List<Func<Dictionary<string, int>, bool>> predicates)
    {
        var results = new List<string>();
        var nodeVars = new Dictionary<string, int>();
        var relVars = new Dictionary<string, List<int>>();
        var used = new HashSet<int>();

        void MatchPart(int partIndex, int relBase)
        {
            if (partIndex == parts.Count)
            {
                if (!predicates.All(p => p(nodeVars)))
                {
                    return;
                }

                results.Add(string.Join(" | ", columns.Select(c => c.IsNode
                    ? nodeVars[c.Name].ToString(CultureInfo.InvariantCulture)
                    : c.IsList ? "[" + string.Join(", ", relVars[c.Name]) + "]" : relVars[c.Name][0].ToString(CultureInfo.InvariantCulture))));
                return;
            }

            var part = parts[partIndex];
            foreach (var first in nodes)
            {
                if (!TryBind(part, 0, first.K, out var undo))
                {
                    continue;
                }

                Walk(part, partIndex, relBase, 0, first.K);
                undo();
            }
        }

        bool TryBind(Part part, int position, int node, out Action undo)
        {
            undo = () => { };
            if (part.Labels[position] is { } l && !nodes[node].Labels.Contains(l))
            {
                return false;
            }

            var name = part.Vars[position];
            if (nodeVars.TryGetValue(name, out var bound))
            {
                return bound == node;
            }

            nodeVars[name] = node;
            undo = () => nodeVars.Remove(name);
            return true;
        }

        void Walk(Part part, int partIndex, int relBase, int hopIndex, int current)
        {
            if (hopIndex == part.Hops.Length)
            {
                MatchPart(partIndex + 1, relBase + part.Hops.Length);
                return;
            }

            var hop = part.Hops[hopIndex];
            var relName = "r" + (relBase + hopIndex);
            foreach (var (trail, end) in Trails(hop, current))
            {
                if (!TryBind(part, hopIndex + 1, end, out var undo))
                {
                    continue;
                }

                foreach (var r in trail)
                {
                    used.Add(r);
                }

                relVars[relName] = trail;
                Walk(part, partIndex, relBase, hopIndex + 1, end);
                relVars.Remove(relName);
                foreach (var r in trail)
                {
                    used.Remove(r);
                }

                undo();
            }
        }

        IEnumerable<(List<int> Trail, int End)> Trails(Hop hop, int from)
        {
            var trail = new List<int>();
            var found = new List<(List<int>, int)>();

            void Extend(int at)
            {
                if (trail.Count >= hop.Min)
                {
                    found.Add((new List<int>(trail), at));
                }

                if (trail.Count == hop.Max)
                {
                    return;
                }

                foreach (var r in rels)
                {
                    if (used.Contains(r.I) || trail.Contains(r.I) || (hop.Types.Length > 0 && !hop.Types.Contains(r.Type)))
                    {
                        continue;
                    }

                    var nexts = new List<int>();
                    if (hop.Direction is "->" or "-" && r.Start == at)
                    {
                        nexts.Add(r.End);
                    }

                    if (hop.Direction is "<-" or "-" && r.End == at && !(hop.Direction == "-" && r.Start == at))
                    {
                        nexts.Add(r.Start);
                    }

                    foreach (var next in nexts)
                    {
                        trail.Add(r.I);
                        Extend(next);
                        trail.RemoveAt(trail.Count - 1);
                    }
                }
            }

            Extend(from);
            return found;
        }

        MatchPart(0, 0);
        return results;
    }
}
