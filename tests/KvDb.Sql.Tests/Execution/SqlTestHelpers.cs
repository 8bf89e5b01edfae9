using System.Globalization;

namespace KvDb.Sql.Tests.Execution;

internal static class SqlTestHelpers
{
    /// <summary>Runs SQL and renders every row as "a|b|c" (NULL for null), in result order.</summary>
    public static async Task<List<string>> RowsAsync(this KvDatabase db, string sql, object? parameters = null)
    {
        var rows = await db.Sql(sql, parameters).ToListAsync();
        return rows.Select(Render).ToList();
    }

    public static string Render(SqlRow row) => string.Join("|", row.ToArray().Select(Format));

    public static string Format(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "true" : "false",
        KvNumber n => n.ToString(),
        string s => s,
        AttributeValue v => v.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    /// <summary>
    /// Runs asynchronous test code to completion from synchronous code (an FsCheck property) on a pool thread: blocking
    /// on it directly would capture xUnit's synchronization context, whose few threads can all end up blocked waiting
    /// for continuations queued behind them when several such properties run in parallel.
    /// </summary>
    public static T RunSync<T>(Func<Task<T>> body) => Task.Run(body).GetAwaiter().GetResult();

    /// <inheritdoc cref="RunSync{T}(Func{Task{T}})"/>
    public static void RunSync(Func<Task> body) => Task.Run(body).GetAwaiter().GetResult();

    public static async Task<long> ExecAsync(this KvDatabase db, string sql, object? parameters = null) =>
        await db.Sql(sql, parameters).ExecuteNonQueryAsync();
}
