using KvDb.Testing;

namespace KvDb.Server.Tests;

/// <summary>The public API snapshot of KvDb.Server: the tool exports no types (everything is internal).</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedSnapshot()
    {
        var (approved, actual) = PublicApiSnapshot.Compare(typeof(KvDb.Server.Http.KvDbApi).Assembly, "KvDb.Server.Tests.csproj");
        Assert.Equal(approved, actual);
    }
}
