using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KvDb.Server.Cli;

/// <summary>Prints a result (<c>{"columns", "rows", "affected"?}</c> JSON) as an aligned text table.</summary>
internal static class TablePrinter
{
    public static void Print(TextWriter output, JsonElement result)
    {
        var columns = result.TryGetProperty("columns", out var c) ? c.EnumerateArray().Select(v => v.GetString() ?? "").ToList() : [];
        var rows = result.TryGetProperty("rows", out var r)
            ? r.EnumerateArray().Select(row => row.EnumerateArray().Select(Cell).ToList()).ToList()
            : [];
        if (columns.Count > 0)
        {
            output.Write(Format(columns, rows));
        }

        if (result.TryGetProperty("affected", out var affected))
        {
            output.WriteLine(Plural(affected.GetInt64(), "row") + " affected");
        }
        else if (columns.Count > 0)
        {
            output.WriteLine("(" + Plural(rows.Count, "row") + ")");
        }
        else
        {
            output.WriteLine("OK");
        }

        if (result.TryGetProperty("stats", out var stats))
        {
            var parts = stats.EnumerateObject().Where(p => p.Value.GetInt64() != 0).Select(p => $"{p.Name} {p.Value.GetInt64()}");
            output.WriteLine("(" + string.Join(", ", parts) + ")");
        }
    }

    /// <summary>Formats columns and rows: a header, a rule, and the cells padded to each column's width.</summary>
    public static string Format(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = columns.Select(h => Width(h)).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < Math.Min(row.Count, widths.Length); i++)
            {
                widths[i] = Math.Max(widths[i], Width(row[i]));
            }
        }

        var sb = new StringBuilder();
        Line(sb, columns, widths);
        sb.AppendJoin("-+-", widths.Select(w => new string('-', w))).Append('\n');
        foreach (var row in rows)
        {
            Line(sb, row, widths);
        }

        return sb.ToString();
    }

    private static void Line(StringBuilder sb, IReadOnlyList<string> cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < widths.Length; i++)
        {
            if (i > 0)
            {
                line.Append(" | ");
            }

            var cell = i < cells.Count ? cells[i] : "";
            line.Append(cell).Append(' ', widths[i] - Width(cell));
        }

        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static int Width(string text) => new StringInfo(text).LengthInTextElements;

    /// <summary>A cell's text: strings bare, null as <c>null</c>, everything else as compact JSON.</summary>
    public static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Escape(value.GetString()!),
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    private static string Plural(long n, string word) => n.ToString(CultureInfo.InvariantCulture) + " " + word + (n == 1 ? "" : "s");
}
