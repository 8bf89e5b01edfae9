using System.Globalization;
using KvDb.Sql.Ast;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Parsing;

internal sealed partial class SqlParser
{
    // Binding powers (higher binds tighter); SqlPrinter mirrors them.
    private const byte PrecNone = 0;
    private const byte PrecOr = 1;
    private const byte PrecAnd = 2;
    private const byte PrecNot = 3;
    private const byte PrecCompare = 4;
    private const byte PrecConcat = 5;
    private const byte PrecAdd = 6;
    private const byte PrecMultiply = 7;

    /// <summary>expr := prefix { infix }, Pratt style over the precedence table.</summary>
    private SqlExpr Expr(byte minPrecedence = PrecNone)
    {
        using var _ = EnterDepth();
        var start = Peek();
        var left = Prefix();

        // Each infix step deepens the tree by one level: count it, so that a long chain of ANDs cannot make later
        // recursive passes (printer, binder, evaluator) overflow the stack.
        var added = 0;
        try
        {
            for (var p = InfixPrecedence(); p > minPrecedence; p = InfixPrecedence())
            {
                added++;
                if (++_depth > MaxDepth)
                {
                    Fail(Peek(), $"The statement is nested too deeply (more than {MaxDepth} levels)");
                }

                left = Infix(left, p) with { Span = SpanFrom(start) };
            }
        }
        finally
        {
            _depth -= added;
        }

        return left;
    }

    private byte InfixPrecedence()
    {
        var token = Peek();
        return token.Kind switch
        {
            TokenKind.Or => PrecOr,
            TokenKind.And => PrecAnd,
            TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessOrEqual or TokenKind.Greater
                or TokenKind.GreaterOrEqual or TokenKind.Is or TokenKind.In or TokenKind.Between or TokenKind.Like => PrecCompare,
            TokenKind.Not when Peek(1).Kind is TokenKind.In or TokenKind.Between or TokenKind.Like => PrecCompare,
            TokenKind.Concat => PrecConcat,
            TokenKind.Plus or TokenKind.Minus => PrecAdd,
            TokenKind.Star or TokenKind.Slash or TokenKind.Percent => PrecMultiply,
            _ => PrecNone,
        };
    }

    private SqlExpr Infix(SqlExpr left, byte precedence)
    {
        var op = Next();
        switch (op.Kind)
        {
            case TokenKind.Is:
                var negatedIs = Match(TokenKind.Not);
                ExpectKeyword(TokenKind.Null);
                return new IsNullExpr(left, negatedIs);
            case TokenKind.Not:
                var next = Next();
                return next.Kind switch
                {
                    TokenKind.In => InRest(left, true),
                    TokenKind.Between => BetweenRest(left, true),
                    _ => new LikeExpr(left, Expr(PrecCompare), true),
                };
            case TokenKind.In:
                return InRest(left, false);
            case TokenKind.Between:
                return BetweenRest(left, false);
            case TokenKind.Like:
                return new LikeExpr(left, Expr(PrecCompare), false);
        }

        var binary = op.Kind switch
        {
            TokenKind.Or => BinaryOp.Or,
            TokenKind.And => BinaryOp.And,
            TokenKind.Equal => BinaryOp.Equal,
            TokenKind.NotEqual => BinaryOp.NotEqual,
            TokenKind.Less => BinaryOp.Less,
            TokenKind.LessOrEqual => BinaryOp.LessOrEqual,
            TokenKind.Greater => BinaryOp.Greater,
            TokenKind.GreaterOrEqual => BinaryOp.GreaterOrEqual,
            TokenKind.Concat => BinaryOp.Concat,
            TokenKind.Plus => BinaryOp.Add,
            TokenKind.Minus => BinaryOp.Subtract,
            TokenKind.Star => BinaryOp.Multiply,
            TokenKind.Slash => BinaryOp.Divide,
            _ => BinaryOp.Modulo,
        };
        return new BinaryExpr(binary, left, Expr(precedence));
    }

