using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Tests.Parsing;

namespace KvDb.Sql.Tests.Execution;

/// <summary>Any statement, however wrong, ends in a result or a <see cref="SqlException"/>, never another exception.</summary>
public sealed class EngineRobustnessProperties
{
    [Fact]
    public void RandomStatements_FailOnlyWithSqlException()
    {
        var db = KvDatabase.OpenInMemory();
        try
        {
            SqlTestHelpers.RunSync(() => db.ExecAsync("""
                CREATE TABLE a (a NUMBER, b STRING, people NUMBER, PRIMARY KEY (a));
                CREATE TABLE people (age NUMBER, key STRING, "select" STRING, PRIMARY KEY (age));
                INSERT INTO a (a, b, people) VALUES (1, 'x', 1), (2, NULL, 3), (3, 'it''s', NULL);
                INSERT INTO people (age, key, "select") VALUES (1, 'k', 's'), (3, NULL, 't');
                INSERT INTO t1 (a, b) VALUES (1, 'x'), (NULL, 'y')
                """));
            Prop.ForAll(AstGenerators.Statement.ToArbitrary(), statement =>
            {
                try
                {
                    SqlTestHelpers.RunSync(() => db.Sql(statement.ToString(), new { p = 1, name_1 = "x" }).ToListAsync().AsTask());
                }
                catch (SqlException)
                {
                }
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true));
        }
        finally
        {
            db.Dispose();
        }
    }
}
