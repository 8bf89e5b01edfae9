using System.Globalization;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Simulated;

public sealed partial class Simulation
{
    private readonly Dictionary<NodeId, NodeState> _nodes = [];
    private long _invocationCount;

    /// <summary>Whether <paramref name="node"/> is up (nodes are up until crashed).</summary>
    public bool IsAlive(NodeId node) => GetNode(node).Alive;

    /// <summary>
    /// A token cancelled when <paramref name="node"/>'s current incarnation crashes. Node code passes it to its
    /// background loops; message handlers receive it as their cancellation token. While the node is down this is
    /// the (cancelled) token of the crashed incarnation; after <see cref="Restart"/> it is a fresh one.
    /// </summary>
    public CancellationToken NodeLifetime(NodeId node) => GetNode(node).Lifetime;

    /// <summary>
    /// Crashes <paramref name="node"/>: its handler is unregistered, messages to it are dropped, replies it has not
    /// sent are lost, its timers (from its runtime's clock) never fire again, continuations posted to its context are
    /// dropped, its pending requests and <see cref="RunOnNodeAsync{T}"/> calls fail, and <see cref="NodeLifetime"/>
    /// is cancelled. Whatever it persisted outside the simulation (its store) is the caller's business.
    /// </summary>
    public void Crash(NodeId node)
    {
        EnsureLoopThread("Crash");
        var state = GetNode(node);
        if (!state.Alive)
        {
            throw new InvalidOperationException($"Node {node} is already down.");
        }

        var lifetime = state.MarkCrashed();
        AppendTrace("sim", string.Create(CultureInfo.InvariantCulture, $"crash {node} (incarnation {state.Incarnation})"));
        Network.OnCrashed(state, lifetime.Token);
        var invocations = state.Invocations.Values.ToArray();
        state.Invocations.Clear();
        foreach (var fail in invocations)
        {
            fail(new NodeUnreachableException(node, "the node crashed"));
        }

        try
        {
            lifetime.Cancel();
        }
        catch (AggregateException ex)
        {
            RecordError(ex, $"lifetime callbacks of {node}");
        }
    }

    /// <summary>
    /// Brings a crashed <paramref name="node"/> back as a new incarnation: it may <c>Listen</c> again (on a new or the
    /// same transport) and gets a new <see cref="NodeLifetime"/>; nothing of the crashed incarnation resumes.
    /// </summary>
    public void Restart(NodeId node)
    {
        EnsureLoopThread("Restart");
        var state = GetNode(node);
        if (state.Alive)
        {
            throw new InvalidOperationException($"Node {node} is up: crash it before restarting it.");
        }

        state.MarkRestarted(this);
        AppendTrace("sim", string.Create(CultureInfo.InvariantCulture, $"restart {node} (incarnation {state.Incarnation})"));
    }

    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="node"/> (under its context, at the current virtual time) the
    /// way a client calls a node: the task completes with the work's outcome, or fails with
    /// <see cref="NodeUnreachableException"/> when the node is down or crashes first (and then nothing of the work
    /// resumes on the node).
    /// </summary>
    public Task<T> RunOnNodeAsync<T>(NodeId node, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureLoopThread("RunOnNodeAsync");
        var state = GetNode(node);
        if (!state.Alive)
        {
            return Task.FromException<T>(new NodeUnreachableException(node, "the node is down"));
        }

        // No RunContinuationsAsynchronously: its continuations can hop to the thread pool (see the class remarks).
        var completion = new TaskCompletionSource<T>();
        var id = ++_invocationCount;
        state.Invocations.Add(id, ex => completion.TrySetException(ex));
        var context = state.Context;
        Enqueue(_elapsedTicks, context, _ => _ = InvokeAsync(work, completion, context, id), null);
        return completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="node"/>; see <see cref="RunOnNodeAsync{T}"/>.</summary>
    public Task RunOnNodeAsync(NodeId node, Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunOnNodeAsync(node, async () =>
        {
            await work();
            return true;
        });
    }

    /// <summary>
    /// Starts fire-and-forget work on <paramref name="node"/> (under its context, at the current virtual time); it
    /// stops for good if the node crashes, and an exception it ends with is recorded in <see cref="UnobservedErrors"/>.
    /// </summary>
    public void Spawn(NodeId node, Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureLoopThread("Spawn");
        var context = GetNode(node).Context;
        Enqueue(_elapsedTicks, context, state =>
        {
            var (simulation, work, context) = ((Simulation, Func<Task>, SimulationSynchronizationContext))state!;
            _ = simulation.ObserveAsync(work, context);
        }, (this, work, context));
    }

    internal NodeState GetNode(NodeId node)
    {
        if (node.Value is null)
        {
            throw new ArgumentException("The node id is empty (default).", nameof(node));
        }

        lock (_nodes)
        {
            if (!_nodes.TryGetValue(node, out var state))
            {
                state = new NodeState(this, node);
                _nodes.Add(node, state);
            }

            return state;
        }
    }

    internal NodeState? TryGetNode(NodeId node)
    {
        lock (_nodes)
        {
            return _nodes.GetValueOrDefault(node);
        }
    }

    private async Task InvokeAsync<T>(Func<Task<T>> work, TaskCompletionSource<T> completion, SimulationSynchronizationContext context, long id)
    {
        try
        {
            var result = await work();
            if (context.IsAlive)
            {
                context.Node!.Invocations.Remove(id);
                completion.TrySetResult(result);
            }
        }
        catch (Exception ex)
        {
            if (context.IsAlive)
            {
                context.Node!.Invocations.Remove(id);
                if (ex is OperationCanceledException oce)
                {
                    completion.TrySetCanceled(oce.CancellationToken);
                }
                else
                {
                    completion.TrySetException(ex);
                }
            }
        }
    }
}
