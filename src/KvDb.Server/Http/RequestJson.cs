using System.Globalization;
using System.Text.Json;
using KvDb.Json;

namespace KvDb.Server.Http;

/// <summary>A parsed <c>/sql</c> or <c>/cypher</c> request body.</summary>
/// <param name="Text">The statement.</param>
/// <param name="Parameters">The parameters (a name→value dictionary, a positional list, or null).</param>
/// <param name="Graph">For Cypher: the graph name (<c>graph</c>, or hash-db's <c>key</c>).</param>
/// <param name="HashDbMode">True when hash-db's <c>key</c> field selected the graph (merge identifies nodes by name).</param>
internal sealed record StatementRequest(string Text, object? Parameters, string? Graph, bool HashDbMode);

/// <summary>
/// Parses request bodies strictly: the body must be a JSON object with the statement field as a string; unknown
/// fields are errors naming the field, so that a typo is not silently ignored.
/// </summary>
internal static class RequestJson
{
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static StatementRequest ParseSql(ReadOnlyMemory<byte> body)
    {
        using var doc = Parse(body);
        var root = doc.RootElement;
        string? text = null;
        object? parameters = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "sql":
                    text = RequireString(property);
                    break;
                case "params":
                    parameters = SqlParameters(property.Value);
                    break;
                default:
                    throw Bad("UnknownField", $"Unknown field \"{property.Name}\" in the /sql request; expected \"sql\" and optionally \"params\".");
            }
        }

        return new StatementRequest(text ?? throw Bad("MissingField", "The /sql request needs a string field \"sql\", e.g. {\"sql\": \"select 1\"}."), parameters, null, false);
    }

    public static StatementRequest ParseCypher(ReadOnlyMemory<byte> body)
    {
        using var doc = Parse(body);
        var root = doc.RootElement;
        string? text = null, graph = null, key = null;
        object? parameters = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "cypher":
                    text = RequireString(property);
                    break;
                case "params":
                    parameters = property.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.Object => CypherValue(property.Value),
                        _ => throw Bad("InvalidField", $"\"params\" must be a JSON object of name → value, found {Describe(property.Value.ValueKind)}."),
                    };
                    break;
                case "graph":
                    graph = RequireString(property);
                    break;
                case "key":
                    key = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Number => property.Value.GetRawText(),
                        _ => throw Bad("InvalidField", $"\"key\" must be a string or a number, found {Describe(property.Value.ValueKind)}."),
                    };
                    break;
                default:
                    throw Bad("UnknownField", $"Unknown field \"{property.Name}\" in the /cypher request; expected \"cypher\" and optionally \"params\", \"graph\" or \"key\".");
            }
        }

        if (graph is not null && key is not null)
        {
            throw Bad("InvalidField", "Give either \"graph\" or hash-db's \"key\", not both.");
        }

        var name = graph ?? key;
        if (name is not null && (name.Length == 0 || name.Length > 200))
        {
            throw Bad("InvalidField", "A graph name must have 1 to 200 characters.");
        }

        return new StatementRequest(text ?? throw Bad("MissingField", "The /cypher request needs a string field \"cypher\", e.g. {\"cypher\": \"MATCH (n) RETURN n\"}."),
            parameters, name, key is not null);
    }

    /// <summary>Parses a body that must be a JSON object (throws <see cref="JsonException"/> or <see cref="ApiException"/>).</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            throw Bad("EmptyBody", "The request body is empty; send a JSON object.");
        }

        var doc = JsonDocument.Parse(body, s_options);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = doc.RootElement.ValueKind;
            doc.Dispose();
            throw Bad("NotAnObject", $"The request body must be a JSON object, found {Describe(kind)}.");
        }

        return doc;
    }

    private static object? SqlParameters(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Object:
                var named = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var p in value.EnumerateObject())
                {
                    named[p.Name] = SqlValue(p.Value, p.Name);
                }

                return named;
            case JsonValueKind.Array:
                var positional = new List<object?>();
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    positional.Add(SqlValue(item, "?" + (++i).ToString(CultureInfo.InvariantCulture)));
                }

                return positional;
            default:
                throw Bad("InvalidField", $"\"params\" must be a JSON object (named @parameters) or an array (positional ? parameters), found {Describe(value.ValueKind)}.");
        }
    }

    private static object? SqlValue(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return AttributeValueJson.ParseValue(value.GetRawText());
        }
        catch (KvDbException e)
        {
            throw Bad("InvalidParameter", $"Parameter '{name}': {e.Message}");
        }
    }

    /// <summary>A JSON value as a Cypher parameter: integers as long, other numbers as double, objects as maps.</summary>
    public static object? CypherValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (raw.AsSpan().IndexOfAny(".eE") < 0 && value.TryGetInt64(out var l))
                {
                    return l;
                }

                return value.GetDouble();
            case JsonValueKind.Array:
                return value.EnumerateArray().Select(CypherValue).ToList();
            default:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var p in value.EnumerateObject())
                {
                    if (p.Name == "~float" && p.Value.ValueKind == JsonValueKind.String && value.EnumerateObject().Count() == 1)
                    {
                        return p.Value.GetString() switch
                        {
                            "NaN" => double.NaN,
                            "Infinity" => double.PositiveInfinity,
                            "-Infinity" => double.NegativeInfinity,
                            var other => throw Bad("InvalidParameter", $"{{\"~float\": \"{other}\"}} is not a float; use \"NaN\", \"Infinity\" or \"-Infinity\"."),
                        };
                    }

                    // The inverse of the result encoding: "~~x" is the user key "~x".
                    map[p.Name.StartsWith("~~", StringComparison.Ordinal) ? p.Name[1..] : p.Name] = CypherValue(p.Value);
                }

                return map;
        }
    }

    private static string RequireString(JsonProperty property) =>
        property.Value.ValueKind == JsonValueKind.String
            ? property.Value.GetString()!
            : throw Bad("InvalidField", $"\"{property.Name}\" must be a string, found {Describe(property.Value.ValueKind)}.");

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static ApiException Bad(string detail, string message) => new(ApiError.BadRequest(detail, message));
}
