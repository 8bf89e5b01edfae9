using System.Globalization;
using KvDb.Cluster.Transport;

namespace KvDb.Cluster.Simulated;

/// <summary>
/// The network of a <see cref="Simulation"/>. Each message leg (request, reply) takes a uniform random latency in
/// [<see cref="MinLatency"/>, <see cref="MaxLatency"/>] and may be lost; a request may be duplicated (the handler
/// runs twice, the extra reply is dropped); reordering follows from the random latencies. Partitions drop
/// messages between their sides when they arrive. A request without a reply within its timeout fails with
/// <see cref="NodeUnreachableException"/> at exactly that virtual time. Every send, delivery, drop, duplicate,
/// timeout and partition change is traced with the virtual time, the nodes and the message type.
/// </summary>
public sealed class SimulatedNetwork
{
    private static readonly SendOrPostCallback s_deliverRequest = static state =>
    {
        var (network, pending, copy) = ((SimulatedNetwork, PendingRequest, int))state!;
        network.DeliverRequest(pending, copy);
    };

    private static readonly SendOrPostCallback s_deliverReply = static state =>
    {
        var (network, pending, reply) = ((SimulatedNetwork, PendingRequest, ClusterMessage))state!;
        network.DeliverReply(pending, reply);
    };

    private readonly Simulation _simulation;
    private readonly Random _random;
    private readonly SortedDictionary<long, PendingRequest> _pending = [];
    private readonly HashSet<(NodeId, NodeId)> _cuts = [];
    private readonly HashSet<NodeId> _isolated = [];
    private TimeSpan _minLatency;
    private TimeSpan _maxLatency;
    private double _lossProbability;
    private double _duplicationProbability;
    private long _nextMessageId;

    internal SimulatedNetwork(Simulation simulation, SimulationOptions options, Random random)
    {
        _simulation = simulation;
        _random = random;
        SetLatency(options.MinLatency, options.MaxLatency);
        LossProbability = options.LossProbability;
        DuplicationProbability = options.DuplicationProbability;
        MessageCopier = options.MessageCopier;
    }

    /// <summary>The smallest one-way latency (change both bounds at once with <see cref="SetLatency"/>).</summary>
    public TimeSpan MinLatency => _minLatency;

    /// <summary>The largest one-way latency.</summary>
    public TimeSpan MaxLatency => _maxLatency;

    /// <summary>The probability in [0, 1] that one message leg is lost; may change during a run.</summary>
    public double LossProbability
    {
        get => _lossProbability;
        set => _lossProbability = CheckProbability(value, nameof(LossProbability));
    }

    /// <summary>The probability in [0, 1] that a request is delivered twice; may change during a run.</summary>
    public double DuplicationProbability
    {
        get => _duplicationProbability;
        set => _duplicationProbability = CheckProbability(value, nameof(DuplicationProbability));
    }

    /// <summary>Copies every delivered message (see <see cref="SimulationOptions.MessageCopier"/>); null passes the object.</summary>
    public Func<ClusterMessage, ClusterMessage>? MessageCopier { get; set; }

    /// <summary>Requests sent so far.</summary>
    public long RequestsSent { get; private set; }

    /// <summary>Message legs (request copies and replies) handed to a handler or a waiting sender so far.</summary>
    public long MessagesDelivered { get; private set; }

    /// <summary>Message legs dropped so far (loss, partition, crashed or absent node, late or extra reply).</summary>
    public long MessagesDropped { get; private set; }

    /// <summary>Requests duplicated so far.</summary>
    public long MessagesDuplicated { get; private set; }

    /// <summary>Requests still waiting for their reply.</summary>
    public int PendingRequestCount => _pending.Count;

    /// <summary>Sets the latency bounds (0 ≤ <paramref name="min"/> ≤ <paramref name="max"/>).</summary>
    public void SetLatency(TimeSpan min, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _minLatency = min;
        _maxLatency = max;
    }

    /// <summary>A transport sending from <paramref name="self"/> (several transports may exist for one node; one handler listens).</summary>
    public IClusterTransport CreateTransport(NodeId self)
    {
        _simulation.GetNode(self);
        return new SimulatedTransport(this, self);
    }

