namespace KvDb.Expressions;

/// <summary>
/// Splits expression text into tokens ending with <see cref="ExpressionTokenKind.Eof"/>. Never throws: characters
/// that start no token become <see cref="ExpressionTokenKind.Invalid"/> tokens, reported by the parser.
/// </summary>
internal static class ExpressionLexer
{
    private static readonly (string Text, ExpressionKeyword Keyword)[] s_keywords =
    [
        ("AND", ExpressionKeyword.And),
        ("OR", ExpressionKeyword.Or),
        ("NOT", ExpressionKeyword.Not),
        ("BETWEEN", ExpressionKeyword.Between),
        ("IN", ExpressionKeyword.In),
        ("SET", ExpressionKeyword.Set),
        ("REMOVE", ExpressionKeyword.Remove),
        ("ADD", ExpressionKeyword.Add),
        ("DELETE", ExpressionKeyword.Delete),
    ];

    public static ExpressionToken[] Tokenize(string text)
    {
        var tokens = new List<ExpressionToken>(Math.Min(text.Length, 64));
        var line = 1;
        var lineStart = 0;
        var i = 0;
        while (true)
        {
            // Whitespace and line tracking.
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
                {
                    line++;
                    lineStart = i + 1;
                }

                i++;
            }

            var column = i - lineStart + 1;
            if (i >= text.Length)
            {
                tokens.Add(new ExpressionToken(ExpressionTokenKind.Eof, text.Length, 0, line, column));
                return [.. tokens];
            }

            var start = i;
            var c = text[i];
            ExpressionTokenKind kind;
            var keyword = ExpressionKeyword.None;
            if (char.IsLetter(c))
            {
                i = ScanWord(text, i + 1);
                kind = ExpressionTokenKind.Identifier;
                keyword = LookupKeyword(text.AsSpan(start, i - start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                kind = ExpressionTokenKind.Integer;
            }
            else if ((c == '#' || c == ':') && i + 1 < text.Length && IsWordChar(text[i + 1]))
            {
                i = ScanWord(text, i + 1);
                kind = c == '#' ? ExpressionTokenKind.NamePlaceholder : ExpressionTokenKind.ValuePlaceholder;
            }
            else
            {
                i++;
                kind = c switch
                {
                    '(' => ExpressionTokenKind.LeftParen,
                    ')' => ExpressionTokenKind.RightParen,
                    '[' => ExpressionTokenKind.LeftBracket,
                    ']' => ExpressionTokenKind.RightBracket,
                    ',' => ExpressionTokenKind.Comma,
                    '.' => ExpressionTokenKind.Dot,
                    '=' => ExpressionTokenKind.Equal,
                    '+' => ExpressionTokenKind.Plus,
                    '-' => ExpressionTokenKind.Minus,
                    '<' => ExpressionTokenKind.Less,
                    '>' => ExpressionTokenKind.Greater,
                    _ => ExpressionTokenKind.Invalid,
                };

                if (kind == ExpressionTokenKind.Less && i < text.Length && text[i] == '=')
                {
                    i++;
                    kind = ExpressionTokenKind.LessOrEqual;
                }
                else if (kind == ExpressionTokenKind.Less && i < text.Length && text[i] == '>')
                {
                    i++;
                    kind = ExpressionTokenKind.NotEqual;
                }
                else if (kind == ExpressionTokenKind.Greater && i < text.Length && text[i] == '=')
                {
                    i++;
                    kind = ExpressionTokenKind.GreaterOrEqual;
                }
                else if (kind == ExpressionTokenKind.Invalid && char.IsHighSurrogate(c) && i < text.Length && char.IsLowSurrogate(text[i]))
                {
                    i++;
                }
            }

            tokens.Add(new ExpressionToken(kind, start, i - start, line, column, keyword));
        }
    }

    /// <summary>True for the characters that may follow the first letter of a name or the sigil of a placeholder.</summary>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    /// <summary>True when <paramref name="name"/> can be written bare in an expression (it lexes as one non-keyword identifier).</summary>
    public static bool IsPlainName(string name)
    {
        if (name.Length == 0 || !char.IsLetter(name[0]) || ScanWord(name, 1) != name.Length)
        {
            return false;
        }

        return LookupKeyword(name) == ExpressionKeyword.None;
    }

    private static int ScanWord(string text, int i)
    {
        while (i < text.Length && IsWordChar(text[i]))
        {
            i++;
        }

        return i;
    }

    private static ExpressionKeyword LookupKeyword(ReadOnlySpan<char> word)
    {
        foreach (var (keywordText, keyword) in s_keywords)
        {
            if (word.Equals(keywordText, StringComparison.OrdinalIgnoreCase))
            {
                return keyword;
            }
        }

        return ExpressionKeyword.None;
    }
}
