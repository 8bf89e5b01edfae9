using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Tests.Parsing;

public sealed class ParserFixtureTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (query, expected) in FixtureFile.Read("parser.cypher"))
        {
            data.Add(query, expected);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_Fixture_PrintsCanonicalOrFails(string query, string expected)
    {
        if (expected.StartsWith("!! ", StringComparison.Ordinal))
        {
            var ex = Assert.Throws<CypherException>(() => CypherParser.Parse(query));
            Assert.Equal(CypherErrorClass.SyntaxError, ex.ErrorClass);
            Assert.Equal(KvErrorCode.ExpressionSyntax, ex.Code);
            Assert.Equal(expected[3..], ex.Message.Split('\n')[0]);
            return;
        }

        var ast = CypherParser.Parse(query);
        Assert.Equal(expected[3..], ast.ToString());
        Assert.Equal(ast, CypherParser.Parse(ast.ToString()));
    }

    [Fact]
    public void Parse_Error_ShowsSourceLineAndCaret()
    {
        var ex = Assert.Throws<CypherException>(() => CypherParser.Parse("MATCH (n RETURN n"));
        Assert.Equal("Expected ')' but found 'RETURN' (line 1, column 10)\nMATCH (n RETURN n\n         ^^^^^^", ex.Message);
        Assert.Equal(1, ex.Line);
        Assert.Equal(10, ex.Column);
        Assert.Equal(9, ex.Offset);
        Assert.Equal(6, ex.Length);
        Assert.Equal(CypherErrorCode.InvalidSyntax, ex.Detail);
    }

    [Fact]
    public void Parse_DeepNesting_IsSyntaxErrorNotStackOverflow()
    {
        var text = "RETURN " + new string('(', 5000) + "1" + new string(')', 5000);
        var ex = Assert.Throws<CypherException>(() => CypherParser.Parse(text));
        Assert.Equal(CypherErrorCode.NestingTooDeep, ex.Detail);
    }

    [Theory]
    [InlineData(" + 1")]
    [InlineData(".p")]
    [InlineData("[0]")]
    [InlineData(" AND true")]
    public void Parse_LongLeftAssociativeChain_IsSyntaxErrorNotStackOverflow(string step)
    {
        var text = "RETURN x" + string.Concat(Enumerable.Repeat(step, 5000));
        var ex = Assert.Throws<CypherException>(() => CypherParser.Parse(text));
        Assert.Equal(CypherErrorCode.NestingTooDeep, ex.Detail);
        var ok = "RETURN x" + string.Concat(Enumerable.Repeat(step, 100));
        Assert.Equal(CypherParser.Parse(ok), CypherParser.Parse(CypherParser.Parse(ok).ToString()));
    }

    [Fact]
    public void Parse_KeywordsAreCaseInsensitive()
    {
        Assert.Equal(
            CypherParser.Parse("MATCH (n) WHERE n.a IS NOT NULL RETURN DISTINCT n ORDER BY n.a DESC LIMIT 1"),
            CypherParser.Parse("match (n) where n.a is not null return distinct n order by n.a desc limit 1"));
    }
}
