using System.Buffers;
using System.Text;
using System.Text.Json;

namespace KvDb.Json;

/// <summary>
/// Conversions between attribute values and JSON: plain JSON documents (objects, arrays, exact numbers,
/// strings, booleans, null) and DynamoDB JSON (<c>{"S":"x"}</c>, <c>{"N":"1"}</c>, ...).
/// </summary>
public static class AttributeValueJson
{
    private static readonly JsonReaderOptions s_readerOptions = new()
    {
        // Depth is checked by this reader (32 levels of attributes); leave headroom for the JSON nesting.
        MaxDepth = 256,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    // ------------------------------------------------------------------ plain JSON documents

    /// <summary>Parses a JSON object into an attribute map (throws <see cref="KvDbException"/> with <see cref="KvErrorCode.InvalidDocument"/>).</summary>
    public static AttributeMap ParseDocument(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ParseDocument(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Parses UTF-8 JSON text holding an object into an attribute map.</summary>
    public static AttributeMap ParseDocument(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, s_readerOptions);
        try
        {
            if (!reader.Read())
            {
                throw Invalid("the document is empty", reader);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid($"a document must be a JSON object, found {Describe(reader.TokenType)}", reader);
            }

            var map = ReadObject(ref reader, 1);
            if (reader.Read())
            {
                throw Invalid("unexpected data after the document", reader);
            }

            return map;
        }
        catch (JsonException e)
        {
            throw new KvDbException(KvErrorCode.InvalidDocument,
                $"Invalid JSON document at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
    }

    /// <summary>Parses one JSON value (of any kind) into an attribute value.</summary>
    public static AttributeValue ParseValue(string json)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), s_readerOptions);
        try
        {
            if (!reader.Read())
            {
                throw Invalid("the value is empty", reader);
            }

            var value = ReadValue(ref reader, 1);
            if (reader.Read())
            {
                throw Invalid("unexpected data after the value", reader);
            }

            return value;
        }
        catch (JsonException e)
        {
            throw new KvDbException(KvErrorCode.InvalidDocument,
                $"Invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
    }

    private static AttributeMap ReadObject(ref Utf8JsonReader reader, int depth)
    {
        var names = new List<string>();
        var values = new List<AttributeValue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw Invalid($"the key \"{name}\" appears twice in one object", reader);
            }

            reader.Read();
            names.Add(name);
            values.Add(ReadValue(ref reader, depth));
        }

        return new AttributeMap([.. names], [.. values]);
    }

    private static AttributeValue ReadValue(ref Utf8JsonReader reader, int depth)
    {
        if (depth > Storage.ItemCodec.MaxDepth)
        {
            throw new KvDbException(KvErrorCode.NestingTooDeep,
                $"The document is nested more than {Storage.ItemCodec.MaxDepth} levels deep (at byte {reader.TokenStartIndex}).");
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return AttributeValue.FromMap(ReadObject(ref reader, depth + 1));
            case JsonTokenType.StartArray:
            {
                var list = new List<AttributeValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadValue(ref reader, depth + 1));
                }

                return AttributeValue.OwnedList([.. list]);
            }

            case JsonTokenType.String:
                return AttributeValue.FromString(reader.GetString()!);
            case JsonTokenType.Number:
            {
                var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
                var text = System.Text.Encoding.UTF8.GetString(raw);
                if (!KvNumber.TryParse(text, out var number, out var error))
                {
                    throw new KvDbException(KvErrorCode.InvalidDocument,
                        $"The number {text} at byte {reader.TokenStartIndex} cannot be stored: {error}");
                }

                return AttributeValue.FromNumber(number);
            }

            case JsonTokenType.True:
                return AttributeValue.True;
            case JsonTokenType.False:
                return AttributeValue.False;
            case JsonTokenType.Null:
                return AttributeValue.Null;
            default:
                throw Invalid($"unexpected {Describe(reader.TokenType)}", reader);
        }
    }

    /// <summary>Writes an attribute map as a plain JSON object. B becomes a base64 string, sets become arrays.</summary>
    public static string ToDocumentJson(AttributeMap map)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Indented = false }))
        {
            WriteDocumentMap(writer, map);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes a value as plain JSON.</summary>
    public static void WriteDocumentValue(Utf8JsonWriter writer, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value.Kind)
        {
            case AttributeKind.String:
                writer.WriteStringValue(value.StringUnchecked);
                break;
            case AttributeKind.Number:
                writer.WriteRawValue(value.NumberUnchecked.ToString(), skipInputValidation: true);
                break;
            case AttributeKind.Binary:
                writer.WriteBase64StringValue(value.BinaryArray);
                break;
            case AttributeKind.Bool:
                writer.WriteBooleanValue(value.BoolUnchecked);
                break;
            case AttributeKind.Null:
                writer.WriteNullValue();
                break;
            case AttributeKind.List:
                writer.WriteStartArray();
                foreach (var v in value.ListArray)
                {
                    WriteDocumentValue(writer, v);
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.Map:
                WriteDocumentMap(writer, value.MapUnchecked);
                break;
            case AttributeKind.StringSet:
                writer.WriteStartArray();
                foreach (var s in value.StringSetArray)
                {
                    writer.WriteStringValue(s);
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.NumberSet:
                writer.WriteStartArray();
                foreach (var n in value.NumberSetArray)
                {
                    writer.WriteRawValue(n.ToString(), skipInputValidation: true);
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.BinarySet:
                writer.WriteStartArray();
                foreach (var b in value.BinarySetArray)
                {
                    writer.WriteBase64StringValue(b);
                }

                writer.WriteEndArray();
                break;
        }
    }

    private static void WriteDocumentMap(Utf8JsonWriter writer, AttributeMap map)
    {
        writer.WriteStartObject();
        for (var i = 0; i < map.Count; i++)
        {
            writer.WritePropertyName(map.NameAt(i));
            WriteDocumentValue(writer, map.ValueAt(i));
        }

        writer.WriteEndObject();
    }

    // ------------------------------------------------------------------ DynamoDB JSON

    /// <summary>DynamoDB JSON of a value: <c>{"S":"x"}</c>.</summary>
    public static string ToDynamoJson(AttributeValue value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            WriteDynamoValue(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>DynamoDB JSON of an item: <c>{"a":{"S":"x"}}</c>.</summary>
    public static string ToDynamoJson(AttributeMap map)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            WriteDynamoMap(writer, map);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes an item's attributes as a DynamoDB JSON object.</summary>
    public static void WriteDynamoMap(Utf8JsonWriter writer, AttributeMap map)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        for (var i = 0; i < map.Count; i++)
        {
            writer.WritePropertyName(map.NameAt(i));
            WriteDynamoValue(writer, map.ValueAt(i));
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes one value in DynamoDB JSON.</summary>
    public static void WriteDynamoValue(Utf8JsonWriter writer, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        switch (value.Kind)
        {
            case AttributeKind.String:
                writer.WriteString("S", value.StringUnchecked);
                break;
            case AttributeKind.Number:
                writer.WriteString("N", value.NumberUnchecked.ToString());
                break;
            case AttributeKind.Binary:
                writer.WriteBase64String("B", value.BinaryArray);
                break;
            case AttributeKind.Bool:
                writer.WriteBoolean("BOOL", value.BoolUnchecked);
                break;
            case AttributeKind.Null:
                writer.WriteBoolean("NULL", true);
                break;
            case AttributeKind.List:
                writer.WriteStartArray("L");
                foreach (var v in value.ListArray)
                {
                    WriteDynamoValue(writer, v);
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.Map:
                writer.WritePropertyName("M");
                WriteDynamoMap(writer, value.MapUnchecked);
                break;
            case AttributeKind.StringSet:
                writer.WriteStartArray("SS");
                foreach (var s in value.StringSetArray)
                {
                    writer.WriteStringValue(s);
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.NumberSet:
                writer.WriteStartArray("NS");
                foreach (var n in value.NumberSetArray)
                {
                    writer.WriteStringValue(n.ToString());
                }

                writer.WriteEndArray();
                break;
            case AttributeKind.BinarySet:
                writer.WriteStartArray("BS");
                foreach (var b in value.BinarySetArray)
                {
                    writer.WriteBase64StringValue(b);
                }

                writer.WriteEndArray();
                break;
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a DynamoDB JSON value (<c>{"S":"x"}</c>) from a parsed element; <paramref name="path"/> names it in errors.</summary>
    public static AttributeValue ReadDynamoValue(JsonElement element, string path, int depth = 1)
    {
        if (depth > Storage.ItemCodec.MaxDepth)
        {
            throw new KvDbException(KvErrorCode.NestingTooDeep, $"{path} is nested more than {Storage.ItemCodec.MaxDepth} levels deep.");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: an attribute value must be an object like {{\"S\": \"text\"}}, found {element.ValueKind}.");
        }

        using var properties = element.EnumerateObject();
        JsonProperty? only = null;
        foreach (var p in properties)
        {
            if (only is not null)
            {
                throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: an attribute value must have exactly one type key, found \"{only.Value.Name}\" and \"{p.Name}\".");
            }

            only = p;
        }

        if (only is null)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: an attribute value must have exactly one type key (S, N, B, BOOL, NULL, L, M, SS, NS, BS), found none.");
        }

        var type = only.Value.Name;
        var v = only.Value.Value;
        try
        {
            switch (type)
            {
                case "S":
                    return AttributeValue.FromString(RequireString(v, path, type));
                case "N":
                    return AttributeValue.FromNumber(ParseNumber(RequireString(v, path, type), path));
                case "B":
                    return AttributeValue.OwnedBinary(Convert.FromBase64String(RequireString(v, path, type)));
                case "BOOL":
                    return v.ValueKind switch
                    {
                        JsonValueKind.True => AttributeValue.True,
                        JsonValueKind.False => AttributeValue.False,
                        _ => throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: BOOL must be true or false."),
                    };
                case "NULL":
                    return v.ValueKind == JsonValueKind.True
                        ? AttributeValue.Null
                        : throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: NULL must be true.");
                case "L":
                {
                    RequireKind(v, JsonValueKind.Array, path, type);
                    var list = new List<AttributeValue>();
                    var i = 0;
                    foreach (var e in v.EnumerateArray())
                    {
                        list.Add(ReadDynamoValue(e, $"{path}[{i++}]", depth + 1));
                    }

                    return AttributeValue.OwnedList([.. list]);
                }

                case "M":
                    RequireKind(v, JsonValueKind.Object, path, type);
                    return AttributeValue.FromMap(ReadDynamoMap(v, path, depth + 1));
                case "SS":
                    RequireKind(v, JsonValueKind.Array, path, type);
                    return AttributeValue.FromStringSet(v.EnumerateArray().Select(e => RequireString(e, path, type)).ToList());
                case "NS":
                    RequireKind(v, JsonValueKind.Array, path, type);
                    return AttributeValue.FromNumberSet(v.EnumerateArray().Select(e => ParseNumber(RequireString(e, path, type), path)).ToList());
                case "BS":
                    RequireKind(v, JsonValueKind.Array, path, type);
                    return AttributeValue.FromBinarySet(v.EnumerateArray().Select(e => Convert.FromBase64String(RequireString(e, path, type))).ToList());
                default:
                    throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: unknown attribute type \"{type}\" (expected S, N, B, BOOL, NULL, L, M, SS, NS or BS).");
            }
        }
        catch (FormatException)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: {type} must hold base64 text.");
        }
        catch (KvDbException e) when (e.Code == KvErrorCode.InvalidValue && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new KvDbException(e.Code, $"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a DynamoDB JSON item (<c>{"a":{"S":"x"}}</c>).</summary>
    public static AttributeMap ReadDynamoMap(JsonElement element, string path, int depth = 1)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: expected an object of attributes, found {element.ValueKind}.");
        }

        var names = new List<string>();
        var values = new List<AttributeValue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: the attribute \"{p.Name}\" appears twice.");
            }

            names.Add(p.Name);
            values.Add(ReadDynamoValue(p.Value, $"{path}.{p.Name}", depth));
        }

        return new AttributeMap([.. names], [.. values]);
    }

    private static string RequireString(JsonElement v, string path, string type) =>
        v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: {type} must hold a JSON string, found {v.ValueKind}.");

    private static void RequireKind(JsonElement v, JsonValueKind kind, string path, string type)
    {
        if (v.ValueKind != kind)
        {
            throw new KvDbException(KvErrorCode.InvalidValue, $"{path}: {type} must hold a JSON {kind}, found {v.ValueKind}.");
        }
    }

    private static KvNumber ParseNumber(string text, string path) =>
        KvNumber.TryParse(text, out var n, out var error)
            ? n
            : throw new KvDbException(KvErrorCode.InvalidNumber, $"{path}: {error}");

    private static KvDbException Invalid(string what, Utf8JsonReader reader) =>
        new(KvErrorCode.InvalidDocument, $"Invalid JSON document: {what} (at byte {reader.TokenStartIndex}).");

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };
}
