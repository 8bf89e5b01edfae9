namespace KvDb.Cypher.Storage;

/// <summary>
/// One named graph: its Core table (created on first use with the "nodes" and "labels" global indexes) and the
/// lock that serializes write statements of this process, so that id counters and the read-check-write of a
/// statement (e.g. MERGE) stay consistent; reads never take it.
/// </summary>
internal sealed class GraphStore
{
    private readonly SemaphoreSlim _ensureLock = new(1, 1);
    private volatile bool _ensured;

    public GraphStore(KvDatabase database, string name)
    {
        Database = database;
        Name = name;
        TableName = GraphKeys.TableName(name);
        TableSchema.ValidateTableName(TableName);
        if (database.LocalEngine is { } engine && database.Options.GraphCacheBytes > 0)
        {
            Copy = new GraphCopy(engine, this, database.Options.GraphCacheBytes);
        }
    }

    /// <summary>The graph's in-memory copy (null for a cluster client or when disabled).</summary>
    public GraphCopy? Copy { get; }

    public KvDatabase Database { get; }

    public string Name { get; }

    public string TableName { get; }

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public IKvStore Store => Database.Store;

    /// <summary>
    /// The most items one statement may write atomically: Core's largest transaction. Tests lower it to reach the
    /// limit cheaply.
    /// </summary>
    internal int MaxWriteItems { get; set; } = TransactWriteOptions.Unbounded;

    /// <summary>Bumped after every committed write statement of this process; planner statistics are cached per generation.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    private long _generation;

    public void Written() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Node counts by label ("" for all nodes) as of <see cref="Generation"/>. They only steer the planner, so writes
    /// of other database instances on the same store (which do not bump the generation) merely make them stale.
    /// </summary>
    private volatile CountCache _counts = new(-1, new Dictionary<string, long>(StringComparer.Ordinal));

    public bool TryGetCount(string key, out long count)
    {
        var cache = _counts;
        count = 0;
        return cache.Generation == Generation && cache.Counts.TryGetValue(key, out count);
    }

    public void SetCount(long generation, string key, long count)
    {
        var cache = _counts;
        var counts = cache.Generation == generation ? new Dictionary<string, long>(cache.Counts, StringComparer.Ordinal) : new Dictionary<string, long>(StringComparer.Ordinal);
        counts[key] = count;
        _counts = new CountCache(generation, counts);
    }

    private sealed record CountCache(long Generation, Dictionary<string, long> Counts);

    /// <summary>The last index catalog read, reused while its version is current.</summary>
    public IndexCatalog? CachedCatalog { get; set; }

    /// <summary>
    /// Statements run by text on this graph, each with the last plan made for it: one lookup by text finds both. A
    /// plan of a read-only statement is valid while this process has not written the graph since it was planned (the
    /// statistics it was costed with) and the index catalog has the version it was planned against (which also catches
    /// indexes changed by other processes). Operators hold no per-run state, so one plan serves concurrent runs.
    /// Bounded; cleared when full. Keyed by text alone, one map per MERGE rule, so no tuple is hashed.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Execution.StatementPlan>[] _statements =
        [new(StringComparer.Ordinal), new(StringComparer.Ordinal)];

    private const int StatementCacheSize = 512;

    internal sealed record CachedPlan(long Generation, long CatalogVersion, Execution.Operators.Operator Root, IReadOnlyList<string> Columns);

    /// <summary>How many statements ran from a cached plan (for tests).</summary>
    internal long PlanCacheHits => Interlocked.Read(ref _planCacheHits);

    private long _planCacheHits;

    /// <summary>The statement of a text with its plan slot, parsed (or found in the parse cache) on first use.</summary>
    /// <exception cref="CypherException">The text is not a valid statement.</exception>
    public Execution.StatementPlan Statement(string text, bool hashDb)
    {
        var statements = _statements[hashDb ? 1 : 0];
        if (statements.TryGetValue(text, out var known))
        {
            return known;
        }

        var made = new Execution.StatementPlan(Execution.CypherEngine.Parse(text, hashDb));
        Execution.CypherEngine.CacheBounded(statements, text, text, made, StatementCacheSize);
        return made;
    }

    /// <summary>The plan when it is still current: planned at this generation against this catalog version.</summary>
    public CachedPlan? TryUsePlan(CachedPlan? plan, IndexCatalog catalog)
    {
        if (plan is not null && plan.Generation == Generation && plan.CatalogVersion == catalog.Version)
        {
            Interlocked.Increment(ref _planCacheHits);
            return plan;
        }

        return null;
    }

    /// <summary>Whether <see cref="EnsureTableAsync"/> has made sure the table exists.</summary>
    public bool TableEnsured => _ensured;

    public async ValueTask EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ensured)
        {
            return;
        }

        await _ensureLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ensured)
            {
                if (await Store.DescribeTableAsync(TableName, cancellationToken).ConfigureAwait(false) is null)
                {
                    try
                    {
                        await Store.CreateTableAsync(Schema(TableName), cancellationToken).ConfigureAwait(false);
                    }
                    catch (KvDbException ex) when (ex.Code == KvErrorCode.TableAlreadyExists)
                    {
                        // Another GraphStore instance created it first.
                    }
                }

                _ensured = true;
            }
        }
        finally
        {
            _ensureLock.Release();
        }
    }

    public static TableSchema Schema(string tableName) => new(tableName, new KeyAttribute(GraphKeys.PartitionKey, ScalarType.String), new KeyAttribute(GraphKeys.SortKey, ScalarType.String))
    {
        Indexes =
        [
            IndexSchema.Global(GraphKeys.NodesIndex, new KeyAttribute("nk", ScalarType.String), new KeyAttribute("id", ScalarType.Number)),
            IndexSchema.Global(GraphKeys.LabelsIndex, new KeyAttribute("lbl", ScalarType.String), new KeyAttribute("nid", ScalarType.Number)),
        ],
    };
}
