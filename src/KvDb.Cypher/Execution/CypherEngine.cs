using System.Collections;
using System.Reflection;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Parsing;
using KvDb.Cypher.Planning;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>A statement parsed and bound once: a schema command or a bound statement, and whether it writes.</summary>
internal sealed class ParsedStatement(string text, SchemaCommand? command, CypherStatement? statement)
{
    public string Text { get; } = text;

    public SchemaCommand? Command { get; } = command;

    public CypherStatement? Statement { get; } = statement;

    /// <summary>Whether a clause writes (the statement then holds the graph's write lock and commits).</summary>
    public bool Writes { get; } = statement is not null &&
                                  statement.Queries.Any(q => q.Clauses.Any(c => c is CreateClause or MergeClause or SetClause or RemoveClause or DeleteClause));
}

/// <summary>
/// A parsed statement with the last plan made for it on one graph (read-only statements only; checked for currency
/// before each use): held by a <see cref="PreparedCypher"/>, and by the graph for statements run by text.
/// </summary>
internal sealed class StatementPlan(ParsedStatement parsed)
{
    private GraphStore.CachedPlan? _plan;

    public ParsedStatement Parsed { get; } = parsed;

    public GraphStore.CachedPlan? Plan
    {
        get => Volatile.Read(ref _plan);
        set => Volatile.Write(ref _plan, value);
    }
}

/// <summary>Parse, bind, plan, run and commit one statement.</summary>
internal static class CypherEngine
{
    public static ValueTask<CypherResult> ExecuteAsync(GraphStore graph, string text, object? parameters, CancellationToken cancellationToken, bool hashDbMerge = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ExecuteAsync(graph, graph.Statement(text, hashDbMerge), parameters, cancellationToken);
    }

    /// <summary>Runs a parsed statement, reusing the plan its slot keeps while that plan is current.</summary>
    public static async ValueTask<CypherResult> ExecuteAsync(GraphStore graph, StatementPlan slot, object? parameters, CancellationToken cancellationToken)
    {
        var parsed = slot.Parsed;
        if (parsed.Command is { } command)
        {
            return await SchemaExecutor.ExecuteAsync(graph, command, cancellationToken).ConfigureAwait(false);
        }

        var statement = parsed.Statement!;
        var parameterValues = ConvertParameters(parameters);
        if (!graph.TableEnsured)
        {
            await graph.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        }

        var writes = parsed.Writes;
        if (writes && !statement.Explain)
        {
            await graph.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (!writes && !statement.Explain && graph.Copy is { Current: null } copy)
            {
                await copy.EnsureAsync(cancellationToken).ConfigureAwait(false);
            }

            var tx = new GraphTransaction(graph, cancellationToken);
            var ctx = new EvalContext(tx, parameterValues, Random.Shared);
            Operators.Operator root;
            IReadOnlyList<string> columns;
            var cacheable = !writes && !statement.Explain;
            var catalog = !cacheable ? null : tx.CatalogFromCopy() ?? await tx.CatalogAsync().ConfigureAwait(false);
            if (catalog is not null && graph.TryUsePlan(slot.Plan, catalog) is { } cached)
            {
                (root, columns) = (cached.Root, cached.Columns);
            }
            else
            {
                // The generation is taken before planning: a write that lands meanwhile makes the stored plan stale.
                var generation = graph.Generation;
                (root, columns) = await new Planner(tx, ctx).PlanAsync(statement).ConfigureAwait(false);
                if (catalog is not null)
                {
                    slot.Plan = new GraphStore.CachedPlan(generation, catalog.Version, root, columns);
                }
            }

            if (statement.Explain)
            {
                var reads = graph.Copy is { } reading ? "\nReads: " + reading.Describe() : "";
                return new CypherResult(columns, [], tx.Statistics, root.Explain() + reads);
            }

            // A read answered from the graph copy runs synchronously (its final projection straight to values);
            // anything else streams through the operators.
            var values = new List<object?[]>();
            if (writes || !(root is Operators.ProjectOperator projection ? projection.TryRunValues(ctx, columns, values) : TryRunValues(root, ctx, columns, values)))
            {
                await foreach (var row in root.RunAsync(ctx).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    values.Add(ValuesOf(row, columns));
                }
            }

            if (writes)
            {
                await tx.CommitAsync().ConfigureAwait(false);
            }

            ResultConverter? converter = null;
            foreach (var row in values)
            {
                for (var i = 0; i < row.Length; i++)
                {
                    if (ResultConverter.Converts(row[i]))
                    {
                        row[i] = await (converter ??= new ResultConverter(tx)).ConvertAsync(row[i]).ConfigureAwait(false);
                    }
                }
            }

            return new CypherResult(columns, values, tx.Statistics, null);
        }
        finally
        {
            if (writes && !statement.Explain)
            {
                graph.WriteLock.Release();
            }
        }
    }

