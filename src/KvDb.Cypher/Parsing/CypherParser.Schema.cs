using KvDb.Cypher.Ast;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Parsing;

internal sealed partial class CypherParser
{
    /// <summary>
    /// Parses a schema command, or returns null when the text does not start like one (then it is a query).
    /// INDEX, RANGE, DROP, SHOW, IF, EXISTS, FOR and ON are contextual words here, not reserved keywords, so
    /// queries may keep using them as names (<c>CREATE index = (a)-->(b)</c> still binds a path).
    /// </summary>
    public static SchemaCommand? ParseSchemaCommand(string source)
    {
        // Every schema command contains the word INDEX; other statements skip the second lexing.
        if (!source.Contains("INDEX", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parser = new CypherParser(source);
        return parser.IsSchemaCommand() ? parser.ParseSchema() : null;
    }

    private bool IsWord(string word, int n = 0) =>
        Peek(n).Kind is TokenKind.Identifier or TokenKind.Keyword && Peek(n).Text(_source).Equals(word, StringComparison.OrdinalIgnoreCase);

    private bool MatchWord(string word)
    {
        if (!IsWord(word))
        {
            return false;
        }

        Next();
        return true;
    }

    private void ExpectWord(string word)
    {
        if (!MatchWord(word))
        {
            Expected(word);
        }
    }

    private bool IsSchemaCommand() =>
        (IsKeyword(Keyword.Create) && ((IsWord("INDEX", 1) && Peek(2).Kind != TokenKind.Eq) || (IsWord("RANGE", 1) && IsWord("INDEX", 2)))) ||
        (IsWord("DROP") && IsWord("INDEX", 1)) ||
        (IsWord("SHOW") && (IsWord("INDEX", 1) || IsWord("INDEXES", 1) || ((IsWord("ALL", 1) || IsWord("RANGE", 1)) && (IsWord("INDEX", 2) || IsWord("INDEXES", 2)))));

    /// <summary>
    /// schemaCommand := CREATE [RANGE] INDEX [name] [IF NOT EXISTS] FOR '(' variable ':' label ')' ON '(' variable '.' property ')'
    ///                | DROP INDEX name [IF EXISTS]
    ///                | SHOW [ALL | RANGE] (INDEX | INDEXES)
    /// </summary>
    private SchemaCommand ParseSchema()
    {
        SchemaCommand command;
        if (MatchKeyword(Keyword.Create))
        {
            MatchWord("RANGE");
            ExpectWord("INDEX");
            string? name = null;
            if (IsNameStart(allowKeyword: false) && !(IsWord("IF") && IsKeyword(Keyword.Not, 1)) && !(IsWord("FOR") && Peek(1).Kind == TokenKind.LParen))
            {
                name = ParseName("an index name", allowKeyword: false);
            }

            var ifNotExists = false;
            if (MatchWord("IF"))
            {
                ExpectKeyword(Keyword.Not);
                ExpectWord("EXISTS");
                ifNotExists = true;
            }

            ExpectWord("FOR");
            Expect(TokenKind.LParen, "'('");
            if (Peek().Kind == TokenKind.RParen && Peek(1).Kind is TokenKind.Minus or TokenKind.ArrowLeft)
            {
                Fail(CypherErrorCode.InvalidSyntax, "Relationship property indexes are not supported; index a node label: FOR (n:Label) ON (n.property)", Peek(1));
            }

            var variable = ParseVariable();
            if (Peek().Kind != TokenKind.Colon)
            {
                Expected("':' and a label (only node property indexes are supported)");
            }

            Next();
            var label = ParseName("a label", allowKeyword: true);
            if (Peek().Kind == TokenKind.Colon)
            {
                Fail(CypherErrorCode.InvalidSyntax, "An index is on one label; remove the other labels", Peek());
            }

            Expect(TokenKind.RParen, "')'");
            if (Peek().Kind == TokenKind.Minus || Peek().Kind == TokenKind.ArrowLeft)
            {
                Fail(CypherErrorCode.InvalidSyntax, "Relationship property indexes are not supported; index a node label: FOR (n:Label) ON (n.property)", Peek());
            }

            ExpectWord("ON");
            Expect(TokenKind.LParen, "'('");
            var useToken = Peek();
            var used = ParseVariable();
            if (!string.Equals(used, variable, StringComparison.Ordinal))
            {
                Fail(CypherErrorCode.UndefinedVariable, ErrorMessages.UndefinedVariable(used), useToken);
            }

            Expect(TokenKind.Dot, "'.'");
            var property = ParseName("a property name", allowKeyword: true);
            if (Peek().Kind == TokenKind.Comma)
            {
                Fail(CypherErrorCode.InvalidSyntax, "Composite indexes (on more than one property) are not supported", Peek());
            }

            Expect(TokenKind.RParen, "')'");
            if (IsWord("OPTIONS"))
            {
                Fail(CypherErrorCode.InvalidSyntax, "Index OPTIONS are not supported", Peek());
            }

            command = new CreateIndexCommand(name, ifNotExists, variable, label, property);
        }
        else if (MatchWord("DROP"))
        {
            ExpectWord("INDEX");
            var name = ParseName("an index name", allowKeyword: true);
            var ifExists = false;
            if (MatchWord("IF"))
            {
                ExpectWord("EXISTS");
                ifExists = true;
            }

            command = new DropIndexCommand(name, ifExists);
        }
        else
        {
            ExpectWord("SHOW");
            if (!MatchWord("ALL"))
            {
                MatchWord("RANGE");
            }

            if (!MatchWord("INDEXES"))
            {
                ExpectWord("INDEX");
            }

            command = new ShowIndexesCommand();
        }

        Match(TokenKind.Semicolon);
        Expect(TokenKind.Eof, "end of input");
        return command;
    }
}
