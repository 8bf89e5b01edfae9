using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Tests.Execution;
using Microsoft.Data.Sqlite;

namespace KvDb.Sql.Tests.Differential;

/// <summary>
/// Random data and queries run in KvDb.Sql and in SQLite; the results must agree. The generated subset is where the
/// two define the same answer: integer numbers (KvDb's numbers are exact decimals and AVG/division would differ in
/// the last digits from SQLite's doubles), lower-case strings (SQLite's LIKE ignores ASCII case, KvDb's does not), no
/// comparisons across types (SQLite orders numbers before strings, KvDb reports a type mismatch), and ORDER BY keys
/// that make the order total. Scalar subqueries return at most one row (SQLite would take the first of several, KvDb
/// reports an error).
/// </summary>
public sealed class SqliteDifferentialTests
{
    private sealed record Case(List<(int Id, int? A, string? B)> T1, List<(int Id, int? T1Id, int? C)> T2, string Query);

    private static readonly Gen<int?> s_smallInt = Gen.Frequency((1, Gen.Constant<int?>(null)), (5, Gen.Choose(-3, 5).Select(i => (int?)i)));
    private static readonly Gen<string?> s_word = Gen.Frequency((1, Gen.Constant<string?>(null)), (5, Gen.Elements<string?>("ant", "bee", "cat", "", "b")));

    private static Gen<string> Predicate(int depth)
    {
        var leaf = Gen.OneOf(
            from op in Gen.Elements("=", "<>", "<", "<=", ">", ">=") from v in Gen.Choose(-3, 5) select $"t1.a {op} {v}",
            from op in Gen.Elements("=", "<>", "<", ">=") from v in Gen.Elements("'ant'", "'bee'", "'b'", "''") select $"t1.b {op} {v}",
            Gen.Elements("t1.a IS NULL", "t1.a IS NOT NULL", "t1.b IS NULL", "t1.b IS NOT NULL"),
            from lo in Gen.Choose(-3, 3) from n in Gen.Elements("", "NOT ") select $"t1.a {n}BETWEEN {lo} AND {lo + 2}",
            from n in Gen.Elements("", "NOT ") select $"t1.a {n}IN (1, 2, NULL)",
            from n in Gen.Elements("", "NOT ") select $"t1.a {n}IN (0, 4)",
            from p in Gen.Elements("'b%'", "'%e%'", "'_at'", "'%'") select $"t1.b LIKE {p}",
            from v in Gen.Choose(0, 3) select $"t1.a + t1.id > {v}");
        if (depth <= 0)
        {
            return leaf;
        }

        var sub = Predicate(depth - 1);
        return Gen.Frequency(
            (3, leaf),
            (1, from l in sub from r in sub select $"({l} AND {r})"),
            (1, from l in sub from r in sub select $"({l} OR {r})"),
            (1, sub.Select(p => $"NOT ({p})")));
    }

