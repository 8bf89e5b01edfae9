using System.Diagnostics.CodeAnalysis;
using KvDb.Sql.Ast;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Parsing;

/// <summary>
/// The hand-written recursive-descent SQL parser (Pratt parsing for expressions). It checks syntax only; names and
/// types are resolved by the binder. One instance parses one text and is not thread-safe.
/// </summary>
internal sealed partial class SqlParser
{
    /// <summary>Deepest nesting of expressions, subqueries and joins; deeper text is a syntax error, never a stack overflow.</summary>
    public const int MaxDepth = 256;

    private readonly string _source;
    private readonly Token[] _tokens; // rented from the shared pool (see Lexer.TokenizePooled); _count are valid
    private readonly int _count;
    private int _index;
    private int _depth;
    private int _positionalParameters;

    private SqlParser(string source)
    {
        _source = source;
        _tokens = Lexer.TokenizePooled(source, out _count);
    }

    /// <summary>Runs <paramref name="parse"/> on a parser over <paramref name="source"/>, then returns its token array to the pool.</summary>
    private static T Run<T>(string source, Func<SqlParser, T> parse)
    {
        var parser = new SqlParser(source);
        try
        {
            return parse(parser);
        }
        finally
        {
            System.Buffers.ArrayPool<Token>.Shared.Return(parser._tokens);
        }
    }

    /// <summary>Parses a script of statements separated by ';'.</summary>
    /// <param name="source">The SQL text.</param>
    /// <returns>The statements.</returns>
    public static SqlScript ParseScript(string source) => Run(source, static p => p.Script());

    /// <summary>Parses exactly one statement (a trailing ';' is allowed).</summary>
    /// <param name="source">The SQL text.</param>
    /// <returns>The statement.</returns>
    public static SqlStatement ParseStatement(string source)
    {
        var script = ParseScript(source);
        if (script.Statements.Count != 1)
        {
            ThrowHelper.Error(SqlErrorCode.Syntax, $"Expected exactly one statement but found {script.Statements.Count}");
        }

        return script.Statements[0];
    }

    /// <summary>Parses one expression.</summary>
    /// <param name="source">The SQL text.</param>
    /// <returns>The expression.</returns>
    public static SqlExpr ParseExpression(string source)
    {
        return Run(source, static parser =>
        {
            var expr = parser.Expr();
            if (parser.Peek().Kind != TokenKind.Eof)
            {
                parser.Expected("end of input");
            }

            return expr;
        });
    }

    /// <summary>
    /// script := [statement] { ';' [statement] }
    /// </summary>
    private SqlScript Script()
    {
        var statements = new List<SqlStatement>();
        while (true)
        {
            while (Match(TokenKind.Semicolon))
            {
            }

            if (Peek().Kind == TokenKind.Eof)
            {
                break;
            }

            statements.Add(Statement());
            if (!Match(TokenKind.Semicolon) && Peek().Kind != TokenKind.Eof)
            {
                Expected("';' or end of input");
            }
        }

        return new SqlScript(new ValueList<SqlStatement>(statements));
    }

    private Token Peek(int n = 0)
    {
        var i = _index + n;
        return i < _count ? _tokens[i] : _tokens[_count - 1];
    }

    private Token Next()
    {
        var token = _tokens[_index];
        if (_index < _count - 1)
        {
            _index++;
        }

        return token;
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

    private bool MatchKeyword(TokenKind keyword) => Match(keyword);

    private Token Expect(TokenKind kind, string what)
    {
        if (Peek().Kind != kind)
        {
            Expected(what);
        }

        return Next();
    }

    private Token ExpectKeyword(TokenKind keyword) => Expect(keyword, Keywords.Text(keyword));

    private ValueList<T> CommaSeparated<T>(Func<T> parseItem)
    {
        var items = new List<T> { parseItem() };
        while (Match(TokenKind.Comma))
        {
            items.Add(parseItem());
        }

        return new ValueList<T>(items);
    }

    /// <summary>Throws "Expected <paramref name="what"/> but found ..." at the next token.</summary>
    [DoesNotReturn]
    private void Expected(string what)
    {
        var token = Peek();
        ThrowHelper.Syntax(_source, token, ErrorMessages.Expected(what, Describe(token)));
    }

    [DoesNotReturn]
    private void Fail(Token token, string message) => ThrowHelper.Syntax(_source, token, message);

    private string Describe(Token token)
    {
        if (token.Kind == TokenKind.Eof)
        {
            return "end of input";
        }

        var text = token.Text(_source);
        if (text.Length > 40)
        {
            text = text[..37] + "...";
        }

        return "'" + text + "'";
    }

    private DepthScope EnterDepth()
    {
        if (++_depth > MaxDepth)
        {
            Fail(Peek(), $"The statement is nested too deeply (more than {MaxDepth} levels)");
        }

        return new DepthScope(this);
    }

    private readonly struct DepthScope(SqlParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    /// <summary>Whether a token can be used as a name: an identifier, a quoted identifier or a non-reserved keyword.</summary>
    private static bool IsName(Token token) =>
        token.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier || Keywords.IsNonReserved(token.Kind);

    private string Name(string what)
    {
        var token = Peek();
        if (!IsName(token))
        {
            Expected(what);
        }

        Next();
        return NameText(token);
    }

    private string NameText(Token token) =>
        token.Kind == TokenKind.QuotedIdentifier ? Lexer.Unquote(_source, token) : token.Text(_source);

    /// <summary>An optional alias: <c>AS name</c> or a bare identifier (not a keyword).</summary>
    private string? OptionalAlias()
    {
        if (Match(TokenKind.As))
        {
            return Name("an alias");
        }

        var token = Peek();
        if (token.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            Next();
            return NameText(token);
        }

        return null;
    }

    /// <summary>Whether the tokens from here are some '(' followed by SELECT: a parenthesised query or an expression.</summary>
    private bool MayBeParenthesisedQuery()
    {
        var i = 0;
        while (Peek(i).Kind == TokenKind.LeftParen)
        {
            i++;
        }

        return i > 0 && Peek(i).Kind == TokenKind.Select;
    }

    /// <summary>
    /// Tries to parse a query followed by ')' (the '(' already consumed). On failure the position is restored and null
    /// returned. This is the parser's only backtracking: '((SELECT 1) UNION (SELECT 2))' and '((SELECT 1) + 1)' share a
    /// prefix of any length.
    /// </summary>
    private QueryExpr? TryParenthesisedQueryRest()
    {
        var index = _index;
        var depth = _depth;
        var parameters = _positionalParameters;
        try
        {
            var query = Query();
            Expect(TokenKind.RightParen, "')'");
            return query;
        }
        catch (SqlException ex) when (ex.SqlCode == SqlErrorCode.Syntax)
        {
            _index = index;
            _depth = depth;
            _positionalParameters = parameters;
            return null;
        }
    }

    private SourceSpan SpanFrom(Token start)
    {
        var end = _index > 0 ? _tokens[_index - 1] : start;
        var length = Math.Max(start.Length, end.Start + end.Length - start.Start);
        return new SourceSpan(start.Start, length, start.Line, start.Column);
    }
}
