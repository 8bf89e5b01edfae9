using KvDb.Sql.Ast;
using KvDb.Sql.Binding;

namespace KvDb.Sql;

public sealed partial class SqlEngine
{
    private async ValueTask ExecuteDdlAsync(string text, SqlStatement statement, CancellationToken ct)
    {
        // Cached plans are dropped by any DDL: counted before (a plan built meanwhile is not trusted) and after.
        Interlocked.Increment(ref _ddlEpoch);
        try
        {
            await ExecuteDdlCoreAsync(text, statement, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _ddlEpoch);
        }
    }

    private async ValueTask ExecuteDdlCoreAsync(string text, SqlStatement statement, CancellationToken ct)
    {
        switch (statement)
        {
            case CreateTableStatement create:
                await CreateTableAsync(text, create, ct).ConfigureAwait(false);
                break;
            case DropTableStatement drop:
                if (await _catalog.FindTableAsync(drop.Name, ct).ConfigureAwait(false) is null)
                {
                    if (!drop.IfExists)
                    {
                        throw ThrowHelper.At(SqlErrorCode.UnknownTable, text, drop.Span.Start, drop.Span.Length, drop.Span.Line, drop.Span.Column, ErrorMessages.UnknownTable(drop.Name));
                    }

                    return;
                }

                await _catalog.DropTableAsync(drop.Name, ct).ConfigureAwait(false);

                // Materialized joins over the table go with it (views over it fail when used, naming the table).
                foreach (var join in await _maintainer.GetJoinsAsync(ct).ConfigureAwait(false))
                {
                    if (join.Sources.Any(s => s.Table == drop.Name))
                    {
                        await _maintainer.DropAsync(join.Name, ct).ConfigureAwait(false);
                    }
                }

                break;
            case CreateIndexStatement index:
                {
                    var table = await _catalog.FindTableAsync(index.Table, ct).ConfigureAwait(false)
                        ?? throw ThrowHelper.At(SqlErrorCode.UnknownTable, text, index.Span.Start, index.Span.Length, index.Span.Line, index.Span.Column, ErrorMessages.UnknownTable(index.Table));
                    if (index.Columns.Count > 2)
                    {
                        ThrowHelper.Error(SqlErrorCode.InvalidStatement, "An index has one or two columns (partition key, optional sort key)");
                    }

                    KeyAttribute Key(string column)
                    {
                        var def = table.FindColumn(column) ?? ThrowHelper.Error<ColumnDef>(SqlErrorCode.UnknownColumn, ErrorMessages.UnknownColumn($"{table.Name}.{column}"));
                        return new KeyAttribute(column, SqlCatalog.ToScalarType(def.Type, table.Name, column));
                    }

                    var schema = IndexSchema.Global(index.Name, Key(index.Columns[0]), index.Columns.Count > 1 ? Key(index.Columns[1]) : null);
                    await Store.CreateIndexAsync(index.Table, schema, null, ct).ConfigureAwait(false);
                    _catalog.Invalidate();
                    break;
                }

            case DropIndexStatement dropIndex:
                await DropIndexAsync(text, dropIndex, ct).ConfigureAwait(false);
                break;
            case CreateJoinStatement createJoin:
                {
                    // Every prefix of the chain is materialized, so a query joining the first k clauses uses it.
                    var chain = Materialization.MaterializedJoin.ChainFromCreateJoin(createJoin);
                    if ((await LookupTablesAsync(chain, ct).ConfigureAwait(false)).Count == Binder.TableNames(chain).Distinct(StringComparer.Ordinal).Count())
                    {
                        // As in hash-db, the tables may not exist yet; when they all do, check the names now.
                        await CheckQueryAsync(text, chain, ct).ConfigureAwait(false);
                    }
                    var prefixes = new List<TableRef>();
                    for (var from = chain.From; from is JoinRef join; from = join.Left)
                    {
                        prefixes.Insert(0, join);
                    }

                    foreach (var prefix in prefixes)
                    {
                        var analysis = Materialization.MaterializedJoin.Analyze(prefix)!.Value;
                        var name = "join_" + string.Join("_", analysis.Sources.Select(s => s.Table));
                        await _maintainer.CreateAsync(Materialization.MaterializedJoin.Create(name, prefix), ct).ConfigureAwait(false);
                    }

                    break;
                }

            case CreateMaterializedViewStatement view:
                {
                    if (await _catalog.FindTableAsync(view.Name, ct).ConfigureAwait(false) is not null
                        || (await _catalog.GetAsync(ct).ConfigureAwait(false)).Views.ContainsKey(view.Name))
                    {
                        ThrowHelper.Error(SqlErrorCode.AlreadyExists, $"A table or view named '{view.Name}' already exists");
                    }

                    await CheckQueryAsync(text, view.Query, ct).ConfigureAwait(false);
                    if (view.Query is SelectQuery { From: JoinRef from } && Materialization.MaterializedJoin.Analyze(from) is not null)
                    {
                        await _maintainer.CreateAsync(Materialization.MaterializedJoin.Create("view_" + view.Name, from), ct).ConfigureAwait(false);
                    }

                    await _catalog.CreateViewAsync(view.Name, view.ToString(), ct).ConfigureAwait(false);
                    break;
                }

            case DropMaterializedViewStatement dropView:
                {
                    var isView = (await _catalog.GetAsync(ct).ConfigureAwait(false)).Views.ContainsKey(dropView.Name);
                    if (isView)
                    {
                        await _catalog.DropViewAsync(dropView.Name, ct).ConfigureAwait(false);
                    }

                    var dropped = await _maintainer.DropAsync(isView ? "view_" + dropView.Name : dropView.Name, ct).ConfigureAwait(false);
                    if (!isView && !dropped && !dropView.IfExists)
                    {
                        ThrowHelper.Error(SqlErrorCode.UnknownTable, $"Unknown materialized view '{dropView.Name}'");
                    }

                    break;
                }

            default:
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"{statement.GetType().Name.Replace("Statement", "", StringComparison.Ordinal)} is not available yet (#4)");
                break;
        }
    }

    /// <summary>
    /// DROP INDEX: with ON, the named table's index; without, the one table that has an index of that name (SQLite's
    /// form; index names are per table in KvDb, so a name two tables use needs ON). The index lives in Core's table
    /// schema, which the catalog reads on every lookup, so the planner stops using it at once.
    /// </summary>
    private async ValueTask DropIndexAsync(string text, DropIndexStatement drop, CancellationToken ct)
    {
        SqlException Fail(SqlErrorCode code, string message) =>
            ThrowHelper.At(code, text, drop.Span.Start, drop.Span.Length, drop.Span.Line, drop.Span.Column, message);

        string table;
        if (drop.Table is not null)
        {
            var info = await _catalog.FindTableAsync(drop.Table, ct).ConfigureAwait(false);
            if (info is null)
            {
                if (drop.IfExists)
                {
                    return;
                }

                throw Fail(SqlErrorCode.UnknownTable, ErrorMessages.UnknownTable(drop.Table));
            }

            if (!info.Indexes.Any(i => i.Name == drop.Name))
            {
                if (drop.IfExists)
                {
                    return;
                }

                throw Fail(SqlErrorCode.UnknownIndex, $"Table '{info.Name}' has no index named '{drop.Name}'");
            }

            table = info.Name;
        }
        else
        {
            var owners = new List<string>();
            foreach (var name in await Store.ListTablesAsync(ct).ConfigureAwait(false))
            {
                if (name != SqlCatalog.TableName && await Store.DescribeTableAsync(name, ct).ConfigureAwait(false) is { } description
                    && description.Schema.Indexes.Any(i => i.Name == drop.Name))
                {
                    owners.Add(name);
                }
            }

            if (owners.Count == 0)
            {
                if (drop.IfExists)
                {
                    return;
                }

                throw Fail(SqlErrorCode.UnknownIndex, $"Unknown index '{drop.Name}'");
            }

            if (owners.Count > 1)
            {
                throw Fail(SqlErrorCode.UnknownIndex,
                    $"Index name '{drop.Name}' is used by tables {string.Join(", ", owners)}; write DROP INDEX {drop.Name} ON <table>");
            }

            table = owners[0];
        }

        try
        {
            await Store.DeleteIndexAsync(table, drop.Name, ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException && ex.Code is KvErrorCode.InvalidQuery or KvErrorCode.TableNotFound && drop.IfExists)
        {
            // Dropped concurrently.
        }
        finally
        {
            _catalog.Invalidate();
        }
    }

    /// <summary>Binds a query to report unknown names before anything is created.</summary>
    private async ValueTask CheckQueryAsync(string text, QueryExpr query, CancellationToken ct)
    {
        var (tables, views) = await LookupAsync(query, ct).ConfigureAwait(false);
        new Binder(text, tables, SqlParameters.From(null)) { Views = views }.BindQuery(query);
    }

    private async ValueTask CreateTableAsync(string text, CreateTableStatement create, CancellationToken ct)
    {
        SqlException Fail(SqlErrorCode code, string message) =>
            ThrowHelper.At(code, text, create.Span.Start, create.Span.Length, create.Span.Line, create.Span.Column, message);

        if (create.PrimaryKey.Count is 0 or > 2)
        {
            throw Fail(SqlErrorCode.InvalidStatement, $"CREATE TABLE {create.Name} needs PRIMARY KEY (partition key) or PRIMARY KEY (partition key, sort key)");
        }

        var duplicate = create.Columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw Fail(SqlErrorCode.InvalidStatement, $"Column '{duplicate.Key}' is declared twice in table {create.Name}");
        }

        foreach (var key in create.PrimaryKey)
        {
            if (create.Columns.All(c => c.Name != key))
            {
                throw Fail(SqlErrorCode.UnknownColumn, $"Primary key column '{key}' is not declared in table {create.Name}");
            }
        }

        if (await _catalog.FindTableAsync(create.Name, ct).ConfigureAwait(false) is not null)
        {
            if (create.IfNotExists)
            {
                return;
            }

            throw Fail(SqlErrorCode.AlreadyExists, $"Table '{create.Name}' already exists");
        }

        try
        {
            TableSchema.ValidateTableName(create.Name);
            await _catalog.CreateTableAsync(create, TableOrigin.Declared, ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            if (ex.Code == KvErrorCode.TableAlreadyExists && create.IfNotExists)
            {
                return;
            }

            throw Fail(ex.Code == KvErrorCode.TableAlreadyExists ? SqlErrorCode.AlreadyExists : SqlErrorCode.InvalidStatement, ex.Message);
        }
    }
}