    /// <summary>
    /// Cuts every link between a node of <paramref name="sideA"/> and a node of <paramref name="sideB"/> (both
    /// directions; added to the cuts already in place). Messages already in flight are dropped when they arrive.
    /// </summary>
    public void Partition(IEnumerable<NodeId> sideA, IEnumerable<NodeId> sideB)
    {
        ArgumentNullException.ThrowIfNull(sideA);
        ArgumentNullException.ThrowIfNull(sideB);
        _simulation.EnsureLoopThread("Partition");
        var a = sideA.Distinct().Order().ToArray();
        var b = sideB.Distinct().Order().ToArray();
        if (a.Intersect(b).Any())
        {
            throw new ArgumentException("A node cannot be on both sides of a partition.", nameof(sideB));
        }

        foreach (var x in a)
        {
            foreach (var y in b)
            {
                _cuts.Add((x, y));
                _cuts.Add((y, x));
            }
        }

        _simulation.AppendTrace("net", $"partition [{string.Join(",", a)}] | [{string.Join(",", b)}]");
    }

    /// <summary>Cuts <paramref name="node"/> off from every other node (messages to itself still arrive).</summary>
    public void Isolate(NodeId node)
    {
        _simulation.EnsureLoopThread("Isolate");
        _isolated.Add(node);
        _simulation.AppendTrace("net", $"isolate {node}");
    }

    /// <summary>Removes every partition and isolation.</summary>
    public void Heal()
    {
        _simulation.EnsureLoopThread("Heal");
        _cuts.Clear();
        _isolated.Clear();
        _simulation.AppendTrace("net", "heal");
    }

    /// <summary>Whether a message from <paramref name="from"/> reaches <paramref name="to"/> now (partitions only; not liveness).</summary>
    public bool CanCommunicate(NodeId from, NodeId to) =>
        from == to || (!_isolated.Contains(from) && !_isolated.Contains(to) && !_cuts.Contains((from, to)));

    internal Task<ClusterMessage> SendAsync(NodeId from, NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive, or infinite.");
        }