    /// <summary>in := IN '(' ( query | expr { ',' expr } ) ')'</summary>
    private SqlExpr InRest(SqlExpr left, bool negated)
    {
        Expect(TokenKind.LeftParen, "'('");
        if (Peek().Kind == TokenKind.Select)
        {
            var query = Query();
            Expect(TokenKind.RightParen, "')'");
            return new InQueryExpr(left, query, negated);
        }

        if (MayBeParenthesisedQuery() && TryParenthesisedQueryRest() is { } parenthesised)
        {
            return new InQueryExpr(left, parenthesised, negated);
        }

        var values = CommaSeparated(() => Expr());
        Expect(TokenKind.RightParen, "')'");
        return new InListExpr(left, values, negated);
    }

    /// <summary>between := BETWEEN expr AND expr (the bounds bind tighter than AND)</summary>
    private BetweenExpr BetweenRest(SqlExpr left, bool negated)
    {
        var low = Expr(PrecCompare);
        ExpectKeyword(TokenKind.And);
        var high = Expr(PrecCompare);
        return new BetweenExpr(left, low, high, negated);
    }

    private SqlExpr Prefix()
    {
        var token = Peek();
        var expr = PrefixCore(token);
        return expr.Span.Line == 0 ? expr with { Span = SpanFrom(token) } : expr;
    }

    private SqlExpr PrefixCore(Token token)
    {
        switch (token.Kind)
        {
            case TokenKind.Integer:
            case TokenKind.Decimal:
                Next();
                return new LiteralExpr(LiteralKind.Number, token.Text(_source));
            case TokenKind.String:
                Next();
                return new LiteralExpr(LiteralKind.String, Lexer.Unquote(_source, token));
            case TokenKind.True:
                Next();
                return new LiteralExpr(LiteralKind.Boolean, "TRUE");
            case TokenKind.False:
                Next();
                return new LiteralExpr(LiteralKind.Boolean, "FALSE");
            case TokenKind.Null:
                Next();
                return LiteralExpr.Null;
            case TokenKind.NamedParameter:
                Next();
                return new ParameterExpr(token.Text(_source)[1..], -1);
            case TokenKind.QuestionMark:
                Next();
                return new ParameterExpr(null, _positionalParameters++);
            case TokenKind.Minus:
                Next();
                return new UnaryExpr(UnaryOp.Negate, Expr(PrecMultiply));
            case TokenKind.Plus:
                Next();
                return Expr(PrecMultiply);
            case TokenKind.Not:
                Next();
                return new UnaryExpr(UnaryOp.Not, Expr(PrecNot));
            case TokenKind.LeftParen:
                Next();
                if (Peek().Kind == TokenKind.Select)
                {
                    var query = Query();
                    Expect(TokenKind.RightParen, "')'");
                    return new SubqueryExpr(query);
                }

                if (MayBeParenthesisedQuery() && TryParenthesisedQueryRest() is { } parenthesised)
                {
                    return new SubqueryExpr(parenthesised);
                }

                var inner = Expr();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.Exists:
                Next();
                Expect(TokenKind.LeftParen, "'('");
                var exists = Query();
                Expect(TokenKind.RightParen, "')'");
                return new ExistsExpr(exists);
            case TokenKind.Case:
                Next();
                return CaseRest();
            case TokenKind.Cast:
                Next();
                Expect(TokenKind.LeftParen, "'('");
                var operand = Expr();
                ExpectKeyword(TokenKind.As);
                var type = TypeName();
                Expect(TokenKind.RightParen, "')'");
                return new CastExpr(operand, type);
        }

        if (IsName(token))
        {
            if (token.Kind != TokenKind.QuotedIdentifier && Peek(1).Kind == TokenKind.LeftParen)
            {
                return FunctionCall();
            }

            return Path();
        }

        Expected("an expression");
        return null!;
    }

