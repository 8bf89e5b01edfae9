namespace KvDb.Cypher.Syntax;

/// <summary>One token: a slice of the source text, never a heap object per token.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int Length, int Line, int Column, Keyword Keyword = Keyword.None)
{
    /// <summary>The token's raw text in <paramref name="source"/>.</summary>
    public string Text(string source) => Kind == TokenKind.Eof ? "end of input" : source.Substring(Start, Length);
}
