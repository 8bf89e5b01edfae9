using KvDb.Sql.Ast;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Parsing;

internal sealed partial class SqlParser
{
    /// <summary>
    /// query := operand { UNION [ALL] operand } [ORDER BY key {, key}] [LIMIT expr] [OFFSET expr]
    /// operand := select-core | '(' query ')'
    /// </summary>
    private QueryExpr Query()
    {
        using var _ = EnterDepth();
        var start = Peek();
        var left = SetOperand();
        while (Match(TokenKind.Union))
        {
            var all = Match(TokenKind.All);
            var right = SetOperand();
            left = new UnionQuery(left, right, all) { Span = SpanFrom(start) };
        }

        if (left.HasOrderOrLimit)
        {
            return left;
        }

        var orderBy = ValueList<OrderItem>.Empty;
        if (Match(TokenKind.Order))
        {
            ExpectKeyword(TokenKind.By);
            orderBy = CommaSeparated(OrderKey);
        }

        var limit = Match(TokenKind.Limit) ? Expr() : null;
        var offset = Match(TokenKind.Offset) ? Expr() : null;
        return orderBy.Count == 0 && limit is null && offset is null
            ? left
            : left with { OrderBy = orderBy, Limit = limit, Offset = offset };
    }

    private OrderItem OrderKey()
    {
        var expr = Expr();
        if (Match(TokenKind.Desc))
        {
            return new OrderItem(expr, true);
        }

        Match(TokenKind.Asc);
        return new OrderItem(expr, false);
    }

    private QueryExpr SetOperand()
    {
        if (Match(TokenKind.LeftParen))
        {
            var inner = Query();
            Expect(TokenKind.RightParen, "')'");
            return inner;
        }

        if (Peek().Kind != TokenKind.Select)
        {
            Expected("SELECT");
        }

        return SelectCore();
    }

    /// <summary>
    /// select-core := SELECT [DISTINCT | ALL] item {, item} [FROM from] [WHERE expr] [GROUP BY expr {, expr}] [HAVING expr]
    /// </summary>
    private SelectQuery SelectCore()
    {
        var start = ExpectKeyword(TokenKind.Select);
        var distinct = Match(TokenKind.Distinct);
        if (!distinct)
        {
            Match(TokenKind.All);
        }

        var items = CommaSeparated(SelectItem);
        var from = Match(TokenKind.From) ? From() : null;
        var where = Match(TokenKind.Where) ? Expr() : null;
        var groupBy = ValueList<SqlExpr>.Empty;
        if (Match(TokenKind.Group))
        {
            ExpectKeyword(TokenKind.By);
            groupBy = CommaSeparated(() => Expr());
        }

        var having = Match(TokenKind.Having) ? Expr() : null;
        return new SelectQuery(distinct, items, from, where, groupBy, having) { Span = SpanFrom(start) };
    }

    /// <summary>item := '*' | name '.' '*' | expr [[AS] alias]</summary>
    private SelectItem SelectItem()
    {
        var start = Peek();
        if (Match(TokenKind.Star))
        {
            return new StarItem(null) { Span = SpanFrom(start) };
        }

        if (IsName(start) && Peek(1).Kind == TokenKind.Dot && Peek(2).Kind == TokenKind.Star)
        {
            Next();
            Next();
            Next();
            return new StarItem(NameText(start)) { Span = SpanFrom(start) };
        }

        var expr = Expr();
        var alias = OptionalAlias();
        return new ExprItem(expr, alias) { Span = SpanFrom(start) };
    }

    /// <summary>
    /// from := primary { ',' primary | [INNER] JOIN primary ON expr | LEFT [OUTER] JOIN primary ON expr | CROSS JOIN primary }
    /// </summary>
    private TableRef From()
    {
        var start = Peek();
        var left = TablePrimary();
        while (true)
        {
            JoinKind kind;
            if (Match(TokenKind.Comma))
            {
                kind = JoinKind.Cross;
            }
            else if (Match(TokenKind.Cross))
            {
                ExpectKeyword(TokenKind.Join);
                kind = JoinKind.Cross;
            }
            else if (Match(TokenKind.Inner) || Peek().Kind == TokenKind.Join)
            {
                ExpectKeyword(TokenKind.Join);
                kind = JoinKind.Inner;
            }
            else if (Match(TokenKind.Left))
            {
                Match(TokenKind.Outer);
                ExpectKeyword(TokenKind.Join);
                kind = JoinKind.Left;
            }
            else
            {
                return left;
            }

            var right = TablePrimary();
            SqlExpr? on = null;
            if (kind != JoinKind.Cross)
            {
                ExpectKeyword(TokenKind.On);
                on = Expr();
            }

            left = new JoinRef(left, kind, right, on) { Span = SpanFrom(start) };
        }
    }

    /// <summary>primary := name [[AS] alias] | '(' query ')' [AS] alias | '(' from ')'</summary>
    private TableRef TablePrimary()
    {
        using var _ = EnterDepth();
        var start = Peek();
        if (Match(TokenKind.LeftParen))
        {
            var query = Peek().Kind == TokenKind.Select || MayBeParenthesisedQuery() ? TryParenthesisedQueryRest() : null;
            if (query is null && Peek().Kind == TokenKind.Select)
            {
                query = Query();
                Expect(TokenKind.RightParen, "')'");
            }

            if (query is not null)
            {
                var alias = OptionalAlias();
                if (alias is null)
                {
                    Expected("an alias for the subquery");
                }

                return new DerivedTableRef(query, alias) { Span = SpanFrom(start) };
            }

            var inner = From();
            Expect(TokenKind.RightParen, "')'");
            return inner;
        }

        var name = Name("a table name");
        return new NamedTableRef(name, OptionalAlias()) { Span = SpanFrom(start) };
    }
}