        _simulation.EnsureLoopThread("SendAsync");
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ClusterMessage>(cancellationToken);
        }

        var sender = _simulation.GetNode(from);
        _simulation.GetNode(target);
        if (!sender.Alive)
        {
            // Code of a crashed node should not run at all; if it does, it learns that its own process is gone.
            return Task.FromCanceled<ClusterMessage>(sender.Lifetime);
        }

        var pending = new PendingRequest(++_nextMessageId, from, target, request, sender, sender.Incarnation, timeout);
        _pending.Add(pending.Id, pending);
        RequestsSent++;
        Trace($"send #{pending.Id} {from}->{target} {pending.TypeName}");
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            var timer = new SimulatedTimer(_simulation, _simulation.GlobalContext, static state =>
            {
                var (network, pending) = ((SimulatedNetwork, PendingRequest))state!;
                network.TimeOut(pending);
            }, (this, pending));
            timer.Change(timeout, Timeout.InfiniteTimeSpan);
            pending.Timer = timer;
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.Register(static (state, token) =>
            {
                var (network, pending) = ((SimulatedNetwork, PendingRequest))state!;
                network.Cancel(pending, token);
            }, (this, pending));
        }

        var lost = Roll(_lossProbability);
        var duplicated = Roll(_duplicationProbability);
        Transmit(pending, 1, lost);
        if (duplicated)
        {
            MessagesDuplicated++;
            Trace($"duplicate #{pending.Id} {from}->{target} {pending.TypeName}");
            Transmit(pending, 2, Roll(_lossProbability));
        }

        return pending.Completion.Task;
    }

    internal void Listen(SimulatedTransport transport, IMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _simulation.EnsureLoopThread("Listen");
        var node = _simulation.GetNode(transport.Self);
        if (!node.Alive)
        {
            throw new InvalidOperationException($"Node {transport.Self} is down: restart it before it listens again.");
        }

        if (node.Handler is not null)
        {
            throw new InvalidOperationException($"Node {transport.Self} already has a handler (one per node incarnation).");
        }

        node.Handler = handler;
        node.HandlerOwner = transport;
        Trace($"listen {transport.Self}");
    }

    internal void Unlisten(SimulatedTransport transport)
    {
        var node = _simulation.GetNode(transport.Self);
        if (ReferenceEquals(node.HandlerOwner, transport))
        {
            node.Handler = null;
            node.HandlerOwner = null;
            Trace($"unlisten {transport.Self}");
        }
    }

    /// <summary>Fails the crashed node's pending requests (their continuations on the node are dropped anyway).</summary>
    internal void OnCrashed(NodeState node, CancellationToken lifetime)
    {
        foreach (var pending in _pending.Values.Where(p => p.Sender == node).ToArray())
        {
            Finish(pending);
            pending.Completion.TrySetCanceled(lifetime);
        }
    }

    private static double CheckProbability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, "A probability must be between 0 and 1.");
        }

        return value;
    }

    /// <summary>Always draws, whatever the probability, so changing one knob does not shift every later draw.</summary>
    private bool Roll(double probability) => _random.NextDouble() < probability;

    /// <summary>A uniform latency in [min, max] ticks (one draw even when min equals max).</summary>
    private long NextLatencyTicks()
    {
        var span = _maxLatency.Ticks - _minLatency.Ticks;
        return _minLatency.Ticks + Math.Min(span, (long)(_random.NextDouble() * (span + 1)));
    }

    private void Transmit(PendingRequest pending, int copy, bool lost)
    {
        if (lost)
        {
            Drop($"request #{pending.Id} {pending.From}->{pending.To} {pending.TypeName}", "loss");
            return;
        }

        var latency = NextLatencyTicks();
        _simulation.Enqueue(_simulation.ElapsedTicks + latency, _simulation.GlobalContext, s_deliverRequest, (this, pending, copy));
    }

    private void DeliverRequest(PendingRequest pending, int copy)
    {
        var what = $"request #{pending.Id} {pending.From}->{pending.To} {pending.TypeName}";
        if (!CanCommunicate(pending.From, pending.To))
        {
            Drop(what, "partition");
            return;
        }

        var target = _simulation.GetNode(pending.To);
        if (!target.Alive || target.Handler is not { } handler)
        {
            Drop(what, target.Alive ? "no handler" : "node down");
            return;
        }

        if (!TryCopy(pending.Request, what, out var request))
        {
            return;
        }

        MessagesDelivered++;
        Trace(copy == 1 ? $"deliver {what}" : $"deliver {what} (copy {copy})");
        var context = target.Context;
        _simulation.RunIn(context, () => _ = ServeAsync(pending, handler, request, context, target.Lifetime));
    }

    /// <summary>Runs the handler under the target node's context; if the node crashes meanwhile, nothing resumes.</summary>
    private async Task ServeAsync(PendingRequest pending, IMessageHandler handler, ClusterMessage request, SimulationSynchronizationContext context, CancellationToken lifetime)
    {
        ClusterMessage reply;
        try
        {
            reply = await handler.HandleAsync(pending.From, request, lifetime)
                ?? throw new InvalidOperationException($"The handler of {pending.To} returned a null reply to {pending.TypeName}.");
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // Handlers answer bad input with ErrorReply; an exception is a bug the test should see.
            _simulation.RecordError(ex, $"handler of {pending.To} for request #{pending.Id} {pending.TypeName}");
            reply = new ErrorReply($"{ex.GetType().Name}: {ex.Message}");
        }

        if (!context.IsAlive)
        {
            return;
        }

        var what = $"reply #{pending.Id} {pending.To}->{pending.From} {reply.GetType().Name}";
        Trace($"send {what}");
        if (Roll(_lossProbability))
        {
            Drop(what, "loss");
            return;
        }

        var latency = NextLatencyTicks();
        _simulation.Enqueue(_simulation.ElapsedTicks + latency, _simulation.GlobalContext, s_deliverReply, (this, pending, reply));
    }

    private void DeliverReply(PendingRequest pending, ClusterMessage reply)
    {
        var what = $"reply #{pending.Id} {pending.To}->{pending.From} {reply.GetType().Name}";
        if (!CanCommunicate(pending.To, pending.From))
        {
            Drop(what, "partition");
            return;
        }

        if (!pending.Sender.Alive || pending.Sender.Incarnation != pending.SenderIncarnation)
        {
            Drop(what, "requester down");
            return;
        }

        if (pending.Completion.Task.IsCompleted)
        {
            Drop(what, pending.Outcome ?? "already completed");
            return;
        }

        if (!TryCopy(reply, what, out var copy))
        {
            return;
        }

        MessagesDelivered++;
        Trace($"deliver {what}");
        Finish(pending);
        pending.Outcome = "extra reply";
        pending.Completion.TrySetResult(copy);
    }

    private void TimeOut(PendingRequest pending)
    {
        if (pending.Completion.Task.IsCompleted)
        {
            return;
        }

        Trace($"timeout #{pending.Id} {pending.From}->{pending.To} {pending.TypeName} after {Simulation.FormatSpan(pending.Timeout)}");
        Finish(pending);
        pending.Outcome = "late";
        pending.Completion.TrySetException(new NodeUnreachableException(pending.To,
            string.Create(CultureInfo.InvariantCulture, $"no reply to {pending.TypeName} #{pending.Id} within {pending.Timeout}")));
    }

    private void Cancel(PendingRequest pending, CancellationToken token)
    {
        if (pending.Completion.Task.IsCompleted)
        {
            return;
        }

        _simulation.EnsureLoopThread("cancellation of SendAsync");
        Trace($"cancel #{pending.Id} {pending.From}->{pending.To} {pending.TypeName}");
        Finish(pending);
        pending.Outcome = "late";
        pending.Completion.TrySetCanceled(token);
    }

    private void Finish(PendingRequest pending)
    {
        _pending.Remove(pending.Id);
        pending.Timer?.Dispose();
        pending.Registration.Unregister();
    }

    private bool TryCopy(ClusterMessage message, string what, out ClusterMessage copy)
    {
        if (MessageCopier is not { } copier)
        {
            copy = message;
            return true;
        }

        try
        {
            copy = copier(message) ?? throw new InvalidOperationException($"The message copier returned null for {message.GetType().Name}.");
            return true;
        }
        catch (Exception ex)
        {
            _simulation.RecordError(ex, $"message copier for {what}");
            Drop(what, "copier failed");
            copy = message;
            return false;
        }
    }

    private void Drop(string what, string reason)
    {
        MessagesDropped++;
        Trace($"drop {what} ({reason})");
    }

    private void Trace(string message) => _simulation.AppendTrace("net", message);

    /// <summary>One request in flight.</summary>
    private sealed class PendingRequest(long id, NodeId from, NodeId to, ClusterMessage request, NodeState sender, int senderIncarnation, TimeSpan timeout)
    {
        public long Id { get; } = id;

        public NodeId From { get; } = from;

        public NodeId To { get; } = to;

        public ClusterMessage Request { get; } = request;

        public string TypeName { get; } = request.GetType().Name;

        public NodeState Sender { get; } = sender;

        public int SenderIncarnation { get; } = senderIncarnation;

        public TimeSpan Timeout { get; } = timeout;

        /// <summary>No RunContinuationsAsynchronously: with it, Task.WhenAll over replies would hop to the thread pool.</summary>
        public TaskCompletionSource<ClusterMessage> Completion { get; } = new();

        public SimulatedTimer? Timer { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>Why later replies are dropped (after the first reply, a timeout or a cancellation).</summary>
        public string? Outcome { get; set; }
    }
}

/// <summary>The transport of one node on a <see cref="SimulatedNetwork"/>.</summary>
internal sealed class SimulatedTransport(SimulatedNetwork network, NodeId self) : IClusterTransport
{
    private bool _disposed;

    public NodeId Self { get; } = self;

    public Task<ClusterMessage> SendAsync(NodeId target, ClusterMessage request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return network.SendAsync(Self, target, request, timeout, cancellationToken);
    }

    public void Listen(IMessageHandler handler)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        network.Listen(this, handler);
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            network.Unlisten(this);
        }

        return ValueTask.CompletedTask;
    }
}
