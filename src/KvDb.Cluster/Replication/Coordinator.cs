using KvDb.Cluster.Membership;
using KvDb.Cluster.Node;

namespace KvDb.Cluster.Replication;

/// <summary>What a change function decides for a cell, given its current state and the new ballot.</summary>
/// <param name="NewState">The state to write, or null to write nothing (a read, or a failed condition).</param>
/// <param name="Result">What the caller gets back.</param>
internal readonly record struct CasDecision<T>(CellState? NewState, T Result);

/// <summary>
/// The proposer side of the replication protocol (CASPaxos: one Paxos instance per item, over its replica
/// set). Every write of an item is a compare-and-set round: phase 1 (prepare, N - W + 1 replicas) learns the
/// latest state, the change function computes the new state (evaluating conditions and update expressions
/// here, on the coordinator), phase 2 (accept, W replicas) makes it durable. Any node can coordinate; two
/// coordinators racing on one item are ordered by their ballots, so conditional writes that exclude each
/// other never both succeed. During a membership transition every quorum must be reached in both the old
/// and the new replica set.
/// </summary>
internal sealed class Coordinator(ClusterNode node)
{
    private ClusterOptions Options => node.Options;

    /// <summary>Runs one compare-and-set on a replicated cell.</summary>
    /// <param name="table">The table.</param>
    /// <param name="key">The item.</param>
    /// <param name="change">Decides the new state from the current one (may run more than once).</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="idempotent">
    /// True when applying the change twice is the same as once (the change recognises its own earlier effect),
    /// so a round that some replicas accepted may simply be retried.
    /// </param>
    public async Task<T> CasAsync<T>(string table, ItemKey key, Func<CellState, Ballot, CasDecision<T>> change, CancellationToken ct, bool idempotent = false)
    {
        var token = CellKeys.TokenOf(key);
        for (var attempt = 0; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var placement = node.Placement;
            var sets = placement.ReplicaSets(token);
            var epoch = placement.Config.Epoch;
            var result = await RoundAsync(table, key, sets, epoch, Options.PrepareQuorumFor, Options.WriteQuorumFor, change, ct);
            if (result.Done)
            {
                return result.Value!;
            }

            if (result.Proposed is { } proposed && !idempotent)
            {
                // Some replica may have accepted our write: retrying it blindly could apply it twice (once
                // recovered by another coordinator's round, once more by us). Settle the cell instead:
                // - the chosen state is ours: the write happened;
                // - the chosen state is older than our ballot: ours was never chosen, and it never can be, because
                //   the settling round re-accepts the chosen state at a ballot above ours on a write quorum (every
                //   later prepare sees that higher ballot), so it is safe to try again;
                // - a newer write was chosen: we cannot tell whether ours was chosen before it (and overwritten) or
                //   never, so its outcome is unknown. (Even a blind write cannot simply be ordered just before the
                //   newer one: that one may have been a conditional write that saw the value without ours.)
                var settled = await CasAsync(table, key, static (state, _) => new CasDecision<CellState>(state, state), ct, idempotent: true);
                if (IsSame(settled, proposed))
                {
                    return result.Value!;
                }

                if (settled.Version < result.ProposedBallot)
                {
                    continue;
                }

                throw new KvDbException(KvErrorCode.ClusterUnavailable,
                    $"Table \"{table}\", key {key}: the write reached only some replicas before a competing write or a failure; its outcome is unknown (it may or may not have been applied).");
            }

            await BackOffAsync(attempt, result, table, key, ct);
        }
    }

    /// <summary>Reads one cell: a quorum of replicas that agree answers at once; otherwise a Paxos round settles (and repairs) it.</summary>
    public async Task<CellState> ReadAsync(string table, ItemKey key, CancellationToken ct)
    {
        var token = CellKeys.TokenOf(key);
        var placement = node.Placement;
        var sets = placement.ReplicaSets(token);
        var request = new ReadRequest(placement.Config.Epoch, table, [key]);
        var outcome = await Quorum.GatherAsync<ReadReply>(sets, Options.ReadQuorumFor, n => node.SendAsync(n, request, ct), static r => r.Status == ReplyStatus.Ok);
        if (outcome.Reached)
        {
            // Answer at once when every good reply carries the same accepted ballot.
            CellEntry? first = null;
            var agree = true;
            foreach (var (_, r) in outcome.Replies)
            {
                if (r.Status != ReplyStatus.Ok)
                {
                    continue;
                }

                var cell = r.Cells[0];
                if (first is null)
                {
                    first = cell;
                }
                else if (cell.Accepted != first.Accepted)
                {
                    agree = false;
                    break;
                }
            }

            if (agree && first is not null)
            {
                return first.State;
            }
        }

        return await CasAsync(table, key, static (state, _) => new CasDecision<CellState>(null, state), ct);
    }

