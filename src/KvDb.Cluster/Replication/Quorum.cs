using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Replication;

/// <summary>
/// Sends one request to every node of one or more replica sets and completes as soon as each set has
/// given enough good replies (success) or can no longer give them (failure). Replies that arrive later are
/// still seen by <c>onLateFailure</c> (used for hinted handoff).
/// </summary>
internal static class Quorum
{
    public sealed record Outcome<TReply>(bool Reached, IReadOnlyList<(NodeId Node, TReply Reply)> Replies, IReadOnlyList<NodeId> Unreachable)
        where TReply : ClusterMessage;

    public static Task<Outcome<TReply>> GatherAsync<TReply>(
        IReadOnlyList<IReadOnlyList<NodeId>> sets,
        Func<int, int> quorumForSetSize,
        Func<NodeId, Task<ClusterMessage>> send,
        Func<TReply, bool> isGood,
        Action<NodeId>? onUnreachable = null)
        where TReply : ClusterMessage
    {
        var nodes = sets.SelectMany(s => s).Distinct().ToArray();
        var state = new GatherState<TReply>(sets, quorumForSetSize, isGood, nodes.Length);
        foreach (var node in nodes)
        {
            _ = SendOneAsync(node, send, state, onUnreachable);
        }

        state.CheckInitial();
        return state.Completion.Task;
    }

    private static async Task SendOneAsync<TReply>(NodeId node, Func<NodeId, Task<ClusterMessage>> send, GatherState<TReply> state, Action<NodeId>? onUnreachable)
        where TReply : ClusterMessage
    {
        ClusterMessage? reply = null;
        try
        {
            reply = await send(node);
        }
        catch (NodeUnreachableException)
        {
            onUnreachable?.Invoke(node);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ClusterProtocolException)
        {
        }

        state.Record(node, reply as TReply);
    }

    private sealed class GatherState<TReply>(IReadOnlyList<IReadOnlyList<NodeId>> sets, Func<int, int> quorum, Func<TReply, bool> isGood, int total)
        where TReply : ClusterMessage
    {
        private readonly Lock _lock = new();
        private readonly List<(NodeId Node, TReply Reply)> _replies = [];
        private readonly List<NodeId> _unreachable = [];
        private readonly HashSet<NodeId> _answered = [];
        private bool _completed;

        public TaskCompletionSource<Outcome<TReply>> Completion { get; } = new();

        public void CheckInitial()
        {
            Outcome<TReply>? done;
            lock (_lock)
            {
                done = Evaluate(total == 0);
            }

            Complete(done);
        }

        private void Complete(Outcome<TReply>? done)
        {
            if (done is not null)
            {
                Completion.TrySetResult(done);
            }
        }

        public void Record(NodeId node, TReply? reply)
        {
            Outcome<TReply>? done;
            lock (_lock)
            {
                _answered.Add(node);
                if (reply is null)
                {
                    _unreachable.Add(node);
                }
                else
                {
                    _replies.Add((node, reply));
                }

                done = Evaluate(_answered.Count == total);
            }

            Complete(done);
        }

        private Outcome<TReply>? Evaluate(bool all)
        {
            if (_completed)
            {
                return null;
            }

            var reached = true;
            var possible = true;
            foreach (var set in sets)
            {
                var good = 0;
                var open = 0;
                foreach (var n in set)
                {
                    if (!_answered.Contains(n))
                    {
                        open++;
                    }
                }

                foreach (var (n, r) in _replies)
                {
                    if (set.Contains(n) && isGood(r))
                    {
                        good++;
                    }
                }

                var need = quorum(set.Count);
                reached &= good >= need;
                possible &= good + open >= need;
            }

            if (reached || !possible || all)
            {
                _completed = true;
                return new Outcome<TReply>(reached, [.. _replies], [.. _unreachable]);
            }

            return null;
        }
    }
}
