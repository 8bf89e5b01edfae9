using KvDb;
using KvDb.Engine;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KvDb in a service collection.</summary>
public static class KvDbServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="KvDatabase"/> (a singleton) and its <see cref="IKvStore"/>. Registering twice is
    /// harmless: the first registration wins. Language and cluster packages extend the returned builder.
    /// </summary>
    public static IKvDbBuilder AddKvDb(this IServiceCollection services, Action<KvDbOptions>? configure = null) =>
        AddKvDbCore(services, configure is null ? null : (_, o) => configure(o));

    /// <summary>Registers KvDb, configuring options with access to other services.</summary>
    public static IKvDbBuilder AddKvDb(this IServiceCollection services, Action<IServiceProvider, KvDbOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddKvDbCore(services, configure);
    }

    private static IKvDbBuilder AddKvDbCore(IServiceCollection services, Action<IServiceProvider, KvDbOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp =>
        {
            var options = new KvDbOptions();
            configure?.Invoke(sp, options);
            return options;
        });
        services.TryAddSingleton<IKvStore>(sp =>
        {
            var options = sp.GetRequiredService<KvDbOptions>();
            return options.DataDirectory is { } directory ? KvEngine.Open(directory, options) : new KvEngine(options);
        });
        services.TryAddSingleton(sp => new KvDatabase(sp.GetRequiredService<IKvStore>(), sp.GetRequiredService<KvDbOptions>()));
        return new KvDbBuilder(services);
    }

    private sealed class KvDbBuilder(IServiceCollection services) : IKvDbBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

/// <summary>Returned by <c>AddKvDb</c>; extension packages add <c>.AddSql()</c>, <c>.AddCypher()</c>, <c>.AddCluster(...)</c>.</summary>
public interface IKvDbBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
