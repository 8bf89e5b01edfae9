using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KvDb.Json;

namespace KvDb.Server.Cli;

/// <summary>
/// <c>kvdb import</c> / <c>kvdb export</c>: a table to and from JSON lines (one JSON object per line, any nesting) or
/// CSV (RFC 4180: a header row, quoted fields with doubled quotes; numbers stay numbers, empty fields are absent
/// attributes). Import writes in atomic batches of 25 items and names the line of any bad record; progress is drawn
/// from the bytes read (import) or the items written (export).
/// </summary>
internal static partial class ImportExportCommand
{
    private const int BatchSize = 25;

    public static async Task<int> ImportAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb import", args, ["table", "format", "pk", "sk", "data"]);
        a.ExpectPositional(1, 1, "kvdb import FILE --table NAME [--format jsonl|csv] [--pk NAME[:S|N]] [--sk NAME[:S|N]] [--data DIR]");
        var path = a.Positional[0];
        var tableName = a.Value("table") ?? throw new CliException("kvdb import: --table is required.");
        var format = Format(a, path);
        if (!File.Exists(path))
        {
            throw new CliException($"kvdb import: the file {Path.GetFullPath(path)} does not exist.");
        }

        await using var db = KvdbCli.OpenDirectory(a.Value("data", "kvdb-data"));
        var schema = await EnsureTableAsync(db, tableName, a.Value("pk"), a.Value("sk"), ct);
        var table = db.Table(tableName);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, true));
        var bar = new ProgressBar(console, "import " + Path.GetFileName(path));
        var batch = new List<Item>(BatchSize);
        long count = 0;
        var lineNumber = 0;
        string[]? header = null;
        while (await ReadRecordAsync(reader, format, () => lineNumber++, ct) is { } record)
        {
            Item? item;
            try
            {
                if (format == "jsonl")
                {
                    item = record.Trim().Length == 0 ? null : Item.FromJson(record);
                }
                else
                {
                    var fields = ParseCsvRecord(record);
                    if (header is null)
                    {
                        header = [.. fields];
                        if (header.Distinct().Count() != header.Length || header.Any(h => h.Length == 0))
                        {
                            throw new CliException($"kvdb import: line {lineNumber}: the CSV header must name every column once.");
                        }

                        continue;
                    }

                    item = CsvItem(header, fields, schema, lineNumber);
                }
            }
            catch (KvDbException e)
            {
                throw new CliException($"kvdb import: line {lineNumber} of {path}: {e.Message}");
            }

            if (item is null)
            {
                continue;
            }

            batch.Add(item);
            if (batch.Count == BatchSize)
            {
                count += await FlushAsync(table, batch, lineNumber, ct);
                bar.Report(stream.Length == 0 ? 1 : (double)stream.Position / stream.Length, $"{count} items");
            }
        }

        count += await FlushAsync(table, batch, lineNumber, ct);
        bar.Complete($"{count} items");
        console.Out.WriteLine($"imported {count} items into {tableName}");
        return 0;
    }

    public static async Task<int> ExportAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var a = CliArgs.Parse("kvdb export", args, ["table", "format", "data"]);
        a.ExpectPositional(1, 1, "kvdb export FILE --table NAME [--format jsonl|csv] [--data DIR]");
        var path = a.Positional[0];
        var tableName = a.Value("table") ?? throw new CliException("kvdb export: --table is required.");
        var format = Format(a, path);
        await using var db = KvdbCli.OpenDirectory(a.Value("data", "kvdb-data"));
        if (!(await db.ListTablesAsync(ct)).Contains(tableName))
        {
            throw new CliException($"kvdb export: there is no table '{tableName}'.");
        }

        var description = await db.DescribeTableAsync(tableName, ct) ?? throw new CliException($"kvdb export: there is no table '{tableName}'.");
        var expected = Math.Max(1, description.ItemCount);
        var bar = new ProgressBar(console, "export " + tableName);
        List<string>? columns = null;
        if (format == "csv")
        {
            // CSV needs every column up front: a first pass collects the attribute names (keys first).
            var names = new List<string> { description.Schema.PartitionKey.Name };
            if (description.Schema.SortKey is { } sk)
            {
                names.Add(sk.Name);
            }

            var seen = names.ToHashSet(StringComparer.Ordinal);
            await foreach (var item in db.Table(tableName).Scan().WithCancellation(ct))
            {
                foreach (var (name, _) in item)
                {
                    if (seen.Add(name))
                    {
                        names.Add(name);
                    }
                }
            }

            columns = names;
        }

        long count = 0;
        await using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)))
        {
            if (columns is not null)
            {
                await writer.WriteLineAsync(string.Join(",", columns.Select(CsvField)));
            }

            await foreach (var item in db.Table(tableName).Scan().WithCancellation(ct))
            {
                await writer.WriteLineAsync(columns is null ? item.ToJson() : string.Join(",", columns.Select(c => CsvField(CsvText(item, c)))));
                count++;
                bar.Report((double)count / expected, $"{count} items");
            }
        }

        bar.Complete($"{count} items");
        console.Out.WriteLine($"exported {count} items from {tableName} to {Path.GetFullPath(path)}");
        return 0;
    }

    private static string Format(CliArgs a, string path)
    {
        var format = a.Value("format") ?? (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "jsonl");
        return format is "jsonl" or "csv" ? format : throw new CliException($"{a.Command}: --format must be jsonl or csv, found '{format}'.");
    }

    private static async Task<TableSchema> EnsureTableAsync(KvDatabase db, string name, string? pk, string? sk, CancellationToken ct)
    {
        if ((await db.ListTablesAsync(ct)).Contains(name))
        {
            return (await db.DescribeTableAsync(name, ct))!.Schema;
        }

        if (pk is null)
        {
            throw new CliException($"kvdb import: there is no table '{name}'; give --pk NAME[:S|N] (and --sk) to create it.");
        }

        await db.CreateTableAsync(name, Key(pk, "--pk"), sk is null ? null : Key(sk, "--sk"), ct);
        return (await db.DescribeTableAsync(name, ct))!.Schema;
    }

    private static KeyAttribute Key(string spec, string option)
    {
        var parts = spec.Split(':');
        var type = parts.Length == 1 ? "S" : parts[1].ToUpperInvariant();
        if (parts.Length > 2 || parts[0].Length == 0 || type is not ("S" or "N"))
        {
            throw new CliException($"kvdb import: {option} must be NAME, NAME:S or NAME:N, found '{spec}'.");
        }

        return new KeyAttribute(parts[0], type == "S" ? ScalarType.String : ScalarType.Number);
    }

    private static async Task<long> FlushAsync(KvTable table, List<Item> batch, int line, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        try
        {
            await table.BatchWriteAsync(batch, cancellationToken: ct);
        }
        catch (KvDbException e)
        {
            throw new CliException($"kvdb import: the batch ending at line {line} was rejected: {e.Message}");
        }

        var n = batch.Count;
        batch.Clear();
        return n;
    }

    /// <summary>Reads one record: a line (JSON lines) or a CSV record, which may span lines inside quotes.</summary>
    private static async Task<string?> ReadRecordAsync(StreamReader reader, string format, Action countLine, CancellationToken ct)
    {
        var line = await reader.ReadLineAsync(ct);
        if (line is null)
        {
            return null;
        }

        countLine();
        if (format == "jsonl")
        {
            return line;
        }

        var record = new StringBuilder(line);
        while (record.ToString().Count(c => c == '"') % 2 == 1)
        {
            var more = await reader.ReadLineAsync(ct) ?? throw new CliException("kvdb import: the CSV file ends inside a quoted field.");
            countLine();
            record.Append('\n').Append(more);
        }

        return record.ToString();
    }

    internal static List<string> ParseCsvRecord(string record)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < record.Length; i++)
        {
            var c = record[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < record.Length && record[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c != '\r')
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static Item CsvItem(string[] header, List<string> fields, TableSchema schema, int line)
    {
        if (fields.Count != header.Length)
        {
            throw new CliException($"kvdb import: line {line} has {fields.Count} fields; the header has {header.Length}.");
        }

        var builder = Item.Create();
        for (var i = 0; i < header.Length; i++)
        {
            var text = fields[i];
            if (text.Length == 0)
            {
                continue;
            }

            var keyType = header[i] == schema.PartitionKey.Name ? schema.PartitionKey.Type
                : schema.SortKey is { } sk && header[i] == sk.Name ? sk.Type : (ScalarType?)null;
            var numeric = keyType == ScalarType.Number || (keyType is null && NumberText().IsMatch(text));
            if (numeric && KvNumber.TryParse(text, out var number, out var error))
            {
                builder.Set(header[i], AttributeValue.FromNumber(number));
            }
            else if (keyType == ScalarType.Number)
            {
                throw new CliException($"kvdb import: line {line}: key column {header[i]} must be a number, found '{text}'.");
            }
            else
            {
                builder.Set(header[i], text);
            }
        }

        return builder.Build();
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]{0,37})(\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberText();

    private static string CsvText(Item item, string column)
    {
        if (!item.TryGetValue(column, out var value))
        {
            return "";
        }

        return value.Kind switch
        {
            AttributeKind.String => value.AsString(),
            AttributeKind.Number => value.AsNumber().ToString(),
            AttributeKind.Null => "",
            _ => JsonText(value),
        };
    }

    private static string JsonText(AttributeValue value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            AttributeValueJson.WriteDocumentValue(w, value);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 || text.StartsWith(' ') || text.EndsWith(' ')
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
}
