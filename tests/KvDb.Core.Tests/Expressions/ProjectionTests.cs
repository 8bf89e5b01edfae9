using KvDb.Expressions;
using KvDb.Json;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class ProjectionTests
{
    private static readonly Item s_item = Item.FromJson("""
        {"p":"key","a":{"b":[2,4,{"x":"hi","y":"yo"}],"c":5},"b":"hello","l":[10,11,12,13]}
        """);

    [Theory]
    [InlineData("a", """{"a":{"b":[2,4,{"x":"hi","y":"yo"}],"c":5}}""")]
    [InlineData("a.b", """{"a":{"b":[2,4,{"x":"hi","y":"yo"}]}}""")]
    [InlineData("a.b[0]", """{"a":{"b":[2]}}""")]
    [InlineData("a.b[2]", """{"a":{"b":[{"x":"hi","y":"yo"}]}}""")]
    [InlineData("a.b[2].y", """{"a":{"b":[{"y":"yo"}]}}""")]
    [InlineData("x", "{}")]
    [InlineData("a.b[3]", "{}")]
    [InlineData("a.x", "{}")]
    [InlineData("a.x.y", "{}")]
    [InlineData("a.b[3].x", "{}")]
    [InlineData("a.b.x", "{}")]
    [InlineData("a[0]", "{}")]
    [InlineData("a.b[0].x", "{}")]
    [InlineData("a.b[0][0]", "{}")]
    [InlineData("a.b[0],a.b[1]", """{"a":{"b":[2,4]}}""")]
    [InlineData("a.b[1],a.b[0]", """{"a":{"b":[2,4]}}""")]
    [InlineData("a.b[0],a.c", """{"a":{"b":[2],"c":5}}""")]
    [InlineData("a.c,b", """{"a":{"c":5},"b":"hello"}""")]
    [InlineData("a.x, a.b[0], x, a.b[3].x", """{"a":{"b":[2]}}""")]
    [InlineData("l[3], l[0], l[9]", """{"l":[10,13]}""")]
    [InlineData(" b  ,   p  ", """{"b":"hello","p":"key"}""")]
    [InlineData("#n", """{"b":"hello"}""")]
    [InlineData("#m.c", """{"a":{"c":5}}""")]
    public void Apply_KeepsNestedStructure(string expression, string expected)
    {
        var names = new Dictionary<string, string>();
        if (expression.Contains("#n", StringComparison.Ordinal))
        {
            names["#n"] = "b";
        }

        if (expression.Contains("#m", StringComparison.Ordinal))
        {
            names["#m"] = "a";
        }

        var projected = Projection.Parse(expression, names).Apply(s_item);

        Assert.Equal(expected, projected.ToJson());
    }

    [Fact]
    public void Apply_PlaceholderWithDot_IsOneAttributeName()
    {
        var item = Item.FromJson("""{"a.b":"hi","a":{"b":"yo","c":"jo"}}""");

        Assert.Equal("""{"a":{"b":"yo"}}""", Projection.Parse("a.b").Apply(item).ToJson());
        Assert.Equal("""{"a.b":"hi"}""", Projection.Parse("#name", new Dictionary<string, string> { ["#name"] = "a.b" }).Apply(item).ToJson());
    }

    [Fact]
    public void Apply_ListsAttributesInProjectionOrder()
    {
        var projected = Projection.Of("b", "a.c", "p").Apply(s_item);

        Assert.Equal(new[] { "b", "a", "p" }, projected.Keys);
    }

    [Fact]
    public void Apply_StoredItem_ProjectsFromEncodedForm()
    {
        var projected = Projection.Of("a.b[1]", "l[0]").Apply(Item.FromMap(Sample.ToMap()));

        Assert.Equal("""{"l":[1]}""", projected.ToJson());
    }

    [Theory]
    [InlineData("a, a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("a.b[0],a.b[0]", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [0]], path two: [a, b, [0]]")]
    [InlineData("a,a.b[0]", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b, [0]]")]
    [InlineData("a.b.d.e, a.b", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, d, e], path two: [a, b]")]
    [InlineData("a.b, a[1]", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]")]
    public void Parse_OverlappingPaths_Throws(string expression, string message)
    {
        var e = Assert.Throws<KvDbException>(() => Projection.Parse(expression));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("a, b")]
    [InlineData("a.b, a.c")]
    [InlineData("a.b.d, a.b.e")]
    [InlineData("a[1], a[2]")]
    [InlineData("a.b, a.c[2]")]
    public void Parse_IndependentPaths_Parses(string expression)
    {
        Assert.Equal(expression, Projection.Parse(expression).ToString());
    }

    [Theory]
    [InlineData("", "The expression can not be empty")]
    [InlineData("a,", "Expected an attribute path but found end of input")]
    [InlineData(",a", "Expected an attribute path but found ','")]
    [InlineData("a,,b", "Expected an attribute path but found ','")]
    [InlineData("a b", "Expected ',' or end of input but found 'b'")]
    [InlineData(":v", "Expected an attribute path but found ':v'")]
    [InlineData("size(a)", "Expected ',' or end of input but found '('")]
    public void Parse_SyntaxError_Throws(string expression, string message)
    {
        var e = Assert.Throws<KvParseException>(() => Projection.Parse(expression));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.StartsWith(message + " (line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingOrUnusedNames_Throw()
    {
        var missing = Assert.Throws<KvParseException>(() => Projection.Parse("a.#n2", new Dictionary<string, string> { ["#wrong"] = "b" }));
        var unused = Assert.Throws<KvDbException>(() => Projection.Parse("a.#n2", new Dictionary<string, string> { ["#n2"] = "b", ["#unused"] = "x" }));

        Assert.Equal(KvErrorCode.InvalidExpression, missing.Code);
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}", unused.Message);
    }

    [Fact]
    public void Of_BuildsPathsAndRendersThem()
    {
        var projection = Projection.Of("a", "b.c", "d[1]");

        Assert.Equal("a, b.c, d[1]", projection.ToString());
        Assert.Equal(new[] { "a", "b.c", "d[1]" }, projection.Paths.Select(p => p.ToString()));
        Assert.Throws<KvDbException>(() => Projection.Of("a", "a.b"));
        Assert.Throws<ArgumentException>(() => Projection.Of(Array.Empty<string>()));
    }

    [Fact]
    public void ToExpressionText_UsesPlaceholdersForNamesThatNeedThem()
    {
        var projection = Projection.Of(new[] { AttributePath.Of("first name"), AttributePath.Of("and", "x"), AttributePath.Parse("ok") });

        var text = projection.ToExpressionText();

        Assert.Equal("#n0, #n1.x, ok", text.Expression);
        Assert.Equal(projection.ToString(), Projection.Parse(text.Expression, text.Names).ToString());
    }
}