    private static bool TryRunValues(Operators.Operator root, EvalContext ctx, IReadOnlyList<string> columns, List<object?[]> values)
    {
        var rows = new List<Row>();
        if (!root.TryRun(ctx, rows))
        {
            return false;
        }

        foreach (var row in rows)
        {
            values.Add(ValuesOf(row, columns));
        }

        return true;
    }

    private static object?[] ValuesOf(Row row, IReadOnlyList<string> columns) => [.. columns.Select(c => row[c])];

    /// <summary>
    /// Statements parsed and bound, by text: the syntax tree is immutable and depends on nothing but the text, so a
    /// repeated statement skips the lexer, parser and binder. Bounded; cleared when full.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Text, bool HashDb), ParsedStatement> s_statements = new();

    private const int StatementCacheSize = 1024;

    /// <summary>The statement parsed and bound (from the cache when it was seen before).</summary>
    /// <exception cref="CypherException">The text is not a valid statement.</exception>
    public static ParsedStatement Parse(string text, bool hashDbMerge)
    {
        if (s_statements.TryGetValue((text, hashDbMerge), out var cached))
        {
            return cached;
        }

        ParsedStatement parsed;
        if (CypherParser.ParseSchemaCommand(text) is { } command)
        {
            parsed = new ParsedStatement(text, command, null);
        }
        else
        {
            var statement = CypherParser.Parse(text);
            if (hashDbMerge)
            {
                statement = HashDbCompatibility.Rewrite(statement);
            }

            try
            {
                Binding.Binder.Bind(statement);
            }
            catch (CypherException ex) when (ex.Subject is not null)
            {
                throw ErrorMessages.Locate(ex, text);
            }

            parsed = new ParsedStatement(text, null, statement);
        }

        CacheBounded(s_statements, (text, hashDbMerge), text, parsed, StatementCacheSize);
        return parsed;
    }