    /// <summary>Correlated subqueries: EXISTS, NOT EXISTS, [NOT] IN and scalars reading the outer row, in WHERE, SELECT and HAVING.</summary>
    private static readonly Gen<string> s_correlated = Gen.OneOf(
        from n in Gen.Elements("", "NOT ") from op in Gen.Elements("=", "<>", "<", ">=") from v in Gen.Choose(-3, 5)
        select $"SELECT t1.id FROM t1 WHERE {n}EXISTS (SELECT 1 FROM t2 WHERE t2.t1id = t1.id AND t2.c {op} {v}) ORDER BY t1.id",
        from n in Gen.Elements("", "NOT ") from p in Predicate(1)
        select $"SELECT t1.id FROM t1 WHERE {p} AND {n}EXISTS (SELECT 1 FROM t2 WHERE t2.c = t1.a) ORDER BY t1.id",
        from n in Gen.Elements("", "NOT ") from col in Gen.Elements("t2.t1id = t1.id", "t2.c >= t1.id", "t2.id <> t1.id")
        select $"SELECT t1.id FROM t1 WHERE t1.a {n}IN (SELECT t2.c FROM t2 WHERE {col}) ORDER BY t1.id",
        from agg in Gen.Elements("COUNT(*)", "COUNT(t2.c)", "SUM(t2.c)", "MIN(t2.c)", "MAX(t2.c)")
        from cmp in Gen.Elements("t2.t1id = t1.id", "t2.c <= t1.a", "t2.c = t1.a OR t2.t1id = t1.id")
        select $"SELECT t1.id, (SELECT {agg} FROM t2 WHERE {cmp}) FROM t1 ORDER BY t1.id",
        from agg in Gen.Elements("MIN(t2.c)", "MAX(t2.c)", "COUNT(*)")
        select $"SELECT t1.id FROM t1 WHERE t1.a = (SELECT {agg} FROM t2 WHERE t2.t1id = t1.id) ORDER BY t1.id",
        Gen.Constant("SELECT t1.a, COUNT(*) FROM t1 GROUP BY t1.a HAVING EXISTS (SELECT 1 FROM t2 WHERE t2.c = t1.a) ORDER BY t1.a"),
        Gen.Constant("SELECT t1.a, (SELECT COUNT(*) FROM t2 WHERE t2.c = t1.a) FROM t1 GROUP BY t1.a ORDER BY t1.a"),
        Gen.Constant("SELECT t1.id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.t1id = t1.id AND EXISTS (SELECT 1 FROM t1 x WHERE x.a = t2.c AND x.id <> t1.id)) ORDER BY t1.id"),
        Gen.Constant("SELECT t1.id, CASE WHEN EXISTS (SELECT 1 FROM t2 WHERE t2.t1id = t1.id) THEN 'y' ELSE 'n' END FROM t1 ORDER BY t1.id"),
        Gen.Constant("SELECT t2.id, (SELECT t1.b FROM t1 WHERE t1.id = t2.t1id) FROM t2 ORDER BY t2.id"));

    private static readonly Gen<string> s_query = Gen.OneOf(
        Predicate(2).Select(p => $"SELECT t1.id, t1.a, t1.b FROM t1 WHERE {p} ORDER BY t1.id"),
        Predicate(1).Select(p => $"SELECT t1.b, COUNT(*), COUNT(t1.a), SUM(t1.a), MIN(t1.a), MAX(t1.a) FROM t1 WHERE {p} GROUP BY t1.b ORDER BY t1.b"),
        Predicate(1).Select(p => $"SELECT t1.id, t2.id, t2.c FROM t1 INNER JOIN t2 ON t1.id = t2.t1id WHERE {p} ORDER BY t1.id, t2.id"),
        Predicate(1).Select(p => $"SELECT t1.id, t2.id FROM t1 LEFT JOIN t2 ON t2.t1id = t1.id AND t2.c > 0 WHERE {p} ORDER BY t1.id, t2.id"),
        Gen.Constant("SELECT t1.id, t2.id FROM t1 INNER JOIN t2 ON t1.a = t2.c ORDER BY t1.id, t2.id"),
        Gen.Constant("SELECT DISTINCT t1.a FROM t1 ORDER BY t1.a DESC"),
        Predicate(1).Select(p => $"SELECT x.id, t2.id, t1.id FROM t1 x INNER JOIN t2 ON t2.t1id = x.id INNER JOIN t1 ON t1.a = t2.c WHERE {p} ORDER BY 1, 2, 3"),
        Gen.Constant("SELECT t1.id, t2.id, y.id FROM t1 JOIN t2 ON t2.t1id = t1.id JOIN t2 y ON y.c = t1.a AND y.id <> t2.id ORDER BY 1, 2, 3"),
        Gen.Constant("SELECT t1.a, COUNT(DISTINCT t1.b) FROM t1 GROUP BY t1.a HAVING COUNT(*) > 1 ORDER BY t1.a"),
        Gen.Elements("", "NOT ").Select(n => $"SELECT t1.id FROM t1 WHERE t1.a {n}IN (SELECT t2.c FROM t2) ORDER BY t1.id"),
        Gen.Constant("SELECT t1.id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.c > 3) ORDER BY t1.id"),
        from l in Gen.Choose(0, 4) from o in Gen.Choose(0, 3) select $"SELECT t1.id, t1.a FROM t1 ORDER BY t1.a DESC, t1.id LIMIT {l} OFFSET {o}",
        Gen.Constant("SELECT t1.b FROM t1 UNION SELECT CAST(t2.c AS TEXT) FROM t2 WHERE t2.c IS NULL ORDER BY 1"),
        Gen.Constant("SELECT t1.a FROM t1 WHERE t1.a IS NOT NULL UNION ALL SELECT t2.c FROM t2 WHERE t2.c IS NOT NULL ORDER BY 1"),
        Gen.Constant("SELECT COUNT(*), SUM(t2.c), MAX(t2.c) FROM t2 WHERE t2.t1id = 99"),
        Gen.Constant("SELECT t1.id, CASE WHEN t1.a > 2 THEN 'big' WHEN t1.a IS NULL THEN 'none' ELSE 'small' END, COALESCE(t1.b, 'x') FROM t1 ORDER BY t1.id"));

