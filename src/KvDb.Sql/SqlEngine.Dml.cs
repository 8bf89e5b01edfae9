using KvDb.Expressions;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Execution;
using KvDb.Sql.Optimization;
using KvDb.Sql.Planning;

namespace KvDb.Sql;

public sealed partial class SqlEngine
{
    /// <summary>
    /// The most rows one statement, or one transaction, may change: each is one atomic Core transaction, and Core
    /// takes at most <see cref="TransactWriteOptions.Unbounded"/> actions in one.
    /// </summary>
    internal const int MaxRowsPerTransaction = TransactWriteOptions.Unbounded;

    private static readonly TransactWriteOptions s_atomic = new() { MaxActions = MaxRowsPerTransaction };

    // bulk: the reader of the statement's VALUES when they are read without an AST (Parsing.BulkValuesReader).
    private async ValueTask<long> InsertAsync(SqlSession session, string text, InsertStatement insert, SqlParameters parameters, CancellationToken ct,
        Parsing.BulkValuesReader? bulk = null)
    {
        var table = await _catalog.FindTableAsync(insert.Table, ct, withStatistics: false).ConfigureAwait(false);
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

        IReadOnlyList<string> columns = insert.Columns.Count > 0 ? insert.Columns : table.Origin == TableOrigin.Declared
            ? table.Columns.Select(c => c.Name).ToList()
            : ThrowHelper.Error<List<string>>(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} needs a column list: the table has no declared columns");
        for (var c = 1; c < columns.Count; c++)
        {
            for (var d = 0; d < c; d++)
            {
                if (string.Equals(columns[c], columns[d], StringComparison.Ordinal))
                {
                    ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"Column '{columns[c]}' is given twice in INSERT INTO {insert.Table}");
                }
            }
        }

        for (var c = 0; c < columns.Count && !table.Open; c++)
        {
            if (table.FindColumn(columns[c]) is null)
            {
                ThrowHelper.Error(SqlErrorCode.UnknownColumn, ErrorMessages.UnknownColumn($"{table.Name}.{columns[c]}"));
            }
        }

        // Compute the rows: plain values and parameters (the bulk and the prepared forms) are read row by row below,
        // with no expression to bind or evaluate; anything else runs through the binder and the operators first.
        var simple = insert.Rows is not null && AllLiteralsOrParameters(insert.Rows);
        List<AttributeValue?[]>? computed = null;
        var generated = table.Origin == TableOrigin.Auto && !Contains(columns, table.PartitionKey);
        if (bulk is not null && generated)
        {
            // Generated keys are reserved by count before the rows are built: read the rows first.
            computed = [];
            while (true)
            {
                var row = new AttributeValue?[columns.Count];
                if (!bulk.ReadRow(row))
                {
                    break;
                }

                computed.Add(row);
            }

            bulk = null;
        }

        if (simple || computed is not null || bulk is not null)
        {
            // Read row by row below.
        }
        else if (insert.Rows is not null)
        {
            computed = await ComputeValuesAsync(text, insert, columns.Count, parameters, session.Pending, ct).ConfigureAwait(false);
        }
        else
        {
            var binder = new Binder(text, await LookupTablesAsync(insert, ct).ConfigureAwait(false), parameters);
            var query = binder.BindQuery(insert.Query!);
            if (query.Columns.Count != columns.Count)
            {
                ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} lists {columns.Count} column(s) but the query returns {query.Columns.Count}");
            }

