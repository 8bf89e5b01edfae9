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
        var nodes = DistinctNodes(sets);
        var state = new GatherState<TReply>(sets, quorumForSetSize, isGood, nodes.Count);
        foreach (var node in nodes)
        {
            _ = SendOneAsync(node, send, state, onUnreachable);
        }

        state.CheckInitial();
        return state.Completion.Task;
    }

    /// <summary>The nodes of all sets, each once, in first-seen order (one set, the usual case, is returned as is when distinct).</summary>
    private static IReadOnlyList<NodeId> DistinctNodes(IReadOnlyList<IReadOnlyList<NodeId>> sets)
    {
        if (sets.Count == 1 && IsDistinct(sets[0]))
        {
            return sets[0];
        }

        var nodes = new List<NodeId>();
        foreach (var set in sets)
        {
            foreach (var n in set)
            {
                if (!nodes.Contains(n))
                {
                    nodes.Add(n);
                }
            }
        }

        return nodes;
    }

    private static bool IsDistinct(IReadOnlyList<NodeId> set)
    {
        for (var i = 1; i < set.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (set[i] == set[j])
                {
                    return false;
                }
            }
        }

        return true;
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

    /// <summary>
    /// Counts, per set, the good replies and the nodes not yet answered, updated once per reply (instead of
    /// rescanning every reply of every set on each reply).
    /// </summary>
    private sealed class GatherState<TReply>
        where TReply : ClusterMessage
    {
        private readonly Lock _lock = new();
        private readonly IReadOnlyList<IReadOnlyList<NodeId>> _sets;
        private readonly int[] _need;
        private readonly int[] _good;
        private readonly int[] _open;
        private readonly Func<TReply, bool> _isGood;
        private readonly int _total;
        private readonly List<(NodeId Node, TReply Reply)> _replies;
        private List<NodeId>? _unreachable;
        private int _answered;
        private bool _completed;

        public GatherState(IReadOnlyList<IReadOnlyList<NodeId>> sets, Func<int, int> quorum, Func<TReply, bool> isGood, int total)
        {
            _sets = sets;
            _isGood = isGood;
            _total = total;
            _need = new int[sets.Count];
            _good = new int[sets.Count];
            _open = new int[sets.Count];
            for (var i = 0; i < sets.Count; i++)
            {
                _need[i] = quorum(sets[i].Count);
                _open[i] = sets[i].Count;
            }

            _replies = new List<(NodeId, TReply)>(total);
        }

        public TaskCompletionSource<Outcome<TReply>> Completion { get; } = new();

        public void CheckInitial()
        {
            Outcome<TReply>? done;
            lock (_lock)
            {
                done = Evaluate(_answered == _total);
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
            var good = reply is not null && _isGood(reply);
            Outcome<TReply>? done;
            lock (_lock)
            {
                _answered++;
                if (reply is null)
                {
                    (_unreachable ??= []).Add(node);
                }
                else
                {
                    _replies.Add((node, reply));
                }

                for (var i = 0; i < _sets.Count; i++)
                {
                    var set = _sets[i];
                    for (var j = 0; j < set.Count; j++)
                    {
                        if (set[j] == node)
                        {
                            _open[i]--;
                            if (good)
                            {
                                _good[i]++;
                            }
                        }
                    }
                }

                done = Evaluate(_answered == _total);
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
            for (var i = 0; i < _need.Length; i++)
            {
                reached &= _good[i] >= _need[i];
                possible &= _good[i] + _open[i] >= _need[i];
            }

            if (reached || !possible || all)
            {
                _completed = true;
                return new Outcome<TReply>(reached, _replies.ToArray(), _unreachable is null ? [] : _unreachable.ToArray());
            }

            return null;
        }
    }
}
