namespace KvDb.Cluster;

/// <summary>How a cluster replicates and how a node behaves. Every node of one cluster must use the same replication settings.</summary>
public sealed class ClusterOptions
{
    /// <summary>Replicas per partition (N); fewer when the cluster has fewer nodes. Default 3.</summary>
    public int ReplicationFactor { get; set; } = 3;

    /// <summary>
    /// Write quorum W: how many replicas of a partition must accept a write before it is acknowledged
    /// (0 = a majority of the replicas). Paxos prepares then need N - W + 1 replicas.
    /// </summary>
    public int WriteQuorum { get; set; }

    /// <summary>
    /// Read quorum R: how many replicas must answer a read (0 = a majority). With R + W &gt; N, reads are
    /// linearizable; with less they may return stale values (eventual consistency).
    /// </summary>
    public int ReadQuorum { get; set; }

    /// <summary>Virtual nodes per node on the hash ring. Default 256.</summary>
    public int VirtualNodesPerNode { get; set; } = 256;

    /// <summary>How long a node waits for one reply from another node. Default 2 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often nodes exchange heartbeats. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After how long without a heartbeat reply a node is declared dead and its replicas are restored elsewhere. Default 30 s; <see cref="TimeSpan.Zero"/> disables automatic removal.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a node compares its ranges with the other replicas (anti-entropy). Default 30 s; zero disables it.</summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Items per page when ranges are streamed to new owners or compared. Default 500.</summary>
    public int StreamPageSize { get; set; } = 500;

    /// <summary>How many times a write or read is retried after Paxos contention or a configuration change. Default 12.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>After how long a pending transaction that holds locks may be aborted by others. Default 5 s.</summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most hints kept per unreachable node (older ones are dropped; anti-entropy repairs them). Default 100,000.</summary>
    public int MaxHintsPerNode { get; set; } = 100_000;

    /// <summary>
    /// How old a tombstone (the Paxos state a delete leaves) must be before it is collected. A tombstone is forgotten
    /// only when every replica of its item agrees (each holds the same or an older tombstone, or nothing, with no
    /// higher promise and no pending transaction), and only while no membership change is under way. The period must
    /// exceed the longest time a message or a hint can be in flight (the HTTP transport refuses requests more than
    /// 5 minutes old; hints older than this period are dropped). Default 1 hour; <see cref="TimeSpan.Zero"/> keeps
    /// tombstones forever.
    /// </summary>
    public TimeSpan TombstoneGracePeriod { get; set; } = TimeSpan.FromHours(1);

    internal void Validate()
    {
        if (TombstoneGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TombstoneGracePeriod), TombstoneGracePeriod, "TombstoneGracePeriod must not be negative.");
        }

        if (ReplicationFactor is < 1 or > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplicationFactor), ReplicationFactor, "ReplicationFactor must be 1 to 15.");
        }

        if (WriteQuorum < 0 || WriteQuorum > ReplicationFactor)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteQuorum), WriteQuorum, $"WriteQuorum must be 0 (majority) to ReplicationFactor ({ReplicationFactor}).");
        }

        if (ReadQuorum < 0 || ReadQuorum > ReplicationFactor)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadQuorum), ReadQuorum, $"ReadQuorum must be 0 (majority) to ReplicationFactor ({ReplicationFactor}).");
        }

        if (VirtualNodesPerNode is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(VirtualNodesPerNode), VirtualNodesPerNode, "VirtualNodesPerNode must be 1 to 4096.");
        }
    }

    /// <summary>The write quorum for a replica set of <paramref name="n"/> nodes.</summary>
    internal int WriteQuorumFor(int n) => WriteQuorum == 0 ? (n / 2) + 1 : Math.Min(WriteQuorum, n);

    /// <summary>The Paxos prepare quorum (N - W + 1) for a replica set of <paramref name="n"/> nodes.</summary>
    internal int PrepareQuorumFor(int n) => n - WriteQuorumFor(n) + 1;

    /// <summary>The read quorum for a replica set of <paramref name="n"/> nodes.</summary>
    internal int ReadQuorumFor(int n) => ReadQuorum == 0 ? (n / 2) + 1 : Math.Min(ReadQuorum, n);
}