            computed = await CollectAsync(binder, Optimizer.Optimize(query.Plan), session.Pending, ct).ConfigureAwait(false);
        }

        // Streamed rows (bulk) are counted as they come.
        var rowCount = bulk is not null ? int.MaxValue : computed?.Count ?? insert.Rows!.Count;
        if (rowCount > MaxRowsPerTransaction && bulk is null)
        {
            CheckRowCount(rowCount, $"INSERT INTO {table.Name}", session);
        }

        var firstId = generated && rowCount > 0 ? await _catalog.NextAsync(table.Name, "seq", rowCount, ct).ConfigureAwait(false) : KvNumber.Zero;
        // Outside a transaction the rows become the actions of one Core transaction straight away, and Core rejects a
        // key given twice (the message is made below, on failure only); inside one, they join the pending writes,
        // which would merge a repeated key, so repeats are caught here.
        var capacity = bulk?.EstimatedRows ?? rowCount;
        var pending = session.Pending;
        // Inside a transaction: the rows, checked and added to the pending writes after the loop (one row, the
        // prepared form, is kept in a local instead of a list).
        var items = pending is null || rowCount <= 1 ? null : new List<(ItemKey Key, Item Item)>(capacity);
        (ItemKey Key, Item Item)? single = null;
        // On a local database the rows go to Core's bulk insert (each row encoded once, straight into its stored
        // record; no item or action object per row); on other stores (a cluster) they become transaction actions.
        var local = pending is null ? _database.LocalEngine : null;
        var bulkInsert = local is null ? null : BeginBulkInsert(local, table.Name, capacity);
        KvDbException? rejected = null; // the first row Core rejected: later rows are still read (their SQL errors come first)
        var actions = pending is null && bulkInsert is null ? new List<TransactWriteItem>(capacity) : null;
        var notExists = actions is null ? null : Condition.AttributeNotExists(table.PartitionKey);
        var keys = pending is not null && rowCount > 1 ? new HashSet<ItemKey>(capacity) : null;
        var rowsRead = 0;

        // Per column, once: its declared type and whether it is a key; then per row its attributes, encoded straight
        // into the item (names are distinct: checked above), and its key from the row's own values.
        var offset = generated ? 1 : 0;
        var arrays = RowArrays.Rent(columns.Count, columns.Count + offset);
        var types = arrays.Types;
        var pkColumn = -1;
        var skColumn = -1;
        for (var c = 0; c < columns.Count; c++)
        {
            types[c] = table.FindColumn(columns[c])?.Type ?? SqlType.Any;
            pkColumn = string.Equals(columns[c], table.PartitionKey, StringComparison.Ordinal) ? c : pkColumn;
            skColumn = table.SortKey is not null && string.Equals(columns[c], table.SortKey, StringComparison.Ordinal) ? c : skColumn;
        }

        var names = arrays.Names;
        var values = arrays.Values;
        var scratch = simple || bulk is not null ? arrays.Row : null;
        if (bulk is not null && bulkInsert is not null) // (generated keys read the rows above and cleared bulk)
        {
            rowsRead = StreamRows(bulk, bulkInsert, table, columns, types, pkColumn, skColumn, session, ref rejected);
            rowCount = 0; // read above
        }

        for (var r = 0; r < rowCount; r++)
        {
            AttributeValue?[] row;
            if (bulk is not null)
            {
                if (!bulk.ReadRow(scratch!))
                {
                    break;
                }

                if (r == MaxRowsPerTransaction)
                {
                    CheckRowCount(r + 1, $"INSERT INTO {table.Name}", session, atLeast: true);
                }

                row = scratch!;
            }
            else if (scratch is not null)
            {
                var source = insert.Rows![r];
                if (source.Count != columns.Count)
                {
                    ThrowHelper.Error(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} lists {columns.Count} column(s) but a row has {source.Count} value(s)");
                }

                for (var c = 0; c < scratch.Length; c++)
                {
                    scratch[c] = SqlValues.Normalize(source[c] is LiteralExpr literal ? SqlValues.FromLiteral(literal) : parameters.Get((ParameterExpr)source[c]));
                }

                row = scratch;
            }
            else
            {
                row = computed![r];
            }

            var count = 0;
            AttributeValue? pk = null;
            if (generated)
            {
                names[0] = table.PartitionKey;
                values[0] = pk = AttributeValue.FromNumber(firstId + r);
                count = 1;
            }

            for (var c = 0; c < columns.Count; c++)
            {
                if (CheckValue(table, columns[c], types[c], row[c]) is { } value)
                {
                    names[count] = columns[c];
                    values[count++] = value;
                }
            }

            pk ??= pkColumn >= 0 ? row[pkColumn] : null;
            var key = new ItemKey(
                pk ?? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.PartitionKey}' must be given"),
                table.SortKey is null ? null : (skColumn >= 0 ? row[skColumn] : null)
                    ?? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.SortKey}' must be given"));
            if (keys is not null && !keys.Add(key))
            {
                ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table.Name} gives the key {key} twice");
            }

            if (bulkInsert is not null)
            {
                if (rejected is null)
                {
                    try
                    {
                        bulkInsert.Add(names.AsSpan(0, count), values.AsSpan(0, count));
                    }
                    catch (KvDbException ex) when (ex is not SqlException)
                    {
                        rejected = ex;
                    }
                }
            }
            else
            {
                var item = Item.Encoded(names.AsSpan(0, count), values.AsSpan(0, count));
                if (actions is not null)
                {
                    actions.Add(new TransactPut(table.Name, item, notExists));
                }
                else if (items is not null)
                {
                    items.Add((key, item));
                }
                else
                {
                    single = (key, item);
                }
            }

            rowsRead++;
        }

        RowArrays.Return(arrays); // no await since the rent: no other statement on this thread used them meanwhile
        if (pending is not null)
        {
            // Inside a transaction: the rows join the pending writes; a key that exists (pending or stored) is an error now.
            var count = items?.Count ?? (single is null ? 0 : 1);
            for (var i = 0; i < count; i++)
            {
                var (key, _) = items is null ? single!.Value : items[i];
                var exists = pending.TryGet(table.Name, key, out var current)
                    ? current is not null
                    : _database.LocalEngine is { } engine
                        ? engine.GetItem(table.Name, key) is not null
                        : await Store.GetItemAsync(new GetItemRequest(table.Name, key), ct).ConfigureAwait(false) is not null;
                if (exists)
                {
                    ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table.Name} failed: duplicate key {key}; the transaction was rolled back");
                }
            }

            for (var i = 0; i < count; i++)
            {
                var (key, item) = items is null ? single!.Value : items[i];
                pending.Set(table.Name, table.PartitionKey, key, null, item);
            }
        }
        else if (bulkInsert is not null)
        {
            await CommitAsync(bulkInsert, table.Name, rejected, ct).ConfigureAwait(false);
        }
        else
        {
            try
            {
                await CommitAsync(actions!, table.Name, "INSERT", ct).ConfigureAwait(false);
            }
            catch (SqlException) when (actions!.Count > 1 && RepeatedKey(table, actions) is { } repeated)
            {
                ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table.Name} gives the key {repeated} twice");
            }
        }

        if (table.Open)
        {
            await _catalog.LearnColumnsAsync(table, generated ? [table.PartitionKey, .. columns] : columns, ct).ConfigureAwait(false);
        }

        return rowsRead;
    }

    /// <summary>
    /// The rows of a large all-literal INSERT streamed into Core's bulk insert value by value, without an
    /// <see cref="AttributeValue"/> or a string per value: the checks and the errors of the general row loop (each
    /// column's type in order, then the key columns), and Core's first rejection kept in <paramref name="rejected"/>
    /// while later rows are still read. Returns the number of rows read.
    /// </summary>
    private static int StreamRows(Parsing.BulkValuesReader bulk, Engine.BulkInsert insert, TableInfo table, IReadOnlyList<string> columns, SqlType[] types,
        int pkColumn, int skColumn, SqlSession session, ref KvDbException? rejected)
    {
        var row = new Parsing.BulkValuesReader.RowValue[columns.Count];
        var text = bulk.Text;
        var rows = 0;
        while (bulk.ReadRow(row))
        {
            if (rows == MaxRowsPerTransaction)
            {
                CheckRowCount(rows + 1, $"INSERT INTO {table.Name}", session, atLeast: true);
            }

            for (var c = 0; c < row.Length; c++)
            {
                if (!Fits(table, columns[c], types[c], row[c]))
                {
                    CheckValue(table, columns[c], types[c], row[c].ToAttributeValue(text)); // throws CheckValue's error
                }
            }

            if (pkColumn < 0)
            {
                ThrowHelper.Error(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.PartitionKey}' must be given");
            }

            if (table.SortKey is not null && skColumn < 0)
            {
                ThrowHelper.Error(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{table.SortKey}' must be given");
            }

            if (rejected is null)
            {
                try
                {
                    insert.BeginRow();
                    for (var c = 0; c < row.Length; c++)
                    {
                        var value = row[c];
                        switch (value.Kind)
                        {
                            case AttributeKind.Number:
                                insert.Number(columns[c], value.Number);
                                break;
                            case AttributeKind.String when value.TryGetChars(text, out var chars):
                                insert.String(columns[c], chars);
                                break;
                            case AttributeKind.String:
                                insert.Value(columns[c], value.ToAttributeValue(text)!);
                                break;
                            case AttributeKind.Bool:
                                insert.Bool(columns[c], value.Bool);
                                break;
                        }
                    }

                    insert.EndRow();
                }
                catch (KvDbException ex) when (ex is not SqlException)
                {
                    rejected = ex;
                }
            }

            rows++;
        }

        return rows;
    }

    /// <summary>Whether <see cref="CheckValue(TableInfo, string, SqlType, AttributeValue?)"/> accepts the literal (decided on its kind alone, as CheckValue does).</summary>
    private static bool Fits(TableInfo table, string column, SqlType type, in Parsing.BulkValuesReader.RowValue value) => value.Kind switch
    {
        null => !table.IsKey(column),
        { } kind => type switch
        {
            SqlType.String => kind == AttributeKind.String,
            SqlType.Number => kind == AttributeKind.Number,
            SqlType.Boolean => kind == AttributeKind.Bool,
            SqlType.Binary or SqlType.List or SqlType.Map => false,
            _ => !table.IsKey(column) || kind is AttributeKind.String or AttributeKind.Number,
        },
    };

    private static Engine.BulkInsert BeginBulkInsert(Engine.KvEngine engine, string table, int capacity)
    {
        try
        {
            return engine.BeginBulkInsert(table, capacity);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"INSERT on {table} failed: {ex.Message}; nothing was changed");
        }
    }

    /// <summary>
    /// Commits an INSERT's rows through Core's bulk insert, with the messages of the transaction path: a row Core
    /// rejected while it was added (<paramref name="rejected"/>) is reported after any repeated key among the rows
    /// before it, as Core's transaction validates its actions in order.
    /// </summary>
    private static async ValueTask CommitAsync(Engine.BulkInsert bulk, string table, KvDbException? rejected, CancellationToken ct)
    {
        Engine.BulkInsertResult result;
        try
        {
            result = rejected is null ? await bulk.CommitAsync(ct).ConfigureAwait(false)
                : bulk.FindRepeatedRow() is var row and >= 0 ? new(Engine.BulkInsertFailure.KeyRepeated, row)
                : throw rejected;
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"INSERT on {table} failed: {ex.Message}; nothing was changed");
        }

        switch (result.Failure)
        {
            case Engine.BulkInsertFailure.KeyRepeated:
                ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table} gives the key {bulk.KeyAt(result.Row)} twice");
                break;
            case Engine.BulkInsertFailure.KeyExists:
                ThrowHelper.Error(SqlErrorCode.WriteFailed, $"INSERT INTO {table} failed: duplicate key {bulk.KeyAt(result.Row)}; nothing was changed");
                break;
        }
    }

    /// <summary>
    /// The per-row scratch arrays of <see cref="InsertAsync"/>'s row loop (column types, item names and values, one
    /// row's values), kept per thread for the next INSERT of the same shape: a stream of single-row INSERTs (the
    /// prepared form) does not allocate four arrays per statement. The loop never awaits, so the arrays are taken and
    /// given back on one thread; an exception leaves them untaken.
    /// </summary>
    private sealed class RowArrays(int columns, int width)
    {
        [ThreadStatic]
        private static RowArrays? t_cached;

        public readonly SqlType[] Types = new SqlType[columns];
        public readonly string[] Names = new string[width];
        public readonly AttributeValue[] Values = new AttributeValue[width];
        public readonly AttributeValue?[] Row = new AttributeValue?[columns];

        public static RowArrays Rent(int columns, int width)
        {
            var cached = t_cached;
            if (cached is not null && cached.Types.Length == columns && cached.Names.Length == width)
            {
                t_cached = null;
                return cached;
            }

            return new RowArrays(columns, width);
        }

        public static void Return(RowArrays arrays)
        {
            Array.Clear(arrays.Values); // the last row's values are not kept alive
            Array.Clear(arrays.Row);
            t_cached = arrays;
        }
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>VALUES rows with expressions: bound and evaluated by the operators (kept out of InsertAsync, whose every run would otherwise allocate these lambdas' closure).</summary>
    private async ValueTask<List<AttributeValue?[]>> ComputeValuesAsync(string text, InsertStatement insert, int width, SqlParameters parameters, PendingWrites? pending, CancellationToken ct)
    {
        var binder = new Binder(text, await LookupTablesAsync(insert, ct).ConfigureAwait(false), parameters);
        var bound = insert.Rows!.Select(r => r.Count == width
            ? r.Select(e => binder.BindExpr(e, Scope.Empty)).ToArray()
            : ThrowHelper.Error<BoundExpr[]>(SqlErrorCode.InvalidStatement, $"INSERT INTO {insert.Table} lists {width} column(s) but a row has {r.Count} value(s)")).ToList();
        return await CollectAsync(binder, new LogicalValues(bound, width), pending, ct).ConfigureAwait(false);
    }

    /// <summary>The first key that two of the INSERT's rows share, or null.</summary>
    private static ItemKey? RepeatedKey(TableInfo table, List<TransactWriteItem> actions)
    {
        var seen = new HashSet<ItemKey>(actions.Count);
        foreach (var action in actions)
        {
            var key = KeyOf(table, ((TransactPut)action).Item);
            if (!seen.Add(key))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Whether every value of a VALUES list is a literal or a parameter (then nothing needs binding, and no other table is read).</summary>
    private static bool AllLiteralsOrParameters(ValueList<ValueList<SqlExpr>> rows)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (var c = 0; c < row.Count; c++)
            {
                if (row[c] is not (LiteralExpr or ParameterExpr))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Rejects a statement that would change more rows than one Core transaction holds (a transaction's total is checked as rows join it).</summary>
    private static void CheckRowCount(int rows, string statement, SqlSession session, bool atLeast = false)
    {
        if (rows > MaxRowsPerTransaction)
        {
            // atLeast: rows read as they stream; the statement has this many at least.
            ThrowHelper.Error(SqlErrorCode.LimitExceeded,
                $"{statement} changes {(atLeast ? "more than " + MaxRowsPerTransaction.ToString(System.Globalization.CultureInfo.InvariantCulture) : rows.ToString(System.Globalization.CultureInfo.InvariantCulture))} rows; one statement may change at most {MaxRowsPerTransaction} rows (it is applied as one atomic Core transaction); "
                + (session.InTransaction ? "the transaction was rolled back" : "nothing was changed"));
        }
    }

    /// <summary>Checks a value against a column's declared type; NULL is returned as null (the attribute is left out).</summary>
    private static AttributeValue? CheckValue(TableInfo table, string column, AttributeValue? value) =>
        CheckValue(table, column, table.FindColumn(column)?.Type ?? SqlType.Any, value);

    private static AttributeValue? CheckValue(TableInfo table, string column, SqlType type, AttributeValue? value)
    {
        if (value is null)
        {
            return table.IsKey(column) ? ThrowHelper.Error<AttributeValue>(SqlErrorCode.TypeMismatch, $"Key column '{table.Name}.{column}' must not be NULL") : null;
        }

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

        var ctx = await PrepareAsync(binder.Subqueries, session.Pending, null, ct).ConfigureAwait(false);
        var rows = await Executor.CollectAsync(plan, ctx).ConfigureAwait(false);
        CheckRowCount(rows.Count, $"UPDATE {table.Name}", session);
        var correlated = ExecContext.CorrelatedIn(assignments.Select(a => a.Value));
        var actions = new List<TransactWriteItem>(rows.Count);
        foreach (var row in rows)
        {
            if (correlated.Length > 0)
            {
                await ctx.PrepareCorrelatedAsync(correlated, row).ConfigureAwait(false);
            }

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
            if (session.Pending is { } pending)
            {
                UpdateOutcome outcome;
                try
                {
                    outcome = expression.Apply(old.ToMap());
                }
                catch (KvDbException ex)
                {
                    throw new SqlException(SqlErrorCode.WriteFailed, $"UPDATE {table.Name} failed at {key}: {ex.Message}; the transaction was rolled back");
                }

                pending.Set(table.Name, table.PartitionKey, key, old, Item.FromMap(outcome.Attributes));
            }
            else
            {
                actions.Add(new TransactUpdate(table.Name, key, expression, Condition.AttributeExists(table.PartitionKey)));
            }
        }

        await CommitAsync(actions, table.Name, "UPDATE", ct).ConfigureAwait(false);
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
        var rows = await CollectAsync(binder, plan, session.Pending, ct).ConfigureAwait(false);
        CheckRowCount(rows.Count, $"DELETE FROM {table.Name}", session);
        var actions = new List<TransactWriteItem>(rows.Count);
        foreach (var row in rows)
        {
            var old = Item.FromMap(row[0]!.AsMap());
            var key = KeyOf(table, old);
            if (session.Pending is { } pending)
            {
                pending.Set(table.Name, table.PartitionKey, key, old, null);
            }
            else
            {
                actions.Add(new TransactDelete(table.Name, key));
            }
        }

        await CommitAsync(actions, table.Name, "DELETE", ct).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>
    /// Applies a statement's writes as one Core transaction, whatever its size (up to
    /// <see cref="MaxRowsPerTransaction"/>): all rows or none, and no reader sees a part of it.
    /// </summary>
    private async ValueTask CommitAsync(List<TransactWriteItem> actions, string table, string verb, CancellationToken ct)
    {
        if (actions.Count == 0)
        {
            return;
        }

        TransactWriteResult result;
        try
        {
            result = await Store.TransactWriteItemsAsync(actions, s_atomic, ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"{verb} on {table} failed: {ex.Message}; nothing was changed");
        }

        if (!result.Succeeded)
        {
            var index = result.FailedActionIndex;
            var reason = index >= 0 ? result.CancellationReasons[index] : null;
            var what = index >= 0 ? Describe(actions[index]) : "a row";
            var message = reason?.Code == "ConditionalCheckFailed"
                ? verb == "INSERT" ? $"INSERT INTO {table} failed: duplicate key {what}" : $"{verb} on {table} failed: {what} was deleted concurrently"
                : $"{verb} on {table} failed at {what}: {reason?.Code} {reason?.Message}";
            ThrowHelper.Error(SqlErrorCode.WriteFailed, message + "; nothing was changed");
        }
    }

    /// <summary>COMMIT: the transaction's net changes as one Core transaction.</summary>
    private async ValueTask CommitTransactionAsync(PendingWrites pending, CancellationToken ct)
    {
        if (pending.Count == 0)
        {
            return;
        }

        if (_database.LocalEngine is { } engine && pending.InsertOnlyTable() is { } insertedInto)
        {
            // Only inserts into one table (a load in a transaction): Core's bulk insert, the same checks as the
            // transaction's conditional puts below without an action, condition and key set per row.
            await CommitInsertsAsync(engine, insertedInto, pending, ct).ConfigureAwait(false);
            return;
        }

        var actions = pending.ToActions();
        TransactWriteResult result;
        try
        {
            result = await Store.TransactWriteItemsAsync(actions, s_atomic, ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"COMMIT failed: {ex.Message}; the transaction was rolled back, nothing was changed");
        }

        if (!result.Succeeded)
        {
            var index = result.FailedActionIndex;
            var what = index >= 0 ? pending.Describe(index) : "a row changed concurrently";
            ThrowHelper.Error(SqlErrorCode.WriteFailed, $"COMMIT failed: {what}; the transaction was rolled back, nothing was changed");
        }
    }

    private static async ValueTask CommitInsertsAsync(Engine.KvEngine engine, string table, PendingWrites pending, CancellationToken ct)
    {
        Engine.BulkInsert bulk;
        Engine.BulkInsertResult result;
        try
        {
            bulk = engine.BeginBulkInsert(table, pending.Count);
            for (var i = 0; i < pending.Count; i++)
            {
                bulk.Add(pending.InsertedItem(i));
            }

            result = await bulk.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (KvDbException ex) when (ex is not SqlException)
        {
            throw new SqlException(SqlErrorCode.WriteFailed, $"COMMIT failed: {ex.Message}; the transaction was rolled back, nothing was changed");
        }

        if (!result.Succeeded)
        {
            // A repeat cannot happen (the pending rows are keyed by their keys); say so plainly if it ever does.
            var what = result.Failure == Engine.BulkInsertFailure.KeyExists
                ? pending.Describe(result.Row)
                : $"INSERT INTO {table} gives the key {bulk.KeyAt(result.Row)} twice";
            ThrowHelper.Error(SqlErrorCode.WriteFailed, $"COMMIT failed: {what}; the transaction was rolled back, nothing was changed");
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
