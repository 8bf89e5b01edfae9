using System.Globalization;
using System.Text;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Parsing;

/// <summary>Binding power of infix operators (higher binds tighter); 0 means "not an infix operator".</summary>
internal enum Precedence : byte
{
    None = 0,
    Or = 1,
    Xor = 2,
    And = 3,
    Not = 4,
    Comparison = 5,
    Predicate = 6,
    Additive = 7,
    Multiplicative = 8,
    Power = 9,
    Unary = 10,
}

internal sealed partial class CypherParser
{
    private Expr ParseExpr() => ParseExpr(Precedence.None);

    /// <summary>Pratt loop: a prefix expression, then infix operators binding tighter than <paramref name="min"/>.</summary>
    private Expr ParseExpr(Precedence min)
    {
        using var _ = EnterDepth();
        var left = ParsePrefix();
        return ParseInfixLoop(left, min);
    }

    private Expr ParseInfixLoop(Expr left, Precedence min)
    {
        // Each left-associative step nests the tree one level deeper, so it counts against the depth limit
        // (later stages walk the tree recursively).
        var saved = _depth;
        try
        {
            for (var p = InfixPrecedence(Peek()); p > min; p = InfixPrecedence(Peek()))
            {
                CountLevel();
                left = ParseInfix(left, p);
            }

            return left;
        }
        finally
        {
            _depth = saved;
        }
    }

    private static Precedence InfixPrecedence(Token t) => t.Kind switch
    {
        TokenKind.Keyword => t.Keyword switch
        {
            Keyword.Or => Precedence.Or,
            Keyword.Xor => Precedence.Xor,
            Keyword.And => Precedence.And,
            Keyword.Starts or Keyword.Ends or Keyword.Contains or Keyword.In or Keyword.Is => Precedence.Predicate,
            _ => Precedence.None,
        },
        TokenKind.Eq or TokenKind.Neq or TokenKind.Lt or TokenKind.Le or TokenKind.Gt or TokenKind.Ge or TokenKind.ArrowLeft => Precedence.Comparison,
        TokenKind.RegexMatch => Precedence.Predicate,
        TokenKind.Plus or TokenKind.Minus => Precedence.Additive,
        TokenKind.Star or TokenKind.Slash or TokenKind.Percent => Precedence.Multiplicative,
        TokenKind.Caret => Precedence.Power,
        _ => Precedence.None,
    };

    private Expr ParseInfix(Expr left, Precedence p)
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Keyword:
                switch (t.Keyword)
                {
                    case Keyword.Or: return new BinaryExpr(BinaryOp.Or, left, ParseExpr(p));
                    case Keyword.Xor: return new BinaryExpr(BinaryOp.Xor, left, ParseExpr(p));
                    case Keyword.And: return new BinaryExpr(BinaryOp.And, left, ParseExpr(p));
                    case Keyword.In: return new BinaryExpr(BinaryOp.In, left, ParseExpr(p));
                    case Keyword.Contains: return new BinaryExpr(BinaryOp.Contains, left, ParseExpr(p));
                    case Keyword.Starts:
                        ExpectKeyword(Keyword.With);
                        return new BinaryExpr(BinaryOp.StartsWith, left, ParseExpr(p));
                    case Keyword.Ends:
                        ExpectKeyword(Keyword.With);
                        return new BinaryExpr(BinaryOp.EndsWith, left, ParseExpr(p));
                    default:
                        var negated = MatchKeyword(Keyword.Not);
                        ExpectKeyword(Keyword.Null);
                        return new IsNullExpr(left, negated);
                }

