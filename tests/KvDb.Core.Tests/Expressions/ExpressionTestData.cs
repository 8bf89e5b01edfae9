using KvDb.Expressions;

namespace KvDb.Core.Tests.Expressions;

/// <summary>Shared items and placeholder values for the expression tests.</summary>
internal static class ExpressionTestData
{
    /// <summary>An item with one attribute of every type, nested documents and tricky strings.</summary>
    public static readonly Item Sample = Item.FromMap(new AttributeMap(
    [
        new("s", "hello"),
        new("s2", "hello"),
        new("n", 5),
        new("n2", 5),
        new("n1000", 1000),
        new("b", new byte[] { 1, 2, 3 }),
        new("t", true),
        new("z", AttributeValue.Null),
        new("l", AttributeValue.FromList(1, "two", AttributeValue.FromList(3))),
        new("m", AttributeValue.FromMap(Item.FromJson("""{"x": 1, "y": {"z": "deep"}}""").ToMap())),
        new("ss", AttributeValue.FromStringSet(["a", "b"])),
        new("ns", AttributeValue.FromNumberSet([1, 2])),
        new("bs", AttributeValue.FromBinarySet([[1], [2]])),
        new("emoji", "\U0001F600"),
        new("pua", "\uE000"),
        new("a.b", "dotted"),
    ]));

    /// <summary>Placeholder values used by the table-driven condition tests.</summary>
    public static readonly Dictionary<string, AttributeValue> Values = new()
    {
        [":one"] = 1,
        [":two"] = 2,
        [":three"] = 3,
        [":four"] = 4,
        [":five"] = 5,
        [":six"] = 6,
        [":seven"] = 7,
        [":n1e3"] = AttributeValue.FromNumber("1E3"),
        [":str5"] = "5",
        [":hello"] = "hello",
        [":hel"] = "hel",
        [":ell"] = "ell",
        [":nope"] = "nope",
        [":a"] = "a",
        [":zz"] = "zz",
        [":twoS"] = "two",
        [":deep"] = "deep",
        [":dotted"] = "dotted",
        [":b1"] = new byte[] { 1 },
        [":b12"] = new byte[] { 1, 2 },
        [":b23"] = new byte[] { 2, 3 },
        [":b123"] = new byte[] { 1, 2, 3 },
        [":bff"] = new byte[] { 0xFF },
        [":true"] = true,
        [":null"] = AttributeValue.Null,
        [":l3"] = AttributeValue.FromList(3),
        [":lcopy"] = AttributeValue.FromList(1, "two", AttributeValue.FromList(3)),
        [":ssba"] = AttributeValue.FromStringSet(["b", "a"]),
        [":S"] = "S",
        [":N"] = "N",
        [":B"] = "B",
        [":BOOL"] = "BOOL",
        [":NULL"] = "NULL",
        [":L"] = "L",
        [":M"] = "M",
        [":SS"] = "SS",
        [":NS"] = "NS",
        [":BS"] = "BS",
    };

    public static readonly Dictionary<string, string> Names = new()
    {
        ["#n"] = "n",
        ["#m"] = "m",
        ["#x"] = "x",
        ["#dot"] = "a.b",
        ["#and"] = "and",
    };

    /// <summary>Parses with the shared placeholders (unused ones are fine here).</summary>
    public static Condition ParseCondition(string expression) =>
        Condition.Parse(expression, new ExpressionAttributes(Names, Values));

    public static AttributeMap Doc(string json) => Item.FromJson(json).ToMap();

    public static Dictionary<string, AttributeValue> Vals(params (string Key, AttributeValue Value)[] entries)
    {
        var result = new Dictionary<string, AttributeValue>();
        foreach (var (key, value) in entries)
        {
            result[key] = value;
        }

        return result;
    }
}
