namespace KvDb.Sql.Syntax;

/// <summary>
/// Turns SQL text into tokens ending in <see cref="TokenKind.Eof"/>. Whitespace is any Unicode white space;
/// comments are <c>-- to end of line</c> and <c>/* ... */</c> (not nested).
/// </summary>
internal static class Lexer
{
    /// <summary>Statements longer than this are rejected before lexing.</summary>
    public const int MaxSourceLength = 1 << 24;

    /// <summary>Lexes <paramref name="source"/>.</summary>
    /// <param name="source">The SQL text.</param>
    /// <returns>The tokens, the last one <see cref="TokenKind.Eof"/>.</returns>
    /// <exception cref="SqlException">On a character that starts no token, or an unterminated string or comment.</exception>
    public static Token[] Tokenize(string source)
    {
        var rented = TokenizePooled(source, out var count);
        var tokens = rented.AsSpan(0, count).ToArray();
        System.Buffers.ArrayPool<Token>.Shared.Return(rented);
        return tokens;
    }

    /// <summary>
    /// Lexes <paramref name="source"/> into an array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (the
    /// caller returns it): a multi-megabyte bulk INSERT then allocates no token array of its own.
    /// </summary>
    /// <param name="source">The SQL text.</param>
    /// <param name="count">How many tokens the array holds, the last one <see cref="TokenKind.Eof"/>.</param>
    /// <returns>The rented array.</returns>
    public static Token[] TokenizePooled(string source, out int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length > MaxSourceLength)
        {
            ThrowHelper.Error(SqlErrorCode.LimitExceeded, $"The SQL text is {source.Length} characters long; the limit is {MaxSourceLength}.");
        }