    /// <summary>
    /// Keeps a value by statement text in a cache of at most <paramref name="size"/> entries (cleared when full);
    /// texts over 16,384 characters are not kept.
    /// </summary>
    public static void CacheBounded<TKey, TValue>(System.Collections.Concurrent.ConcurrentDictionary<TKey, TValue> cache, TKey key, string text, TValue value, int size)
        where TKey : notnull
    {
        if (text.Length > 16_384)
        {
            return;
        }

        if (cache.Count >= size)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    /// <summary>Parameters from a dictionary or the public properties of an object (e.g. an anonymous type).</summary>
    internal static IReadOnlyDictionary<string, object?> ConvertParameters(object? parameters)
    {
        switch (parameters)
        {
            case null:
                return ParameterMap.Empty;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                {
                    var result = new ParameterMap(pairs is IReadOnlyCollection<KeyValuePair<string, object?>> sized ? sized.Count : 4);
                    foreach (var (k, v) in pairs)
                    {
                        result.Set(k ?? throw new ArgumentException("Parameter names must not be null.", nameof(parameters)), ToCypher(v, k));
                    }

                    return result;
                }

            case IDictionary dictionary:
                {
                    var result = new ParameterMap(dictionary.Count);
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        var key = entry.Key as string ?? throw new ArgumentException("Parameter names must be strings.", nameof(parameters));
                        result.Set(key, ToCypher(entry.Value, key));
                    }

                    return result;
                }

            default:
                {
                    var properties = parameters.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance);
                    var result = new ParameterMap(properties.Length);
                    foreach (var property in properties)
                    {
                        if (property.GetIndexParameters().Length == 0)
                        {
                            result.Set(property.Name, ToCypher(property.GetValue(parameters), property.Name));
                        }
                    }

                    return result;
                }
        }
    }

    private static object? ToCypher(object? value, string name) => value switch
    {
        null => null,
        string s => s,
        bool b => b,
        long l => l,
        int i => (long)i,
        short s16 => (long)s16,
        byte u8 => (long)u8,
        sbyte s8 => (long)s8,
        ushort u16 => (long)u16,
        uint u32 => (long)u32,
        ulong u64 when u64 <= long.MaxValue => (long)u64,
        double d => d,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        CypherNode n => new NodeRef(n.Id),
        IEnumerable<KeyValuePair<string, object?>> pairs => pairs.ToDictionary(p => p.Key, p => ToCypher(p.Value, name), StringComparer.Ordinal),
        IDictionary dictionary => FromDictionary(dictionary, name),
        IEnumerable list => list.Cast<object?>().Select(v => ToCypher(v, name)).ToList(),
        _ => throw BadParameter(name, value),
    };

    // IDictionary's own enumerator yields DictionaryEntry; the IEnumerable one of a generic dictionary yields pairs.
    private static Dictionary<string, object?> FromDictionary(IDictionary dictionary, string name)
    {
        var result = new Dictionary<string, object?>(dictionary.Count, StringComparer.Ordinal);
        var entries = dictionary.GetEnumerator();
        while (entries.MoveNext())
        {
            result[entries.Key as string ?? throw BadParameter(name, entries.Key)] = ToCypher(entries.Value, name);
        }

        return result;
    }

    private static CypherException BadParameter(string name, object? value) =>
        new(CypherErrorClass.TypeError, CypherErrorCode.InvalidParameterType, $"Parameter '{name}' has a type Cypher cannot represent: {value?.GetType().Name ?? "null"}");

    /// <summary>Turns runtime values into the public result types, reading final node and relationship state.</summary>
    private sealed class ResultConverter(GraphTransaction tx)
    {
        /// <summary>Whether a value is or may hold a node, relationship or path (anything else is returned as it is).</summary>
        public static bool Converts(object? value) => value is NodeRef or RelRef or PathValue or IReadOnlyDictionary<string, object?> or IReadOnlyList<object?>;

        public async ValueTask<object?> ConvertAsync(object? value)
        {
            switch (value)
            {
                case NodeRef n:
                    return await NodeAsync(n).ConfigureAwait(false);
                case RelRef r:
                    return Rel(r);
                case PathValue p:
                    {
                        var nodes = new List<CypherNode>();
                        foreach (var n in p.Nodes)
                        {
                            nodes.Add(await NodeAsync(n).ConfigureAwait(false));
                        }

                        return new CypherPath(nodes, p.Relationships.Select(Rel).ToList());
                    }

                case IReadOnlyDictionary<string, object?> m:
                    {
                        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                        foreach (var (k, v) in m)
                        {
                            map[k] = await ConvertAsync(v).ConfigureAwait(false);
                        }

                        return map;
                    }

                case IReadOnlyList<object?> l:
                    {
                        var list = new List<object?>(l.Count);
                        foreach (var v in l)
                        {
                            list.Add(await ConvertAsync(v).ConfigureAwait(false));
                        }

                        return list;
                    }

                default:
                    return value;
            }
        }

        private async ValueTask<CypherNode> NodeAsync(NodeRef n)
        {
            var state = await tx.LoadNodeAsync(n.Id).ConfigureAwait(false);
            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in state?.Properties ?? [])
            {
                properties[key] = ValueCodec.Copy(value);
            }

            return new CypherNode(n.Id, state?.Labels.ToList() ?? [], properties);
        }

        private CypherRelationship Rel(RelRef r) =>
            new(r.Id, r.Type, r.Start, r.End, tx.RelProperties(r).ToDictionary(kv => kv.Key, kv => ValueCodec.Copy(kv.Value), StringComparer.Ordinal));
    }
}
