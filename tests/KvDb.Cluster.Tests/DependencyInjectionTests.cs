using KvDb.Cluster.Node;
using KvDb.Cluster.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace KvDb.Cluster.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddCluster_MakesKvDatabaseRunOverTheCluster()
    {
        var network = new InProcessNetwork();
        NodeId[] members = ["a", "b"];
        var providers = members.Select(id =>
        {
            var services = new ServiceCollection();
            services.AddKvDb().AddCluster(id, members, _ => network.CreateTransport(id), o =>
            {
                o.AntiEntropyInterval = TimeSpan.Zero;
                o.DeadAfter = TimeSpan.Zero;
                o.VirtualNodesPerNode = 16;
            });
            return services.BuildServiceProvider();
        }).ToArray();
        try
        {
            foreach (var sp in providers)
            {
                await sp.GetRequiredService<ClusterNode>().StartAsync();
            }

            var a = providers[0].GetRequiredService<KvDatabase>();
            Assert.IsType<ClusteredKvStore>(a.Store);
            var table = await a.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
            await table.PutAsync(Item.Create().Set("id", "x").Set("n", 1).Build());

            var b = providers[1].GetRequiredService<KvDatabase>();
            var item = await b.Table("t").GetAsync("x");
            Assert.Equal(1, item!["n"].AsNumber().ToInt64());
        }
        finally
        {
            foreach (var sp in providers)
            {
                await sp.DisposeAsync();
            }
        }
    }
}
