using KvDb;
using KvDb.Sql;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KvDb.Sql.</summary>
public static class KvDbSqlServiceCollectionExtensions
{
    /// <summary>Adds <see cref="SqlEngine"/> (one per database, shared with <c>db.Sql(...)</c>). Registering twice is harmless.</summary>
    /// <param name="builder">The builder returned by <c>AddKvDb()</c>.</param>
    /// <returns>The builder.</returns>
    public static IKvDbBuilder AddSql(this IKvDbBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(sp => SqlEngine.For(sp.GetRequiredService<KvDatabase>()));
        return builder;
    }
}
