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

    public static async Task<long> ExecAsync(this KvDatabase db, string sql, object? parameters = null) =>
        await db.Sql(sql, parameters).ExecuteNonQueryAsync();
}