        var tokens = new TokenBuffer(Math.Max(16, source.Length / 4));
        try
        {
            Lex(source, ref tokens);
            count = tokens.Count;
            return tokens.Array;
        }
        catch
        {
            tokens.Release();
            throw;
        }
    }

    /// <summary>A growable token array rented from the shared pool.</summary>
    private struct TokenBuffer(int capacity)
    {
        public Token[] Array = System.Buffers.ArrayPool<Token>.Shared.Rent(capacity);
        public int Count;

        public void Add(Token token)
        {
            if (Count == Array.Length)
            {
                var larger = System.Buffers.ArrayPool<Token>.Shared.Rent(Array.Length * 2);
                Array.AsSpan().CopyTo(larger);
                System.Buffers.ArrayPool<Token>.Shared.Return(Array);
                Array = larger;
            }

            Array[Count++] = token;
        }

        public readonly void Release() => System.Buffers.ArrayPool<Token>.Shared.Return(Array);
    }

    private static void Lex(string source, ref TokenBuffer tokens)
    {
        var scanner = new Scanner(source);
        while (true)
        {
            var token = scanner.Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.Eof)
            {
                return;
            }
        }
    }

    /// <summary>Reads tokens one at a time (what <see cref="Tokenize"/> does for the whole text), for readers that stream.</summary>
    internal struct Scanner(string source)
    {
        private int _pos;
        private int _line = 1;
        private int _lineStart;

        public readonly string Source => source;

        /// <summary>The next token; <see cref="TokenKind.Eof"/> (again and again) at the end.</summary>
        public Token Next() => NextToken(source, ref _pos, ref _line, ref _lineStart);
    }

    private static Token NextToken(string source, ref int pos, ref int line, ref int lineStart)
    {
        // Skip white space and comments.
        while (pos < source.Length)
        {
            var c = source[pos];
            if (c == '\n')
            {
                pos++;
                line++;
                lineStart = pos;
            }
            else if (char.IsWhiteSpace(c))
            {
                pos++;
            }
            else if (c == '-' && pos + 1 < source.Length && source[pos + 1] == '-')
            {
                while (pos < source.Length && source[pos] != '\n')
                {
                    pos++;
                }
            }
            else if (c == '/' && pos + 1 < source.Length && source[pos + 1] == '*')
            {
                var start = pos;
                var startLine = line;
                var startColumn = pos - lineStart + 1;
                pos += 2;
                while (pos < source.Length && !(source[pos] == '*' && pos + 1 < source.Length && source[pos + 1] == '/'))
                {
                    if (source[pos] == '\n')
                    {
                        line++;
                        lineStart = pos + 1;
                    }

                    pos++;
                }

                if (pos >= source.Length)
                {
                    ThrowHelper.Syntax(source, new Token(TokenKind.Eof, start, 2, startLine, startColumn), "Unterminated comment: '/*' has no closing '*/'");
                }

                pos += 2;
            }
            else
            {
                break;
            }
        }

        var column = pos - lineStart + 1;
        if (pos >= source.Length)
        {
            return new Token(TokenKind.Eof, source.Length, 0, line, column);
        }

        var begin = pos;
        var ch = source[pos];
        TokenKind kind;
        if (char.IsLetter(ch) || ch == '_')
        {
            pos++;
            while (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_' || source[pos] == '$'))
            {
                pos++;
            }

            kind = Keywords.TryGet(source.AsSpan(begin, pos - begin), out var keyword) ? keyword : TokenKind.Identifier;
        }
        else if (char.IsAsciiDigit(ch) || (ch == '.' && pos + 1 < source.Length && char.IsAsciiDigit(source[pos + 1])))
        {
            kind = LexNumber(source, ref pos, line, column);
        }
        else if (ch == '\'')
        {
            kind = TokenKind.String;
            pos = SkipQuoted(source, pos, '\'', line, column, "string");
        }
        else if (ch == '"' || ch == '`')
        {
            kind = TokenKind.QuotedIdentifier;
            pos = SkipQuoted(source, pos, ch, line, column, "quoted identifier");
            if (pos - begin == 2)
            {
                ThrowHelper.Syntax(source, new Token(kind, begin, 2, line, column), "A quoted identifier must not be empty");
            }
        }
        else if (ch == '@' && pos + 1 < source.Length && (char.IsLetter(source[pos + 1]) || source[pos + 1] == '_'))
        {
            pos += 2;
            while (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_'))
            {
                pos++;
            }

            kind = TokenKind.NamedParameter;
        }
        else
        {
            pos++;
            var next = pos < source.Length ? source[pos] : '\0';
            switch (ch)
            {
                case '(': kind = TokenKind.LeftParen; break;
                case ')': kind = TokenKind.RightParen; break;
                case '[': kind = TokenKind.LeftBracket; break;
                case ']': kind = TokenKind.RightBracket; break;
                case ',': kind = TokenKind.Comma; break;
                case ';': kind = TokenKind.Semicolon; break;
                case '.': kind = TokenKind.Dot; break;
                case '*': kind = TokenKind.Star; break;
                case '+': kind = TokenKind.Plus; break;
                case '-': kind = TokenKind.Minus; break;
                case '/': kind = TokenKind.Slash; break;
                case '%': kind = TokenKind.Percent; break;
                case '?': kind = TokenKind.QuestionMark; break;
                case '=':
                    kind = TokenKind.Equal;
                    if (next == '=')
                    {
                        pos++;
                    }

                    break;
                case '|' when next == '|':
                    kind = TokenKind.Concat;
                    pos++;
                    break;
                case '!' when next == '=':
                    kind = TokenKind.NotEqual;
                    pos++;
                    break;
                case '<':
                    kind = next == '=' ? TokenKind.LessOrEqual : next == '>' ? TokenKind.NotEqual : TokenKind.Less;
                    if (kind != TokenKind.Less)
                    {
                        pos++;
                    }

                    break;
                case '>':
                    kind = next == '=' ? TokenKind.GreaterOrEqual : TokenKind.Greater;
                    if (kind != TokenKind.Greater)
                    {
                        pos++;
                    }

                    break;
                default:
                    var shown = char.IsControl(ch) ? $"U+{(int)ch:X4}" : ch.ToString();
                    ThrowHelper.Syntax(source, new Token(TokenKind.Eof, begin, 1, line, column), $"Unexpected character '{shown}'");
                    return default;
            }
        }

        var token = new Token(kind, begin, pos - begin, line, column);
        if (kind is TokenKind.String or TokenKind.QuotedIdentifier)
        {
            for (var i = begin; i < pos; i++)
            {
                if (source[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
        }

        return token;
    }

    private static TokenKind LexNumber(string source, ref int pos, int line, int column)
    {
        var begin = pos;
        var kind = TokenKind.Integer;
        while (pos < source.Length && char.IsAsciiDigit(source[pos]))
        {
            pos++;
        }

        if (pos < source.Length && source[pos] == '.' && !(pos + 1 < source.Length && source[pos + 1] == '.'))
        {
            kind = TokenKind.Decimal;
            pos++;
            while (pos < source.Length && char.IsAsciiDigit(source[pos]))
            {
                pos++;
            }
        }

        if (pos < source.Length && (source[pos] is 'e' or 'E'))
        {
            var save = pos;
            pos++;
            if (pos < source.Length && source[pos] is '+' or '-')
            {
                pos++;
            }

            if (pos < source.Length && char.IsAsciiDigit(source[pos]))
            {
                kind = TokenKind.Decimal;
                while (pos < source.Length && char.IsAsciiDigit(source[pos]))
                {
                    pos++;
                }
            }
            else
            {
                pos = save;
            }
        }

        if (pos < source.Length && (char.IsLetter(source[pos]) || source[pos] == '_'))
        {
            ThrowHelper.Syntax(source, new Token(kind, begin, pos - begin + 1, line, column),
                $"Invalid number '{source.Substring(begin, pos - begin + 1)}'");
        }

        return kind;
    }

    private static int SkipQuoted(string source, int pos, char quote, int line, int column, string what)
    {
        var begin = pos;
        pos++;
        while (pos < source.Length)
        {
            if (source[pos] == quote)
            {
                if (pos + 1 < source.Length && source[pos + 1] == quote)
                {
                    pos += 2;
                    continue;
                }

                return pos + 1;
            }

            pos++;
        }

        ThrowHelper.Syntax(source, new Token(TokenKind.Eof, begin, 1, line, column), $"Unterminated {what}: missing closing {quote}");
        return pos;
    }

    /// <summary>The value of a string or quoted-identifier token (quotes removed, doubled quotes undoubled).</summary>
    /// <param name="source">The source.</param>
    /// <param name="token">The token.</param>
    /// <returns>The unquoted text.</returns>
    public static string Unquote(string source, Token token)
    {
        var quote = source[token.Start];
        var inner = source.AsSpan(token.Start + 1, token.Length - 2);
        return inner.Contains(quote) ? inner.ToString().Replace(new string(quote, 2), quote.ToString(), StringComparison.Ordinal) : inner.ToString();
    }
}
