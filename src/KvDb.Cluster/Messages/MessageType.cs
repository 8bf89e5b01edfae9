namespace KvDb.Cluster;

/// <summary>The type tag of an encoded message (byte 2 of every encoding). Values are part of the wire format: never renumber.</summary>
internal enum MessageType : byte
{
    PrepareRequest = 1,
    PrepareReply = 2,
    AcceptRequest = 3,
    AcceptReply = 4,
    ReadRequest = 5,
    ReadReply = 6,
    KeyQueryRequest = 7,
    KeyQueryReply = 8,
    RangeFetchRequest = 9,
    RangeFetchReply = 10,
    RangeDigestRequest = 11,
    RangeDigestReply = 12,
    StoreRequest = 13,
    StoreReply = 14,
    HeartbeatRequest = 15,
    HeartbeatReply = 16,
    ErrorReply = 17,
    TableStatsRequest = 18,
    TableStatsReply = 19,
    TombstoneCheckRequest = 20,
    TombstoneCheckReply = 21,
}
