using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Simulated;

/// <summary>
/// The synchronization context every piece of simulated code runs under. <see cref="Post"/> queues the callback
/// on the simulation's event loop at the current virtual time, so each <c>await</c> resumes on the loop thread in
/// an order fixed by the seed. There is one global context (test drivers, <see cref="Simulation.Schedule"/>) and
/// one per node incarnation: when the node crashes, work posted to its context is dropped, so a crashed node's
/// continuations never run again (a restarted node gets a new context).
/// </summary>
internal sealed class SimulationSynchronizationContext : SynchronizationContext
{
    private readonly Simulation _simulation;

    public SimulationSynchronizationContext(Simulation simulation, NodeState? node, int incarnation)
    {
        _simulation = simulation;
        Node = node;
        Incarnation = incarnation;
    }

    /// <summary>The node whose code runs here (null for the global context).</summary>
    public NodeState? Node { get; }

    /// <summary>The node incarnation this context belongs to.</summary>
    public int Incarnation { get; }

    /// <summary>False once the node incarnation has crashed: its events are dropped.</summary>
    public bool IsAlive => Node is null || (Node.Alive && Node.Incarnation == Incarnation);

    /// <summary>How trace lines and errors name this context.</summary>
    public string Name => Node is null ? "sim" : Node.Id.Value;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _simulation.PostFromContext(this, d, state);
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _simulation.EnsureLoopThread("SynchronizationContext.Send");
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            d(state);
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    public override SynchronizationContext CreateCopy() => this;
}

/// <summary>One queued callback: it runs under <see cref="Context"/> unless that context's node has crashed.</summary>
internal sealed class SimulationEvent(SimulationSynchronizationContext context, SendOrPostCallback callback, object? state)
{
    public SimulationSynchronizationContext Context { get; } = context;

    public SendOrPostCallback Callback { get; } = callback;

    public object? State { get; } = state;
}

/// <summary>Event order: virtual time, then insertion order (so events due at the same time run first-in first-out).</summary>
internal readonly record struct EventKey(long Ticks, long Sequence) : IComparable<EventKey>
{
    public int CompareTo(EventKey other)
    {
        var c = Ticks.CompareTo(other.Ticks);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}

/// <summary>What the simulation knows about one node: liveness, incarnation, handler, lifetime token.</summary>
internal sealed class NodeState
{
    private CancellationTokenSource _lifetime = new();

    public NodeState(Simulation simulation, NodeId id)
    {
        Id = id;
        Context = new SimulationSynchronizationContext(simulation, this, 0);
        Time = new SimulatedTime(simulation, this);
    }

    public NodeId Id { get; }

    public bool Alive { get; private set; } = true;

    public int Incarnation { get; private set; }

    /// <summary>The context of the current incarnation (dead while the node is down).</summary>
    public SimulationSynchronizationContext Context { get; private set; }

    /// <summary>The clock handed to this node's runtimes: its timers belong to the incarnation that created them.</summary>
    public SimulatedTime Time { get; }

    public IMessageHandler? Handler { get; set; }

    public object? HandlerOwner { get; set; }

    public int RuntimesCreated { get; set; }

    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Ways to fail the pending <see cref="Simulation.RunOnNodeAsync{T}"/> calls, by call number.</summary>
    public SortedDictionary<long, Action<Exception>> Invocations { get; } = [];

    /// <summary>Marks the node down; returns the lifetime source to cancel once the rest of the crash is done.</summary>
    public CancellationTokenSource MarkCrashed()
    {
        Alive = false;
        Handler = null;
        HandlerOwner = null;
        return _lifetime;
    }

    public void MarkRestarted(Simulation simulation)
    {
        Incarnation++;
        Alive = true;
        _lifetime = new CancellationTokenSource();
        Context = new SimulationSynchronizationContext(simulation, this, Incarnation);
    }
}
