using KvDb.Testing;

namespace KvDb.Cypher.Tests;

/// <summary>The public API snapshot of this package (see <see cref="PublicApiSnapshot"/>).</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedSnapshot()
    {
        var (approved, actual) = PublicApiSnapshot.Compare(typeof(CypherGraph).Assembly, "KvDb.Cypher.Tests.csproj");
        Assert.Equal(approved, actual);
    }
}
