using KvDb.Testing;

namespace KvDb.Cluster.Tests;

/// <summary>The public API snapshot of this package (see <see cref="PublicApiSnapshot"/>).</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedSnapshot()
    {
        var (approved, actual) = PublicApiSnapshot.Compare(typeof(ClusteredKvStore).Assembly, "KvDb.Cluster.Tests.csproj");
        Assert.Equal(approved, actual);
    }
}
