using KvDb.Sql.Ast;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Parsing;

internal sealed partial class SqlParser
{
    /// <summary>statement := query | insert | update | delete | create | drop | EXPLAIN statement | BEGIN | COMMIT | ROLLBACK</summary>
    private SqlStatement Statement()
    {
        using var _ = EnterDepth();
        var start = Peek();
        SqlStatement statement;
        switch (start.Kind)
        {
            case TokenKind.Select:
            case TokenKind.LeftParen:
                statement = new SelectStatement(Query());
                break;
            case TokenKind.Insert:
                statement = Insert();
                break;
            case TokenKind.Update:
                statement = Update();
                break;
            case TokenKind.Delete:
                statement = Delete();
                break;
            case TokenKind.Create:
                statement = Create();
                break;
            case TokenKind.Drop:
                statement = Drop();
                break;
            case TokenKind.Explain:
                Next();
                statement = new ExplainStatement(Statement());
                break;
            case TokenKind.Begin:
                Next();
                Match(TokenKind.Transaction);
                statement = new BeginStatement();
                break;
            case TokenKind.Commit:
                Next();
                Match(TokenKind.Transaction);
                statement = new CommitStatement();
                break;
            case TokenKind.Rollback:
                Next();
                Match(TokenKind.Transaction);
                statement = new RollbackStatement();
                break;
            default:
                Expected("a statement");
                return null!;
        }

        return statement with { Span = SpanFrom(start) };
    }

    /// <summary>insert := INSERT INTO name ['(' name {, name} ')'] ( VALUES row {, row} | query )</summary>
    private InsertStatement Insert()
    {
        ExpectKeyword(TokenKind.Insert);
        ExpectKeyword(TokenKind.Into);
        var table = Name("a table name");
        var columns = ValueList<string>.Empty;
        if (Peek().Kind == TokenKind.LeftParen && !MayBeParenthesisedQuery())
        {
            Next();
            columns = CommaSeparated(() => Name("a column name"));
            Expect(TokenKind.RightParen, "')'");
        }

        if (Match(TokenKind.Values))
        {
            var rows = CommaSeparated(ValuesRow);
            return new InsertStatement(table, columns, rows, null);
        }

        if (Peek().Kind is TokenKind.Select or TokenKind.LeftParen)
        {
            return new InsertStatement(table, columns, null, Query());
        }

        Expected("VALUES or SELECT");
        return null!;
    }

    private List<SqlExpr>? _rowScratch; // the values of the VALUES rows being read, reused row after row

    /// <summary>One row of VALUES: '(' expr {, expr} ')'. Bulk INSERTs are mostly plain literals, read without the expression parser.</summary>
    private ValueList<SqlExpr> ValuesRow()
    {
        Expect(TokenKind.LeftParen, "'('");
        var values = _rowScratch ??= [];
        values.Clear(); // VALUES rows do not nest: an expression in a row cannot hold another INSERT
        do
        {
            values.Add(ValuesItem());
        }
        while (Match(TokenKind.Comma));

        Expect(TokenKind.RightParen, "')'");
        return ValueList<SqlExpr>.Own([.. values]);
    }

    /// <summary>A value of a VALUES row: a literal followed by ',' or ')' directly (as <c>Expr</c> would give it), else an expression.</summary>
    private SqlExpr ValuesItem()
    {
        var token = Peek();
        if (Peek(1).Kind is not (TokenKind.Comma or TokenKind.RightParen))
        {
            return Expr();
        }

        var (kind, text) = token.Kind switch
        {
            TokenKind.Integer or TokenKind.Decimal => (LiteralKind.Number, token.Text(_source)),
            TokenKind.String => (LiteralKind.String, Lexer.Unquote(_source, token)),
            _ => (LiteralKind.Null, null),
        };
        if (text is null)
        {
            return Expr();
        }

        Next();
        return new LiteralExpr(kind, text) { Span = SpanFrom(token) };
    }

    /// <summary>update := UPDATE name [[AS] alias] SET path '=' expr {, path '=' expr} [WHERE expr]</summary>
    private UpdateStatement Update()
    {
        ExpectKeyword(TokenKind.Update);
        var table = Name("a table name");
        var alias = Peek().Kind == TokenKind.Set ? null : OptionalAlias();
        ExpectKeyword(TokenKind.Set);
        var assignments = CommaSeparated(() =>
        {
            if (!IsName(Peek()))
            {
                Expected("a column name");
            }

            var target = Path();
            Expect(TokenKind.Equal, "'='");
            return new Assignment(target, Expr());
        });
        var where = Match(TokenKind.Where) ? Expr() : null;
        return new UpdateStatement(table, alias, assignments, where);
    }

