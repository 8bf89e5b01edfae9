using KvDb.Expressions;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class AttributePathTests
{
    [Fact]
    public void Parse_NamesAndIndexes_BuildsElements()
    {
        var path = AttributePath.Parse("a.b[2].c");

        Assert.Equal(new[] { PathElement.Key("a"), PathElement.Key("b"), PathElement.At(2), PathElement.Key("c") }, path.Elements);
        Assert.Equal("a", path.TopLevelName);
        Assert.False(path.IsTopLevel);
        Assert.Equal("a.b[2].c", path.ToString());
        Assert.Equal(AttributePath.Of("a", "b", 2, "c"), path);
        Assert.Equal(AttributePath.Of("a", "b", 2, "c").GetHashCode(), path.GetHashCode());
        Assert.True(AttributePath.Parse("a.b") != path);
    }

    [Theory]
    [InlineData("my-attr")]
    [InlineData("0x_1")]
    [InlineData("a[0][1]")]
    [InlineData("Ünïcode.naïve")]
    public void Parse_ValidText_RoundTrips(string text)
    {
        Assert.Equal(text, AttributePath.Parse(text).ToString());
    }

    [Theory]
    [InlineData("", "Expected an attribute name but found end of input (line 1, column 1)\n\n^")]
    [InlineData("a.", "Expected an attribute name but found end of input (line 1, column 3)\na.\n  ^")]
    [InlineData("a..b", "Expected an attribute name but found '.' (line 1, column 3)\na..b\n  ^")]
    [InlineData(".a", "Expected an attribute name but found '.' (line 1, column 1)\n.a\n^")]
    [InlineData("[0]", "Expected an attribute name but found '[' (line 1, column 1)\n[0]\n^")]
    [InlineData("a[x]", "Expected a list index but found 'x' (line 1, column 3)\na[x]\n  ^")]
    [InlineData("a[1", "Expected ']' but found end of input (line 1, column 4)\na[1\n   ^")]
    [InlineData("a b", "Expected '.', '[' or end of input but found ' ' (line 1, column 2)\na b\n ^")]
    [InlineData("#a", "Expected an attribute name but found '#' (line 1, column 1)\n#a\n^")]
    public void Parse_BadText_ThrowsSyntaxError(string text, string message)
    {
        var e = Assert.Throws<KvParseException>(() => AttributePath.Parse(text));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_IndexTooLarge_Throws()
    {
        var e = Assert.Throws<KvParseException>(() => AttributePath.Parse("a[99999999999]"));

        Assert.StartsWith("The list index 99999999999 is too large", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_KeepsNamesLiterally()
    {
        var path = AttributePath.Of("a.b", "c d");

        Assert.Equal(2, path.Elements.Count);
        Assert.Equal("a.b", path.TopLevelName);
        Assert.Throws<ArgumentException>(() => AttributePath.Of("a", 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributePath.Of("a", -1));
        Assert.Throws<ArgumentException>(() => AttributePath.FromElements([PathElement.At(0)]));
    }

    [Fact]
    public void Append_AddsOneElement()
    {
        Assert.Equal(AttributePath.Parse("a.b[3]"), AttributePath.Parse("a.b").Append(PathElement.At(3)));
    }

    [Theory]
    [InlineData("s", "{\"S\":\"hello\"}")]
    [InlineData("m.y.z", "{\"S\":\"deep\"}")]
    [InlineData("l[2][0]", "{\"N\":\"3\"}")]
    [InlineData("l[3]", null)]
    [InlineData("missing", null)]
    [InlineData("s.x", null)]
    [InlineData("m[0]", null)]
    [InlineData("l.x", null)]
    public void Resolve_WalksMapsAndLists(string path, string? expected)
    {
        var parsed = AttributePath.Parse(path);

        Assert.Equal(expected, parsed.Resolve(Sample)?.ToString());
        Assert.Equal(expected, parsed.Resolve(Sample.ToMap())?.ToString());
    }

    [Theory]
    [InlineData("m.y.z")]
    [InlineData("m.x")]
    [InlineData("m.y")]
    [InlineData("m.q")]
    [InlineData("l[0]")]
    [InlineData("l[1]")]
    [InlineData("l[2][0]")]
    [InlineData("l[2][1]")]
    [InlineData("l[9]")]
    [InlineData("s.x")]
    [InlineData("m[0]")]
    [InlineData("l.x")]
    [InlineData("missing.x")]
    [InlineData("ss[0]")]
    [InlineData("pk.x")]
    public async Task Resolve_OnUndecodedItems_ReadsOnlyThePathAndAgreesWithTheDecodedMap(string path)
    {
        var parsed = AttributePath.Parse(path);
        var expected = parsed.Resolve(Sample.ToMap())?.ToString();

        // An item read from its encoding (not decoded yet), and a stored record whose keys live in its header.
        var encoded = new Item(Sample.Data, Sample.Offset);
        Assert.Equal(expected, parsed.Resolve(encoded)?.ToString());
        await using var db = KvDatabase.OpenInMemory();
        var table = await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String));
        await table.PutAsync(Item.FromMap(Sample.ToMap().With("pk", "k")));
        var stored = await table.GetAsync("k");
        Assert.Equal(expected, parsed.Resolve(stored!)?.ToString());
    }

    [Fact]
    public void PathElement_DescribesItself()
    {
        Assert.Equal("[4]", PathElement.At(4).ToString());
        Assert.True(PathElement.At(4).IsIndex);
        Assert.Equal("x", PathElement.Key("x").Name);
        Assert.Equal(-1, PathElement.Key("x").Index);
    }
}
