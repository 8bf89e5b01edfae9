using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Syntax;

/// <summary>Turns Cypher text into tokens ending in <see cref="TokenKind.Eof"/>. Comments (// and /* */) are skipped.</summary>
internal static class Lexer
{
    /// <summary>The longest text accepted (characters); longer input is a syntax error, not a resource problem.</summary>
    public const int MaxLength = 1 << 20;

    public static Token[] Tokenize(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length > MaxLength)
        {
            ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidSyntax, $"Query text is longer than {MaxLength} characters", source, 0, 1);
        }

        var tokens = new List<Token>(source.Length / 3 + 2);
        var pos = 0;
        var line = 1;
        var lineStart = 0;
        while (true)
        {
            // Skip white space and comments.
            while (pos < source.Length)
            {
                var c = source[pos];
                if (c == '\n')
                {
                    line++;
                    pos++;
                    lineStart = pos;
                }
                else if (char.IsWhiteSpace(c))
                {
                    pos++;
                }
                else if (c == '/' && pos + 1 < source.Length && source[pos + 1] == '/')
                {
                    while (pos < source.Length && source[pos] != '\n')
                    {
                        pos++;
                    }
                }
                else if (c == '/' && pos + 1 < source.Length && source[pos + 1] == '*')
                {
                    var close = source.IndexOf("*/", pos + 2, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        ErrorMessages.ThrowSyntax(CypherErrorCode.UnexpectedEndOfInput, "Comment is not closed", source, pos, 2);
                    }

                    for (var i = pos; i < close; i++)
                    {
                        if (source[i] == '\n')
                        {
                            line++;
                            lineStart = i + 1;
                        }
                    }

                    pos = close + 2;
                }
                else
                {
                    break;
                }
            }

            if (pos >= source.Length)
            {
                tokens.Add(new Token(TokenKind.Eof, source.Length, 0, line, source.Length - lineStart + 1));
                return [.. tokens];
            }

            var start = pos;
            var ch = source[pos];
            TokenKind kind;
            var keyword = Keyword.None;
            if (char.IsLetter(ch) || ch == '_')
            {
                while (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_'))
                {
                    pos++;
                }

                keyword = Keywords.Lookup(source.AsSpan(start, pos - start));
                kind = keyword == Keyword.None ? TokenKind.Identifier : TokenKind.Keyword;
            }
            else if (char.IsAsciiDigit(ch) || (ch == '.' && pos + 1 < source.Length && char.IsAsciiDigit(source[pos + 1])))
            {
                kind = LexNumber(source, ref pos);
            }
            else
            {
                switch (ch)
                {
                    case '`':
                        pos++;
                        while (true)
                        {
                            if (pos >= source.Length)
                            {
                                ErrorMessages.ThrowSyntax(CypherErrorCode.UnexpectedEndOfInput, "Quoted name is not closed", source, start, 1);
                            }

                            if (source[pos] == '`')
                            {
                                if (pos + 1 < source.Length && source[pos + 1] == '`')
                                {
                                    pos += 2;
                                    continue;
                                }

                                pos++;
                                break;
                            }

                            pos++;
                        }

                        if (pos - start == 2)
                        {
                            ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidSyntax, "Quoted name is empty", source, start, 2);
                        }

                        kind = TokenKind.QuotedIdentifier;
                        break;
                    case '\'':
                    case '"':
                        pos++;
                        while (true)
                        {
                            if (pos >= source.Length)
                            {
                                ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidLiteral, "String literal is not closed", source, start, 1);
                            }

                            if (source[pos] == '\\')
                            {
                                pos += 2;
                                continue;
                            }

                            if (source[pos] == ch)
                            {
                                pos++;
                                break;
                            }

                            pos++;
                        }

                        kind = TokenKind.String;
                        break;
                    case '$':
                        pos++;
                        if (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_'))
                        {
                            while (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_'))
                            {
                                pos++;
                            }
                        }
                        else
                        {
                            ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidSyntax, "Expected a parameter name after '$'", source, start, 1);
                        }

                        kind = TokenKind.Parameter;
                        break;
                    case '(': pos++; kind = TokenKind.LParen; break;
                    case ')': pos++; kind = TokenKind.RParen; break;
                    case '[': pos++; kind = TokenKind.LBracket; break;
                    case ']': pos++; kind = TokenKind.RBracket; break;
                    case '{': pos++; kind = TokenKind.LBrace; break;
                    case '}': pos++; kind = TokenKind.RBrace; break;
                    case ',': pos++; kind = TokenKind.Comma; break;
                    case ':': pos++; kind = TokenKind.Colon; break;
                    case ';': pos++; kind = TokenKind.Semicolon; break;
                    case '|': pos++; kind = TokenKind.Pipe; break;
                    case '*': pos++; kind = TokenKind.Star; break;
                    case '/': pos++; kind = TokenKind.Slash; break;
                    case '%': pos++; kind = TokenKind.Percent; break;
                    case '^': pos++; kind = TokenKind.Caret; break;
                    case '.':
                        pos++;
                        kind = TokenKind.Dot;
                        if (pos < source.Length && source[pos] == '.')
                        {
                            pos++;
                            kind = TokenKind.DotDot;
                        }

                        break;
                    case '+':
                        pos++;
                        kind = TokenKind.Plus;
                        if (pos < source.Length && source[pos] == '=')
                        {
                            pos++;
                            kind = TokenKind.PlusEq;
                        }

                        break;
                    case '-':
                        pos++;
                        kind = TokenKind.Minus;
                        if (pos < source.Length && source[pos] == '>')
                        {
                            pos++;
                            kind = TokenKind.ArrowRight;
                        }

                        break;
                    case '=':
                        pos++;
                        kind = TokenKind.Eq;
                        if (pos < source.Length && source[pos] == '~')
                        {
                            pos++;
                            kind = TokenKind.RegexMatch;
                        }

                        break;
                    case '<':
                        pos++;
                        kind = TokenKind.Lt;
                        if (pos < source.Length && source[pos] == '=')
                        {
                            pos++;
                            kind = TokenKind.Le;
                        }
                        else if (pos < source.Length && source[pos] == '>')
                        {
                            pos++;
                            kind = TokenKind.Neq;
                        }
                        else if (pos < source.Length && source[pos] == '-')
                        {
                            pos++;
                            kind = TokenKind.ArrowLeft;
                        }

                        break;
                    case '>':
                        pos++;
                        kind = TokenKind.Gt;
                        if (pos < source.Length && source[pos] == '=')
                        {
                            pos++;
                            kind = TokenKind.Ge;
                        }

                        break;
                    case '!':
                        if (pos + 1 < source.Length && source[pos + 1] == '=')
                        {
                            pos += 2;
                            kind = TokenKind.Neq;
                            break;
                        }

                        ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidSyntax, "Unexpected character '!'", source, pos, 1);
                        return [];
                    default:
                        ErrorMessages.ThrowSyntax(CypherErrorCode.InvalidSyntax, $"Unexpected character '{Printable(ch)}'", source, pos, 1);
                        return [];
                }
            }

            tokens.Add(new Token(kind, start, pos - start, line, start - lineStart + 1, keyword));
        }
    }

    private static string Printable(char c) => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString();

    private static TokenKind LexNumber(string source, ref int pos)
    {
        var isFloat = false;
        if (source[pos] == '0' && pos + 1 < source.Length && source[pos + 1] is 'x' or 'X')
        {
            pos += 2;
            while (pos < source.Length && char.IsAsciiHexDigit(source[pos]))
            {
                pos++;
            }

            return TokenKind.Integer;
        }

        while (pos < source.Length && char.IsAsciiDigit(source[pos]))
        {
            pos++;
        }

        // "1..3" is a range: a dot followed by a dot is not a decimal point.
        if (pos + 1 < source.Length && source[pos] == '.' && char.IsAsciiDigit(source[pos + 1]))
        {
            isFloat = true;
            pos++;
            while (pos < source.Length && char.IsAsciiDigit(source[pos]))
            {
                pos++;
            }
        }

        if (pos < source.Length && source[pos] is 'e' or 'E')
        {
            var save = pos;
            pos++;
            if (pos < source.Length && source[pos] is '+' or '-')
            {
                pos++;
            }

            if (pos < source.Length && char.IsAsciiDigit(source[pos]))
            {
                isFloat = true;
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

        return isFloat ? TokenKind.Float : TokenKind.Integer;
    }
}
