using System.Collections;
using System.Collections.Concurrent;
using KvDb.Sql.Ast;
using KvDb.Sql.Binding;
using KvDb.Sql.Execution;
using KvDb.Sql.Optimization;
using KvDb.Sql.Planning;

namespace KvDb.Sql;

/// <summary>
/// The plan cache: a SELECT's bound and optimized plan is kept per statement text, with its parameters as run-time
/// slots (<see cref="BoundParameter"/>), so running the same text again with other values skips parsing, binding and
/// planning. A plan is used only while everything it was built from is unchanged: the SQL catalog snapshot (tables,
/// learned columns, views), the set of materialized joins, the DDL count of this engine, and Core's tables (existence,
/// keys, indexes, item counts within a factor of two: checked again whenever Core's sequence moved, which covers
/// tables and indexes changed through Core directly).
/// </summary>
public sealed partial class SqlEngine
{
    private const int PlanCacheEntries = 1024;

    private readonly ConcurrentDictionary<string, CachedPlan> _plans = new(StringComparer.Ordinal);
    private long _ddlEpoch;
    private volatile CachedPlan? _lastPlan;

    /// <summary>A reusable plan and what it depends on. Immutable but for <see cref="CheckedSequence"/>.</summary>
    internal sealed class CachedPlan
    {
        public required string Text { get; init; }

        public required SqlCatalog.Snapshot Catalog { get; init; }

        public required int JoinsVersion { get; init; }

        public required long DdlEpoch { get; init; }

        /// <summary>The tables the plan reads, as described when it was built.</summary>
        public required TableInfo[] Tables { get; init; }

        /// <summary>Null when the statement's plan cannot be reused (it stays here so that the next run does not try again).</summary>
        public LogicalPlan? Plan { get; init; }

        public IReadOnlyList<string> Columns { get; init; } = [];

        public (int Id, LogicalPlan Plan, bool Correlated)[] Subqueries { get; init; } = [];

        public ParameterExpr[] Parameters { get; init; } = [];

        /// <summary>Parameter names as errors show them (<c>@id</c>, <c>?1</c>).</summary>
        public string[] ParameterNames { get; init; } = [];

        /// <summary>Set when the plan is one point read whose row can be produced without the operator pipeline.</summary>
        public PointReadShape? PointRead { get; init; }

        /// <summary>Core's sequence when the tables were last checked.</summary>
        public long CheckedSequence;
    }

    /// <summary>
    /// A plan <c>Project(Filter?(PointRead))</c> without subqueries: the key comes from a literal or a parameter,
    /// and when <see cref="Direct"/> is set the output columns are top-level attributes read straight from the item and
    /// the filter holds only the key equalities the read itself guarantees.
    /// </summary>
    internal sealed class PointReadShape
    {
        public required LogicalScan Scan { get; init; }

        public required IReadOnlyList<BoundExpr> Exprs { get; init; }

        public BoundExpr? Predicate { get; init; }

        /// <summary>The attribute each output column reads, or null when some output needs the expression evaluator.</summary>
        public string[]? Direct { get; init; }

        public string? PartitionKeyColumn { get; init; }
    }

    /// <summary>A valid cached plan of <paramref name="text"/>, checked without waiting (null when there is none or a check would wait).</summary>
    private CachedPlan? TryCachedPlan(string text)
    {
        // The same string instance as last time (a constant in the caller's code) skips hashing the text.
        var entry = _lastPlan;
        if (entry is null || !ReferenceEquals(entry.Text, text))
        {
            if (!_plans.TryGetValue(text, out entry))
            {
                return null;
            }

            _lastPlan = entry;
        }

        if (!_maintainer.KnownEmpty)
        {
            return null;
        }

        return entry.Plan is not null && IsCurrent(entry, _maintainer.Version) ? entry : null;
    }

    private bool IsCurrent(CachedPlan entry, int joinsVersion)
    {
        if (!ReferenceEquals(entry.Catalog, _catalog.Peek) || entry.JoinsVersion != joinsVersion || entry.DdlEpoch != Interlocked.Read(ref _ddlEpoch))
        {
            return false;
        }

        var sequence = _database.LastSequence;
        if (Volatile.Read(ref entry.CheckedSequence) == sequence)
        {
            return true;
        }

        // Something was written (or a table or index changed through Core): check the tables again.
        foreach (var table in entry.Tables)
        {
            ValueTask<TableDescription?> describe;
            try
            {
                describe = Store.DescribeTableAsync(table.Name);
            }
            catch (Exception)
            {
                // A disposed database or a Core error: the ordinary path reports it.
                return false;
            }

            if (!describe.IsCompletedSuccessfully || describe.Result is not { } described || !SameTable(table, described))
            {
                return false;
            }
        }

        Volatile.Write(ref entry.CheckedSequence, sequence);
        return true;
    }

