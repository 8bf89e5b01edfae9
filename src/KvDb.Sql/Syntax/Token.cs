namespace KvDb.Sql.Syntax;

/// <summary>One token: its kind and where it is in the source (the text is sliced from the source on demand).</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Start">0-based offset.</param>
/// <param name="Length">Length in characters.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
internal readonly record struct Token(TokenKind Kind, int Start, int Length, int Line, int Column)
{
    /// <summary>The token's text.</summary>
    /// <param name="source">The source it was lexed from.</param>
    /// <returns>The text.</returns>
    public string Text(string source) => source.Substring(Start, Length);

    /// <summary>The token's span.</summary>
    public SourceSpan Span => new(Start, Length, Line, Column);
}
