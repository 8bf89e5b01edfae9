using System.Globalization;
using KvDb.Sql;
using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Sql;

/// <summary>
/// Shared helpers of the SQL benchmarks: both engines in memory (KvDb <see cref="KvDatabase.OpenInMemory"/>,
/// SQLite <c>Data Source=:memory:</c>), loaded with the same deterministic rows.
/// </summary>
public static class SqlData
{
    public const int Seed = 20_241_104;

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs SQL text in KvDb to completion.</summary>
    public static void Exec(KvDatabase db, string sql) => db.Sql(sql).ExecuteNonQueryAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Inserts rows into a KvDb table with multi-row INSERT statements of 1,000 rows each.</summary>
    public static void Load(KvDatabase db, string table, string columns, int count, Func<int, string> values)
    {
        const int Chunk = 1000;
        for (var start = 0; start < count; start += Chunk)
        {
            var n = Math.Min(Chunk, count - start);
            Exec(db, $"INSERT INTO {table} ({columns}) VALUES " + string.Join(", ", Enumerable.Range(start, n).Select(i => "(" + values(i) + ")")));
        }
    }

    public static SqliteConnection OpenSqlite()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection;
    }

    public static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Inserts rows into a SQLite table in one transaction with a prepared INSERT of positional parameters.</summary>
    public static void Load(SqliteConnection connection, string table, string columns, int count, Func<int, object?[]> values)
    {
        var width = columns.Split(',').Length;
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", Enumerable.Range(1, width).Select(i => "$p" + Invariant(i)))})";
        var parameters = Enumerable.Range(1, width).Select(i => insert.Parameters.Add(new SqliteParameter("$p" + Invariant(i), null))).ToArray();
        insert.Prepare();
        for (var i = 0; i < count; i++)
        {
            var row = values(i);
            for (var c = 0; c < width; c++)
            {
                parameters[c].Value = row[c] ?? DBNull.Value;
            }

            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static void Check(long actual, long expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"Setup check ({what}): got {actual}, expected {expected}.");
        }
    }
}
