using KvDb;
using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Runtime;
using KvDb.Cluster.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a cluster node as the application's KvDb store.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Makes the registered <see cref="KvDatabase"/> run over a cluster: this process hosts one node (its
    /// replicas live in a local database opened from <c>KvDbOptions</c>), talking to the others through
    /// <paramref name="transport"/>. Start the node (<see cref="ClusterNode.StartAsync"/>) at application start;
    /// <see cref="IKvStore"/> and <see cref="KvDatabase"/> then resolve to the clustered store.
    /// </summary>
    public static IKvDbBuilder AddCluster(this IKvDbBuilder builder, NodeId self, IEnumerable<NodeId> initialMembers,
        Func<IServiceProvider, IClusterTransport> transport, Action<ClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(transport);
        var members = initialMembers?.ToArray() ?? throw new ArgumentNullException(nameof(initialMembers));
        var services = builder.Services;
        services.TryAddSingleton(_ =>
        {
            var options = new ClusterOptions();
            configure?.Invoke(options);
            return options;
        });
        services.TryAddSingleton(sp =>
        {
            var kvOptions = sp.GetRequiredService<KvDbOptions>();
            var local = KvDatabase.Open(kvOptions);
            return new ClusterNode(self, local, transport(sp), members, sp.GetRequiredService<ClusterOptions>(), sp.GetService<ClusterRuntime>()) { DisposeLocalDatabase = true };
        });
        services.Replace(ServiceDescriptor.Singleton<IKvStore>(sp => sp.GetRequiredService<ClusterNode>().Store));
        return builder;
    }
}
