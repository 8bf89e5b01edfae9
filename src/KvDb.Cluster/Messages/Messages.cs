using KvDb.Cluster.Replication;

namespace KvDb.Cluster;

/// <summary>A request or reply exchanged between nodes. Every type below has a binary encoding (MessageCodec).</summary>
public abstract record ClusterMessage;

/// <summary>How a replica answered.</summary>
public enum ReplyStatus : byte
{
    /// <summary>Done.</summary>
    Ok = 0,

    /// <summary>A Paxos message with a ballot lower than one already promised: retry with a higher ballot.</summary>
    Rejected = 1,

    /// <summary>The sender's membership epoch is older than the replica's: refresh the configuration and retry.</summary>
    StaleEpoch = 2,

    /// <summary>The replica does not know the table (yet): refresh the configuration and retry.</summary>
    UnknownTable = 3,

    /// <summary>The replica is not a member of the cluster (removed or not yet joined).</summary>
    NotMember = 4,
}

/// <summary>One replicated cell as a replica holds it.</summary>
/// <param name="Key">The item's key.</param>
/// <param name="Accepted">The ballot of the last accepted Paxos proposal (zero when none).</param>
/// <param name="State">The accepted state.</param>
public sealed record CellEntry(ItemKey Key, Ballot Accepted, CellState State);

/// <summary>Base of requests that carry the sender's membership epoch (replicas reject stale ones).</summary>
/// <param name="Epoch">The sender's configuration epoch.</param>
public abstract record EpochRequest(long Epoch) : ClusterMessage;

/// <summary>Paxos phase 1 for one cell: promise not to accept ballots below <paramref name="Ballot"/>.</summary>
public sealed record PrepareRequest(long Epoch, string Table, ItemKey Key, Ballot Ballot) : EpochRequest(Epoch);

/// <summary>The promise (or rejection) with the replica's accepted state.</summary>
/// <param name="Status">Ok, Rejected (see <paramref name="Promised"/>), StaleEpoch or UnknownTable.</param>
/// <param name="Epoch">The replica's epoch.</param>
/// <param name="Promised">The highest ballot the replica has promised.</param>
/// <param name="Accepted">The ballot of the replica's accepted state.</param>
/// <param name="State">The accepted state.</param>
public sealed record PrepareReply(ReplyStatus Status, long Epoch, Ballot Promised, Ballot Accepted, CellState State) : ClusterMessage;

/// <summary>Paxos phase 2 for one cell: accept <paramref name="State"/> at <paramref name="Ballot"/> unless a higher ballot was promised.</summary>
public sealed record AcceptRequest(long Epoch, string Table, ItemKey Key, Ballot Ballot, CellState State) : EpochRequest(Epoch);

/// <summary>Whether the replica accepted.</summary>
public sealed record AcceptReply(ReplyStatus Status, long Epoch, Ballot Promised) : ClusterMessage;

/// <summary>Reads the accepted state of some cells of one table.</summary>
public sealed record ReadRequest(long Epoch, string Table, IReadOnlyList<ItemKey> Keys) : EpochRequest(Epoch);

/// <summary>The accepted state of each requested cell, in request order.</summary>
public sealed record ReadReply(ReplyStatus Status, long Epoch, IReadOnlyList<CellEntry> Cells) : ClusterMessage;

/// <summary>
/// Runs a key query on the replica's local store and returns the matching items with their ballots (no filter
/// or projection: the coordinator applies those after merging replicas).
/// </summary>
/// <param name="Epoch">The sender's epoch.</param>
/// <param name="Query">The query; its Filter and Projection are ignored (not sent).</param>
public sealed record KeyQueryRequest(long Epoch, QueryRequest Query) : EpochRequest(Epoch);

/// <summary>Matching items with their accepted ballots, in query order, and where the replica stopped.</summary>
public sealed record KeyQueryReply(ReplyStatus Status, long Epoch, IReadOnlyList<CellEntry> Cells, ItemKey? LastEvaluatedKey) : ClusterMessage;

/// <summary>
/// Reads the cells (tombstones included) whose partition token lies in [<paramref name="FromToken"/>,
/// <paramref name="ToToken"/>] in (token, key) order, after <paramref name="After"/> when given.
/// </summary>
public sealed record RangeFetchRequest(long Epoch, string Table, ulong FromToken, ulong ToToken, ItemKey? After, int Limit) : EpochRequest(Epoch);

/// <summary>Cells of a token range in order; <paramref name="More"/> when the limit cut the range short.</summary>
public sealed record RangeFetchReply(ReplyStatus Status, long Epoch, IReadOnlyList<CellEntry> Cells, bool More) : ClusterMessage;

/// <summary>Digests of a token range split into <paramref name="Buckets"/> equal sub-ranges (anti-entropy).</summary>
public sealed record RangeDigestRequest(long Epoch, string Table, ulong FromToken, ulong ToToken, int Buckets) : EpochRequest(Epoch);

/// <summary>One digest per bucket (an order-independent hash of each cell's key and accepted ballot).</summary>
public sealed record RangeDigestReply(ReplyStatus Status, long Epoch, IReadOnlyList<ulong> Digests) : ClusterMessage;

/// <summary>
/// Delivers cells a replica should hold (hinted handoff, read repair, streaming, anti-entropy): each is accepted
/// like a Paxos accept (only when its ballot is at least the promised one and above the accepted one).
/// </summary>
public sealed record StoreRequest(long Epoch, string Table, IReadOnlyList<CellEntry> Cells) : EpochRequest(Epoch);

/// <summary>How many cells were newer than the replica's and were stored.</summary>
public sealed record StoreReply(ReplyStatus Status, long Epoch, int Stored) : ClusterMessage;

/// <summary>Asks a replica for the size of its local copy of a table (live items it holds, in any of its ranges).</summary>
public sealed record TableStatsRequest(long Epoch, string Table) : EpochRequest(Epoch);

/// <summary>A replica's local item, partition and byte counts of one table.</summary>
public sealed record TableStatsReply(ReplyStatus Status, long Epoch, long ItemCount, long PartitionCount, long SizeBytes) : ClusterMessage;

/// <summary>
/// Asks a replica whether it may forget the given tombstones (each cell's key with the tombstone's accepted ballot):
/// it may when it holds no state for the key or an equal or older tombstone, with no higher promise and no intent.
/// </summary>
public sealed record TombstoneCheckRequest(long Epoch, string Table, IReadOnlyList<CellEntry> Cells) : EpochRequest(Epoch);

/// <summary>Per cell of the request, whether this replica agrees the tombstone may be forgotten.</summary>
public sealed record TombstoneCheckReply(ReplyStatus Status, long Epoch, IReadOnlyList<bool> Safe) : ClusterMessage;

/// <summary>Failure detection and epoch dissemination.</summary>
public sealed record HeartbeatRequest(long Epoch) : ClusterMessage;

/// <summary>The replica's epoch (a sender with an older one fetches the new configuration).</summary>
public sealed record HeartbeatReply(long Epoch) : ClusterMessage;

/// <summary>A request the node could not serve because of bad input or an internal error (never a crash).</summary>
public sealed record ErrorReply(string Message) : ClusterMessage;
