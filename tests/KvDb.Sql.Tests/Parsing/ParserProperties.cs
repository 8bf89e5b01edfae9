using FsCheck;
using FsCheck.Fluent;
using KvDb.Sql.Ast;
using KvDb.Sql.Parsing;

namespace KvDb.Sql.Tests.Parsing;

public sealed class ParserProperties
{
    [Fact]
    public void PrintThenParse_AnyStatement_GivesSameTree() =>
        Prop.ForAll(AstGenerators.Statement.ToArbitrary(), statement =>
        {
            var text = statement.ToString();
            var parsed = SqlParser.ParseStatement(text);
            if (!parsed.Equals(statement))
            {
                throw new InvalidOperationException($"Round trip changed the tree.\nText: {text}\nReparsed: {parsed}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400).WithQuietOnSuccess(true));

    [Fact]
    public void PrintThenParse_AnyExpression_GivesSameTree() =>
        Prop.ForAll(Gen.Sized(s => AstGenerators.Expr(Math.Min(s, 20))).ToArbitrary(), expr =>
        {
            var text = expr.ToString();
            var parsed = SqlParser.ParseExpression(text);
            if (!parsed.Equals(expr))
            {
                throw new InvalidOperationException($"Round trip changed the tree.\nText: {text}\nReparsed: {parsed}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(600).WithQuietOnSuccess(true));

    private static readonly string[] s_fragments =
    [
        "select", "from", "where", "and", "or", "not", "(", ")", ",", "*", "a", "t.b", "1", "2.5", "'s'", "\"q\"", "=", "<", ">=",
        "<>", "+", "-", "/", "%", "||", "in", "between", "like", "is", "null", "case", "when", "then", "else", "end", "cast", "as",
        "join", "inner", "left", "on", "group", "by", "order", "limit", "union", "all", "insert", "into", "values", "update",
        "set", "delete", "create", "table", "primary", "key", "drop", "index", "explain", "begin", "commit", "rollback", ";",
        "[", "]", "[*]", ".", "@p", "?", "--", "/*", "*/", "'", "\"", "exists", "distinct", "materialized", "view", "\n", "\t",
        "#", "\u00e9", "1e", "..", "\0",
    ];

    [Fact]
    public void Parse_RandomTokenSoup_ThrowsOnlySqlException() =>
        Prop.ForAll(Gen.ListOf(Gen.Elements(s_fragments)).Select(f => string.Join(" ", f)).ToArbitrary(), text => Agrees(text))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true));

    [Fact]
    public void Parse_MutatedValidStatement_ThrowsOnlySqlException() =>
        Prop.ForAll(
            (from statement in AstGenerators.Statement
             from position in Gen.Choose(0, 1000)
             from cut in Gen.Choose(0, 5)
             from insert in Gen.Elements(s_fragments)
             select (statement.ToString(), position, cut, insert)).ToArbitrary(),
            t =>
            {
                var (text, position, cut, insert) = t;
                var at = Math.Min(position, text.Length);
                var mutated = text[..at] + insert + text[Math.Min(text.Length, at + cut)..];
                Agrees(mutated);
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));

    [Fact]
    public void Parse_RandomCharacters_ThrowsOnlySqlException() =>
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text => Agrees(text ?? ""))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true));

    [Fact]
    public void Parse_DeeplyNested_IsSyntaxErrorNotStackOverflow()
    {
        var deep = "select " + new string('(', 100_000) + "1" + new string(')', 100_000);
        var ex = Assert.Throws<SqlException>(() => SqlScript.Parse(deep));
        Assert.StartsWith("The statement is nested too deeply", ex.Message, StringComparison.Ordinal);

        var chain = "select 1" + string.Concat(Enumerable.Repeat(" + 1", 100_000));
        Assert.Throws<SqlException>(() => SqlScript.Parse(chain));

        var negations = "select " + string.Concat(Enumerable.Repeat("NOT ", 100_000)) + "TRUE";
        Assert.Throws<SqlException>(() => SqlScript.Parse(negations));
    }

    /// <summary>Parsing either fails with a syntax error, or succeeds and then round-trips.</summary>
    private static void Agrees(string text)
    {
        SqlScript script;
        try
        {
            script = SqlScript.Parse(text);
        }
        catch (SqlException ex) when (ex.SqlCode is SqlErrorCode.Syntax or SqlErrorCode.LimitExceeded)
        {
            return;
        }

        var again = SqlScript.Parse(script.ToString());
        if (!again.Equals(script))
        {
            throw new InvalidOperationException($"Round trip changed the tree for input {text}\nprinted: {script}\nreparsed: {again}");
        }
    }
}
