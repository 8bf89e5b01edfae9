using FsCheck;
using FsCheck.Fluent;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Tests.Parsing;

public sealed class ParserProperties
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true);

    [Fact]
    public void Parse_PrintedStatement_ReparsesToSameAst() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var text = new QueryGenerator(seed).Statement();
            var ast = CypherParser.Parse(text);
            var printed = ast.ToString();
            var again = CypherParser.Parse(printed);
            return ast.Equals(again) && printed == again.ToString();
        }).Check(s_config);

    [Fact]
    public void Parse_MutatedInput_ThrowsOnlyCypherException() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var text = new QueryGenerator(seed).Statement().ToCharArray().ToList();
            var edits = random.Next(1, 6);
            const string alphabet = "()[]{}-<>:|*.,'\"`$=~+/%^ \n\\abcMATCHRETURN0123456789;#!";
            for (var i = 0; i < edits && text.Count > 0; i++)
            {
                var at = random.Next(text.Count);
                switch (random.Next(3))
                {
                    case 0: text.RemoveAt(at); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }

            return ParsesOrFailsCleanly(new string([.. text]));
        }).Check(s_config);

    [Fact]
    public void Parse_RandomTokenSoup_ThrowsOnlyCypherException() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            string[] tokens = ["MATCH", "RETURN", "WITH", "(", ")", "[", "]", "{", "}", "-", "->", "<-", ":", "n", "1", "'s'", ",",
                "WHERE", "AND", "*", "..", "=", "CASE", "WHEN", "THEN", "END", "UNION", "$p", "|", "IN", "NOT", "IS", "NULL", "count", "MERGE", "ON"];
            var n = random.Next(1, 30);
            var text = string.Join(" ", Enumerable.Range(0, n).Select(_ => tokens[random.Next(tokens.Length)]));
            return ParsesOrFailsCleanly(text);
        }).Check(s_config);

    private static bool ParsesOrFailsCleanly(string text)
    {
        try
        {
            var ast = CypherParser.Parse(text);
            return ast.Equals(CypherParser.Parse(ast.ToString()));
        }
        catch (CypherException ex)
        {
            return ex.ErrorClass == CypherErrorClass.SyntaxError && ex.Line >= 1 && ex.Column >= 1;
        }
    }
}
