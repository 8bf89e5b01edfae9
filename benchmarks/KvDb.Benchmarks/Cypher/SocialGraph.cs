using System.Globalization;
using KvDb.Cypher;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Cypher;

/// <summary>
/// The generated social graph of the Cypher benchmarks: <see cref="People"/> Person nodes (pid 0..99,999, name
/// "p42", age uniform in 18..80) and FOLLOWS relationships from a seeded <see cref="Random"/>: every person follows
/// <see cref="OutDegree"/> distinct others chosen uniformly (so in-degrees are roughly Poisson(20)), and person 0, the
/// hub, follows <see cref="HubOutDegree"/>: 99,999 x 20 + 1,000 = 2,000,980 relationships. The same arrays feed
/// KvDb (through Cypher), SQLite and the in-memory adjacency list, so all three hold identical data.
/// </summary>
public sealed class SocialGraph
{
    public const int People = 100_000;
    public const int OutDegree = 20;
    public const int HubOutDegree = 1_000;
    public const int Hub = 0;
    public const int Seed = 20_260_501;
    public const string GraphName = "social";

    /// <summary>Persons per CREATE statement when loading KvDb.</summary>
    public const int NodeBatch = 50_000;

    /// <summary>Relationships per CREATE statement when loading KvDb (200,000 relationship items per transaction).</summary>
    public const int RelationshipBatch = 100_000;

    public const string TwoHopCount = "MATCH (a:Person {pid: $pid})-[:FOLLOWS]->()-[:FOLLOWS]->(c) RETURN count(*)";
    public const string TwoHopFiltered = "MATCH (a:Person {pid: $pid})-[:FOLLOWS]->()-[:FOLLOWS]->(c) WHERE c.age > 60 RETURN count(*)";
    public const string SqliteTwoHopCount = "SELECT count(*) FROM follows f1 JOIN follows f2 ON f2.src = f1.dst WHERE f1.src = $pid";
    public const string SqliteTwoHopFiltered =
        "SELECT count(*) FROM follows f1 JOIN follows f2 ON f2.src = f1.dst JOIN person c ON c.pid = f2.dst WHERE f1.src = $pid AND c.age > 60";

    private SocialGraph(int[] age, int[][] follows)
    {
        Age = age;
        Follows = follows;
        Relationships = follows.Sum(f => (long)f.Length);
    }

    /// <summary>Age of each person.</summary>
    public int[] Age { get; }

    /// <summary>Out-neighbours of each person (the hand-written adjacency list).</summary>
    public int[][] Follows { get; }

    public long Relationships { get; }

    public static SocialGraph Generate()
    {
        var random = new Random(Seed);
        var age = new int[People];
        var follows = new int[People][];
        var chosen = new HashSet<int>();
        for (var p = 0; p < People; p++)
        {
            age[p] = 18 + random.Next(63);
            var degree = p == Hub ? HubOutDegree : OutDegree;
            chosen.Clear();
            var list = new int[degree];
            for (var i = 0; i < degree;)
            {
                var target = random.Next(People);
                if (target != p && chosen.Add(target))
                {
                    list[i++] = target;
                }
            }

            follows[p] = list;
        }

        return new SocialGraph(age, follows);
    }

    /// <summary>Start persons for the 2-hop queries (never the hub), cycled through by the benchmarks.</summary>
    public static int[] QueryPersons(int count)
    {
        var random = new Random(Seed + 1);
        return Enumerable.Range(0, count).Select(_ => 1 + random.Next(People - 1)).ToArray();
    }

    public long TwoHopCountAdjacency(int pid)
    {
        long count = 0;
        foreach (var middle in Follows[pid])
        {
            foreach (var end in Follows[middle])
            {
                _ = end;
                count++;
            }
        }

        return count;
    }

