using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Planning;

/// <summary>
/// hash-db's MERGE semantics as an AST rewrite: hash-db identifies a node by its <c>name</c> attribute alone
/// (the label is ignored) and merges a triple <c>(a:L {name: 'x'})-[:R]-&gt;(b:M {name: 'y'})</c> as "find or
/// create each node, then find or create the edge". Each such MERGE becomes
/// <c>MERGE (a {name: 'x'}) ON CREATE SET a:L, a += {...} MERGE (b {name: 'y'}) ON CREATE SET ... MERGE (a)-[:R]-&gt;(b)</c>.
/// MERGE clauses without a name on every node are left as they are (standard openCypher semantics).
/// </summary>
internal static class HashDbCompatibility
{
    public static CypherStatement Rewrite(CypherStatement statement)
    {
        var queries = new List<SingleQuery>();
        var hidden = 0;
        foreach (var query in statement.Queries)
        {
            var clauses = new List<Clause>();
            foreach (var clause in query.Clauses)
            {
                if (clause is MergeClause { OnCreate.Count: 0, OnMatch.Count: 0 } merge && merge.Pattern.Steps.Count > 0 &&
                    merge.Pattern.Nodes().All(n => NameOf(n) is not null))
                {
                    var names = merge.Pattern.Nodes().Select(n => n.Variable ?? "hashdb_node_" + hidden++).ToList();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    var nodes = merge.Pattern.Nodes().ToList();
                    for (var i = 0; i < nodes.Count; i++)
                    {
                        if (!seen.Add(names[i]))
                        {
                            continue;
                        }

                        var props = (MapExpr)nodes[i].Properties!;
                        var onCreate = new List<SetItem>();
                        if (nodes[i].Labels.Count > 0)
                        {
                            onCreate.Add(new SetLabelsItem(names[i], nodes[i].Labels));
                        }

                        onCreate.Add(new SetVariableItem(names[i], props, Merge: true));
                        var key = new MapExpr(new[] { new MapEntry("name", NameOf(nodes[i])!) });
                        clauses.Add(new MergeClause(new PatternPart(null, new NodePattern(names[i], EquatableArray<string>.Empty, key), EquatableArray<PatternStep>.Empty), onCreate, EquatableArray<SetItem>.Empty));
                    }

                    var steps = merge.Pattern.Steps.Select((s, i) => new PatternStep(s.Relationship, new NodePattern(names[i + 1], EquatableArray<string>.Empty, null))).ToList();
                    clauses.Add(new MergeClause(new PatternPart(merge.Pattern.PathVariable, new NodePattern(names[0], EquatableArray<string>.Empty, null), steps), EquatableArray<SetItem>.Empty, EquatableArray<SetItem>.Empty));
                }
                else
                {
                    clauses.Add(clause);
                }
            }

            queries.Add(new SingleQuery(clauses));
        }

        return statement with { Queries = queries };
    }

    private static Expr? NameOf(NodePattern node) =>
        node.Properties is MapExpr map ? map.Entries.FirstOrDefault(e => e.Key == "name").Value : null;
}
