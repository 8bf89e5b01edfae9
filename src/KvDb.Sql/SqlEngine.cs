using System.Runtime.CompilerServices;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Execution;
using KvDb.Sql.Optimization;
using KvDb.Sql.Parsing;
using KvDb.Sql.Planning;

namespace KvDb.Sql;

/// <summary>
/// Runs SQL against one database: parse, bind against the catalog, plan, optimize, execute. One engine per database
/// (<see cref="For"/>); it is thread-safe and keeps no per-statement state.
/// </summary>
public sealed partial class SqlEngine
{
    private static readonly ConditionalWeakTable<KvDatabase, SqlEngine> s_engines = [];

    /// <summary>Parsed scripts by text: the AST is immutable, so repeated statements skip the lexer and parser.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SqlScript> _parsed = new(StringComparer.Ordinal);

    /// <summary>The table names each (immutable, cached) statement mentions.</summary>
    private static readonly ConditionalWeakTable<SqlNode, string[]> s_tableNames = [];

    private const int ParseCacheEntries = 1024;
    private const int ParseCacheMaxText = 4096;

    private readonly KvDatabase _database;
    private readonly SqlCatalog _catalog;
    private readonly Materialization.ViewMaintainer _maintainer;

    private SqlEngine(KvDatabase database)
    {
        _database = database;
        _catalog = new SqlCatalog(database.Store);
        _maintainer = new Materialization.ViewMaintainer(database.Store, database, _catalog) { RunQueryAsync = RunWithoutViewsAsync };
    }

    /// <summary>The engine of <paramref name="database"/> (created on first use).</summary>
    /// <param name="database">The database.</param>
    /// <returns>Its engine.</returns>
    public static SqlEngine For(KvDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return s_engines.GetValue(database, db => new SqlEngine(db));
    }

    private IKvStore Store => _database.Store;

    /// <summary>Keeps the materialized joins current (tests look at their in-memory copies through it).</summary>
    internal Materialization.ViewMaintainer Maintainer => _maintainer;

    /// <summary>Runs SQL text; the result is the last statement's.</summary>
    /// <param name="text">One or more statements separated by ';'.</param>
    /// <param name="parameters">Parameter values (object, dictionary or list), or null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The last statement's result.</returns>
    /// <exception cref="SqlException">On a syntax, name, type or runtime error; a failing statement changes nothing.</exception>
    public ValueTask<SqlResult> ExecuteAsync(string text, object? parameters = null, CancellationToken cancellationToken = default)
    {
        // A statement seen before runs its cached plan without parsing, binding or planning, and without awaiting.
        if (text is not null && TryCachedPlan(text) is { } cached)
        {
            try
            {
                return new(Run(cached, ParameterValues(cached, parameters, null), cancellationToken));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<SqlResult>(ex);
            }
        }

        return ExecuteUncachedAsync(text!, parameters, cancellationToken);
    }

    private async ValueTask<SqlResult> ExecuteUncachedAsync(string text, object? parameters, CancellationToken cancellationToken)
    {
        var session = new SqlSession(this);
        var result = await ExecuteAsync(session, text, parameters, cancellationToken).ConfigureAwait(false);
        if (session.InTransaction)
        {
            session.Rollback();
            ThrowHelper.Error(SqlErrorCode.TransactionState, "The SQL text ends inside a transaction (BEGIN without COMMIT); its changes were rolled back. Use a SqlSession to span several calls");
        }

        return result;
    }

    /// <summary>Opens a session, for transactions that span several calls.</summary>
    /// <returns>The session.</returns>
    public SqlSession OpenSession() => new(this);

