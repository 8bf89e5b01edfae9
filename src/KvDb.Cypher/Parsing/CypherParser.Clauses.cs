using KvDb.Cypher.Ast;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Parsing;

internal sealed partial class CypherParser
{
    /// <summary>statement := [EXPLAIN] singleQuery ((UNION [ALL]) singleQuery)* [';'] EOF</summary>
    private CypherStatement ParseStatement()
    {
        var explain = MatchKeyword(Keyword.Explain);
        var queries = new List<SingleQuery> { ParseSingleQuery() };
        var all = new List<bool>();
        while (MatchKeyword(Keyword.Union))
        {
            all.Add(MatchKeyword(Keyword.All));
            queries.Add(ParseSingleQuery());
        }

        Match(TokenKind.Semicolon);
        Expect(TokenKind.Eof, "a clause or end of input");
        return new CypherStatement(explain, queries, all);
    }

    /// <summary>singleQuery := clause+</summary>
    private SingleQuery ParseSingleQuery()
    {
        var clauses = new List<Clause>();
        while (true)
        {
            var t = Peek();
            if (t.Kind != TokenKind.Keyword)
            {
                break;
            }

            Clause? clause = t.Keyword switch
            {
                Keyword.Match or Keyword.Optional => ParseMatch(),
                Keyword.Unwind => ParseUnwind(),
                Keyword.With => ParseWith(),
                Keyword.Return => ParseReturn(),
                Keyword.Create => ParseCreate(),
                Keyword.Merge => ParseMerge(),
                Keyword.Set => ParseSet(),
                Keyword.Remove => ParseRemove(),
                Keyword.Delete or Keyword.Detach => ParseDelete(),
                _ => null,
            };
            if (clause is null)
            {
                break;
            }

            clauses.Add(clause);
            if (clause is ReturnClause)
            {
                break;
            }
        }

        if (clauses.Count == 0)
        {
            Expected("a clause (MATCH, CREATE, RETURN, ...)");
        }

        return new SingleQuery(clauses);
    }

    /// <summary>match := [OPTIONAL] MATCH pattern [WHERE expr]</summary>
    private MatchClause ParseMatch()
    {
        var optional = MatchKeyword(Keyword.Optional);
        ExpectKeyword(Keyword.Match);
        var pattern = CommaSeparated(ParsePatternPart);
        var where = MatchKeyword(Keyword.Where) ? ParseExpr() : null;
        return new MatchClause(optional, pattern, where);
    }

    /// <summary>unwind := UNWIND expr AS variable</summary>
    private UnwindClause ParseUnwind()
    {
        ExpectKeyword(Keyword.Unwind);
        var source = ParseExpr();
        ExpectKeyword(Keyword.As);
        return new UnwindClause(source, ParseVariable());
    }

    /// <summary>with := WITH projectionBody [WHERE expr]</summary>
    private WithClause ParseWith()
    {
        ExpectKeyword(Keyword.With);
        var body = ParseProjectionBody();
        var where = MatchKeyword(Keyword.Where) ? ParseExpr() : null;
        return new WithClause(body, where);
    }

    /// <summary>return := RETURN projectionBody</summary>
    private ReturnClause ParseReturn()
    {
        ExpectKeyword(Keyword.Return);
        return new ReturnClause(ParseProjectionBody());
    }

    /// <summary>
    /// projectionBody := [DISTINCT] ('*' [',' items] | items) [ORDER BY sortItem (',' sortItem)*] [SKIP expr] [LIMIT expr];
    /// item := expr [AS name]; sortItem := expr [ASC|ASCENDING|DESC|DESCENDING]
    /// </summary>
    private ProjectionBody ParseProjectionBody()
    {
        var distinct = MatchKeyword(Keyword.Distinct);
        var star = false;
        var items = new List<ProjectionItem>();
        if (Match(TokenKind.Star))
        {
            star = true;
            if (Match(TokenKind.Comma))
            {
                items.AddRange(CommaSeparated(ParseProjectionItem));
            }
        }
        else
        {
            items.AddRange(CommaSeparated(ParseProjectionItem));
        }

        var order = EquatableArray<SortItem>.Empty;
        if (MatchKeyword(Keyword.Order))
        {
            ExpectKeyword(Keyword.By);
            order = CommaSeparated(ParseSortItem);
        }

        var skip = MatchKeyword(Keyword.Skip) ? ParseExpr() : null;
        var limit = MatchKeyword(Keyword.Limit) ? ParseExpr() : null;
        return new ProjectionBody(distinct, star, items, order, skip, limit);
    }

