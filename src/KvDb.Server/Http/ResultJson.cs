using System.Collections;
using System.Globalization;
using System.Text.Json;
using KvDb.Cypher;
using KvDb.Json;
using KvDb.Sql;

namespace KvDb.Server.Http;

/// <summary>
/// The JSON encodings of SQL and Cypher results. Cypher: a node is <c>{"~id", "~labels", "~props"}</c>, a relationship
/// <c>{"~id", "~type", "~start", "~end", "~props"}</c>, a path <c>{"~path": [node, rel, node, ...]}</c>; integers are
/// written without a decimal point, floats always with one (<c>1.0</c>), NaN and infinities as
/// <c>{"~float": "NaN" | "Infinity" | "-Infinity"}</c>; a map key starting with <c>~</c> gets one more <c>~</c>, so
/// that user maps never look like the reserved shapes.
/// </summary>
internal static class ResultJson
{
    /// <summary>Starts a result: <c>{"columns": [...], "rows": [</c>.</summary>
    private static void WriteHeader(Utf8JsonWriter writer, IReadOnlyList<string> columns)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("columns");
        foreach (var column in columns)
        {
            writer.WriteStringValue(column);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("rows");
    }

    /// <summary>Writes <c>{"columns": [...], "rows": [[...]], "affected": n}</c> (affected only for DML).</summary>
    public static async Task WriteSqlAsync(Utf8JsonWriter writer, SqlResult result, CancellationToken cancellationToken)
    {
        WriteHeader(writer, result.Columns);
        await foreach (var row in result.Rows.WithCancellation(cancellationToken))
        {
            writer.WriteStartArray();
            for (var i = 0; i < row.Count; i++)
            {
                if (row.GetAttribute(i) is { } value)
                {
                    AttributeValueJson.WriteDocumentValue(writer, value);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        if (result.RowsAffected >= 0)
        {
            writer.WriteNumber("affected", result.RowsAffected);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes <c>{"columns": [...], "rows": [[...]]}</c> plus the update statistics when something changed.</summary>
    public static void WriteCypher(Utf8JsonWriter writer, CypherResult result)
    {
        WriteHeader(writer, result.Columns);
        foreach (var row in result.Rows)
        {
            writer.WriteStartArray();
            foreach (var value in row)
            {
                WriteCypherValue(writer, value);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        var s = result.Statistics;
        if (s.ContainsUpdates)
        {
            writer.WriteStartObject("stats");
            writer.WriteNumber("nodesCreated", s.NodesCreated);
            writer.WriteNumber("nodesDeleted", s.NodesDeleted);
            writer.WriteNumber("relationshipsCreated", s.RelationshipsCreated);
            writer.WriteNumber("relationshipsDeleted", s.RelationshipsDeleted);
            writer.WriteNumber("propertiesSet", s.PropertiesSet);
            writer.WriteNumber("labelsAdded", s.LabelsAdded);
            writer.WriteNumber("labelsRemoved", s.LabelsRemoved);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes one Cypher value.</summary>
    public static void WriteCypherValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d:
                WriteFloat(writer, d);
                break;
            case float f:
                WriteFloat(writer, f);
                break;
            case KvNumber n:
                writer.WriteRawValue(n.ToString(), skipInputValidation: true);
                break;
            case CypherNode node:
                WriteNode(writer, node);
                break;
            case CypherRelationship rel:
                WriteRelationship(writer, rel);
                break;
            case CypherPath path:
                writer.WriteStartObject();
                writer.WriteStartArray("~path");
                for (var i = 0; i < path.Nodes.Count; i++)
                {
                    WriteNode(writer, path.Nodes[i]);
                    if (i < path.Relationships.Count)
                    {
                        WriteRelationship(writer, path.Relationships[i]);
                    }
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case IReadOnlyDictionary<string, object?> map:
                WriteMap(writer, map);
                break;
            case AttributeValue attribute:
                AttributeValueJson.WriteDocumentValue(writer, attribute);
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteCypherValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>A finite double as JSON text that always carries a decimal point (<c>1.0</c>, <c>1.5E+20</c> as <c>1.5E+20</c>).</summary>
    public static string FormatFloat(double d)
    {
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOfAny(['E', 'e']);
        var mantissa = e < 0 ? text : text[..e];
        if (mantissa.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        return e < 0 ? text + ".0" : mantissa + ".0" + text[e..];
    }

    /// <summary>The escaped form of a map key: a leading <c>~</c> is doubled.</summary>
    public static string EscapeKey(string key) => key.StartsWith('~') ? "~" + key : key;

    private static void WriteFloat(Utf8JsonWriter writer, double d)
    {
        if (double.IsFinite(d))
        {
            writer.WriteRawValue(FormatFloat(d), skipInputValidation: true);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("~float", double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        writer.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> map)
    {
        writer.WriteStartObject();
        foreach (var (key, v) in map)
        {
            writer.WritePropertyName(EscapeKey(key));
            WriteCypherValue(writer, v);
        }

        writer.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter writer, CypherNode node)
    {
        writer.WriteStartObject();
        writer.WriteNumber("~id", node.Id);
        writer.WriteStartArray("~labels");
        foreach (var label in node.Labels)
        {
            writer.WriteStringValue(label);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("~props");
        WriteMap(writer, node.Properties);
        writer.WriteEndObject();
    }

    private static void WriteRelationship(Utf8JsonWriter writer, CypherRelationship rel)
    {
        writer.WriteStartObject();
        writer.WriteNumber("~id", rel.Id);
        writer.WriteString("~type", rel.Type);
        writer.WriteNumber("~start", rel.StartNodeId);
        writer.WriteNumber("~end", rel.EndNodeId);
        writer.WritePropertyName("~props");
        WriteMap(writer, rel.Properties);
        writer.WriteEndObject();
    }
}