    private static bool SameTable(TableInfo table, TableDescription described)
    {
        var schema = described.Schema;
        if (schema.PartitionKey.Name != table.PartitionKey || schema.SortKey?.Name != table.SortKey || schema.Indexes.Count != table.Indexes.Count)
        {
            return false;
        }

        for (var i = 0; i < table.Indexes.Count; i++)
        {
            var (name, pk, sk) = table.Indexes[i];
            var index = schema.Indexes[i];
            if (index.Name != name || index.PartitionKey.Name != pk || index.SortKey?.Name != sk)
            {
                return false;
            }
        }

        // Join order and strategy follow the item counts: plan again when a table grew or shrank a lot.
        var before = Math.Max(table.ItemCount, 64);
        var now = Math.Max(described.ItemCount, 64);
        return now <= before * 2 && before <= now * 2;
    }

    /// <summary>
    /// Runs a SELECT through the plan cache: a current cached plan is reused; otherwise the statement is bound with
    /// parameter slots, optimized and cached when reusable. Returns null when the statement must take the ordinary
    /// path (its plan cannot be reused, e.g. LIMIT @n or a parameter compared with a column of a scanned table).
    /// </summary>
    private async ValueTask<SqlResult?> TryRunCachedSelectAsync(string text, SelectStatement select, object? rawParameters, SqlParameters parameters, CancellationToken ct)
    {
        await _maintainer.CatchUpAsync(ct).ConfigureAwait(false);
        var joinsVersion = _maintainer.Version;
        if (!_plans.TryGetValue(text, out var entry) || !IsCurrent(entry, joinsVersion))
        {
            entry = await BuildPlanAsync(text, select, joinsVersion, ct).ConfigureAwait(false);
        }

        if (entry.Plan is null)
        {
            return null;
        }

        return Run(entry, ParameterValues(entry, rawParameters, parameters), ct);
    }

    private async ValueTask<CachedPlan> BuildPlanAsync(string text, SelectStatement select, int joinsVersion, CancellationToken ct)
    {
        var epoch = Interlocked.Read(ref _ddlEpoch);
        var sequence = _database.LastSequence;
        var catalog = await _catalog.GetAsync(ct).ConfigureAwait(false);
        var (tables, views) = await LookupAsync(select, ct).ConfigureAwait(false);
        var joins = await _maintainer.GetJoinsAsync(ct).ConfigureAwait(false);
        var slots = new List<ParameterExpr>();
        var binder = new Binder(text, tables, SqlParameters.From(null))
        {
            Views = views,
            MaterializedJoins = joins,
            ParameterSlots = slots,
        };

        LogicalPlan? plan = null;
        BoundQuery? bound = null;
        try
        {
            bound = binder.BindQuery(select.Query);
        }
        catch (SqlException ex) when (ex.SqlCode == SqlErrorCode.MissingParameter)
        {
            // LIMIT @n without a value: the ordinary path reports it.
        }

        if (bound is not null && !binder.UsesParameterValues)
        {
            plan = Optimizer.Optimize(bound.Plan);
            Optimization.Rules.ProjectionPushDownRule.Apply(plan);
            if (!Reusable(plan) || binder.Subqueries.Any(s => !Reusable(s.Plan)))
            {
                plan = null;
            }
        }

        var entry = new CachedPlan
        {
            Text = text,
            Catalog = catalog,
            JoinsVersion = joinsVersion,
            DdlEpoch = epoch,
            Tables = [.. tables.Values],
            Plan = plan,
            Columns = bound?.Columns ?? [],
            Subqueries = [.. binder.Subqueries],
            Parameters = [.. slots],
            ParameterNames = [.. slots.Select(p => p.Name is { } n ? "@" + n : "?" + (p.Ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))],
            PointRead = plan is null || binder.Subqueries.Count > 0 ? null : PointReadOf(plan),
            CheckedSequence = sequence,
        };

        if (plan is not null && entry.PointRead is null)
        {
            // After the point-read shape was looked for: that path reads whole items itself.
            Optimization.Rules.ColumnPruningRule.Apply(plan);
            foreach (var (_, sub, _) in entry.Subqueries)
            {
                Optimization.Rules.ColumnPruningRule.Apply(sub);
            }
        }

        if (text.Length <= ParseCacheMaxText)
        {
            if (_plans.Count >= PlanCacheEntries)
            {
                _plans.Clear();
                _lastPlan = null;
            }

            _plans[text] = entry;
        }

        return entry;
    }

