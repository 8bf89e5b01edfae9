using KvDb.Sql.Syntax;

namespace KvDb.Sql.Tests.Syntax;

public sealed class LexerTests
{
    [Fact]
    public void Tokenize_MixedInput_GivesKindsPositionsAndEof()
    {
        const string source = "SELECT a.b, 'x''y' FROM \"T\"\n  WHERE n >= 1.5 AND @p <> ? -- c\n/* d */;";
        var tokens = Lexer.Tokenize(source);
        var kinds = tokens.Select(t => t.Kind).ToArray();
        Assert.Equal(
            [TokenKind.Select, TokenKind.Identifier, TokenKind.Dot, TokenKind.Identifier, TokenKind.Comma, TokenKind.String,
             TokenKind.From, TokenKind.QuotedIdentifier, TokenKind.Where, TokenKind.Identifier, TokenKind.GreaterOrEqual,
             TokenKind.Decimal, TokenKind.And, TokenKind.NamedParameter, TokenKind.NotEqual, TokenKind.QuestionMark,
             TokenKind.Semicolon, TokenKind.Eof],
            kinds);
        var where = tokens[8];
        Assert.Equal((2, 3), (where.Line, where.Column));
        Assert.Equal("x'y", Lexer.Unquote(source, tokens[5]));
        Assert.Equal("T", Lexer.Unquote(source, tokens[7]));
        Assert.Equal((3, 8), (tokens[^2].Line, tokens[^2].Column));
    }

    [Theory]
    [InlineData("select", "Select")]
    [InlineData("SeLeCt", "Select")]
    [InlineData("MATERIALIZED", "Materialized")]
    [InlineData("selects", "Identifier")]
    [InlineData("1", "Integer")]
    [InlineData("1e-3", "Decimal")]
    [InlineData("||", "Concat")]
    [InlineData("!=", "NotEqual")]
    public void Tokenize_SingleToken_HasKind(string text, string kind) => Assert.Equal(Enum.Parse<TokenKind>(kind), Lexer.Tokenize(text)[0].Kind);

    [Fact]
    public void Tokenize_StringSpanningLines_KeepsLaterLineNumbersRight()
    {
        var tokens = Lexer.Tokenize("'a\nb'\n  x");
        Assert.Equal((3, 3), (tokens[1].Line, tokens[1].Column));
    }
}
