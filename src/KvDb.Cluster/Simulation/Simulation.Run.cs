namespace KvDb.Cluster.Simulated;

public sealed partial class Simulation
{
    /// <summary>
    /// Runs the loop until the task <paramref name="main"/> returns completes, and returns its result (or rethrows
    /// its exception). <paramref name="main"/> starts under the global context at the current virtual time.
    /// </summary>
    /// <exception cref="SimulationException">
    /// The virtual-time budget <paramref name="maxVirtualTime"/> ran out, nothing was left to run while main was
    /// unfinished (a deadlock), the event budget ran out, or the simulation was used from another thread.
    /// </exception>
    public T Run<T>(Func<Task<T>> main, TimeSpan maxVirtualTime)
    {
        ArgumentNullException.ThrowIfNull(main);
        var task = RunCore(() => main(), maxVirtualTime);
        task.GetAwaiter().GetResult();
        return ((Task<T>)task).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs the loop until the task <paramref name="main"/> returns completes, rethrowing its exception.
    /// See <see cref="Run{T}(Func{Task{T}}, TimeSpan)"/>.
    /// </summary>
    public void Run(Func<Task> main, TimeSpan maxVirtualTime)
    {
        ArgumentNullException.ThrowIfNull(main);
        RunCore(main, maxVirtualTime).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Advances virtual time by <paramref name="duration"/>, running every event due until then (including those
    /// they schedule); afterwards <see cref="Now"/> is exactly the old time plus <paramref name="duration"/>.
    /// </summary>
    public void RunFor(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var deadline = _elapsedTicks + duration.Ticks;
        BeginRun();
        try
        {
            long executed = 0;
            while (true)
            {
                ThrowIfForeignThreadUsed();
                if (!TryRunNext(deadline))
                {
                    break;
                }

                CountEvent(ref executed);
            }

            _elapsedTicks = deadline;
        }
        finally
        {
            EndRun();
        }
    }

    private Task RunCore(Func<Task> main, TimeSpan maxVirtualTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVirtualTime, TimeSpan.Zero);
        var deadline = _elapsedTicks + maxVirtualTime.Ticks;
        Task? mainTask = null;
        BeginRun();
        try
        {
            Enqueue(_elapsedTicks, GlobalContext, _ =>
            {
                try
                {
                    mainTask = main() ?? throw new InvalidOperationException("The simulation's main function returned a null task.");
                }
                catch (Exception ex)
                {
                    mainTask = Task.FromException(ex);
                }
            }, null);

            long executed = 0;
            while (mainTask is null || !mainTask.IsCompleted)
            {
                ThrowIfForeignThreadUsed();
                if (TryRunNext(deadline))
                {
                    CountEvent(ref executed);
                    continue;
                }

                int pending;
                lock (_gate)
                {
                    pending = _queue.Count;
                    if (pending == 0 && _foreignThreadError is null)
                    {
                        // Nothing left to run. Give work that escaped to another thread a moment to show up, so the
                        // error names the real cause rather than the deadlock it leads to (wall-clock only matters
                        // on this failure path).
                        Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
                    }
                }

                ThrowIfForeignThreadUsed();
                if (pending == 0)
                {
                    throw new SimulationException(Seed,
                        $"deadlock at {Now:O} (+{FormatTicks(_elapsedTicks)}): main has not completed and no events are pending. "
                        + "Something awaits a task nothing will complete: work of a crashed node, a lost TaskCompletionSource, or work that left the simulation thread.");
                }

                _elapsedTicks = deadline;
                throw new SimulationException(Seed,
                    $"main has not completed within the virtual-time budget of {maxVirtualTime} (now {Now:O}; {pending} events pending).");
            }

            // Main may have ended on another thread because of that very misuse (its exception is then only a
            // symptom): report the misuse.
            ThrowIfForeignThreadUsed();
        }
        finally
        {
            EndRun();
        }

        return mainTask;
    }

    private void BeginRun()
    {
        lock (_gate)
        {
            if (_running)
            {
                throw new InvalidOperationException("The simulation is already running: Run and RunFor cannot be nested or called concurrently.");
            }

            _loopThreadId = Environment.CurrentManagedThreadId;
            _running = true;
        }

        ThrowIfForeignThreadUsed();
    }

    private void EndRun()
    {
        lock (_gate)
        {
            _running = false;
        }
    }

    private void CountEvent(ref long executed)
    {
        if (++executed > _maxEventsPerRun)
        {
            throw new SimulationException(Seed,
                $"more than {_maxEventsPerRun} events in one run at {Now:O}: a livelock (work that keeps posting work without virtual time advancing)?");
        }
    }

    private void ThrowIfForeignThreadUsed()
    {
        if (_foreignThreadError is { } message)
        {
            throw new SimulationException(Seed, "used from a foreign thread: " + message);
        }
    }

    /// <summary>Runs the next event due at or before <paramref name="deadline"/>; false when there is none.</summary>
    private bool TryRunNext(long deadline)
    {
        SimulationEvent next;
        lock (_gate)
        {
            if (!_queue.TryPeek(out next!, out var key) || key.Ticks > deadline)
            {
                return false;
            }

            _queue.Dequeue();
            _elapsedTicks = key.Ticks;
        }

        Execute(next);
        return true;
    }

    private void Execute(SimulationEvent next)
    {
        if (!next.Context.IsAlive)
        {
            return;
        }

        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(next.Context);
        try
        {
            next.Callback(next.State);
        }
        catch (Exception ex)
        {
            RecordError(ex, next.Context.Name);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs <paramref name="action"/> synchronously under <paramref name="context"/> (e.g. a handler on its node).</summary>
    internal void RunIn(SimulationSynchronizationContext context, Action action)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
