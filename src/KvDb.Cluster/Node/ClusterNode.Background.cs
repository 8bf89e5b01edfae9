using KvDb.Cluster.Membership;
using KvDb.Cluster.Placement;
using KvDb.Cluster.Replication;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Node;

public sealed partial class ClusterNode
{
    /// <summary>One heartbeat round: ping every member, deliver hints, detect dead nodes, drive the current transition.</summary>
    private async Task TickAsync()
    {
        if (_stop.IsCancellationRequested || Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            await HeartbeatAllAsync();
            if (IsMember)
            {
                await DetectDeadAsync();
                await DriveTransitionAsync();
            }
        }
        catch (Exception e) when (e is KvDbException or OperationCanceledException or NodeUnreachableException or ClusterProtocolException)
        {
            Runtime.Trace($"{Id} tick: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private async Task HeartbeatAllAsync()
    {
        var config = Config;
        var peers = config.Members.Where(m => m.Id != Id && m.State != MemberState.Dead).Select(m => m.Id).ToArray();
        await Task.WhenAll(peers.Select(async peer =>
        {
            try
            {
                var reply = await SendAsync(peer, new HeartbeatRequest(config.Epoch), _stop.Token);
                if (reply is HeartbeatReply hb)
                {
                    NotePeer(peer, hb.Epoch);
                    await DeliverHintsAsync(peer);
                }
            }
            catch (Exception e) when (e is NodeUnreachableException or KvDbException or ClusterProtocolException)
            {
                // Not heard: the failure detector looks at how long ago we last heard from it.
            }
        }));
    }

    private async Task DeliverHintsAsync(NodeId peer)
    {
        while (Hints.Count(peer) > 0 && !_stop.IsCancellationRequested)
        {
            var batch = Hints.Take(peer, 200);
            if (Options.TombstoneGracePeriod > TimeSpan.Zero)
            {
                // A hint older than the tombstone grace period could carry a state whose tombstone was already
                // collected; anti-entropy repairs what such a hint carried.
                var oldest = Runtime.NowMilliseconds - (long)Options.TombstoneGracePeriod.TotalMilliseconds;
                batch.RemoveAll(h => h.Entry.Accepted.Physical < oldest);
            }

            foreach (var group in batch.GroupBy(h => h.Table))
            {
                try
                {
                    await SendAsync(peer, new StoreRequest(Config.Epoch, group.Key, group.Select(h => h.Entry).ToArray()), _stop.Token);
                }
                catch (Exception e) when (e is NodeUnreachableException or KvDbException or ClusterProtocolException)
                {
                    foreach (var h in group)
                    {
                        Hints.Add(peer, h.Table, h.Entry);
                    }

                    return;
                }
            }
        }
    }

    /// <summary>How long ago (virtual or real ms) a member last answered; start time counts as heard.</summary>
    internal long SilenceOf(NodeId peer)
    {
        if (peer == Id)
        {
            return 0;
        }

        lock (_peers)
        {
            return Runtime.NowMilliseconds - Math.Max(_startedAt, _lastHeard.GetValueOrDefault(peer));
        }
    }

    private long EpochOf(NodeId peer)
    {
        lock (_peers)
        {
            return peer == Id ? Config.Epoch : _peerEpoch.GetValueOrDefault(peer);
        }
    }

    /// <summary>
    /// Whether this node proposes the cluster's own configuration changes (declaring a node dead, switching
    /// ownership after a transition): the member with the smallest id among those this node hears. Any node may
    /// propose (the change is a compare-and-set), but one proposer spares the rest a duel of Paxos rounds; when
    /// that member falls silent, the next one takes over.
    /// </summary>
    private bool ProposesChanges()
    {
        var recent = Math.Max(3 * (long)Options.HeartbeatInterval.TotalMilliseconds, 1);
        foreach (var member in Config.Members)
        {
            if (member.State == MemberState.Dead)
            {
                continue;
            }

            if (member.Id == Id || SilenceOf(member.Id) <= recent)
            {
                return member.Id == Id; // members are in id order: the first one heard is the proposer
            }
        }

        return false;
    }

    private async Task DetectDeadAsync()
    {
        if (Options.DeadAfter <= TimeSpan.Zero || !ProposesChanges())
        {
            return;
        }

        foreach (var member in Config.Members)
        {
            if (member.Id != Id && member.State is MemberState.Normal or MemberState.Leaving or MemberState.Joining &&
                SilenceOf(member.Id) > (long)Options.DeadAfter.TotalMilliseconds)
            {
                Runtime.Trace($"{Id} declares {member.Id} dead after {SilenceOf(member.Id)} ms of silence");
                await DeclareDeadAsync(member.Id, _stop.Token);
                return; // one change per tick
            }
        }
    }

    /// <summary>
    /// Moves the current transition forward: a gaining node streams its new ranges once every live member knows
    /// the transition's epoch (so no coordinator still writes to the old replica sets alone), then records
    /// that it has synced; once every gaining node has, any node switches ownership.
    /// </summary>
    private async Task DriveTransitionAsync()
    {
        var placement = Placement;
        var config = placement.Config;
        if (!config.InTransition)
        {
            return;
        }

        var gaining = GainingNodes(placement);
        if (gaining.All(config.Synced.Contains))
        {
            if (ProposesChanges())
            {
                await Coordinator.ChangeConfigAsync(c => c.Epoch != config.Epoch ? null : Finalized(c), _stop.Token);
            }

            return;
        }

        if (!gaining.Contains(Id) || config.Synced.Contains(Id))
        {
            return;
        }

        var live = config.Members.Where(m => m.State != MemberState.Dead && m.Id != Id).Select(m => m.Id).ToArray();
        if (live.Any(m => EpochOf(m) < config.Epoch))
        {
            return; // wait until every live member has learned the transition
        }

        // Streaming can take long: it runs beside the heartbeat ticks, not inside one.
        if (Interlocked.Exchange(ref _streaming, 1) == 0)
        {
            _ = StreamAndSyncAsync(placement);
        }
    }

    private async Task StreamAndSyncAsync(ClusterPlacement placement)
    {
        try
        {
            var config = placement.Config;
            var streamed = await StreamGainedRangesAsync(placement);
            if (!streamed || !SameTransition(Placement.Config, config))
            {
                return;
            }

            var membersAtStart = config.Members;
            await Coordinator.ChangeConfigAsync(c =>
                c.Members.SequenceEqual(membersAtStart) && !c.Synced.Contains(Id) ? c with { Synced = c.Synced.Add(Id) } : null, _stop.Token);
        }
        catch (Exception e) when (e is KvDbException or OperationCanceledException or NodeUnreachableException or ClusterProtocolException)
        {
            Runtime.Trace($"{Id} streaming: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _streaming, 0);
        }
    }

    private static ClusterConfig Finalized(ClusterConfig c) => c with
    {
        Members = [.. c.Members.Where(m => m.State is MemberState.Normal or MemberState.Joining).Select(m => m with { State = MemberState.Normal })],
        Synced = [],
    };

    private async Task<bool> StreamGainedRangesAsync(ClusterPlacement placement)
    {
        var moves = HashRing.Diff(placement.Current, placement.Next!).Where(m => m.Gained.Contains(Id)).ToArray();
        var tables = placement.Config.Tables.Select(t => t.Name).Append(ReplicaStore.TxnTable).ToArray();
        Progress = new RebalanceProgress(placement.Config.Epoch, moves.Length, 0, 0, 0);
        var done = 0;
        long items = 0;
        long bytes = 0;
        foreach (var move in moves)
        {
            // Every chosen state is on a write quorum (W) of the old replica set, so copying from any N - W + 1 of
            // them sees it: try the live old replicas in turn until that many have been copied in full.
            var sources = move.OldReplicas.Where(n => n != Id && placement.Config.Find(n)?.State != MemberState.Dead).ToArray();
            var needed = Options.PrepareQuorumFor(move.OldReplicas.Count);
            foreach (var table in tables)
            {
                var copied = 0;
                foreach (var source in sources)
                {
                    if (copied >= needed)
                    {
                        break;
                    }

                    var (ok, n, b) = await CopyRangeAsync(source, table, move.From, move.To);
                    items += n;
                    bytes += b;
                    Progress = Progress with { ItemsMoved = items, BytesMoved = bytes };
                    if (ok)
                    {
                        copied++;
                    }
                }

                if (copied < needed)
                {
                    return false; // too few old replicas readable now: try again on a later tick
                }
            }

            done++;
            Progress = Progress with { RangesDone = done };
            if (!SameTransition(Placement.Config, placement.Config))
            {
                return false; // the membership changed meanwhile: stream again for the new transition
            }
        }

        Runtime.Trace($"{Id} streamed {items} cells in {moves.Length} ranges for epoch {placement.Config.Epoch}");
        return true;
    }

    private static bool SameTransition(ClusterConfig a, ClusterConfig b) => a.Members.SequenceEqual(b.Members);

    /// <summary>Copies one token range of one table from a replica into the local store (newer states win).</summary>
    internal async Task<(bool Ok, long Items, long Bytes)> CopyRangeAsync(NodeId source, string table, ulong from, ulong to)
    {
        ItemKey? after = null;
        long items = 0;
        long bytes = 0;
        while (true)
        {
            RangeFetchReply? page = null;
            for (var attempt = 0; attempt < 5 && page is null; attempt++)
            {
                try
                {
                    // Each page is retried on its own, so a lost message does not restart a whole range.
                    var reply = await SendAsync(source, new RangeFetchRequest(Config.Epoch, table, from, to, after, Options.StreamPageSize), _stop.Token);
                    if (reply is RangeFetchReply { Status: ReplyStatus.Ok } r)
                    {
                        page = r;
                    }
                    else if (reply is RangeFetchReply { Status: ReplyStatus.StaleEpoch or ReplyStatus.NotMember or ReplyStatus.UnknownTable })
                    {
                        return (false, items, bytes);
                    }
                }
                catch (Exception e) when (e is NodeUnreachableException or KvDbException or ClusterProtocolException)
                {
                }
            }

            if (page is null)
            {
                return (false, items, bytes);
            }

            foreach (var cell in page.Cells)
            {
                Clock.Observe(cell.Accepted);
                await Replicas.AcceptAsync(table, cell.Key, cell.Accepted, cell.State, isStore: true, _stop.Token);
                items++;
                bytes += cell.State.Item?.SizeInBytes ?? 16;
            }

            if (!page.More || page.Cells.Count == 0)
            {
                return (true, items, bytes);
            }

            after = page.Cells[^1].Key;
        }
    }

    // ------------------------------------------------------------------ anti-entropy

    private async Task AntiEntropyTickAsync()
    {
        if (_stop.IsCancellationRequested || !IsMember || Interlocked.Exchange(ref _antiEntropyRunning, 1) == 1)
        {
            return;
        }

        try
        {
            await RunAntiEntropyAsync(_stop.Token);
            await CollectTombstonesAsync(_stop.Token);
        }
        catch (Exception e) when (e is KvDbException or OperationCanceledException or NodeUnreachableException or ClusterProtocolException)
        {
            Runtime.Trace($"{Id} anti-entropy: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _antiEntropyRunning, 0);
        }
    }

    /// <summary>
    /// One anti-entropy pass: for every range this node replicates, compare bucket digests with each other
    /// replica and pull the cells of differing buckets (the others do the same, so replicas converge).
    /// Returns how many cells were newer elsewhere and stored here.
    /// </summary>
    public async Task<long> RunAntiEntropyAsync(CancellationToken cancellationToken = default)
    {
        const int Buckets = 16;
        var placement = Placement;
        var ring = placement.Final;
        var tables = placement.Config.Tables.Select(t => t.Name).Append(ReplicaStore.TxnTable).ToArray();
        long repaired = 0;
        foreach (var (from, to, replicas) in MergedRanges(ring))
        {
            if (!replicas.Contains(Id))
            {
                continue;
            }

            foreach (var peer in replicas.Where(r => r != Id))
            {
                foreach (var table in tables)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ulong[] local = await Replicas.DigestAsync(table, from, to, Buckets, cancellationToken);
                    RangeDigestReply remote;
                    try
                    {
                        if (await SendAsync(peer, new RangeDigestRequest(Config.Epoch, table, from, to, Buckets), cancellationToken) is not RangeDigestReply { Status: ReplyStatus.Ok } d)
                        {
                            continue;
                        }

                        remote = d;
                    }
                    catch (Exception e) when (e is NodeUnreachableException or KvDbException or ClusterProtocolException)
                    {
                        continue;
                    }

                    var width = ((to - from) / Buckets) + 1;
                    for (var b = 0; b < Buckets && b < remote.Digests.Count; b++)
                    {
                        if (remote.Digests[b] == local[b])
                        {
                            continue;
                        }

                        var bFrom = from + ((ulong)b * width);
                        var bTo = b == Buckets - 1 ? to : Math.Min(to, bFrom + width - 1);
                        var before = await Replicas.DigestAsync(table, bFrom, bTo, 1, cancellationToken);
                        var (ok, n, _) = await CopyRangeAsync(peer, table, bFrom, bTo);
                        var after = await Replicas.DigestAsync(table, bFrom, bTo, 1, cancellationToken);
                        if (ok && before[0] != after[0])
                        {
                            repaired += n;
                        }
                    }
                }
            }
        }

        if (repaired > 0)
        {
            Runtime.Trace($"{Id} anti-entropy pulled {repaired} cells");
        }

        return repaired;
    }

    // ------------------------------------------------------------------ tombstone collection

    /// <summary>Metadata items one collection pass looks at per table.</summary>
    private const int TombstoneBatch = 1000;

    private long _tombstonesCollected;

    /// <summary>Tombstones this node has collected since it started.</summary>
    internal long TombstonesCollected => Interlocked.Read(ref _tombstonesCollected);

    /// <summary>Where each table's tombstone scan resumes (metadata key), so that each pass looks at the next slice.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ItemKey?> _tombstoneCursors = new(StringComparer.Ordinal);

    /// <summary>
    /// One tombstone collection pass (run after each anti-entropy pass): for every table, looks at the next
    /// <see cref="TombstoneBatch"/> metadata items, picks the settled tombstones older than
    /// <see cref="ClusterOptions.TombstoneGracePeriod"/>, asks every other replica of each item whether it may be
    /// forgotten (<see cref="TombstoneCheckRequest"/>), and removes those all replicas agree on. Nothing happens while
    /// the membership changes or when the period is zero. Returns how many tombstones this node removed.
    /// </summary>
    public async Task<long> CollectTombstonesAsync(CancellationToken cancellationToken = default)
    {
        var grace = Options.TombstoneGracePeriod;
        var placement = Placement;
        if (grace <= TimeSpan.Zero || placement.Config.InTransition || !IsMember)
        {
            return 0;
        }

        var olderThan = new Ballot(Runtime.NowMilliseconds - (long)grace.TotalMilliseconds, 0, 0);
        var ring = placement.Final;
        long dropped = 0;
        foreach (var table in placement.Config.Tables.Select(t => t.Name).Append(ReplicaStore.TxnTable))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Replicas.HasTable(table))
            {
                continue;
            }

            _tombstoneCursors.TryGetValue(table, out var after);
            var (found, next) = await Replicas.FindTombstonesAsync(table, olderThan, after, TombstoneBatch, cancellationToken);
            _tombstoneCursors[table] = next;
            if (found.Count == 0)
            {
                continue;
            }

            // Every other replica of each item must agree; an unreachable one keeps the tombstone.
            var safe = new bool[found.Count];
            Array.Fill(safe, true);
            var byPeer = new Dictionary<NodeId, List<int>>();
            for (var i = 0; i < found.Count; i++)
            {
                foreach (var replica in ring.ReplicasFor(CellKeys.TokenOf(found[i].Key)))
                {
                    if (replica != Id)
                    {
                        (byPeer.TryGetValue(replica, out var list) ? list : byPeer[replica] = []).Add(i);
                    }
                }
            }

            foreach (var (peer, indexes) in byPeer)
            {
                var request = new TombstoneCheckRequest(placement.Config.Epoch, table, indexes.Select(i => found[i]).ToArray());
                IReadOnlyList<bool>? answers = null;
                try
                {
                    if (await SendAsync(peer, request, cancellationToken) is TombstoneCheckReply { Status: ReplyStatus.Ok } reply && reply.Safe.Count == indexes.Count)
                    {
                        answers = reply.Safe;
                    }
                }
                catch (Exception e) when (e is NodeUnreachableException or KvDbException or ClusterProtocolException)
                {
                    Runtime.Trace($"{Id} tombstone check with {peer}: {e.Message}");
                }

                for (var j = 0; j < indexes.Count; j++)
                {
                    safe[indexes[j]] &= answers is not null && answers[j];
                }
            }

            if (Placement.Config.Epoch != placement.Config.Epoch)
            {
                break; // the membership changed meanwhile: the replica sets asked may be stale
            }

            dropped += await Replicas.DropTombstonesAsync(table, found.Where((_, i) => safe[i]).ToArray(), cancellationToken);
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _tombstonesCollected, dropped);
            Runtime.Trace($"{Id} collected {dropped} tombstones");
        }

        return dropped;
    }

    /// <summary>The ring's ranges with adjacent ranges of the same replica set merged (fewer digests to compare).</summary>
    internal static IEnumerable<(ulong From, ulong To, IReadOnlyList<NodeId> Replicas)> MergedRanges(HashRing ring)
    {
        (ulong From, ulong To, IReadOnlyList<NodeId> Replicas)? open = null;
        foreach (var range in ring.Ranges)
        {
            var set = range.Replicas.Order().ToArray();
            if (open is { } o && o.Replicas.SequenceEqual(set) && o.To + 1 == range.From)
            {
                open = (o.From, range.To, o.Replicas);
                continue;
            }

            if (open is { } done)
            {
                yield return done;
            }

            open = (range.From, range.To, set);
        }

        if (open is { } last)
        {
            yield return last;
        }
    }
}
