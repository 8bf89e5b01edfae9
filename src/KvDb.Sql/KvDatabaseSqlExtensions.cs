namespace KvDb.Sql;

/// <summary>SQL on a <see cref="KvDatabase"/>.</summary>
public static class KvDatabaseSqlExtensions
{
    /// <summary>
    /// Prepares SQL text (one or more statements separated by ';') to run against <paramref name="database"/>.
    /// Parameters are named (<c>@name</c>: an object's properties or a dictionary) or positional (<c>?</c>: a list).
    /// </summary>
    /// <param name="database">The database.</param>
    /// <param name="text">The SQL text.</param>
    /// <param name="parameters">Parameter values, or null.</param>
    /// <returns>The command; nothing runs until it is executed or enumerated.</returns>
    public static SqlCommand Sql(this KvDatabase database, string text, object? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(text);
        return new SqlCommand(SqlEngine.For(database), text, parameters);
    }

    /// <summary>Opens a SQL session, for BEGIN / COMMIT / ROLLBACK spanning several calls.</summary>
    /// <param name="database">The database.</param>
    /// <returns>The session.</returns>
    public static SqlSession SqlSession(this KvDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return SqlEngine.For(database).OpenSession();
    }
}
