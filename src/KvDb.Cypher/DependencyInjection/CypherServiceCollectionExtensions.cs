using KvDb;
using KvDb.Cypher;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KvDb.Cypher.</summary>
public static class CypherServiceCollectionExtensions
{
    /// <summary>
    /// Adds the default <see cref="CypherGraph"/> of the registered <see cref="KvDatabase"/> as a singleton;
    /// other graphs come from <c>database.Graph(name)</c>. Registering twice is harmless.
    /// </summary>
    public static IKvDbBuilder AddCypher(this IKvDbBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<KvDatabase>().Graph());
        return builder;
    }
}