    internal async ValueTask<SqlResult> ExecuteAsync(SqlSession session, string text, object? parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = SqlParameters.From(parameters);
        if (BulkValuesReader.TryOpen(text) is { } bulk)
        {
            // A large all-literal INSERT ... VALUES: rows read straight into items, no AST (see BulkValuesReader); when
            // the text turns out to be something else, nothing was applied and the statement runs the normal way below.
            var statement = new InsertStatement(bulk.Table, new ValueList<string>(bulk.Columns), null, null);
            try
            {
                return SqlResult.Affected(await InsertAsync(session, text, statement, values, cancellationToken, bulk).ConfigureAwait(false));
            }
            catch (BulkValuesReader.NotPlainException)
            {
            }
            catch (KvDbException ex)
            {
                throw Failed(session, ex);
            }
        }

        var script = Parse(text);
        var result = SqlResult.Affected(-1);
        for (var i = 0; i < script.Statements.Count; i++)
        {
            try
            {
                result = script.Statements.Count == 1 && script.Statements[0] is SelectStatement select && session.Pending is not { Count: > 0 }
                    && await TryRunCachedSelectAsync(text, select, parameters, values, cancellationToken).ConfigureAwait(false) is { } cached
                    ? cached
                    : await ExecuteStatementAsync(session, text, script.Statements[i], values, cancellationToken).ConfigureAwait(false);
            }
            catch (KvDbException ex)
            {
                throw Failed(session, ex);
            }

            if (i < script.Statements.Count - 1)
            {
                // Statements before the last run to completion, in order.
                await result.ToListAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>
    /// After a failed statement: a failing statement inside a transaction ends it (nothing of it is applied); a SQL
    /// error is rethrown as it is (with its stack), a Core error is returned wrapped as a SQL error.
    /// </summary>
    private static Exception Failed(SqlSession session, KvDbException ex)
    {
        if (session.InTransaction)
        {
            session.Rollback();
        }

        if (ex is SqlException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }

        return Wrap(ex);
    }

    private SqlScript Parse(string text)
    {
        if (text.Length > ParseCacheMaxText)
        {
            return SqlParser.ParseScript(text);
        }

        if (_parsed.TryGetValue(text, out var script))
        {
            return script;
        }

        script = SqlParser.ParseScript(text);
        if (_parsed.Count >= ParseCacheEntries)
        {
            // A simple bound: statements with inlined values would otherwise grow the cache without limit.
            _parsed.Clear();
        }

        _parsed[text] = script;
        return script;
    }

    private async ValueTask<SqlResult> ExecuteStatementAsync(SqlSession session, string text, SqlStatement statement, SqlParameters parameters, CancellationToken ct)
    {
        switch (statement)
        {
            case SelectStatement select:
                {
                    var (binder, bound) = await BindQueryAsync(text, select, select.Query, parameters, session.Pending, ct).ConfigureAwait(false);
                    var plan = Optimizer.Optimize(bound.Plan);
                    Optimization.Rules.ProjectionPushDownRule.Apply(plan);
                    Optimization.Rules.ColumnPruningRule.Apply(plan);
                    var subqueries = binder.Subqueries.Select(s => (s.Id, Optimization.Rules.ColumnPruningRule.Apply(s.Plan), s.Correlated)).ToArray();
                    return new SqlResult(bound.Columns, Stream(subqueries, plan, bound.Columns, session.Pending, null, ct), -1);
                }

            case ExplainStatement explain:
                {
                    var planText = await ExplainAsync(text, explain.Statement, parameters, ct).ConfigureAwait(false);
                    var columns = new[] { "plan" };
                    var rows = planText.Split('\n').Select(line => new SqlRow(columns, [AttributeValue.FromString(line)])).ToList();
                    return new SqlResult(columns, rows.ToAsyncEnumerable(), -1);
                }

            case InsertStatement insert:
                return SqlResult.Affected(await InsertAsync(session, text, insert, parameters, ct).ConfigureAwait(false));
            case UpdateStatement update:
                return SqlResult.Affected(await UpdateAsync(session, text, update, parameters, ct).ConfigureAwait(false));
            case DeleteStatement delete:
                return SqlResult.Affected(await DeleteAsync(session, text, delete, parameters, ct).ConfigureAwait(false));
            case BeginStatement:
                session.Begin();
                return SqlResult.Affected(-1);
            case RollbackStatement:
                session.Rollback();
                return SqlResult.Affected(-1);
            case CommitStatement:
                {
                    var pending = session.TakeForCommit();
                    await CommitTransactionAsync(pending, ct).ConfigureAwait(false);
                    return SqlResult.Affected(pending.Count);
                }

            default:
                await ExecuteDdlAsync(text, statement, ct).ConfigureAwait(false);
                return SqlResult.Affected(-1);
        }
    }

    private async ValueTask<string> ExplainAsync(string text, SqlStatement statement, SqlParameters parameters, CancellationToken ct)
    {
        switch (statement)
        {
            case SelectStatement select:
                {
                    var (binder, bound) = await BindQueryAsync(text, select, select.Query, parameters, null, ct).ConfigureAwait(false);
                    var plan = Optimizer.Optimize(bound.Plan);
                    Optimization.Rules.ProjectionPushDownRule.Apply(plan);
                    var lines = plan.Explain();
                    foreach (var (id, sub, correlated) in binder.Subqueries)
                    {
                        lines += $"\nSubquery #{id}{(correlated ? " (correlated, run per distinct outer values)" : "")}:\n" + string.Join('\n', sub.Explain().Split('\n').Select(l => "  " + l));
                    }

                    return lines;
                }

            case UpdateStatement or DeleteStatement:
                {
                    var (table, alias, where) = statement switch
                    {
                        UpdateStatement u => (u.Table, u.Alias, u.Where),
                        DeleteStatement d => (d.Table, d.Alias, d.Where),
                        _ => throw new InvalidOperationException(statement.GetType().Name),
                    };
                    var (_, plan, _) = await BindTargetAsync(text, statement, table, alias, where, parameters, ct).ConfigureAwait(false);
                    return $"{(statement is UpdateStatement ? "Update" : "Delete")} {table} (atomic)\n" + string.Join('\n', plan.Explain().Split('\n').Select(l => "  " + l));
                }

            case InsertStatement insert:
                return insert.Query is null
                    ? $"Insert {insert.Table} ({insert.Rows!.Count} row{(insert.Rows.Count == 1 ? "" : "s")}, atomic)"
                    : $"Insert {insert.Table} (atomic)\n  " + string.Join("\n  ", (await ExplainAsync(text, new SelectStatement(insert.Query), parameters, ct).ConfigureAwait(false)).Split('\n'));
            default:
                return statement.ToString();
        }
    }

    private async ValueTask<Dictionary<string, TableInfo>> LookupTablesAsync(SqlNode node, CancellationToken ct) =>
        (await LookupAsync(node, ct).ConfigureAwait(false)).Tables;

    /// <summary>Looks up every table and view a statement mentions (and the tables the views read).</summary>
    private async ValueTask<(Dictionary<string, TableInfo> Tables, Dictionary<string, QueryExpr> Views)> LookupAsync(SqlNode node, CancellationToken ct)
    {
        var tables = new Dictionary<string, TableInfo>(StringComparer.Ordinal);
        var views = new Dictionary<string, QueryExpr>(StringComparer.Ordinal);
        var pending = new Queue<string>(s_tableNames.GetValue(node, static n => [.. Binder.TableNames(n).Distinct(StringComparer.Ordinal)]));
        var snapshot = await _catalog.GetAsync(ct).ConfigureAwait(false);
        while (pending.TryDequeue(out var name))
        {
            if (tables.ContainsKey(name) || views.ContainsKey(name))
            {
                continue;
            }

            if (await _catalog.FindTableAsync(name, ct).ConfigureAwait(false) is { } info)
            {
                tables[name] = info;
            }
            else if (snapshot.Views.TryGetValue(name, out var sql))
            {
                var view = (CreateMaterializedViewStatement)SqlParser.ParseStatement(sql);
                views[name] = view.Query;
                foreach (var inner in Binder.TableNames(view.Query))
                {
                    pending.Enqueue(inner);
                }
            }
        }

        return (tables, views);
    }

    private async ValueTask<(Binder Binder, BoundQuery Query)> BindQueryAsync(
        string text, SqlNode root, QueryExpr query, SqlParameters parameters, PendingWrites? pending, CancellationToken ct)
    {
        // Materialized joins are brought up to date before they can answer a query, so readers see their own writes.
        // They hold committed rows only: a transaction that changed one of their tables reads the tables instead.
        await _maintainer.CatchUpAsync(ct).ConfigureAwait(false);
        var (tables, views) = await LookupAsync(root, ct).ConfigureAwait(false);
        var joins = await _maintainer.GetJoinsAsync(ct).ConfigureAwait(false);
        if (pending is { Count: > 0 })
        {
            joins = [.. joins.Where(j => !j.Sources.Any(s => pending.Touches(s.Table)))];
        }

        var binder = new Binder(text, tables, parameters)
        {
            Views = views,
            MaterializedJoins = joins,
        };
        return (binder, binder.BindQuery(query));
    }

    /// <summary>
    /// Runs a join chain (FROM and WHERE of <paramref name="query"/>) without materialized joins and returns the raw
    /// joined rows, one whole item per table, to fill and maintain a materialized join.
    /// </summary>
    private async ValueTask<List<AttributeValue?[]>> RunWithoutViewsAsync(SelectQuery query, Dictionary<string, object?> parameters, CancellationToken ct)
    {
        var text = query.ToString();
        var binder = new Binder(text, await LookupTablesAsync(query, ct).ConfigureAwait(false), SqlParameters.From(parameters));
        var (plan, sources) = binder.BindFrom(query.From!, null);
        if (query.Where is not null)
        {
            plan = new LogicalFilter(plan, binder.BindExpr(query.Where, new Scope(sources)));
        }

        var rows = await CollectAsync(binder, Optimizer.Optimize(plan), null, ct).ConfigureAwait(false);

        // The join order may differ from the written order: put each table's item back at its written position.
        return [.. rows.Select(row => sources.Select(s => row[s.Slot]).ToArray())];
    }

    /// <summary>A Core error met while running SQL (an invalid table name, a limit), as a SQL error with Core's text.</summary>
    internal static SqlException Wrap(KvDbException ex) =>
        new(ex.Code is KvErrorCode.LimitExceeded or KvErrorCode.ItemTooLarge or KvErrorCode.KeyTooLarge or KvErrorCode.NestingTooDeep
            ? SqlErrorCode.LimitExceeded
            : SqlErrorCode.InvalidStatement, ex.Message);

    /// <summary>
    /// The rows of a plan: columns of a materialized join straight from its in-memory copy when that is all the plan
    /// reads (<see cref="MaterializedRows"/>), else <see cref="StreamAsync"/>.
    /// </summary>
    private IAsyncEnumerable<SqlRow> Stream(
        (int Id, LogicalPlan Plan, bool Correlated)[] subqueries, LogicalPlan plan, IReadOnlyList<string> columns, PendingWrites? pending,
        AttributeValue?[]? parameters, CancellationToken ct) =>
        subqueries.Length == 0 && plan is LogicalProject { Input: LogicalMaterializedScan { Join.Rows: { } cache } scan } project
            && MaterializedRows.DirectSlots(project.Exprs) is { } slots
            ? new MaterializedRows(cache, scan, slots, columns, () => StreamAsync(subqueries, plan, columns, pending, parameters, ct), ct)
            : StreamAsync(subqueries, plan, columns, pending, parameters, ct);

    /// <summary>Runs the subqueries, then streams the main plan's rows.</summary>
    private async IAsyncEnumerable<SqlRow> StreamAsync(
        (int Id, LogicalPlan Plan, bool Correlated)[] subqueries, LogicalPlan plan, IReadOnlyList<string> columns, PendingWrites? pending,
        AttributeValue?[]? parameters, [EnumeratorCancellation] CancellationToken ct)
    {
        ExecContext ctx;
        try
        {
            ctx = await PrepareAsync(subqueries, pending, parameters, ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw Wrap(ex);
        }

        // The usual top node, a projection without correlated subqueries, is evaluated here rather than by its own
        // operator: one asynchronous step less per row.
        var project = plan is LogicalProject p && ExecContext.CorrelatedIn(p.Exprs).Length == 0 ? p : null;
        var rows = Executor.RunAsync(project?.Input ?? plan, ctx).WithCancellation(ct).ConfigureAwait(false).GetAsyncEnumerator();
        try
        {
            while (true)
            {
                AttributeValue?[] row;
                try
                {
                    if (!await rows.MoveNextAsync())
                    {
                        break;
                    }

                    row = project is null ? rows.Current : Project(project.Exprs, rows.Current, ctx);
                }
                catch (KvDbException ex) when (ex is not SqlException)
                {
                    throw Wrap(ex);
                }

                yield return new SqlRow(columns, row);
            }
        }
        finally
        {
            await rows.DisposeAsync();
        }
    }

    private static AttributeValue?[] Project(IReadOnlyList<BoundExpr> exprs, AttributeValue?[] input, ExecContext ctx)
    {
        var output = new AttributeValue?[exprs.Count];
        for (var i = 0; i < output.Length; i++)
        {
            output[i] = exprs[i].Eval(input, ctx);
        }

        return output;
    }

    private async ValueTask<ExecContext> PrepareAsync(
        IReadOnlyList<(int Id, LogicalPlan Plan, bool Correlated)> subqueries, PendingWrites? pending, AttributeValue?[]? parameters, CancellationToken ct)
    {
        var ctx = new ExecContext(Store, ct) { Pending = pending is { Count: > 0 } ? pending : null, Parameters = parameters };
        foreach (var (id, sub, correlated) in subqueries)
        {
            if (correlated)
            {
                ctx.SetCorrelated(id, sub);
            }
        }

        foreach (var (id, sub, correlated) in subqueries)
        {
            if (!correlated)
            {
                ctx.SetSubquery(id, await Executor.CollectAsync(sub, ctx).ConfigureAwait(false));
            }
        }

        return ctx;
    }

    /// <summary>Runs a query to completion (INSERT ... SELECT, the rows an UPDATE or DELETE touches).</summary>
    private async ValueTask<List<AttributeValue?[]>> CollectAsync(Binder binder, LogicalPlan plan, PendingWrites? pending, CancellationToken ct)
    {
        var ctx = await PrepareAsync(binder.Subqueries, pending, null, ct).ConfigureAwait(false);
        return await Executor.CollectAsync(plan, ctx).ConfigureAwait(false);
    }
}

/// <summary>Small helpers.</summary>
internal static class EngineExtensions
{
    public static async IAsyncEnumerable<T> ToAsyncEnumerable<T>(this IEnumerable<T> items)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var item in items)
        {
            yield return item;
        }
    }
}