    /// <summary>
    /// Whether a plan built with parameter slots is as good as one built with the values: every filter over a keyed
    /// or full scan that compares with a parameter would, with a literal, have become a key condition or a filter
    /// pushed into Core; point reads gain nothing from those.
    /// </summary>
    private static bool Reusable(LogicalPlan plan)
    {
        if (plan is LogicalFilter { Input: LogicalScan scan } filter && scan.Access != AccessKind.PointRead)
        {
            foreach (var conjunct in Binder.Conjuncts(filter.Predicate))
            {
                if (HasParameter(conjunct) && !IsKeyEquality(conjunct, scan))
                {
                    return false;
                }
            }
        }

        foreach (var input in plan.Inputs)
        {
            if (!Reusable(input))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasParameter(BoundExpr e)
    {
        if (e is BoundParameter)
        {
            return true;
        }

        foreach (var child in e.Children)
        {
            if (HasParameter(child))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a conjunct is <c>key = value</c> for the run-time key of the scan below it.</summary>
    private static bool IsKeyEquality(BoundExpr conjunct, LogicalScan scan) =>
        conjunct is BoundBinary { Op: BinaryOp.Equal } eq
        && ((eq.Left is BoundColumn { Slot: 0 } && (ReferenceEquals(eq.Right, scan.PartitionKeyParameter) || ReferenceEquals(eq.Right, scan.SortKeyParameter)))
            || (eq.Right is BoundColumn { Slot: 0 } && (ReferenceEquals(eq.Left, scan.PartitionKeyParameter) || ReferenceEquals(eq.Left, scan.SortKeyParameter))));

    private static PointReadShape? PointReadOf(LogicalPlan plan)
    {
        if (plan is not LogicalProject project)
        {
            return null;
        }

        var (scan, predicate) = project.Input switch
        {
            LogicalScan s => (s, (BoundExpr?)null),
            LogicalFilter { Input: LogicalScan s } f => (s, f.Predicate),
            _ => (null, null),
        };
        if (scan is not { Access: AccessKind.PointRead })
        {
            return null;
        }

        string[]? direct = new string[project.Exprs.Count];
        for (var i = 0; i < direct.Length; i++)
        {
            if (project.Exprs[i] is BoundColumn { Slot: 0, Path: [{ Name: { } name }] })
            {
                direct[i] = name;
            }
            else
            {
                direct = null;
                break;
            }
        }

        if (direct is not null && predicate is not null)
        {
            foreach (var conjunct in Binder.Conjuncts(predicate))
            {
                if (!ImpliedByKey(conjunct, scan))
                {
                    direct = null;
                    break;
                }
            }
        }

        return new PointReadShape
        {
            Scan = scan,
            Exprs = project.Exprs,
            Predicate = predicate,
            Direct = direct,
            PartitionKeyColumn = scan.Table.PartitionKey,
        };
    }

    /// <summary>
    /// Whether a conjunct holds for every item a point read returns: <c>key = v</c> where <c>v</c> is the key the read
    /// uses (a parameter slot, or the same literal value), so checking it again cannot reject the item.
    /// </summary>
    private static bool ImpliedByKey(BoundExpr conjunct, LogicalScan scan)
    {
        if (conjunct is not BoundBinary { Op: BinaryOp.Equal } eq)
        {
            return false;
        }

        var (column, value) = eq.Left is BoundColumn c ? (c, eq.Right) : eq.Right is BoundColumn c2 ? (c2, eq.Left) : (null, null);
        if (column is not { Slot: 0, Path: [{ Name: { } name }] } || value is null)
        {
            return false;
        }

        if (name == scan.Table.PartitionKey)
        {
            return ReferenceEquals(value, scan.PartitionKeyParameter) || (value is BoundLiteral { Value: { } v } && Equals(v, scan.PartitionKey));
        }

        if (name == scan.Table.SortKey)
        {
            return ReferenceEquals(value, scan.SortKeyParameter) || (value is BoundLiteral { Value: { } w } && Equals(w, scan.SortKey));
        }

        return false;
    }

    /// <summary>The values of a cached plan's parameters, read straight from the caller's dictionary or list when possible.</summary>
    private static AttributeValue?[]? ParameterValues(CachedPlan entry, object? raw, SqlParameters? parsed)
    {
        var wanted = entry.Parameters;
        if (wanted.Length == 0)
        {
            return null;
        }

        var values = new AttributeValue?[wanted.Length];
        if (parsed is null && TryDirect(entry, raw, values))
        {
            return values;
        }

        parsed ??= SqlParameters.From(raw);
        for (var i = 0; i < wanted.Length; i++)
        {
            values[i] = parsed.Get(wanted[i]);
        }

        return values;
    }

    /// <summary>
    /// Reads the values without building <see cref="SqlParameters"/> when that gives the same answer: a dictionary
    /// with exactly the statement's (named) parameters under their plain names, or a list for positional ones.
    /// </summary>
    private static bool TryDirect(CachedPlan entry, object? raw, AttributeValue?[] values)
    {
        var wanted = entry.Parameters;
        switch (raw)
        {
            case IReadOnlyDictionary<string, object?> named when named.Count == wanted.Length:
                for (var i = 0; i < wanted.Length; i++)
                {
                    if (wanted[i].Name is not { } name || !named.TryGetValue(name, out var value))
                    {
                        return false;
                    }

                    values[i] = SqlValues.FromObject(value, entry.ParameterNames[i]);
                }

                return true;
            case IList list when raw is not (byte[] or IDictionary or IEnumerable<KeyValuePair<string, object?>>):
                for (var i = 0; i < wanted.Length; i++)
                {
                    if (wanted[i].Name is not null || wanted[i].Ordinal >= list.Count)
                    {
                        return false;
                    }

                    values[i] = SqlValues.FromObject(list[wanted[i].Ordinal], entry.ParameterNames[i]);
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The result of running a cached plan (rows are read when enumerated).</summary>
    private SqlResult Run(CachedPlan entry, AttributeValue?[]? values, CancellationToken ct) =>
        entry.PointRead is { } point
            ? new SqlResult(entry.Columns, new PointReadRows(this, entry, point, values, ct), -1)
            : new SqlResult(entry.Columns, Stream(entry.Subqueries, entry.Plan!, entry.Columns, null, values, ct), -1);

    /// <summary>
    /// The rows of a cached point read: at most one, produced synchronously when Core answers synchronously (in
    /// memory), without the operator pipeline; one object is both the sequence and its (single) enumerator.
    /// </summary>
    internal sealed class PointReadRows(SqlEngine engine, CachedPlan entry, PointReadShape shape, AttributeValue?[]? values, CancellationToken ct)
        : IAsyncEnumerable<SqlRow>, IAsyncEnumerator<SqlRow>
    {
        private int _state;
        private CancellationToken _enumeratorToken;

        public SqlRow Current { get; private set; } = null!;

        public IAsyncEnumerator<SqlRow> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            _enumeratorToken = cancellationToken;
            return this;
        }

        public ValueTask<bool> MoveNextAsync()
        {
            if (_state != 0)
            {
                return new(false);
            }

            _state = 1;
            try
            {
                ct.ThrowIfCancellationRequested();
                _enumeratorToken.ThrowIfCancellationRequested();
                var scan = shape.Scan;
                AttributeValue? sk = null;
                if (!TryKey(scan.PartitionKeyParameter, scan.PartitionKey, shape.PartitionKeyColumn!, out var pk)
                    || (scan.Table.SortKey is { } skColumn && !TryKey(scan.SortKeyParameter, scan.SortKey, skColumn, out sk)))
                {
                    return new(false);
                }

                var read = engine.Store.GetItemAsync(new GetItemRequest(scan.Table.Name, new ItemKey(pk!, sk)), ct);
                return read.IsCompletedSuccessfully ? new(Produce(read.Result)) : AwaitReadAsync(read);
            }
            catch (KvDbException ex) when (ex is not SqlException)
            {
                return ValueTask.FromException<bool>(Wrap(ex));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<bool>(ex);
            }
        }

        private async ValueTask<bool> AwaitReadAsync(ValueTask<Item?> read)
        {
            try
            {
                return Produce(await read.ConfigureAwait(false));
            }
            catch (KvDbException ex) when (ex is not SqlException)
            {
                throw Wrap(ex);
            }
        }

        /// <summary>The key of the read: a literal or a parameter; NULL or a value of another type than the key column matches nothing.</summary>
        private bool TryKey(BoundExpr? parameter, AttributeValue? literal, string column, out AttributeValue? key)
        {
            key = parameter switch
            {
                null => literal,
                BoundParameter p => values![p.Index],
                _ => null,
            };
            return key is not null && (parameter is null || Optimization.Rules.KeyAccessRule.KeyTyped(shape.Scan.Table, column, key));
        }

        private bool Produce(Item? item)
        {
            var scan = shape.Scan;
            if (item is null)
            {
                return false;
            }

            var output = new AttributeValue?[shape.Exprs.Count];
            if (shape.Direct is { } direct)
            {
                for (var i = 0; i < direct.Length; i++)
                {
                    output[i] = SqlValues.Normalize(item.Get(direct[i]));
                }
            }
            else
            {
                if (scan.Filter is not null && !scan.Filter.Evaluate(item))
                {
                    return false;
                }

                var ctx = new ExecContext(engine.Store, ct) { Parameters = values };
                AttributeValue?[] row = [Execution.Operators.ScanOperator.ToValue(item)];
                if (shape.Predicate is { } predicate && SqlValues.Truth(predicate.Eval(row, ctx), "WHERE") != true)
                {
                    return false;
                }

                for (var i = 0; i < output.Length; i++)
                {
                    output[i] = shape.Exprs[i].Eval(row, ctx);
                }
            }

            Current = new SqlRow(entry.Columns, output);
            return true;
        }

        public ValueTask DisposeAsync() => default;
    }
}
