using System.Collections.ObjectModel;
using System.Globalization;
using KvDb.Cluster.Runtime;

namespace KvDb.Cluster.Simulated;

/// <summary>
/// A deterministic simulation of a cluster: one thread, virtual time, seeded randomness and a simulated network
/// with faults, so that a seed reproduces a whole run exactly (compare <see cref="TraceHash"/>).
/// </summary>
/// <remarks>
/// <para>
/// The loop is a priority queue of events ordered by (virtual time, insertion order). While it runs, every event
/// executes under a <see cref="SynchronizationContext"/> whose <c>Post</c> queues the continuation at the current
/// virtual time, so ordinary <c>async</c>/<c>await</c> code (without <c>ConfigureAwait(false)</c>) resumes on the loop
/// thread in an order fixed by the seed. Virtual time advances only by jumping to the next event: a one-hour
/// <c>Task.Delay</c> on <see cref="Time"/> costs nothing.
/// </para>
/// <para>
/// Thread rule: while the loop runs, the simulation accepts calls only from the loop thread. Work arriving from
/// another thread (a <c>Task.Run</c>, a <c>ConfigureAwait(false)</c> continuation that the runtime queued to the
/// thread pool, a <c>TaskCompletionSource</c> created with <c>RunContinuationsAsynchronously</c> observed through
/// <c>Task.WhenAll</c>, a system timer) cannot be ordered deterministically, because when it arrives depends on the
/// operating system. Rather than marshal it at a random point, the simulation records the misuse (the posted work
/// is not run), and the running <c>Run</c>/<c>RunFor</c> fails with a <see cref="SimulationException"/> naming the
/// operation. While the loop is idle, calls from any thread are accepted (set-up code).
/// </para>
/// </remarks>
public sealed partial class Simulation
{
    private static readonly SendOrPostCallback s_runAction = static state => ((Action)state!).Invoke();

    private readonly object _gate = new();
    private readonly PriorityQueue<SimulationEvent, EventKey> _queue = new();
    private readonly List<string> _trace = [];
    private readonly List<Exception> _errors = [];
    private readonly DateTimeOffset _start;
    private readonly bool _recordTrace;
    private readonly long _maxEventsPerRun;
    private long _sequence;
    private long _elapsedTicks;
    private ulong _traceHash = StableHash.OffsetBasis;
    private int _traceCount;
    private volatile bool _running;
    private volatile int _loopThreadId;
    private volatile string? _foreignThreadError;

    /// <summary>Creates a simulation whose randomness all derives from <paramref name="seed"/>.</summary>
    public Simulation(int seed, SimulationOptions? options = null)
    {
        options ??= new SimulationOptions();
        if (options.MaxEventsPerRun <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxEventsPerRun, "MaxEventsPerRun must be positive.");
        }

