using Microsoft.Extensions.DependencyInjection;

namespace KvDb.Core.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddKvDb_RegistersOneDatabase_AndTwiceIsHarmless()
    {
        var services = new ServiceCollection();
        var builder = services.AddKvDb(o => o.QueryPageSize = 10);
        services.AddKvDb(o => o.QueryPageSize = 99);
        Assert.Same(services, builder.Services);
        await using var provider = services.BuildServiceProvider();
        var db = provider.GetRequiredService<KvDatabase>();
        Assert.Same(db, provider.GetRequiredService<KvDatabase>());
        Assert.Same(db.Store, provider.GetRequiredService<IKvStore>());
        Assert.Equal(10, db.Options.QueryPageSize);
        var t = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
        await t.PutAsync(Item.Create().Set("id", "x").Build());
        Assert.NotNull(await t.GetAsync("x"));
    }
}