    private readonly record struct RoundResult<T>(bool Done, T? Value, Ballot HighestPromise, bool StaleEpoch, bool UnknownTable, int Unreachable, CellState? Proposed = null, Ballot ProposedBallot = default);

    private static bool IsSame(CellState settled, CellState proposed) =>
        settled.Version == proposed.Version &&
        settled.Intent?.TxnId == proposed.Intent?.TxnId &&
        (settled.Item is null) == (proposed.Item is null);

    private async Task<RoundResult<T>> RoundAsync<T>(
        string table, ItemKey key, IReadOnlyList<IReadOnlyList<NodeId>> sets, long epoch,
        Func<int, int> prepareQuorum, Func<int, int> acceptQuorum,
        Func<CellState, Ballot, CasDecision<T>> change, CancellationToken ct)
    {
        var ballot = node.Clock.Next();
        var prepare = new PrepareRequest(epoch, table, key, ballot);
        var promises = await Quorum.GatherAsync<PrepareReply>(sets, prepareQuorum, n => node.SendAsync(n, prepare, ct), static r => r.Status == ReplyStatus.Ok);
        if (!promises.Reached)
        {
            return Failure<T>(promises.Replies.Select(r => (r.Reply.Status, r.Reply.Promised)), promises.Unreachable.Count);
        }

        // The highest accepted state among the promises (the first one on ties, as MaxBy would pick).
        var replies = promises.Replies;
        PrepareReply? latest = null;
        foreach (var (_, r) in replies)
        {
            if (r.Status == ReplyStatus.Ok)
            {
                node.Clock.Observe(r.Accepted);
                if (latest is null || r.Accepted > latest.Accepted)
                {
                    latest = r;
                }
            }
        }

        var decision = change(latest!.State, ballot);
        var newState = decision.NewState;
        if (newState is null)
        {
            // Nothing to write. If the latest state is already chosen (a write quorum of each set accepted it),
            // the answer stands; otherwise re-propose it so that no later read can see an older value.
            if (IsChosen(sets, replies, latest.Accepted, acceptQuorum))
            {
                return new RoundResult<T>(true, decision.Result, default, false, false, 0);
            }

            newState = latest.State;
        }

        var accept = new AcceptRequest(epoch, table, key, ballot, newState);
        var accepted = await Quorum.GatherAsync<AcceptReply>(sets, acceptQuorum, n => node.SendAsync(n, accept, ct), static r => r.Status == ReplyStatus.Ok,
            unreachable => node.Hints.Add(unreachable, accept.Table, new CellEntry(accept.Key, accept.Ballot, accept.State))); // built only when a replica is unreachable
        if (!accepted.Reached)
        {
            var failure = Failure<T>(accepted.Replies.Select(r => (r.Reply.Status, r.Reply.Promised)), accepted.Unreachable.Count);
            // Unless every replica explicitly refused, one may have accepted (an unanswered or lost request too).
            var refused = accepted.Replies.Count(r => r.Reply.Status != ReplyStatus.Ok);
            var anyAccepted = refused < sets.SelectMany(set => set).Distinct().Count();
            return decision.NewState is not null && anyAccepted ? failure with { Value = decision.Result, Proposed = newState, ProposedBallot = ballot } : failure;
        }

        return new RoundResult<T>(true, decision.Result, default, false, false, 0);
    }