    public long TwoHopFilteredAdjacency(int pid)
    {
        long count = 0;
        foreach (var middle in Follows[pid])
        {
            foreach (var end in Follows[middle])
            {
                if (Age[end] > 60)
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Loads the graph into a fresh in-memory KvDb through Cypher: an index on :Person(pid), persons with
    /// <c>UNWIND $people AS p CREATE (n:Person {...}) RETURN p.pid, id(n)</c> in batches of <see cref="NodeBatch"/>,
    /// then relationships with <c>UNWIND $edges AS e MATCH (a) WHERE id(a) = e[0] MATCH (b) WHERE id(b) = e[1]
    /// CREATE (a)-[:FOLLOWS]->(b)</c> in batches of <see cref="RelationshipBatch"/>; each statement is one atomic
    /// Core transaction.
    /// </summary>
    public (KvDatabase Db, CypherGraph Graph, TimeSpan Nodes, TimeSpan Relationships) LoadKvDb()
    {
        var db = KvDatabase.OpenInMemory();
        var graph = db.Graph(GraphName);
        graph.Cypher("CREATE INDEX person_pid FOR (p:Person) ON (p.pid)");
        var ids = new long[People];
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        for (var start = 0; start < People; start += NodeBatch)
        {
            var people = new List<Dictionary<string, object?>>();
            for (var p = start; p < Math.Min(People, start + NodeBatch); p++)
            {
                people.Add(new Dictionary<string, object?>
                {
                    ["pid"] = p,
                    ["name"] = "p" + p.ToString(CultureInfo.InvariantCulture),
                    ["age"] = Age[p],
                });
            }

            var created = graph.Cypher("UNWIND $people AS p CREATE (n:Person {pid: p.pid, name: p.name, age: p.age}) RETURN p.pid, id(n)", new { people });
            foreach (var row in created.Rows)
            {
                ids[(long)row[0]!] = (long)row[1]!;
            }
        }

        var nodes = stopwatch.Elapsed;
        stopwatch.Restart();
        var edges = new List<long[]>(RelationshipBatch);
        for (var p = 0; p < People; p++)
        {
            foreach (var q in Follows[p])
            {
                edges.Add([ids[p], ids[q]]);
                if (edges.Count == RelationshipBatch)
                {
                    CreateFollows(graph, edges);
                    edges.Clear();
                }
            }
        }

        if (edges.Count > 0)
        {
            CreateFollows(graph, edges);
        }

        return (db, graph, nodes, stopwatch.Elapsed);
    }

    private static void CreateFollows(CypherGraph graph, List<long[]> edges)
    {
        var result = graph.Cypher("UNWIND $edges AS e MATCH (a) WHERE id(a) = e[0] MATCH (b) WHERE id(b) = e[1] CREATE (a)-[:FOLLOWS]->(b)", new { edges });
        if (result.Statistics.RelationshipsCreated != edges.Count)
        {
            throw new InvalidOperationException($"Created {result.Statistics.RelationshipsCreated} of {edges.Count} relationships.");
        }
    }

    /// <summary>SQLite in memory: person(pid PRIMARY KEY, name, age), follows(src, dst) with indexes (src, dst) and (dst, src).</summary>
    public SqliteConnection LoadSqlite()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Exec(connection, "CREATE TABLE person (pid INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL)");
        Exec(connection, "CREATE TABLE follows (src INTEGER NOT NULL, dst INTEGER NOT NULL)");
        using (var transaction = connection.BeginTransaction())
        {
            using var person = connection.CreateCommand();
            person.Transaction = transaction;
            person.CommandText = "INSERT INTO person (pid, name, age) VALUES ($pid, $name, $age)";
            var pid = person.Parameters.Add(new SqliteParameter("$pid", 0));
            var name = person.Parameters.Add(new SqliteParameter("$name", ""));
            var age = person.Parameters.Add(new SqliteParameter("$age", 0));
            person.Prepare();
            using var follow = connection.CreateCommand();
            follow.Transaction = transaction;
            follow.CommandText = "INSERT INTO follows (src, dst) VALUES ($src, $dst)";
            var src = follow.Parameters.Add(new SqliteParameter("$src", 0));
            var dst = follow.Parameters.Add(new SqliteParameter("$dst", 0));
            follow.Prepare();
            for (var p = 0; p < People; p++)
            {
                pid.Value = p;
                name.Value = "p" + p.ToString(CultureInfo.InvariantCulture);
                age.Value = Age[p];
                person.ExecuteNonQuery();
                foreach (var q in Follows[p])
                {
                    src.Value = p;
                    dst.Value = q;
                    follow.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }

        Exec(connection, "CREATE INDEX follows_src ON follows (src, dst)");
        Exec(connection, "CREATE INDEX follows_dst ON follows (dst, src)");
        Exec(connection, "ANALYZE");
        return connection;
    }

    public static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
