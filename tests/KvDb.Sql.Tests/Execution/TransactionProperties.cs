using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace KvDb.Sql.Tests.Execution;

/// <summary>
/// Read-your-writes against a dictionary model: random INSERT, UPDATE and DELETE statements inside BEGIN ... COMMIT or
/// ROLLBACK; after every statement the session sees the model's rows and another reader sees the committed rows.
/// </summary>
public sealed class TransactionProperties
{
    private sealed record Op(int Kind, int A, int B);

    private static readonly Gen<Op> s_op =
        from kind in Gen.Choose(0, 3)
        from a in Gen.Choose(0, 9)
        from b in Gen.Choose(-3, 9)
        select new Op(kind, a, b);

    private static readonly Gen<(int[] Initial, Op[] Ops, bool Commit)> s_case =
        from n in Gen.Choose(0, 6)
        from initial in Gen.ArrayOf(Gen.Choose(0, 9), n)
        from m in Gen.Choose(1, 12)
        from ops in Gen.ArrayOf(s_op, m)
        from commit in Gen.Elements(true, false)
        select (initial.Distinct().ToArray(), ops, commit);

    [Fact]
    public void Session_SeesItsOwnWrites_OthersSeeThemOnlyAfterCommit() =>
        Prop.ForAll(s_case.ToArbitrary(), c => SqlTestHelpers.RunSync(() => RunAsync(c.Initial, c.Ops, c.Commit)))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150).WithQuietOnSuccess(true));

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static async Task RunAsync(int[] initial, Op[] ops, bool commit)
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("CREATE TABLE t (id NUMBER, v NUMBER, PRIMARY KEY (id)); CREATE INDEX by_v ON t (v)");
        var committed = initial.ToDictionary(i => i, i => i * 10);
        if (committed.Count > 0)
        {
            await db.ExecAsync("INSERT INTO t (id, v) VALUES " + string.Join(", ", committed.Select(kv => $"({N(kv.Key)}, {N(kv.Value)})")));
        }

        var model = new Dictionary<int, int>(committed);
        var session = db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        foreach (var op in ops)
        {
            string sql;
            switch (op.Kind)
            {
                case 0 when !model.ContainsKey(op.A):
                    sql = $"INSERT INTO t (id, v) VALUES ({N(op.A)}, {N(op.B)})";
                    model[op.A] = op.B;
                    break;
                case 0:
                case 1:
                    sql = $"UPDATE t SET v = v + {N(op.B)} WHERE id >= {N(op.A)}";
                    foreach (var k in model.Keys.Where(k => k >= op.A).ToList())
                    {
                        model[k] += op.B;
                    }

                    break;
                case 2:
                    sql = $"DELETE FROM t WHERE v = {N(op.B)} OR id = {N(op.A)}";
                    foreach (var k in model.Where(kv => kv.Value == op.B || kv.Key == op.A).Select(kv => kv.Key).ToList())
                    {
                        model.Remove(k);
                    }

                    break;
                default:
                    sql = $"DELETE FROM t WHERE id < {N(op.A)} AND v > {N(op.B)}";
                    foreach (var k in model.Where(kv => kv.Key < op.A && kv.Value > op.B).Select(kv => kv.Key).ToList())
                    {
                        model.Remove(k);
                    }

                    break;
            }

            await session.ExecuteAsync(sql);
            Check(await RowsAsync(session, "SELECT id, v FROM t ORDER BY id"), model, "session after " + sql);
            // Keyed reads go through the overlay too: a point read, and an index query on v.
            Check(await RowsAsync(session, $"SELECT id, v FROM t WHERE id = {N(op.A)}"), model.Where(kv => kv.Key == op.A), "point read after " + sql);
            Check(await RowsAsync(session, $"SELECT id, v FROM t WHERE v = {N(op.B)} ORDER BY id"), model.Where(kv => kv.Value == op.B), "index query after " + sql);
            Check(await db.RowsAsync("SELECT id, v FROM t ORDER BY id"), committed, "other reader after " + sql);
        }

        await session.ExecuteAsync(commit ? "COMMIT" : "ROLLBACK");
        Check(await db.RowsAsync("SELECT id, v FROM t ORDER BY id"), commit ? model : committed, commit ? "after COMMIT" : "after ROLLBACK");
    }

    private static async Task<List<string>> RowsAsync(SqlSession session, string sql) =>
        [.. (await (await session.ExecuteAsync(sql)).ToListAsync()).Select(SqlTestHelpers.Render)];

    private static void Check(List<string> actual, IEnumerable<KeyValuePair<int, int>> expected, string when)
    {
        var want = expected.OrderBy(kv => kv.Key).Select(kv => $"{N(kv.Key)}|{N(kv.Value)}").ToList();
        if (!want.SequenceEqual(actual))
        {
            throw new InvalidOperationException($"{when}: expected [{string.Join(", ", want)}] but got [{string.Join(", ", actual)}]");
        }
    }
}
