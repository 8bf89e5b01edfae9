using KvDb.Sql.Ast;

namespace KvDb.Sql.Tests.Parsing;

/// <summary>Runs the corpus under Fixtures/Parser: each case's canonical text or error message must match exactly.</summary>
public sealed class ParserFixtureTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Parser"), "*.sql").Order(StringComparer.Ordinal))
        {
            var count = FixtureFile.Read(file).Count;
            for (var i = 0; i < count; i++)
            {
                data.Add(Path.GetFileName(file), i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_ParsesToExpectedCanonicalTextOrError(string file, int index)
    {
        var (input, expected) = FixtureFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Parser", file))[index];
        if (expected.StartsWith("error: ", StringComparison.Ordinal))
        {
            var ex = Assert.Throws<SqlException>(() => SqlScript.Parse(input));
            Assert.Equal(SqlErrorCode.Syntax, ex.SqlCode);
            Assert.Equal(KvErrorCode.ExpressionSyntax, ex.Code);
            var wanted = expected["error: ".Length..];
            var actual = wanted.Contains('\n', StringComparison.Ordinal) ? ex.Message : ex.Message.Split('\n')[0];
            Assert.Equal(wanted, actual);
            Assert.True(ex.Line > 0 && ex.Column > 0);
        }
        else
        {
            var script = SqlScript.Parse(input);
            Assert.Equal(expected, script.ToString());
            // The canonical text is a fixed point and parses to the same tree.
            var again = SqlScript.Parse(script.ToString());
            Assert.Equal(script, again);
            Assert.Equal(expected, again.ToString());
        }
    }

    [Fact]
    public void Corpus_HasCases() => Assert.True(Cases().Count >= 50);
}

/// <summary>Reads fixture files: cases separated by '====', input and expectation separated by '----'.</summary>
internal static class FixtureFile
{
    public static IReadOnlyList<(string Input, string Expected)> Read(string path)
    {
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var cases = new List<(string, string)>();
        foreach (var block in text.Split("\n====\n"))
        {
            var parts = block.Split("\n----\n");
            if (parts.Length != 2)
            {
                throw new InvalidOperationException($"Malformed fixture in {path}: {block}");
            }

            var input = string.Join('\n', parts[0].Split('\n').Where(l => !l.StartsWith("-- Each case", StringComparison.Ordinal)));
            cases.Add((input, parts[1].TrimEnd('\n')));
        }

        return cases;
    }
}
