using System.Globalization;

namespace KvDb.Cypher.Storage;

/// <summary>
/// Item layout of one graph (one Core table, partition key "pk" S, sort key "sk" S):
/// <list type="bullet">
/// <item>node: pk = "n" + id (16 hex digits), sk = "#"; attributes id (N), labels (L of S), props (M), nk = "n"
/// (the sparse global index "nodes" on nk lists every node).</item>
/// <item>label membership: pk = node pk, sk = "l" + label; attributes lbl (S), nid (N). The global index "labels"
/// (lbl, nid) lists the nodes of a label and counts them for the planner.</item>
/// <item>relationship, stored twice: under its start node with sk = "o" + T + end + rid, and under its end node with
/// sk = "i" + T + start + rid, where T = type length (4 hex digits) + type and ids are 16 hex digits; attributes
/// rid, start, end (N), type (S), props (M). Expanding a node by direction and type is one BeginsWith query on
/// its partition; parallel relationships differ in rid. The length prefix keeps "A" from matching "AB".</item>
/// <item>counters: pk = "#meta", sk = "#"; attributes nextNode, nextRel (N).</item>
/// </list>
/// </summary>
internal static class GraphKeys
{
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";
    public const string NodeSortKey = "#";
    public const string NodesIndex = "nodes";
    public const string LabelsIndex = "labels";
    public const string MetaPartition = "#meta";

    private static readonly AttributeValue s_nodeSortKey = AttributeValue.FromString(NodeSortKey);

    /// <summary>The key of a node's item (one shared value for the constant sort key).</summary>
    public static ItemKey NodeKey(long id) => new(AttributeValue.FromString(NodePk(id)), s_nodeSortKey);

    public static string NodePk(long id) => string.Create(17, (ulong)id, static (chars, value) =>
    {
        // "n" + Hex(id) in one string (read on every node load and expansion).
        chars[0] = 'n';
        value.TryFormat(chars[1..], out _, "x16", CultureInfo.InvariantCulture);
    });

    public static string Hex(long id) => ((ulong)id).ToString("x16", CultureInfo.InvariantCulture);

    public static string TypePart(string type) => type.Length.ToString("x4", CultureInfo.InvariantCulture) + type;

    public static string LabelSk(string label) => "l" + label;

    public static string OutSk(string type, long end, long rid) => "o" + TypePart(type) + Hex(end) + Hex(rid);

    public static string InSk(string type, long start, long rid) => "i" + TypePart(type) + Hex(start) + Hex(rid);

    /// <summary>The sort-key prefix of a node's relationships in one direction ('o' or 'i'), optionally of one type.</summary>
    public static string Prefix(char direction, string? type) => type is null ? direction.ToString() : direction + TypePart(type);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(char, string), KeyCondition> s_prefixConditions = new();

    /// <summary>
    /// <c>BeginsWith(Prefix(direction, type))</c>, cached per relationship type (up to 10,000 types) because every
    /// expansion asks for it.
    /// </summary>
    public static KeyCondition PrefixCondition(char direction, string? type)
    {
        if (type is null)
        {
            return direction == 'o' ? s_allOut : s_allIn;
        }

        if (s_prefixConditions.TryGetValue((direction, type), out var cached))
        {
            return cached;
        }

        var condition = KeyCondition.BeginsWith(AttributeValue.FromString(Prefix(direction, type)));
        if (s_prefixConditions.Count < 10_000)
        {
            s_prefixConditions.TryAdd((direction, type), condition);
        }

        return condition;
    }

    private static readonly KeyCondition s_allOut = KeyCondition.BeginsWith(AttributeValue.FromString("o"));

    private static readonly KeyCondition s_allIn = KeyCondition.BeginsWith(AttributeValue.FromString("i"));

    public static string TableName(string graph) => "cypher.graph." + graph;

    /// <summary>The same, from a relationship's encoded sort key (UTF-8; the hex digits are ASCII).</summary>
    public static long ParseHex(ReadOnlySpan<byte> digits)
    {
        ulong value = 0;
        foreach (var c in digits)
        {
            var d = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : throw new FormatException($"Bad hex digit 0x{c:X2} in a graph key.");
            value = (value << 4) | (uint)d;
        }

        return (long)value;
    }

    /// <summary>
    /// The other node, the relationship id and (when <paramref name="withType"/>) the type of a stored relationship
    /// item, from its sort key: read from the encoded key when the item came from a table record (no string decoded:
    /// the ids are the key's last 32 ASCII bytes, whatever the type's UTF-8 length), else from the decoded key.
    /// </summary>
    public static (long Other, long Rid, string? Type) ParseRelationshipKey(Item item, bool withType)
    {
        var bytes = item.StoredSortKey;
        if (bytes.Length >= 37)
        {
            return (ParseHex(bytes[^32..^16]), ParseHex(bytes[^16..]), withType ? System.Text.Encoding.UTF8.GetString(bytes[5..^32]) : null);
        }

        var sk = item[SortKey].AsString();
        var typeLength = (int)ParseHex(sk.AsSpan(1, 4));
        return (ParseHex(sk.AsSpan(5 + typeLength, 16)), ParseHex(sk.AsSpan(21 + typeLength, 16)), withType ? sk.Substring(5, typeLength) : null);
    }

    /// <summary>Parses lower-case hex digits as written by <see cref="Hex"/> (and the type length).</summary>
    public static long ParseHex(ReadOnlySpan<char> digits)
    {
        ulong value = 0;
        foreach (var c in digits)
        {
            var d = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : throw new FormatException($"Bad hex digit '{c}' in a graph key.");
            value = (value << 4) | (uint)d;
        }

        return (long)value;
    }
}
