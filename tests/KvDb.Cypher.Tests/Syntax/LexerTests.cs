using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Tests.Syntax;

public sealed class LexerTests
{
    [Fact]
    public void Tokenize_ArrowsRangesAndOperators()
    {
        const string text = "(a)<-[:R*1..3]->(b) WHERE a.x <> 1 AND a.y =~ 'z' SET a += $p";
        var kinds = Lexer.Tokenize(text).Select(t => t.Kind).ToArray();
        Assert.Equal(
            [
                TokenKind.LParen, TokenKind.Identifier, TokenKind.RParen, TokenKind.ArrowLeft, TokenKind.LBracket, TokenKind.Colon,
                TokenKind.Identifier, TokenKind.Star, TokenKind.Integer, TokenKind.DotDot, TokenKind.Integer, TokenKind.RBracket,
                TokenKind.ArrowRight, TokenKind.LParen, TokenKind.Identifier, TokenKind.RParen, TokenKind.Keyword, TokenKind.Identifier,
                TokenKind.Dot, TokenKind.Identifier, TokenKind.Neq, TokenKind.Integer, TokenKind.Keyword, TokenKind.Identifier, TokenKind.Dot,
                TokenKind.Identifier, TokenKind.RegexMatch, TokenKind.String, TokenKind.Keyword, TokenKind.Identifier, TokenKind.PlusEq,
                TokenKind.Parameter, TokenKind.Eof,
            ],
            kinds);
    }

    [Fact]
    public void Tokenize_KeywordsIgnoreCase_AndTrackLineAndColumn()
    {
        var tokens = Lexer.Tokenize("match\n  (n) ReTuRn n");
        Assert.Equal(Keyword.Match, tokens[0].Keyword);
        Assert.Equal(Keyword.Return, tokens[4].Keyword);
        Assert.Equal((2, 3), (tokens[1].Line, tokens[1].Column));
        Assert.Equal("ReTuRn", tokens[4].Text("match\n  (n) ReTuRn n"));
    }

    [Fact]
    public void Tokenize_Numbers()
    {
        var text = "1 1.5 .5 1e3 2E-2 0x1F 7..8";
        Assert.Equal(
            [TokenKind.Integer, TokenKind.Float, TokenKind.Float, TokenKind.Float, TokenKind.Float, TokenKind.Integer, TokenKind.Integer, TokenKind.DotDot, TokenKind.Integer, TokenKind.Eof],
            Lexer.Tokenize(text).Select(t => t.Kind).ToArray());
    }

    [Theory]
    [InlineData("RETURN 'abc", "String literal is not closed (line 1, column 8)")]
    [InlineData("RETURN `abc", "Quoted name is not closed (line 1, column 8)")]
    [InlineData("RETURN /* x", "Comment is not closed (line 1, column 8)")]
    [InlineData("RETURN $", "Expected a parameter name after '$' (line 1, column 8)")]
    [InlineData("RETURN 1 ! 2", "Unexpected character '!' (line 1, column 10)")]
    public void Tokenize_BadInput_IsSyntaxError(string text, string message)
    {
        var ex = Assert.Throws<CypherException>(() => Lexer.Tokenize(text));
        Assert.Equal(CypherErrorClass.SyntaxError, ex.ErrorClass);
        Assert.Equal(message, ex.Message.Split('\n')[0]);
    }
}