    /// <summary>True when, in every set, a write quorum of the good promises carries the accepted ballot <paramref name="accepted"/>.</summary>
    private static bool IsChosen(IReadOnlyList<IReadOnlyList<NodeId>> sets, IReadOnlyList<(NodeId Node, PrepareReply Reply)> replies, Ballot accepted, Func<int, int> acceptQuorum)
    {
        foreach (var set in sets)
        {
            var count = 0;
            foreach (var (n, r) in replies)
            {
                if (r.Status == ReplyStatus.Ok && r.Accepted == accepted && Contains(set, n))
                {
                    count++;
                }
            }

            if (count < acceptQuorum(set.Count))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(IReadOnlyList<NodeId> set, NodeId node)
    {
        for (var i = 0; i < set.Count; i++)
        {
            if (set[i] == node)
            {
                return true;
            }
        }

        return false;
    }

    private RoundResult<T> Failure<T>(IEnumerable<(ReplyStatus Status, Ballot Promised)> replies, int unreachable)
    {
        var highest = Ballot.Zero;
        var stale = false;
        var unknown = false;
        foreach (var (status, promised) in replies)
        {
            highest = Ballot.Max(highest, promised);
            stale |= status is ReplyStatus.StaleEpoch or ReplyStatus.NotMember;
            unknown |= status == ReplyStatus.UnknownTable;
        }

        node.Clock.Observe(highest);
        return new RoundResult<T>(false, default, highest, stale, unknown, unreachable);
    }

    private async Task BackOffAsync<T>(int attempt, RoundResult<T> failure, string table, ItemKey key, CancellationToken ct)
    {
        if (attempt + 1 >= Options.MaxAttempts)
        {
            throw new KvDbException(KvErrorCode.ClusterUnavailable,
                $"Table \"{table}\", key {key}: no quorum of replicas after {Options.MaxAttempts} attempts " +
                $"({failure.Unreachable} replica(s) unreachable{(failure.StaleEpoch ? ", configuration changing" : "")}{(failure.UnknownTable ? ", table not yet known everywhere" : "")}).");
        }

        if (failure.StaleEpoch || failure.UnknownTable)
        {
            await node.RefreshConfigAsync(ct);
        }

        // Randomised exponential back-off so that racing coordinators stop duelling.
        var ceiling = Math.Min(200, 5 << Math.Min(attempt, 6));
        await node.Runtime.Delay(TimeSpan.FromMilliseconds(1 + node.Runtime.Random.Next(ceiling)), ct);
    }

    // ------------------------------------------------------------------ the configuration register

    /// <summary>
    /// A compare-and-set on the configuration, decided by a majority of the members of the configuration it
    /// replaces. Returns the configuration that is current afterwards and whether the change applied.
    /// </summary>
    public async Task<(ClusterConfig Config, bool Applied)> ChangeConfigAsync(Func<ClusterConfig, ClusterConfig?> change, CancellationToken ct)
    {
        byte[]? proposed = null; // what an earlier attempt proposed: it may have been chosen although that attempt failed
        for (var attempt = 0; ; attempt++)
        {
            var current = node.Placement.Config;
            var members = current.Members.Select(m => m.Id).ToArray();
            var result = await RoundAsync<(ClusterConfig, bool)>(ReplicaStore.SystemTable, ClusterNode.ConfigKey, [members], 0, Majority, Majority, (state, ballot) =>
            {
                var latest = node.ConfigOf(state);
                if (proposed is not null && latest.Encode().AsSpan().SequenceEqual(proposed))
                {
                    return new CasDecision<(ClusterConfig, bool)>(null, (latest, true)); // our earlier attempt won
                }

                if (latest.Epoch > current.Epoch)
                {
                    return new CasDecision<(ClusterConfig, bool)>(null, (latest, false));
                }

                var next = change(latest);
                if (next is null)
                {
                    return new CasDecision<(ClusterConfig, bool)>(null, (latest, false));
                }

                next = next with { Epoch = latest.Epoch + 1 };
                proposed = next.Encode();
                return new CasDecision<(ClusterConfig, bool)>(new CellState(ClusterNode.ConfigItem(next), ballot), (next, true));
            }, ct);
            if (result.Done)
            {
                var (config, applied) = result.Value;
                await node.AdoptConfigAsync(config, ct);
                if (applied || config.Epoch <= current.Epoch)
                {
                    return (config, applied);
                }

                continue; // a newer configuration was learned: apply the change on top of it
            }

            await BackOffAsync(attempt, result, ReplicaStore.SystemTable, ClusterNode.ConfigKey, ct);
        }
    }

    /// <summary>Reads the configuration chosen by a majority of <paramref name="config"/>'s members (a Paxos read).</summary>
    public async Task<ClusterConfig?> ReadConfigAsync(ClusterConfig config, CancellationToken ct)
    {
        var members = config.Members.Select(m => m.Id).ToArray();

        // Fast path without promises (so that many nodes learning at once do not duel): a state that a majority
        // reports with the same accepted ballot is accepted by a majority, hence chosen.
        var read = new ReadRequest(0, ReplicaStore.SystemTable, [ClusterNode.ConfigKey]);
        var replies = await Quorum.GatherAsync<ReadReply>([members], Majority, n => node.SendAsync(n, read, ct), r => r.Status == ReplyStatus.Ok && r.Cells.Count == 1);
        if (replies.Reached)
        {
            var cells = replies.Replies.Where(r => r.Reply.Status == ReplyStatus.Ok && r.Reply.Cells.Count == 1).Select(r => r.Reply.Cells[0]).ToArray();
            var highest = cells.MaxBy(c => c.Accepted)!;
            if (cells.Count(c => c.Accepted == highest.Accepted) >= Majority(members.Length))
            {
                return node.ConfigOf(highest.State);
            }
        }

        var result = await RoundAsync<ClusterConfig>(ReplicaStore.SystemTable, ClusterNode.ConfigKey, [members], 0, Majority, Majority,
            (state, _) => new CasDecision<ClusterConfig>(null, node.ConfigOf(state)), ct);
        return result.Done ? result.Value : null;
    }

    private static int Majority(int n) => (n / 2) + 1;
}