        Seed = seed;
        _start = options.StartTime;
        _recordTrace = options.RecordTrace;
        _maxEventsPerRun = options.MaxEventsPerRun;
        Random = new Random(seed);
        GlobalContext = new SimulationSynchronizationContext(this, null, 0);
        Time = new SimulatedTime(this, null);
        Network = new SimulatedNetwork(this, options, new Random(StableHash.DeriveSeed(seed, "network")));
    }

    /// <summary>The seed this run derives all its randomness from.</summary>
    public int Seed { get; }

    /// <summary>The current virtual time.</summary>
    public DateTimeOffset Now => _start.AddTicks(_elapsedTicks);

    /// <summary>The virtual time elapsed since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_elapsedTicks);

    /// <summary>The simulation's global clock (timers fire under the global context, independent of any node).</summary>
    public SimulatedTime Time { get; }

    /// <summary>Randomness for the test driver (seeded; nodes and the network have their own derived generators).</summary>
    public Random Random { get; }

    /// <summary>The simulated network: transports, latency, loss, duplication and partitions.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Every trace line so far (empty when <see cref="SimulationOptions.RecordTrace"/> is off).</summary>
    public IReadOnlyList<string> Trace => new ReadOnlyCollection<string>(_trace);

    /// <summary>The number of trace lines written so far (recorded or not).</summary>
    public int TraceCount => _traceCount;

    /// <summary>FNV-1a 64 over every trace line (UTF-8, each followed by '\n'): equal for equal runs.</summary>
    public ulong TraceHash => _traceHash;

    /// <summary>
    /// Exceptions nobody could observe: thrown by <see cref="Schedule"/> actions, timer callbacks, <c>async void</c>
    /// methods, <see cref="Spawn(Func{Task})"/> work and message handlers, and misuse from foreign threads.
    /// </summary>
    public IReadOnlyList<Exception> UnobservedErrors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToArray();
            }
        }
    }

    /// <summary>The number of events waiting in the queue.</summary>
    public int PendingEventCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    internal SimulationSynchronizationContext GlobalContext { get; }

    internal long ElapsedTicks => _elapsedTicks;

    /// <summary>Runs <paramref name="action"/> under the global context after <paramref name="delay"/> of virtual time.</summary>
    public void Schedule(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        EnsureLoopThread("Schedule");
        Enqueue(_elapsedTicks + delay.Ticks, GlobalContext, s_runAction, action);
    }

    /// <summary>
    /// Starts fire-and-forget work under the global context at the current virtual time; an exception it ends with
    /// is recorded in <see cref="UnobservedErrors"/>.
    /// </summary>
    public void Spawn(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureLoopThread("Spawn");
        Enqueue(_elapsedTicks, GlobalContext, static state =>
        {
            var (simulation, work) = ((Simulation, Func<Task>))state!;
            _ = simulation.ObserveAsync(work, simulation.GlobalContext);
        }, (this, work));
    }

    /// <summary>Writes one line to the trace (prefixed with the virtual time), e.g. a test driver's milestones.</summary>
    public void WriteTrace(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        AppendTrace("sim", message);
    }

    /// <summary>
    /// A runtime for <paramref name="node"/>: the node's virtual clock (its timers stop for good when the node
    /// crashes), a <see cref="Random"/> derived from the seed, the node id and how many runtimes the node had before
    /// (so a restarted node does not replay its first life's numbers), and a trace sink prefixing the node.
    /// </summary>
    public ClusterRuntime CreateRuntime(NodeId node)
    {
        var state = GetNode(node);
        var label = string.Create(CultureInfo.InvariantCulture, $"node/{node.Value}/{state.RuntimesCreated}");
        state.RuntimesCreated++;
        return new ClusterRuntime(state.Time, new Random(StableHash.DeriveSeed(Seed, label)), message => AppendTrace(node.Value, message));
    }

    internal void Enqueue(long ticks, SimulationSynchronizationContext context, SendOrPostCallback callback, object? state)
    {
        lock (_gate)
        {
            _queue.Enqueue(new SimulationEvent(context, callback, state), new EventKey(Math.Max(ticks, _elapsedTicks), _sequence++));
        }
    }

    /// <summary>Called by <see cref="SimulationSynchronizationContext.Post"/>.</summary>
    internal void PostFromContext(SimulationSynchronizationContext context, SendOrPostCallback callback, object? state)
    {
        if (IsForeignThread)
        {
            // Throwing here would crash a thread-pool thread (the whole process); record and fail the run instead.
            ReportForeignThread("SynchronizationContext.Post");
            return;
        }

        Enqueue(_elapsedTicks, context, callback, state);
    }

    /// <summary>Throws (and poisons the run) when called from another thread while the loop runs.</summary>
    internal void EnsureLoopThread(string operation)
    {
        if (IsForeignThread)
        {
            ReportForeignThread(operation);
            throw new InvalidOperationException(
                $"{operation} was called from thread {Environment.CurrentManagedThreadId} while simulation seed {Seed} runs on thread {_loopThreadId}; simulated code must stay on the loop thread.");
        }
    }

    internal void RecordError(Exception error, string where)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }

        if (!IsForeignThread)
        {
            AppendTrace("sim", $"unobserved {error.GetType().Name} in {where}");
        }
    }

    internal void AppendTrace(string source, string message)
    {
        if (IsForeignThread)
        {
            ReportForeignThread("trace");
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{FormatTicks(_elapsedTicks)} {source}: {message}");
        _traceHash = StableHash.Add(StableHash.Add(_traceHash, line), "\n"u8);
        _traceCount++;
        if (_recordTrace)
        {
            _trace.Add(line);
        }
    }

    /// <summary>Milliseconds with four decimals (100 ns resolution), computed with integers so the text is exact.</summary>
    internal static string FormatTicks(long ticks) =>
        string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMillisecond}.{ticks % TimeSpan.TicksPerMillisecond:D4}ms");

    internal static string FormatSpan(TimeSpan span) => FormatTicks(span.Ticks);

    private bool IsForeignThread => _running && Environment.CurrentManagedThreadId != _loopThreadId;

    private void ReportForeignThread(string operation)
    {
        var message = $"{operation} was called from thread {Environment.CurrentManagedThreadId} while the loop runs on thread {_loopThreadId}. "
            + "Simulated code must not leave the loop thread: no Task.Run, ConfigureAwait(false) on pending tasks, RunContinuationsAsynchronously, "
            + "ContinueWith without TaskContinuationOptions.ExecuteSynchronously, or real timers.";
        lock (_gate)
        {
            _foreignThreadError ??= message;
            Monitor.PulseAll(_gate);
        }

        lock (_errors)
        {
            _errors.Add(new SimulationException(Seed, message));
        }
    }

    private async Task ObserveAsync(Func<Task> work, SimulationSynchronizationContext context)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (context.Node is not null && !context.IsAlive)
        {
            // The node crashed under the work: nothing to report.
        }
        catch (Exception ex)
        {
            RecordError(ex, $"work spawned on {context.Name}");
        }
    }
}