    private ProjectionItem ParseProjectionItem()
    {
        var e = ParseExpr();
        var alias = MatchKeyword(Keyword.As) ? ParseName("an alias", allowKeyword: true) : null;
        return new ProjectionItem(e, alias);
    }

    private SortItem ParseSortItem()
    {
        var e = ParseExpr();
        var desc = false;
        if (MatchKeyword(Keyword.Desc) || MatchKeyword(Keyword.Descending))
        {
            desc = true;
        }
        else if (!MatchKeyword(Keyword.Asc))
        {
            MatchKeyword(Keyword.Ascending);
        }

        return new SortItem(e, desc);
    }

    /// <summary>create := CREATE pattern</summary>
    private CreateClause ParseCreate()
    {
        ExpectKeyword(Keyword.Create);
        return new CreateClause(CommaSeparated(ParsePatternPart));
    }

    /// <summary>merge := MERGE patternPart (ON (CREATE|MATCH) SET setItem (',' setItem)*)*</summary>
    private MergeClause ParseMerge()
    {
        ExpectKeyword(Keyword.Merge);
        var part = ParsePatternPart();
        var onCreate = new List<SetItem>();
        var onMatch = new List<SetItem>();
        while (MatchKeyword(Keyword.On))
        {
            if (MatchKeyword(Keyword.Create))
            {
                ExpectKeyword(Keyword.Set);
                onCreate.AddRange(CommaSeparated(ParseSetItem));
            }
            else if (MatchKeyword(Keyword.Match))
            {
                ExpectKeyword(Keyword.Set);
                onMatch.AddRange(CommaSeparated(ParseSetItem));
            }
            else
            {
                Expected("CREATE or MATCH");
            }
        }

        return new MergeClause(part, onCreate, onMatch);
    }

    /// <summary>set := SET setItem (',' setItem)*</summary>
    private SetClause ParseSet()
    {
        ExpectKeyword(Keyword.Set);
        return new SetClause(CommaSeparated(ParseSetItem));
    }

    /// <summary>setItem := variable ('.' key)+ '=' expr | variable ('=' | '+=') expr | variable (':' label)+</summary>
    private SetItem ParseSetItem()
    {
        var variable = ParseVariable();
        if (Peek().Kind == TokenKind.Dot)
        {
            Expr target = new VariableExpr(variable);
            while (Match(TokenKind.Dot))
            {
                target = new PropertyExpr(target, ParseName("a property name", allowKeyword: true));
            }

            Expect(TokenKind.Eq, "'='");
            return new SetPropertyItem((PropertyExpr)target, ParseExpr());
        }

        if (Match(TokenKind.Eq))
        {
            return new SetVariableItem(variable, ParseExpr(), Merge: false);
        }

        if (Match(TokenKind.PlusEq))
        {
            return new SetVariableItem(variable, ParseExpr(), Merge: true);
        }

        if (Peek().Kind == TokenKind.Colon)
        {
            return new SetLabelsItem(variable, ParseLabels());
        }

        throw Unexpected("'.', '=', '+=' or ':'");
    }

    /// <summary>remove := REMOVE (variable '.' key | variable (':' label)+) (',' ...)*</summary>
    private RemoveClause ParseRemove()
    {
        ExpectKeyword(Keyword.Remove);
        return new RemoveClause(CommaSeparated<RemoveItem>(() =>
        {
            var variable = ParseVariable();
            if (Peek().Kind == TokenKind.Colon)
            {
                return new RemoveLabelsItem(variable, ParseLabels());
            }

            Expect(TokenKind.Dot, "'.' or ':'");
            var target = new PropertyExpr(new VariableExpr(variable), ParseName("a property name", allowKeyword: true));
            while (Match(TokenKind.Dot))
            {
                target = new PropertyExpr(target, ParseName("a property name", allowKeyword: true));
            }

            return new RemovePropertyItem(target);
        }));
    }

    /// <summary>delete := [DETACH] DELETE expr (',' expr)*</summary>
    private DeleteClause ParseDelete()
    {
        var detach = MatchKeyword(Keyword.Detach);
        ExpectKeyword(Keyword.Delete);
        return new DeleteClause(detach, CommaSeparated(() => ParseExpr()));
    }

    /// <summary>labels := (':' name)+</summary>
    private EquatableArray<string> ParseLabels()
    {
        var labels = new List<string>();
        while (Match(TokenKind.Colon))
        {
            labels.Add(ParseName("a label", allowKeyword: true));
        }

        return labels;
    }
}