    /// <summary>case := CASE [expr] WHEN expr THEN expr { WHEN expr THEN expr } [ELSE expr] END</summary>
    private CaseExpr CaseRest()
    {
        var operand = Peek().Kind == TokenKind.When ? null : Expr();
        var whens = new List<WhenClause>();
        do
        {
            ExpectKeyword(TokenKind.When);
            var when = Expr();
            ExpectKeyword(TokenKind.Then);
            whens.Add(new WhenClause(when, Expr()));
        }
        while (Peek().Kind == TokenKind.When);

        var otherwise = Match(TokenKind.Else) ? Expr() : null;
        ExpectKeyword(TokenKind.End);
        return new CaseExpr(operand, new ValueList<WhenClause>(whens), otherwise);
    }

    /// <summary>call := name '(' [ '*' | [DISTINCT] expr { ',' expr } ] ')'</summary>
    private FunctionExpr FunctionCall()
    {
        var name = Next().Text(_source).ToUpperInvariant();
        Next();
        if (Match(TokenKind.Star))
        {
            Expect(TokenKind.RightParen, "')'");
            return new FunctionExpr(name, ValueList<SqlExpr>.Empty, Star: true);
        }

        if (Match(TokenKind.RightParen))
        {
            return new FunctionExpr(name, ValueList<SqlExpr>.Empty);
        }

        var distinct = Match(TokenKind.Distinct);
        var args = CommaSeparated(() => Expr());
        Expect(TokenKind.RightParen, "')'");
        return new FunctionExpr(name, args, distinct);
    }

    /// <summary>path := name { '.' name | '[' integer ']' | '[' '*' ']' }</summary>
    private PathExpr Path()
    {
        var steps = new List<PathStep> { PathStep.Key(NameText(Next())) };
        while (true)
        {
            if (Peek().Kind == TokenKind.Dot && IsName(Peek(1)))
            {
                Next();
                steps.Add(PathStep.Key(NameText(Next())));
            }
            else if (Match(TokenKind.LeftBracket))
            {
                if (Match(TokenKind.Star))
                {
                    steps.Add(PathStep.Any);
                }
                else
                {
                    var index = Expect(TokenKind.Integer, "an index or '*'");
                    if (!int.TryParse(index.Text(_source), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                    {
                        Fail(index, $"Index {index.Text(_source)} is too large");
                    }

                    steps.Add(PathStep.At(value));
                }

                Expect(TokenKind.RightBracket, "']'");
            }
            else if (Peek().Kind == TokenKind.Dot && Peek(1).Kind != TokenKind.Star)
            {
                Next();
                Expected("a name after '.'");
            }
            else
            {
                return new PathExpr(new ValueList<PathStep>(steps));
            }
        }
    }

    /// <summary>type := name [ '(' integer [ ',' integer ] ')' ]</summary>
    private SqlType TypeName()
    {
        var token = Peek();
        if (!IsName(token))
        {
            Expected("a type name");
        }

        Next();
        var type = token.Text(_source).ToUpperInvariant() switch
        {
            "STRING" or "TEXT" or "VARCHAR" or "CHAR" or "NVARCHAR" or "CHARACTER" => SqlType.String,
            "NUMBER" or "INT" or "INTEGER" or "BIGINT" or "SMALLINT" or "DECIMAL" or "NUMERIC" or "REAL" or "FLOAT" or "DOUBLE" => SqlType.Number,
            "BINARY" or "BLOB" or "BYTES" or "VARBINARY" => SqlType.Binary,
            "BOOLEAN" or "BOOL" => SqlType.Boolean,
            "LIST" or "ARRAY" => SqlType.List,
            "MAP" or "DOCUMENT" or "JSON" or "OBJECT" => SqlType.Map,
            "ANY" => SqlType.Any,
            _ => (SqlType)(-1),
        };
        if ((int)type < 0)
        {
            Fail(token, $"Unknown type '{token.Text(_source)}' (use STRING, NUMBER, BINARY, BOOLEAN, LIST, MAP or ANY)");
        }

        if (Match(TokenKind.LeftParen))
        {
            Expect(TokenKind.Integer, "a length");
            if (Match(TokenKind.Comma))
            {
                Expect(TokenKind.Integer, "a scale");
            }

            Expect(TokenKind.RightParen, "')'");
        }

        return type;
    }
}
