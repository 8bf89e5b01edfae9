using KvDb.Mapping;

namespace KvDb;

/// <summary>Typed tables: <c>db.Table&lt;Order&gt;()</c> and <c>await db.CreateTableAsync&lt;Order&gt;()</c>.</summary>
public static class KvDatabaseTypedExtensions
{
    /// <summary>
    /// A typed handle on the table storing <typeparamref name="T"/> (named <paramref name="name"/>, else by
    /// [KvTable], else the type's name). Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidMapping"/>)
    /// when <typeparamref name="T"/> cannot be mapped, for example when it has no partition key.
    /// </summary>
    public static KvTable<T> Table<T>(this KvDatabase database, string? name = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(database);
        var mapper = ItemMapper<T>.Instance;
        return new KvTable<T>(database.Table(name ?? mapper.DefaultTableName), mapper);
    }

    /// <summary>Creates the table storing <typeparamref name="T"/>, with the key schema derived from its mapping.</summary>
    public static async ValueTask<KvTable<T>> CreateTableAsync<T>(this KvDatabase database, string? name = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(database);
        var mapper = ItemMapper<T>.Instance;
        var table = await database.CreateTableAsync(mapper.CreateSchema(name ?? mapper.DefaultTableName), cancellationToken).ConfigureAwait(false);
        return new KvTable<T>(table, mapper);
    }

    /// <summary>The typed view of an untyped table.</summary>
    public static KvTable<T> As<T>(this KvTable table)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(table);
        return new KvTable<T>(table, ItemMapper<T>.Instance);
    }
}
