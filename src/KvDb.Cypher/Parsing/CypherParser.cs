using System.Diagnostics.CodeAnalysis;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Parsing;

/// <summary>
/// Hand-written recursive-descent parser for Cypher statements with Pratt expressions (STYLE.md section 7).
/// It checks syntax only; names are resolved by the binder. Every failure is a <see cref="CypherException"/>
/// of class <see cref="CypherErrorClass.SyntaxError"/>.
/// </summary>
internal sealed partial class CypherParser
{
    /// <summary>Deepest nesting of expressions and patterns accepted.</summary>
    public const int MaxDepth = 256;

    private readonly string _source;
    private readonly Token[] _tokens;
    private int _index;
    private int _depth;

    private CypherParser(string source)
    {
        _source = source;
        _tokens = Lexer.Tokenize(source);
    }

    /// <summary>Parses a whole statement.</summary>
    public static CypherStatement Parse(string source)
    {
        var parser = new CypherParser(source);
        return parser.ParseStatement();
    }

    /// <summary>Parses one expression (used by tests).</summary>
    public static Expr ParseExpression(string source)
    {
        var parser = new CypherParser(source);
        var e = parser.ParseExpr();
        parser.Expect(TokenKind.Eof, "end of input");
        return e;
    }

    private Token Peek(int n = 0) => _tokens[Math.Min(_index + n, _tokens.Length - 1)];

    private Token Next()
    {
        var t = _tokens[_index];
        if (_index < _tokens.Length - 1)
        {
            _index++;
        }

        return t;
    }

    private bool Match(TokenKind kind)
    {
        if (Peek().Kind != kind)
        {
            return false;
        }

        Next();
        return true;
    }

    private bool IsKeyword(Keyword k, int n = 0) => Peek(n) is { Kind: TokenKind.Keyword } t && t.Keyword == k;

    private bool MatchKeyword(Keyword k)
    {
        if (!IsKeyword(k))
        {
            return false;
        }

        Next();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Peek().Kind != kind)
        {
            Expected(what);
        }

        return Next();
    }

    private void ExpectKeyword(Keyword k)
    {
        if (!MatchKeyword(k))
        {
            Expected(Keywords.Text(k));
        }
    }

    private EquatableArray<T> CommaSeparated<T>(Func<T> parseItem)
    {
        var items = new List<T> { parseItem() };
        while (Match(TokenKind.Comma))
        {
            items.Add(parseItem());
        }

        return items;
    }

    [DoesNotReturn]
    private void Expected(string what) => throw Unexpected(what);

    private CypherException Unexpected(string what)
    {
        var t = Peek();
        var found = t.Kind == TokenKind.Eof ? "end of input" : "'" + t.Text(_source) + "'";
        return ErrorMessages.Syntax(
            t.Kind == TokenKind.Eof ? CypherErrorCode.UnexpectedEndOfInput : CypherErrorCode.InvalidSyntax,
            $"Expected {what} but found {found}", _source, t.Start, Math.Max(1, t.Length));
    }

    [DoesNotReturn]
    private void Fail(CypherErrorCode code, string message, Token at) =>
        ErrorMessages.ThrowSyntax(code, message, _source, at.Start, Math.Max(1, at.Length));

    private DepthScope EnterDepth()
    {
        if (++_depth > MaxDepth)
        {
            Fail(CypherErrorCode.NestingTooDeep, $"Query nests deeper than {MaxDepth} levels", Peek());
        }

        return new DepthScope(this);
    }

    /// <summary>Counts one more level of nesting without a scope (the caller restores <see cref="_depth"/>).</summary>
    private void CountLevel()
    {
        if (++_depth > MaxDepth)
        {
            Fail(CypherErrorCode.NestingTooDeep, $"Query nests deeper than {MaxDepth} levels", Peek());
        }
    }

    private readonly struct DepthScope(CypherParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    /// <summary>A name: identifier, quoted identifier, or (where <paramref name="allowKeyword"/>) a keyword.</summary>
    private string ParseName(string what, bool allowKeyword)
    {
        var t = Peek();
        switch (t.Kind)
        {
            case TokenKind.Identifier:
                Next();
                return t.Text(_source);
            case TokenKind.QuotedIdentifier:
                Next();
                return _source.Substring(t.Start + 1, t.Length - 2).Replace("``", "`", StringComparison.Ordinal);
            case TokenKind.Keyword when allowKeyword:
                Next();
                return t.Text(_source);
            default:
                throw Unexpected(what);
        }
    }

    private bool IsNameStart(bool allowKeyword, int n = 0) =>
        Peek(n).Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier || (allowKeyword && Peek(n).Kind == TokenKind.Keyword);

    private string ParseVariable() => ParseName("a variable name", allowKeyword: true);
}
