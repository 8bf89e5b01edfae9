using KvDb.Expressions;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Execution;
using KvDb.Sql.Optimization;
using KvDb.Sql.Planning;

namespace KvDb.Sql;

public sealed partial class SqlEngine
{
    /// <summary>Core's limit on actions per transaction.</summary>
    private const int TransactionLimit = 100;

    private async ValueTask<long> InsertAsync(SqlSession session, string text, InsertStatement insert, SqlParameters parameters, CancellationToken ct)
    {
        var table = await _catalog.FindTableAsync(insert.Table, ct).ConfigureAwait(false);
        if (table is null)
        {
            // hash-db style: the first INSERT creates the table with a generated numeric id.
            var create = new CreateTableStatement(insert.Table, ValueList.Of(new ColumnDef("id", SqlType.Number)), ValueList.Of<string>(["id"]), false);
            try
            {
                await _catalog.CreateTableAsync(create, TableOrigin.Auto, ct).ConfigureAwait(false);
            }
            catch (KvDbException ex) when (ex.Code == KvErrorCode.TableAlreadyExists)
            {
                _catalog.Invalidate();
            }

            table = await _catalog.FindTableAsync(insert.Table, ct).ConfigureAwait(false)
                ?? ThrowHelper.Error<TableInfo>(SqlErrorCode.UnknownTable, ErrorMessages.UnknownTable(insert.Table));
        }

        var columns = insert.Columns.Count > 0 ? [.. insert.Columns] : table.Origin == TableOrigin.Declared
            ? table.Columns.Select(c => c.Name).ToList()
            : ThrowHelper.Error<List<string>>(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} needs a column list: the table has no declared columns");
        var duplicateColumn = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicateColumn is not null)
        {
            ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"Column '{duplicateColumn.Key}' is given twice in INSERT INTO {insert.Table}");
        }

        foreach (var column in columns)
        {
            if (!table.Open && table.FindColumn(column) is null)
            {
                ThrowHelper.Error(SqlErrorCode.UnknownColumn, ErrorMessages.UnknownColumn($"{table.Name}.{column}"));
            }
        }

        // Compute the rows.
        List<AttributeValue?[]> rows;
        var binder = new Binder(text, await LookupTablesAsync(insert, ct).ConfigureAwait(false), parameters);
        if (insert.Rows is not null)
        {
            var bound = insert.Rows.Select(r => r.Count == columns.Count
                ? r.Select(e => binder.BindExpr(e, Scope.Empty)).ToArray()
                : ThrowHelper.Error<BoundExpr[]>(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} lists {columns.Count} column(s) but a row has {r.Count} value(s)")).ToList();
            rows = await CollectAsync(binder, new LogicalValues(bound, columns.Count), ct).ConfigureAwait(false);
        }
        else
        {
            var query = binder.BindQuery(insert.Query!);
            if (query.Columns.Count != columns.Count)
            {
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} lists {columns.Count} column(s) but the query returns {query.Columns.Count}");
            }

            rows = await CollectAsync(binder, Optimizer.Optimize(query.Plan), ct).ConfigureAwait(false);
        }

        var generated = table.Origin == TableOrigin.Auto && !columns.Contains(table.PartitionKey, StringComparer.Ordinal);
        var firstId = generated && rows.Count > 0 ? await _catalog.NextAsync(table.Name, "seq", rows.Count, ct).ConfigureAwait(false) : KvNumber.Zero;
        var actions = new List<TransactWriteItem>(rows.Count);
        var undo = new List<TransactWriteItem>(rows.Count);
        var keys = new HashSet<ItemKey>();
        var rowKeys = new List<ItemKey>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var builder = Item.Create();
            if (generated)
            {
                builder.Set(table.PartitionKey, AttributeValue.FromNumber(firstId + r));
            }

            for (var c = 0; c < columns.Count; c++)
            {
                if (CheckValue(table, columns[c], rows[r][c]) is { } value)
                {
                    builder.Set(columns[c], value);
                }
            }

            var item = builder.Build();
            var key = KeyOf(table, item);
            if (!keys.Add(key))
            {
                ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table.Name} gives the key {key} twice");
            }

            actions.Add(new TransactPut(table.Name, item, Condition.AttributeNotExists(table.PartitionKey)));
            rowKeys.Add(key);
            undo.Add(new TransactDelete(table.Name, key));
        }

        await CommitAsync(actions, undo, rowKeys, table.Name, "INSERT", session, ct).ConfigureAwait(false);
        if (table.Open)
        {
            await _catalog.LearnColumnsAsync(table, generated ? [table.PartitionKey, .. columns] : columns, ct).ConfigureAwait(false);
        }

        return rows.Count;
    }

    /// <summary>Checks a value against a column's declared type; NULL is returned as null (the attribute is left out).</summary>
    private static AttributeValue? CheckValue(TableInfo table, string column, AttributeValue? value)
    {
        if (value is null)
        {
            return table.IsKey(column) ? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{column}' must not be NULL") : null;
        }

        var type = table.FindColumn(column)?.Type ?? SqlType.Any;
        var ok = type switch
        {
            SqlType.String => value.Kind == AttributeKind.String,
            SqlType.Number => value.Kind == AttributeKind.Number,
            SqlType.Binary => value.Kind == AttributeKind.Binary,
            SqlType.Boolean => value.Kind == AttributeKind.Bool,
            SqlType.List => value.Kind == AttributeKind.List,
            SqlType.Map => value.Kind == AttributeKind.Map,
            _ => !table.IsKey(column) || value.IsScalarKeyType,
        };
        return ok ? value : ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch,
            $"Type mismatch: column '{table.Name}.{column}' is {SqlPrinter.TypeName(type)} but the value is {SqlValues.Describe(value)}");
    }

    private static ItemKey KeyOf(TableInfo table, Item item)
    {
        var pk = item.Get(table.PartitionKey) ?? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.PartitionKey}' must be given");
        AttributeValue? sk = null;
        if (table.SortKey is not null)
        {
            sk = item.Get(table.SortKey) ?? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.SortKey}' must be given");
        }

        return new ItemKey(pk, sk);
    }

    /// <summary>Binds the rows an UPDATE or DELETE touches: a filtered scan of the target table.</summary>
    private async ValueTask<(Binder Binder, LogicalPlan Plan, Scope Scope)> BindTargetAsync(
        string text, SqlStatement statement, string tableName, string? alias, SqlExpr? where, SqlParameters parameters, CancellationToken ct)
    {
        var binder = new Binder(text, await LookupTablesAsync(statement, ct).ConfigureAwait(false), parameters);
        var (plan, sources) = binder.BindFrom(new NamedTableRef(tableName, alias) { Span = statement.Span }, null);
        var scope = new Scope(sources);
        if (where is not null)
        {
            if (Binder.ContainsAggregate(where))
            {
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, "Aggregates are not allowed in WHERE");
            }

            plan = new LogicalFilter(plan, binder.BindExpr(where, scope));
        }

        return (binder, Optimizer.Optimize(plan), scope);
    }

    private async ValueTask<long> UpdateAsync(SqlSession session, string text, UpdateStatement update, SqlParameters parameters, CancellationToken ct)
    {
        var (binder, plan, scope) = await BindTargetAsync(text, update, update.Table, update.Alias, update.Where, parameters, ct).ConfigureAwait(false);
        var table = binder.Tables[update.Table];
        var alias = update.Alias ?? update.Table;
        var assignments = new List<(AttributePath Path, string Column, BoundExpr Value)>();
        foreach (var assignment in update.Assignments)
        {
            var steps = assignment.Target.Steps;
            if (steps.Count >= 2 && steps[0].Name == alias && steps[1].Name is not null)
            {
                steps = new ValueList<PathStep>(steps.Skip(1));
            }

            var column = steps[0].Name!;
            if (steps.Any(s => s.IsAnyElement))
            {
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"SET cannot assign to '{assignment.Target}': [*] is only for reading");
            }

            if (table.IsKey(column))
            {
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"UPDATE cannot change the key column '{table.Name}.{column}'; delete and insert instead");
            }

            if (!table.Open && table.FindColumn(column) is null)
            {
                ThrowHelper.Error(SqlErrorCode.UnknownColumn, ErrorMessages.UnknownColumn($"{table.Name}.{column}"));
            }

            var path = AttributePath.FromElements(steps.Select(s => s.Name is { } n ? PathElement.Key(n) : PathElement.At(s.Index)));
            assignments.Add((path, steps.Count == 1 ? column : "", binder.BindExpr(assignment.Value, scope)));
        }

        var rows = await CollectAsync(binder, plan, ct).ConfigureAwait(false);
        var ctx = new ExecContext(Store, ct);
        var rowKeys = new List<ItemKey>(rows.Count);
        var actions = new List<TransactWriteItem>(rows.Count);
        var undo = new List<TransactWriteItem>(rows.Count);
        foreach (var row in rows)
        {
            var old = Item.FromMap(row[0]!.AsMap());
            var expression = UpdateExpression.Empty;
            foreach (var (path, column, value) in assignments)
            {
                var v = value.Eval(row, ctx);
                if (column.Length > 0)
                {
                    v = CheckValue(table, column, v);
                }

                expression = v is null ? expression.Remove(path) : expression.Set(path, v);
            }

            var key = KeyOf(table, old);
            rowKeys.Add(key);
            actions.Add(new TransactUpdate(table.Name, key, expression, Condition.AttributeExists(table.PartitionKey)));
            undo.Add(new TransactPut(table.Name, old));
        }

        await CommitAsync(actions, undo, rowKeys, table.Name, "UPDATE", session, ct).ConfigureAwait(false);
        if (table.Open)
        {
            await _catalog.LearnColumnsAsync(table, assignments.Where(a => a.Column.Length > 0).Select(a => a.Column), ct).ConfigureAwait(false);
        }

        return rows.Count;
    }

    private async ValueTask<long> DeleteAsync(SqlSession session, string text, DeleteStatement delete, SqlParameters parameters, CancellationToken ct)
    {
        var (binder, plan, _) = await BindTargetAsync(text, delete, delete.Table, delete.Alias, delete.Where, parameters, ct).ConfigureAwait(false);
        var table = binder.Tables[delete.Table];
        var rows = await CollectAsync(binder, plan, ct).ConfigureAwait(false);
        var rowKeys = new List<ItemKey>(rows.Count);
        var actions = new List<TransactWriteItem>(rows.Count);
        var undo = new List<TransactWriteItem>(rows.Count);
        foreach (var row in rows)
        {
            var old = Item.FromMap(row[0]!.AsMap());
            rowKeys.Add(KeyOf(table, old));
            actions.Add(new TransactDelete(table.Name, rowKeys[^1]));
            undo.Add(new TransactPut(table.Name, old));
        }

        await CommitAsync(actions, undo, rowKeys, table.Name, "DELETE", session, ct).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>
    /// Applies a statement's writes. Up to 100 writes are one Core transaction: all or nothing, atomically. Larger
    /// statements run as consecutive transactions of 100; if one fails, the ones already applied are undone (deleting
    /// inserted items, restoring old images), so the statement still changes nothing when it fails, but other
    /// readers may see its partial effect meanwhile and a crash in between leaves it half-applied (#4: Core needs
    /// larger or multi-part transactions for full atomicity).
    /// </summary>
    private async ValueTask CommitAsync(
        List<TransactWriteItem> actions, List<TransactWriteItem> undo, IReadOnlyList<ItemKey> keys, string table, string verb, SqlSession? session, CancellationToken ct)
    {
        if (session is { InTransaction: true })
        {
            session.Defer(actions, keys);
            return;
        }

        var applied = 0;
        try
        {
            for (var start = 0; start < actions.Count; start += TransactionLimit)
            {
                var chunk = actions.GetRange(start, Math.Min(TransactionLimit, actions.Count - start));
                var result = await Store.TransactWriteItemsAsync(chunk, ct).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    var index = result.FailedActionIndex;
                    var reason = index >= 0 ? result.CancellationReasons[index] : null;
                    var what = index >= 0 ? Describe(chunk[index]) : "a row";
                    var message = reason?.Code == "ConditionalCheckFailed"
                        ? verb == "INSERT" ? $"INSERT INTO {table} failed: duplicate key {what}" : $"{verb} on {table} failed: {what} was changed or deleted concurrently"
                        : $"{verb} on {table} failed at {what}: {reason?.Code} {reason?.Message}";
                    ThrowHelper.Error(SqlErrorCode.WriteFailed, message + "; nothing was changed");
                }

                applied = start + chunk.Count;
            }
        }
        catch (Exception) when (applied > 0)
        {
            for (var start = 0; start < applied; start += TransactionLimit)
            {
                await Store.TransactWriteItemsAsync(undo.GetRange(start, Math.Min(TransactionLimit, applied - start)), CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"{verb} on {table} failed: {ex.Message}; nothing was changed");
        }
    }

    private static string Describe(TransactWriteItem action) => action switch
    {
        TransactPut put => put.Item.ToString(),
        TransactUpdate update => update.Key.ToString(),
        TransactDelete delete => delete.Key.ToString(),
        _ => action.ToString(),
    };
}