    private static Gen<Case> Cases(Gen<string> queries) =>
        from n1 in Gen.Choose(0, 8)
        from t1 in Gen.ArrayOf(Gen.Zip(s_smallInt, s_word), n1)
        from n2 in Gen.Choose(0, 8)
        from t2 in Gen.ArrayOf(Gen.Zip(Gen.Frequency((1, Gen.Constant<int?>(null)), (4, Gen.Choose(1, n1 + 1).Select(i => (int?)i))), s_smallInt), n2)
        from query in queries
        select new Case(
            [.. t1.Select((r, i) => (i + 1, r.Item1, r.Item2))],
            [.. t2.Select((r, i) => (i + 1, r.Item1, r.Item2))],
            query);

    [Fact]
    public void RandomQueries_AgreeWithSqlite() => AgreeWithSqlite(s_query, 300);

    [Fact]
    public void CorrelatedSubqueries_AgreeWithSqlite() => AgreeWithSqlite(s_correlated, 200);

    private static void AgreeWithSqlite(Gen<string> queries, int tests) =>
        Prop.ForAll(Cases(queries).ToArbitrary(), c =>
        {
            var expected = RunSqlite(c);
            var actual = SqlTestHelpers.RunSync(() => RunKvDbAsync(c));
            if (!expected.SequenceEqual(actual))
            {
                throw new InvalidOperationException(
                    $"Results differ for {c.Query}\nt1: {string.Join(", ", c.T1)}\nt2: {string.Join(", ", c.T2)}\nSQLite: {string.Join(" ; ", expected)}\nKvDb:   {string.Join(" ; ", actual)}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(tests).WithQuietOnSuccess(true));

    private static string Lit(int? v) => v is null ? "NULL" : v.Value.ToString(CultureInfo.InvariantCulture);

    private static string Lit(string? v) => v is null ? "NULL" : "'" + v + "'";

    private static IEnumerable<string> Setup(Case c, string numberType, string textType)
    {
        yield return $"CREATE TABLE t1 (id {numberType}, a {numberType}, b {textType}, PRIMARY KEY (id))";
        yield return $"CREATE TABLE t2 (id {numberType}, t1id {numberType}, c {numberType}, PRIMARY KEY (id))";
        foreach (var (id, a, b) in c.T1)
        {
            yield return $"INSERT INTO t1 (id, a, b) VALUES ({id}, {Lit(a)}, {Lit(b)})";
        }

        foreach (var (id, t1id, cc) in c.T2)
        {
            yield return $"INSERT INTO t2 (id, t1id, c) VALUES ({id}, {Lit(t1id)}, {Lit(cc)})";
        }
    }

    private static List<string> RunSqlite(Case c)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        foreach (var statement in Setup(c, "INTEGER", "TEXT"))
        {
            using var command = connection.CreateCommand();
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }

        using var query = connection.CreateCommand();
        query.CommandText = c.Query;
        using var reader = query.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(string.Join("|", values));
        }

        return rows;
    }

    private static async Task<List<string>> RunKvDbAsync(Case c)
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync(string.Join(";\n", Setup(c, "NUMBER", "STRING")));
        return await db.RowsAsync(c.Query);
    }
}