            case TokenKind.Eq: return new BinaryExpr(BinaryOp.Eq, left, ParseExpr(p));
            case TokenKind.Neq: return new BinaryExpr(BinaryOp.Neq, left, ParseExpr(p));
            case TokenKind.Lt: return new BinaryExpr(BinaryOp.Lt, left, ParseExpr(p));
            case TokenKind.Le: return new BinaryExpr(BinaryOp.Le, left, ParseExpr(p));
            case TokenKind.Gt: return new BinaryExpr(BinaryOp.Gt, left, ParseExpr(p));
            case TokenKind.Ge: return new BinaryExpr(BinaryOp.Ge, left, ParseExpr(p));
            case TokenKind.ArrowLeft:
                // "a<-1" lexes as an arrow; in an expression it is "a < -1".
                return new BinaryExpr(BinaryOp.Lt, left, ParseInfixLoop(ParseNegation(), p));
            case TokenKind.RegexMatch: return new BinaryExpr(BinaryOp.RegexMatch, left, ParseExpr(p));
            case TokenKind.Plus: return new BinaryExpr(BinaryOp.Add, left, ParseExpr(p));
            case TokenKind.Minus: return new BinaryExpr(BinaryOp.Subtract, left, ParseExpr(p));
            case TokenKind.Star: return new BinaryExpr(BinaryOp.Multiply, left, ParseExpr(p));
            case TokenKind.Slash: return new BinaryExpr(BinaryOp.Divide, left, ParseExpr(p));
            case TokenKind.Percent: return new BinaryExpr(BinaryOp.Modulo, left, ParseExpr(p));
            default: return new BinaryExpr(BinaryOp.Power, left, ParseExpr(p));
        }
    }

    /// <summary>After a '-' (already consumed): a negative number literal, or the negation of a unary operand.</summary>
    private Expr ParseNegation()
    {
        var t = Peek();
        if (t.Kind == TokenKind.Integer)
        {
            Next();
            return ParsePostfix(new LiteralExpr(ParseInteger(t, negative: true)));
        }

        if (t.Kind == TokenKind.Float)
        {
            Next();
            return ParsePostfix(new LiteralExpr(-ParseFloat(t)));
        }

        return new UnaryExpr(UnaryOp.Negate, ParseExpr(Precedence.Power));
    }

    private Expr ParsePrefix()
    {
        var t = Peek();
        switch (t.Kind)
        {
            case TokenKind.Keyword when t.Keyword == Keyword.Not:
                Next();
                return new UnaryExpr(UnaryOp.Not, ParseExpr(Precedence.Not));
            case TokenKind.Minus:
                Next();
                return ParseNegation();
            case TokenKind.Plus:
                Next();
                return new UnaryExpr(UnaryOp.Plus, ParseExpr(Precedence.Power));
            default:
                return ParsePostfix(ParseAtom());
        }
    }

    /// <summary>postfix := atom ('.' key | '[' expr ']' | '[' [expr] '..' [expr] ']' | (':' label)+)*</summary>
    private Expr ParsePostfix(Expr e)
    {
        var saved = _depth;
        try
        {
            return ParsePostfixChain(e);
        }
        finally
        {
            _depth = saved;
        }
    }

    private Expr ParsePostfixChain(Expr e)
    {
        while (true)
        {
            if (Peek().Kind is TokenKind.Dot or TokenKind.LBracket or TokenKind.Colon)
            {
                CountLevel();
            }

            switch (Peek().Kind)
            {
                case TokenKind.Dot:
                    Next();
                    e = new PropertyExpr(e, ParseName("a property name", allowKeyword: true));
                    break;
                case TokenKind.LBracket:
                    {
                        using var _ = EnterDepth();
                        Next();
                        Expr? from = null;
                        if (Peek().Kind != TokenKind.DotDot)
                        {
                            from = ParseExpr();
                        }

                        if (Match(TokenKind.DotDot))
                        {
                            var to = Peek().Kind == TokenKind.RBracket ? null : ParseExpr();
                            Expect(TokenKind.RBracket, "']'");
                            e = new SliceExpr(e, from, to);
                        }
                        else
                        {
                            Expect(TokenKind.RBracket, "']' or '..'");
                            e = new IndexExpr(e, from!);
                        }

                        break;
                    }

                case TokenKind.Colon:
                    e = new HasLabelsExpr(e, ParseLabels());
                    break;
                default:
                    return e;
            }
        }
    }

    private Expr ParseAtom()
    {
        var t = Peek();
        switch (t.Kind)
        {
            case TokenKind.Integer:
                Next();
                return new LiteralExpr(ParseInteger(t, negative: false));
            case TokenKind.Float:
                Next();
                return new LiteralExpr(ParseFloat(t));
            case TokenKind.String:
                Next();
                return new LiteralExpr(Unescape(t));
            case TokenKind.Parameter:
                return ParseParameter();
            case TokenKind.LParen:
                {
                    Next();
                    var e = ParseExpr();
                    Expect(TokenKind.RParen, "')'");
                    return e;
                }

            case TokenKind.LBracket:
                return ParseListOrComprehension();
            case TokenKind.LBrace:
                return ParseMap();
            case TokenKind.Keyword when t.Keyword == Keyword.True:
                Next();
                return new LiteralExpr(true);
            case TokenKind.Keyword when t.Keyword == Keyword.False:
                Next();
                return new LiteralExpr(false);
            case TokenKind.Keyword when t.Keyword == Keyword.Null:
                Next();
                return new LiteralExpr(null);
            case TokenKind.Keyword when t.Keyword == Keyword.Case:
                return ParseCase();
            case TokenKind.Identifier:
            case TokenKind.QuotedIdentifier:
            case TokenKind.Keyword when t.Keyword is not (Keyword.Not or Keyword.And or Keyword.Or or Keyword.Xor or Keyword.In
                or Keyword.Is or Keyword.Starts or Keyword.Ends or Keyword.Contains or Keyword.Distinct or Keyword.As):
                {
                    var name = ParseName("an expression", allowKeyword: true);
                    if (Peek().Kind == TokenKind.LParen && t.Kind != TokenKind.QuotedIdentifier)
                    {
                        return ParseFunctionCall(name);
                    }

                    return new VariableExpr(name);
                }

            default:
                throw Unexpected("an expression");
        }
    }

    /// <summary>call := name '(' ['*' | [DISTINCT] expr (',' expr)*] ')'</summary>
    private Expr ParseFunctionCall(string name)
    {
        using var _ = EnterDepth();
        Expect(TokenKind.LParen, "'('");
        if (string.Equals(name, "count", StringComparison.OrdinalIgnoreCase) && Peek().Kind == TokenKind.Star)
        {
            Next();
            Expect(TokenKind.RParen, "')'");
            return new CountStarExpr();
        }

        var distinct = MatchKeyword(Keyword.Distinct);
        var args = Peek().Kind == TokenKind.RParen ? EquatableArray<Expr>.Empty : CommaSeparated(() => ParseExpr());
        Expect(TokenKind.RParen, "')'");
        return new FunctionExpr(name, distinct, args);
    }

    /// <summary>list := '[' [expr (',' expr)*] ']'; comprehension := '[' variable IN expr [WHERE expr] ['|' expr] ']'</summary>
    private Expr ParseListOrComprehension()
    {
        using var _ = EnterDepth();
        Expect(TokenKind.LBracket, "'['");
        if (IsNameStart(allowKeyword: true) && IsKeyword(Keyword.In, 1))
        {
            var variable = ParseVariable();
            Next();
            var source = ParseExpr();
            var where = MatchKeyword(Keyword.Where) ? ParseExpr() : null;
            var projection = Match(TokenKind.Pipe) ? ParseExpr() : null;
            Expect(TokenKind.RBracket, "']'");
            return new ListComprehensionExpr(variable, source, where, projection);
        }

        if (Match(TokenKind.RBracket))
        {
            return new ListExpr(EquatableArray<Expr>.Empty);
        }

        var items = CommaSeparated(() => ParseExpr());
        Expect(TokenKind.RBracket, "',' or ']'");
        return new ListExpr(items);
    }

    /// <summary>map := '{' [key ':' expr (',' key ':' expr)*] '}' where a key is a name or a string (hash-db style)</summary>
    private MapExpr ParseMap()
    {
        using var _ = EnterDepth();
        Expect(TokenKind.LBrace, "'{'");
        if (Match(TokenKind.RBrace))
        {
            return new MapExpr(EquatableArray<MapEntry>.Empty);
        }

        var entries = CommaSeparated(() =>
        {
            string key;
            if (Peek().Kind == TokenKind.String)
            {
                key = Unescape(Next());
            }
            else
            {
                key = ParseName("a map key", allowKeyword: true);
            }

            Expect(TokenKind.Colon, "':'");
            return new MapEntry(key, ParseExpr());
        });
        Expect(TokenKind.RBrace, "',' or '}'");
        return new MapExpr(entries);
    }

    /// <summary>case := CASE [expr] (WHEN expr THEN expr)+ [ELSE expr] END</summary>
    private CaseExpr ParseCase()
    {
        using var _ = EnterDepth();
        ExpectKeyword(Keyword.Case);
        var subject = IsKeyword(Keyword.When) ? null : ParseExpr();
        var alternatives = new List<CaseAlternative>();
        while (MatchKeyword(Keyword.When))
        {
            var when = ParseExpr();
            ExpectKeyword(Keyword.Then);
            alternatives.Add(new CaseAlternative(when, ParseExpr()));
        }

        if (alternatives.Count == 0)
        {
            Expected("WHEN");
        }

        var otherwise = MatchKeyword(Keyword.Else) ? ParseExpr() : null;
        ExpectKeyword(Keyword.End);
        return new CaseExpr(subject, alternatives, otherwise);
    }

    private ParameterExpr ParseParameter()
    {
        var t = Expect(TokenKind.Parameter, "a parameter");
        return new ParameterExpr(_source.Substring(t.Start + 1, t.Length - 1));
    }

    private long ParseInteger(Token t, bool negative)
    {
        var text = t.Text(_source);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (text.Length > 2 && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) &&
                (hex <= long.MaxValue || (negative && hex == 1UL << 63)))
            {
                return negative ? unchecked(-(long)hex) : (long)hex;
            }
        }
        else if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) &&
            (value <= long.MaxValue || (negative && value == 1UL << 63)))
        {
            return negative ? unchecked(-(long)value) : (long)value;
        }

        Fail(CypherErrorCode.IntegerOverflow, $"Integer literal {(negative ? "-" : "")}{text} does not fit in 64 bits", t);
        return 0;
    }

    private double ParseFloat(Token t)
    {
        var value = double.Parse(t.Text(_source), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
        {
            Fail(CypherErrorCode.InvalidLiteral, "Float literal is too large", t);
        }

        return value;
    }

    private string Unescape(Token t)
    {
        var raw = _source.AsSpan(t.Start + 1, t.Length - 2);
        if (!raw.Contains('\\'))
        {
            return raw.ToString();
        }

        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (i + 1 >= raw.Length)
            {
                Fail(CypherErrorCode.InvalidLiteral, "String literal ends with a lone backslash", t);
            }

            var e = raw[++i];
            switch (e)
            {
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                case 'U':
                    {
                        var n = e == 'u' ? 4 : 8;
                        var code = -1;
                        if (raw.Length - i - 1 >= n)
                        {
                            _ = int.TryParse(raw.Slice(i + 1, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code);
                        }

                        if (code < 0 || code > 0x10FFFF || (n == 8 && code >= 0xD800 && code <= 0xDFFF))
                        {
                            Fail(CypherErrorCode.InvalidLiteral, "Invalid unicode escape in string literal", t);
                        }

                        if (n == 4)
                        {
                            sb.Append((char)code);
                        }
                        else
                        {
                            sb.Append(char.ConvertFromUtf32(code));
                        }

                        i += n;
                        break;
                    }

                default:
                    Fail(CypherErrorCode.InvalidLiteral, $"Invalid escape sequence '\\{e}' in string literal", t);
                    break;
            }
        }

        return sb.ToString();
    }
}
