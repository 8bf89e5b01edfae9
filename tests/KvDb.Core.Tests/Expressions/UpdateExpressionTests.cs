using KvDb.Expressions;
using KvDb.Json;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class UpdateExpressionTests
{
    private static readonly Dictionary<string, AttributeValue> s_values = new()
    {
        [":v"] = "new",
        [":w"] = "other",
        [":one"] = 1,
        [":two"] = 2,
        [":seven"] = 7,
        [":s"] = "text",
        [":list"] = AttributeValue.FromList("x", "y"),
        [":empty"] = AttributeValue.FromList(),
        [":ssab"] = AttributeValue.FromStringSet(["a", "b"]),
        [":ssbc"] = AttributeValue.FromStringSet(["b", "c"]),
        [":ssz"] = AttributeValue.FromStringSet(["z"]),
        [":ns1000"] = AttributeValue.FromNumberSet([KvNumber.Parse("1E3"), 7]),
        [":bs"] = AttributeValue.FromBinarySet([[9]]),
        [":big"] = AttributeValue.FromNumber("9.9999999999999999999999999999999999999E+125"),
        [":a"] = "a1",
        [":b"] = "a2",
        [":c"] = "a3",
        [":d"] = "a4",
    };

    private static readonly Dictionary<string, string> s_names = new() { ["#name"] = "x", ["#a1"] = "a", ["#a2"] = "a" };

    private static UpdateExpression Parse(string expression) =>
        UpdateExpression.Parse(expression, new ExpressionAttributes(s_names, s_values));

    private static string Apply(string expression, string itemJson) =>
        AttributeValueJson.ToDocumentJson(Parse(expression).Apply(Doc(itemJson)).Attributes);

    [Theory]
    // SET: replace in place, append new attributes at the end, copy, arithmetic, functions.
    [InlineData("SET a = :v", "{}", """{"a":"new"}""")]
    [InlineData("SET a = :v", """{"a":1,"b":2}""", """{"a":"new","b":2}""")]
    [InlineData("SET c = :v", """{"a":1,"b":2}""", """{"a":1,"b":2,"c":"new"}""")]
    [InlineData("SET b = a", """{"a":"hello"}""", """{"a":"hello","b":"hello"}""")]
    [InlineData("SET a = b, b = a", """{"a":1,"b":2}""", """{"a":2,"b":1}""")]
    [InlineData("SET a = a", """{"a":1}""", """{"a":1}""")]
    [InlineData("set a = :v", "{}", """{"a":"new"}""")]
    [InlineData("  sEt   a=:v  ", "{}", """{"a":"new"}""")]
    [InlineData("SET a = a + :one", """{"a":2}""", """{"a":3}""")]
    [InlineData("SET a = :one + a", """{"a":2}""", """{"a":3}""")]
    [InlineData("SET a = a - :one", """{"a":2}""", """{"a":1}""")]
    [InlineData("SET b = :seven - a", """{"a":2}""", """{"a":2,"b":5}""")]
    [InlineData("SET b = a + a", """{"a":2.5}""", """{"a":2.5,"b":5}""")]
    [InlineData("SET a = :one + :two", "{}", """{"a":3}""")]
    [InlineData("SET a = if_not_exists(a, :one)", "{}", """{"a":1}""")]
    [InlineData("SET a = if_not_exists(a, :one)", """{"a":5}""", """{"a":5}""")]
    [InlineData("SET b = if_not_exists(c, :one)", """{"c":9}""", """{"c":9,"b":9}""")]
    [InlineData("SET a = if_not_exists(b, if_not_exists(c, :one))", "{}", """{"a":1}""")]
    [InlineData("SET a = if_not_exists(a, :one) + :two", "{}", """{"a":3}""")]
    [InlineData("SET a = if_not_exists(a, :one)+:two", """{"a":10}""", """{"a":12}""")]
    [InlineData("SET l = list_append(l, :list)", """{"l":[1]}""", """{"l":[1,"x","y"]}""")]
    [InlineData("SET l = list_append(:list, l)", """{"l":[1]}""", """{"l":["x","y",1]}""")]
    [InlineData("SET c = list_append(l, l)", """{"l":[1,2]}""", """{"l":[1,2],"c":[1,2,1,2]}""")]
    [InlineData("SET l = list_append(if_not_exists(l, :empty), :list)", "{}", """{"l":["x","y"]}""")]
    [InlineData("SET l = list_append(:empty, :empty)", "{}", """{"l":[]}""")]
    // SET on nested paths: the parent must exist; list indexes past the end append in index order.
    [InlineData("SET m.x = :v", """{"m":{"x":1,"y":2}}""", """{"m":{"x":"new","y":2}}""")]
    [InlineData("SET m.z = :v", """{"m":{"x":1}}""", """{"m":{"x":1,"z":"new"}}""")]
    [InlineData("SET m.c = :one", """{"m":{"b":3,"c":{"one":1}}}""", """{"m":{"b":3,"c":1}}""")]
    [InlineData("SET l[1] = :v", """{"l":["one","two","three"]}""", """{"l":["one","new","three"]}""")]
    [InlineData("SET l[7] = :v", """{"l":["one"]}""", """{"l":["one","new"]}""")]
    [InlineData("SET l[84] = :a, l[37] = :b, l[17] = :c, l[50] = :d", """{"l":[0]}""", """{"l":[0,"a3","a2","a4","a1"]}""")]
    [InlineData("SET a.c[1].#name.y[1] = :seven", """{"a":{"b":3,"c":["hi",{"x":{"y":[3,5,7]}}]}}""", """{"a":{"b":3,"c":["hi",{"x":{"y":[3,7,7]}}]}}""")]
    [InlineData("SET z = a.c[1].x.y[2]", """{"a":{"c":["hi",{"x":{"y":[3,5,7]}}]}}""", """{"a":{"c":["hi",{"x":{"y":[3,5,7]}}]},"z":7}""")]
    [InlineData("SET m.a = :one, m.b = :two, n = :v", """{"m":{}}""", """{"m":{"a":1,"b":2},"n":"new"}""")]
    // REMOVE: missing attributes and indexes past the end are no-ops; indexes refer to the original list.
    [InlineData("REMOVE a", """{"a":1,"b":2}""", """{"b":2}""")]
    [InlineData("REMOVE c", """{"a":1}""", """{"a":1}""")]
    [InlineData("REMOVE a, b", """{"a":1,"b":2,"c":3}""", """{"c":3}""")]
    [InlineData("REMOVE m.x", """{"m":{"x":1,"y":2}}""", """{"m":{"y":2}}""")]
    [InlineData("REMOVE m.x", """{"m":{"x":1}}""", """{"m":{}}""")]
    [InlineData("REMOVE m.q", """{"m":{"x":1}}""", """{"m":{"x":1}}""")]
    [InlineData("REMOVE l[0]", """{"l":[1]}""", """{"l":[]}""")]
    [InlineData("REMOVE l[17]", """{"l":[1]}""", """{"l":[1]}""")]
    [InlineData("REMOVE l[1], l[0]", """{"l":[1,2,3]}""", """{"l":[3]}""")]
    [InlineData("REMOVE l[1] SET l[3] = :seven", """{"l":[2,3,4,5,6,7]}""", """{"l":[2,4,7,6,7]}""")]
    [InlineData("SET l[3] = :seven REMOVE l[1]", """{"l":[2,3,4,5,6,7]}""", """{"l":[2,4,7,6,7]}""")]
    [InlineData("REMOVE l[0] SET l[9] = :v", """{"l":[1,2]}""", """{"l":[2,"new"]}""")]
    [InlineData("REMOVE a.c[1].x.y[1], a.c[1].q", """{"a":{"b":3,"c":["hi",{"x":{"y":[3,5,7]},"q":2}]}}""", """{"a":{"b":3,"c":["hi",{"x":{"y":[3,7]}}]}}""")]
    [InlineData("REMOVE a SET b = a", """{"a":"hello"}""", """{"b":"hello"}""")]
    // ADD: numbers (missing is 0) and set union (missing is empty), also on nested paths.
    [InlineData("ADD a :one", """{"a":3}""", """{"a":4}""")]
    [InlineData("ADD a :one", "{}", """{"a":1}""")]
    [InlineData("ADD m.count :two", """{"m":{}}""", """{"m":{"count":2}}""")]
    [InlineData("add a :seven, b :one", """{"a":-7}""", """{"a":0,"b":1}""")]
    // DELETE: a missing attribute is a no-op.
    [InlineData("DELETE s :ssab", """{"a":1}""", """{"a":1}""")]
    // Clauses in any order.
    [InlineData("REMOVE a SET b = :v ADD c :one", """{"a":1}""", """{"b":"new","c":1}""")]
    [InlineData("ADD c :one DELETE s :ssab REMOVE a SET b = :v", """{"a":1}""", """{"b":"new","c":1}""")]
    [InlineData("SET #a1 = :v", "{}", """{"a":"new"}""")]
    public void Apply_FollowsDynamoDbSemantics(string expression, string before, string after)
    {
        Assert.Equal(after, Apply(expression, before));
    }

    [Fact]
    public void Apply_Sets_UnionAndDifference()
    {
        var item = new AttributeMap([
            new("ss", AttributeValue.FromStringSet(["a", "b"])),
            new("ns", AttributeValue.FromNumberSet([1000, 2])),
            new("bs", AttributeValue.FromBinarySet([[1]])),
        ]);

        var added = Parse("ADD ss :ssbc, ns :ns1000, bs :bs, fresh :ssz").Apply(item).Attributes;
        var deleted = Parse("DELETE ss :ssbc, ns :ns1000, bs :bs").Apply(item).Attributes;
        var emptied = Parse("DELETE ss :ssab").Apply(item).Attributes;

        Assert.Equal(AttributeValue.FromStringSet(["a", "b", "c"]), added["ss"]);
        Assert.Equal(AttributeValue.FromNumberSet([1000, 2, 7]), added["ns"]);
        Assert.Equal(AttributeValue.FromBinarySet([[1], [9]]), added["bs"]);
        Assert.Equal(AttributeValue.FromStringSet(["z"]), added["fresh"]);
        Assert.Equal(AttributeValue.FromStringSet(["a"]), deleted["ss"]);
        Assert.Equal(AttributeValue.FromNumberSet([2]), deleted["ns"]);
        Assert.Equal(AttributeValue.FromBinarySet([[1]]), deleted["bs"]);
        Assert.False(emptied.ContainsKey("ss"));
        Assert.Equal(new[] { "ns", "bs" }, emptied.Keys);
    }

    [Fact]
    public void Apply_ReturnsUpdatedPathsAndLeavesTheInputUnchanged()
    {
        var before = Doc("""{"a":1,"b":2,"m":{"x":1}}""");
        var update = Parse("SET m.y = :one REMOVE a, c ADD n :one DELETE s :ssab");

        var outcome = update.Apply(before);

        Assert.Equal(new[] { "m.y", "a", "n" }, outcome.UpdatedPaths.Select(p => p.ToString()));
        Assert.Equal(new[] { "m.y", "a", "c", "n", "s" }, update.TargetPaths.Select(p => p.ToString()));
        Assert.Equal("""{"a":1,"b":2,"m":{"x":1}}""", AttributeValueJson.ToDocumentJson(before));
    }

    [Theory]
    [InlineData("SET c = z", "{}", "The provided expression refers to an attribute that does not exist in the item; path: z")]
    [InlineData("SET x = :one, y = x", "{}", "The provided expression refers to an attribute that does not exist in the item; path: x")]
    [InlineData("SET a = b + :one", "{}", "The provided expression refers to an attribute that does not exist in the item; path: b")]
    [InlineData("SET a = list_append(b, :list)", """{"a":1}""", "The provided expression refers to an attribute that does not exist in the item; path: b")]
    [InlineData("SET a = s + :one", """{"s":"x"}""", "An operand in the update expression has an incorrect data type; operator or function: +, operand: s, operand type: S")]
    [InlineData("SET a = :one - if_not_exists(s, :one)", """{"s":"x"}""", "An operand in the update expression has an incorrect data type; operator or function: -, operand: if_not_exists(s, 1), operand type: S")]
    [InlineData("SET a = list_append(b, :list)", """{"b":{"x":1}}""", "An operand in the update expression has an incorrect data type; operator or function: list_append, operand: b, operand type: M")]
    [InlineData("ADD s :one", """{"s":"x"}""", "An operand in the update expression has an incorrect data type; operator or function: ADD, path: s, attribute type: S, operand type: N")]
    [InlineData("ADD s :ssab", """{"s":[1]}""", "An operand in the update expression has an incorrect data type; operator or function: ADD, path: s, attribute type: L, operand type: SS")]
    [InlineData("ADD s :ns1000", """{"s":1}""", "An operand in the update expression has an incorrect data type; operator or function: ADD, path: s, attribute type: N, operand type: NS")]
    [InlineData("DELETE s :ssab", """{"s":"x"}""", "An operand in the update expression has an incorrect data type; operator or function: DELETE, path: s, attribute type: S, operand type: SS")]
    [InlineData("SET a.c = :one", """{"a":"hello"}""", "The document path provided in the update expression is invalid for update; path: a.c")]
    [InlineData("SET b.c = :one", """{"b":["hi"]}""", "The document path provided in the update expression is invalid for update; path: b.c")]
    [InlineData("SET c.c = :one", "{}", "The document path provided in the update expression is invalid for update; path: c.c")]
    [InlineData("SET a[0] = :one", """{"a":"hello"}""", "The document path provided in the update expression is invalid for update; path: a[0]")]
    [InlineData("SET b[0] = :one", "{}", "The document path provided in the update expression is invalid for update; path: b[0]")]
    [InlineData("SET l[5].x = :one", """{"l":[]}""", "The document path provided in the update expression is invalid for update; path: l[5].x")]
    [InlineData("REMOVE a.c", """{"a":"hello"}""", "The document path provided in the update expression is invalid for update; path: a.c")]
    [InlineData("REMOVE c.c", "{}", "The document path provided in the update expression is invalid for update; path: c.c")]
    [InlineData("REMOVE a[0]", """{"a":{"x":1}}""", "The document path provided in the update expression is invalid for update; path: a[0]")]
    [InlineData("ADD m.n :one", "{}", "The document path provided in the update expression is invalid for update; path: m.n")]
    [InlineData("DELETE m.s :ssab", "{}", "The document path provided in the update expression is invalid for update; path: m.s")]
    public void Apply_InvalidUpdate_ThrowsWithPathAndTypes(string expression, string before, string message)
    {
        var e = Assert.Throws<KvDbException>(() => Parse(expression).Apply(Doc(before)));

        Assert.Equal(KvErrorCode.InvalidUpdate, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("SET a = a + :big", """{"a":"9.9999999999999999999999999999999999999E+125"}""")]
    [InlineData("ADD a :big", """{"a":"9.9999999999999999999999999999999999999E+125"}""")]
    public void Apply_NumberOverflow_ThrowsInvalidNumber(string expression, string before)
    {
        var item = new AttributeMap([new("a", AttributeValue.FromNumber(Doc(before)["a"].AsString()))]);

        var e = Assert.Throws<KvDbException>(() => Parse(expression).Apply(item));

        Assert.Equal(KvErrorCode.InvalidNumber, e.Code);
    }

    [Theory]
    [InlineData("SET a = :v, a.b = :w", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]")]
    [InlineData("SET a.b = :v, a = :w", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]")]
    [InlineData("SET a = :v REMOVE a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("REMOVE a SET a = :v", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("SET a = :v, a = :w", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("SET #a1 = :v, #a2 = :w", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("SET a[1][1] = :v, a[1] = :w", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, [1], [1]], path two: [a, [1]]")]
    [InlineData("SET a.b.c = :v ADD a.b :one", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, c], path two: [a, b]")]
    [InlineData("SET a.b = :v, a[1] = :w", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]")]
    [InlineData("SET a.b.c = :v, a.b[2] = :w", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b, c], path two: [a, b, [2]]")]
    public void Parse_OverlappingPaths_Throws(string expression, string message)
    {
        var e = Assert.Throws<KvDbException>(() => Parse(expression));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("SET a.b = :v, a.c = :w REMOVE a.d")]
    [InlineData("SET a[1] = :v, a[2] = :w")]
    [InlineData("SET a.b = :v, a.c[2] = :w")]
    [InlineData("SET a = b, b = a")]
    public void Parse_IndependentPaths_Parses(string expression)
    {
        Assert.NotNull(Parse(expression));
    }

    [Fact]
    public void Parse_ClauseTwice_IsASyntaxError()
    {
        var e = Assert.Throws<KvParseException>(() => Parse("SET a = :v REMOVE b set c = :w"));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.Equal(
            "The \"SET\" section can only be used once in an update expression (line 1, column 21)\nSET a = :v REMOVE b set c = :w\n                    ^^^",
            e.Message);
    }

    [Theory]
    [InlineData("", "The expression can not be empty")]
    [InlineData("HELLO a = :v", "Expected SET, REMOVE, ADD or DELETE but found 'HELLO'")]
    [InlineData("SET", "Expected an attribute path but found end of input")]
    [InlineData("SET a = :v b = :w", "Expected ',', SET, REMOVE, ADD, DELETE or end of input but found 'b'")]
    [InlineData("SET a = :v,", "Expected an attribute path but found end of input")]
    [InlineData("SET :v = :w", "Expected an attribute path but found ':v'")]
    [InlineData("SET a :v", "Expected '=' but found ':v'")]
    [InlineData("SET a[:one] = :v", "Expected a list index but found ':one'")]
    [InlineData("SET a[#name] = :v", "Expected a list index but found '#name'")]
    [InlineData("SET a = :one + :two + :seven", "Expected ',', SET, REMOVE, ADD, DELETE or end of input but found '+'")]
    [InlineData("SET a = if_not_exists(a, :one + :two)", "Expected ',' or ')' but found '+'")]
    [InlineData("SET a = _f(b)", "Expected an attribute path, a value placeholder or a function but found '_'")]
    [InlineData("SET hi-there = :v", "Expected '=' but found '-'")]
    [InlineData("ADD a b", "Expected a value placeholder (':name') but found 'b'")]
    [InlineData("DELETE a", "Expected a value placeholder (':name') but found end of input")]
    [InlineData("REMOVE :v", "Expected an attribute path but found ':v'")]
    [InlineData("SET a = (b)", "Expected an attribute path, a value placeholder or a function but found '('")]
    public void Parse_SyntaxError_SaysWhatWasExpected(string expression, string message)
    {
        var e = Assert.Throws<KvParseException>(() => Parse(expression));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.StartsWith(message + " (line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SET a = :s + :one", "Incorrect operand type for operator or function; operator or function: +, operand type: S")]
    [InlineData("SET a = :one - :list", "Incorrect operand type for operator or function; operator or function: -, operand type: L")]
    [InlineData("SET a = list_append(:list, :s)", "Incorrect operand type for operator or function; operator or function: list_append, operand type: S")]
    [InlineData("SET a = list_append(:list)", "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1")]
    [InlineData("SET a = list_append(:list, :list, :list)", "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3")]
    [InlineData("SET a = list_append(list_append(:list, :list), :list)", "The function is not allowed to be used this way in an expression; function: list_append")]
    [InlineData("SET a = if_not_exists(:one, :two)", "Operator or function requires a document path; operator or function: if_not_exists")]
    [InlineData("SET a = if_not_exists(if_not_exists(a, :one), :two)", "Operator or function requires a document path; operator or function: if_not_exists")]
    [InlineData("SET a = LIST_APPEND(:list, :list)", "Invalid function name; function: LIST_APPEND")]
    [InlineData("SET a = f(b, c, d)", "Invalid function name; function: f")]
    [InlineData("SET a = size(b)", "The function is not allowed to be used this way in an expression; function: size")]
    [InlineData("ADD a :s", "Incorrect operand type for operator or function; operator or function: ADD, operand type: S")]
    [InlineData("ADD a :list", "Incorrect operand type for operator or function; operator or function: ADD, operand type: L")]
    [InlineData("DELETE a :one", "Incorrect operand type for operator or function; operator or function: DELETE, operand type: N")]
    [InlineData("SET a = :undefined", "An expression attribute value used in expression is not defined; attribute value: :undefined")]
    [InlineData("SET #undefined = :v", "An expression attribute name used in the document path is not defined; attribute name: #undefined")]
    public void Parse_InvalidOperand_ThrowsWithPosition(string expression, string message)
    {
        var e = Assert.Throws<KvParseException>(() => Parse(expression));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.StartsWith(message + " (line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnusedValue_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => UpdateExpression.Parse("SET a = :v", values: Vals((":v", 1), (":x", 2))));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}", e.Message);
    }

    [Fact]
    public void Parse_NamesUsedOnTheRightCountAsUsed()
    {
        var names = new Dictionary<string, string> { ["#one"] = "c", ["#two"] = "a" };

        var update = UpdateExpression.Parse("SET #one = #two", names);

        Assert.Equal("""{"a":"hello","c":"hello"}""", AttributeValueJson.ToDocumentJson(update.Apply(Doc("""{"a":"hello"}""")).Attributes));
    }

    [Theory]
    [InlineData("SET a = :one, b = if_not_exists(b, :one) + :two REMOVE c, l[0] ADD d :one DELETE s :ssz",
        "SET a = 1, b = if_not_exists(b, 1) + 2 REMOVE c, l[0] ADD d 1 DELETE s {\"SS\":[\"z\"]}")]
    [InlineData("DELETE s :ssz ADD d :one REMOVE c SET a = list_append(:list, a)",
        "SET a = list_append({\"L\":[{\"S\":\"x\"},{\"S\":\"y\"}]}, a) REMOVE c ADD d 1 DELETE s {\"SS\":[\"z\"]}")]
    public void ToString_GroupsActionsByClause(string expression, string expected)
    {
        var update = Parse(expression);
        var text = update.ToExpressionText();

        Assert.Equal(expected, update.ToString());
        Assert.Equal(expected, UpdateExpression.Parse(text.Expression, text.Names, text.Values).ToString());
    }

    [Fact]
    public void Builder_ChainsImmutableExpressions()
    {
        var first = Update.Set("a", 1);
        var second = first.Remove("b").Add("c", 5).Delete("s", AttributeValue.FromStringSet(["x"]));

        Assert.Equal("SET a = 1", first.ToString());
        Assert.Equal("SET a = 1 REMOVE b ADD c 5 DELETE s {\"SS\":[\"x\"]}", second.ToString());
        Assert.Equal(new[] { "a", "b", "c", "s" }, second.TargetPaths.Select(p => p.ToString()));
        var after = second.Apply(Doc("""{"b":1,"c":1}""")).Attributes;
        Assert.Equal("""{"c":6,"a":1}""", AttributeValueJson.ToDocumentJson(after));
    }

    [Fact]
    public void Builder_IncrementAppendPrependAndSetIfNotExists()
    {
        var update = Update.Increment("n", 5).AppendToList("l", 1, 2).PrependToList("p", "a").SetIfNotExists("created", "now");

        var fresh = update.Apply(AttributeMap.Empty).Attributes;
        var existing = update.Apply(Doc("""{"n":3,"l":[0],"p":["b"],"created":"then"}""")).Attributes;

        Assert.Equal(
            "SET n = if_not_exists(n, 0) + 5, l = list_append(if_not_exists(l, {\"L\":[]}), {\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}), "
            + "p = list_append({\"L\":[{\"S\":\"a\"}]}, if_not_exists(p, {\"L\":[]})), created = if_not_exists(created, \"now\")",
            update.ToString());
        Assert.Equal("""{"n":5,"l":[1,2],"p":["a"],"created":"now"}""", AttributeValueJson.ToDocumentJson(fresh));
        Assert.Equal("""{"n":8,"l":[0,1,2],"p":["a","b"],"created":"then"}""", AttributeValueJson.ToDocumentJson(existing));
    }

    [Fact]
    public void Builder_NestedPathsAndPathObjects()
    {
        var update = Update.Set("m.x", 1).Set(AttributePath.Of("m", "odd.name"), 2).Remove(AttributePath.Of("l", 0));

        var after = update.Apply(Doc("""{"m":{},"l":[1,2]}""")).Attributes;

        Assert.Equal("""{"m":{"x":1,"odd.name":2},"l":[2]}""", AttributeValueJson.ToDocumentJson(after));
        var text = update.ToExpressionText();
        Assert.Equal("SET m.x = :v0, m.#n0 = :v1 REMOVE l[0]", text.Expression);
        Assert.Equal("odd.name", text.Names["#n0"]);
    }

    [Fact]
    public void Builder_OverlappingPath_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => Update.Set("a", 1).Remove("a.b"));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]", e.Message);
    }

    [Fact]
    public void Builder_WrongOperandTypes_Throw()
    {
        Assert.Equal(KvErrorCode.InvalidExpression, Assert.Throws<KvDbException>(() => Update.Add("a", "text")).Code);
        Assert.Equal(KvErrorCode.InvalidExpression, Assert.Throws<KvDbException>(() => Update.Delete("a", 1)).Code);
    }

    [Fact]
    public void Empty_AppliesAsNoChange()
    {
        var item = Doc("""{"a":1}""");

        var outcome = UpdateExpression.Empty.Apply(item);

        Assert.True(UpdateExpression.Empty.IsEmpty);
        Assert.Same(item, outcome.Attributes);
        Assert.Empty(outcome.UpdatedPaths);
        Assert.Equal(string.Empty, UpdateExpression.Empty.ToString());
    }
}
