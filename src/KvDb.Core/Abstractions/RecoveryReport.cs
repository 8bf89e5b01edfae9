namespace KvDb;

/// <summary>What opening a data directory found and did.</summary>
/// <param name="SnapshotSequence">The sequence number the loaded snapshot covers (0 when there was none).</param>
/// <param name="RecordsReplayed">Log records replayed after the snapshot.</param>
/// <param name="LastSequence">The sequence number of the last committed change after recovery.</param>
/// <param name="BytesDiscarded">Bytes cut off a torn log tail (an interrupted write that was never acknowledged).</param>
/// <param name="TornTail">What was wrong with the tail, or null when the log ended cleanly.</param>
/// <param name="Elapsed">How long recovery took.</param>
public sealed record RecoveryReport(long SnapshotSequence, long RecordsReplayed, long LastSequence, long BytesDiscarded, string? TornTail, TimeSpan Elapsed);
