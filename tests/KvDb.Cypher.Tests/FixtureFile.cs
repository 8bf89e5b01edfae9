namespace KvDb.Cypher.Tests;

/// <summary>Reads "query / => expected / ===" fixture files from the Fixtures folder.</summary>
internal static class FixtureFile
{
    public static IEnumerable<(string Query, string Expected)> Read(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var block in text.Split("\n===\n"))
        {
            var lines = block.Split('\n').Where(l => !l.StartsWith('#')).ToList();
            var expectedAt = lines.FindIndex(l => l.StartsWith("=> ", StringComparison.Ordinal) || l.StartsWith("!! ", StringComparison.Ordinal));
            if (expectedAt < 0)
            {
                continue;
            }

            yield return (string.Join("\n", lines.Take(expectedAt)), string.Join("\n", lines.Skip(expectedAt)).TrimEnd('\n'));
        }
    }
}
