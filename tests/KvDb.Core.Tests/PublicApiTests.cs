using KvDb.Testing;

namespace KvDb.Core.Tests;

/// <summary>The public API snapshot of this package (see <see cref="PublicApiSnapshot"/>).</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedSnapshot()
    {
        var (approved, actual) = PublicApiSnapshot.Compare(typeof(KvDatabase).Assembly, "KvDb.Core.Tests.csproj");
        Assert.Equal(approved, actual);
    }
}