    /// <summary>delete := DELETE FROM name [[AS] alias] [WHERE expr]</summary>
    private DeleteStatement Delete()
    {
        ExpectKeyword(TokenKind.Delete);
        ExpectKeyword(TokenKind.From);
        var table = Name("a table name");
        var alias = OptionalAlias();
        var where = Match(TokenKind.Where) ? Expr() : null;
        return new DeleteStatement(table, alias, where);
    }

    /// <summary>
    /// create := CREATE TABLE [IF NOT EXISTS] name '(' element {, element} ')'
    ///         | CREATE INDEX name ON name '(' name [, name] ')'
    ///         | CREATE JOIN join-clause { join-clause }       (join-clause := INNER JOIN name ON expr)
    ///         | CREATE MATERIALIZED VIEW name AS query
    /// element := name type [PRIMARY KEY] | PRIMARY KEY '(' name [, name] ')'
    /// </summary>
    private SqlStatement Create()
    {
        ExpectKeyword(TokenKind.Create);
        if (Match(TokenKind.Table))
        {
            var ifNotExists = false;
            if (Match(TokenKind.If))
            {
                ExpectKeyword(TokenKind.Not);
                ExpectKeyword(TokenKind.Exists);
                ifNotExists = true;
            }

            var name = Name("a table name");
            Expect(TokenKind.LeftParen, "'('");
            var columns = new List<ColumnDef>();
            var primaryKey = new List<string>();
            do
            {
                if (Peek().Kind == TokenKind.Primary && Peek(1).Kind == TokenKind.Key)
                {
                    var pkToken = Next();
                    Next();
                    if (primaryKey.Count > 0)
                    {
                        Fail(pkToken, "PRIMARY KEY is given twice");
                    }

                    Expect(TokenKind.LeftParen, "'('");
                    primaryKey.AddRange(CommaSeparated(() => Name("a column name")));
                    Expect(TokenKind.RightParen, "')'");
                    continue;
                }

                var column = Name("a column name or PRIMARY KEY");
                var type = TypeName();
                columns.Add(new ColumnDef(column, type));
                if (Peek().Kind == TokenKind.Primary)
                {
                    var pkToken = Next();
                    ExpectKeyword(TokenKind.Key);
                    if (primaryKey.Count > 0)
                    {
                        Fail(pkToken, "PRIMARY KEY is given twice");
                    }

                    primaryKey.Add(column);
                }
            }
            while (Match(TokenKind.Comma));

            Expect(TokenKind.RightParen, "')'");
            return new CreateTableStatement(name, new ValueList<ColumnDef>(columns), new ValueList<string>(primaryKey), ifNotExists);
        }

        if (Match(TokenKind.Index))
        {
            var name = Name("an index name");
            ExpectKeyword(TokenKind.On);
            var table = Name("a table name");
            Expect(TokenKind.LeftParen, "'('");
            var columns = CommaSeparated(() => Name("a column name"));
            Expect(TokenKind.RightParen, "')'");
            return new CreateIndexStatement(name, table, columns);
        }

        if (Match(TokenKind.Join))
        {
            var clauses = new List<JoinClause>();
            do
            {
                ExpectKeyword(TokenKind.Inner);
                ExpectKeyword(TokenKind.Join);
                var table = Name("a table name");
                ExpectKeyword(TokenKind.On);
                clauses.Add(new JoinClause(table, Expr()));
            }
            while (Peek().Kind == TokenKind.Inner);

            return new CreateJoinStatement(new ValueList<JoinClause>(clauses));
        }

        if (Match(TokenKind.Materialized))
        {
            ExpectKeyword(TokenKind.View);
            var name = Name("a view name");
            ExpectKeyword(TokenKind.As);
            return new CreateMaterializedViewStatement(name, Query());
        }

        Expected("TABLE, INDEX, JOIN or MATERIALIZED VIEW");
        return null!;
    }

    /// <summary>drop := DROP TABLE [IF EXISTS] name | DROP INDEX [IF EXISTS] name [ON name] | DROP MATERIALIZED VIEW [IF EXISTS] name</summary>
    private SqlStatement Drop()
    {
        ExpectKeyword(TokenKind.Drop);
        if (Match(TokenKind.Table))
        {
            var ifExists = IfExists();
            return new DropTableStatement(Name("a table name"), ifExists);
        }

        if (Match(TokenKind.Index))
        {
            var ifExists = IfExists();
            var name = Name("an index name");
            var table = Match(TokenKind.On) ? Name("a table name") : null;
            return new DropIndexStatement(name, table, ifExists);
        }

        if (Match(TokenKind.Materialized))
        {
            ExpectKeyword(TokenKind.View);
            var ifExists = IfExists();
            return new DropMaterializedViewStatement(Name("a view name"), ifExists);
        }

        Expected("TABLE, INDEX or MATERIALIZED VIEW");
        return null!;
    }

    private bool IfExists()
    {
        if (Peek().Kind == TokenKind.If && Peek(1).Kind == TokenKind.Exists)
        {
            Next();
            Next();
            return true;
        }

        return false;
    }
}
