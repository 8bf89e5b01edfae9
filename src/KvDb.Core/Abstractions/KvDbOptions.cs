namespace KvDb;

/// <summary>Options of a <see cref="KvDatabase"/>.</summary>
public sealed class KvDbOptions
{
    /// <summary>
    /// The data directory for file mode; null keeps everything in memory.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>The clock used for timestamps (table creation, TTL). Tests inject a fake.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>When a write is acknowledged relative to the log reaching the disk (file mode). Default <see cref="KvDb.Durability.Fsync"/>.</summary>
    public Durability Durability { get; set; } = Durability.Fsync;

    /// <summary>A checkpoint is taken automatically once the log has grown by this many bytes (default 64 MiB; 0 disables).</summary>
    public long CheckpointLogBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Bytes of log segments older than the last checkpoint kept on disk so that <c>Changes(fromSequence)</c> can
    /// resume from further back, also after a restart (default 64 MiB).
    /// </summary>
    public long ChangeFeedLogRetentionBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Number of recent change sets (commits) the change feed keeps in memory (default 4096). In file mode older
    /// changes are read back from the log on disk; in memory mode they are gone.
    /// </summary>
    public int ChangeFeedRetention { get; set; } = 4096;

    /// <summary>How often expired items (time-to-live) are removed in the background (default 1 s; zero disables the sweeper).</summary>
    public TimeSpan TtlSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Page size the fluent API uses when it walks a query or scan page by page (default 1000).</summary>
    public int QueryPageSize { get; set; } = 1000;

    /// <summary>
    /// Memory budget, in estimated bytes, for the decoded in-memory copies of materialized joins that KvDb.Sql keeps
    /// next to their stored rows so that queries answered from a join read no records (default 256 MiB; 0 disables
    /// them). A join whose copy would not fit is read from its stored rows instead. Only a database that holds its
    /// data in this process keeps copies (not a cluster client).
    /// </summary>
    public long MaterializedJoinCacheBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Memory budget, in estimated bytes, for the decoded in-memory copy that KvDb.Cypher keeps of each graph (nodes
    /// with their labels, properties and relationships) so that statements expand nodes from arrays instead of
    /// reading items (default 256 MiB; 0 disables it). A graph whose copy would not fit is read from its stored
    /// items. Only a database that holds its data in this process keeps copies (not a cluster client).
    /// </summary>
    public long GraphCacheBytes { get; set; } = 256L << 20;
}
