using System.Runtime.InteropServices;
using System.Text;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// The Wing &amp; Gong linearizability search with Lowe's memoization (as in Knossos and Porcupine) over one key's
/// operations. Calls and returns form a doubly linked list in time order; the search linearizes the first call it
/// can, lifting the call and its return out of the list, and backtracks when it meets a return whose call is still
/// in the list. Visited (linearized set, register state) configurations are cached, so each is expanded once.
/// Open operations have no return entry: they may be linearized anywhere after their call, or never. So a
/// configuration is also pruned when a visited one has the same state and completed operations but a subset of
/// its open ones: whatever can follow the larger set can follow the smaller (the extra open operations can stay
/// unapplied, and open operations add no real-time constraints). Without this, every subset of the open writes
/// pending at a violation would be searched.
/// </summary>
internal sealed class WglSearch
{
    /// <summary>Operations shown before the blocked ones in an explanation.</summary>
    private const int ShownPrefix = 8;

    private readonly string _key;
    private readonly HistoryOperation[] _operations;
    private readonly CompiledOp[] _ops;
    private readonly RegisterModel _model = new();

    // Main list nodes: 2i is completed operation i's call, 2i + 1 its return; _head and _head + 1 are the
    // sentinels. The open list is circular over open operation indices, with sentinel n.
    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly int _head;
    private readonly int[] _openNext;
    private readonly int[] _openPrev;

    // The linearized set: a bitset over completed operations plus its Zobrist hash (XOR of _zobrist per set
    // bit), and a bitset over open ones. _slot maps an operation index to its bit in the one or the other.
    private readonly int[] _slot;
    private readonly ulong[] _bits;
    private readonly ulong[] _openBits;
    private readonly ulong[] _zobrist;
    private ulong _hash;

    private readonly Dictionary<ulong, List<CacheEntry>> _cache = [];

    private int[] _bestPrefix = [];
    private int _bestState;
    private int[] _bestBlocked = [];

    /// <summary>Prepares the search over <paramref name="operations"/>, all on <paramref name="key"/>.</summary>
    public WglSearch(string key, IEnumerable<HistoryOperation> operations)
    {
        _key = key;

        // An open read constrains nothing, so it is dropped. Ordering by invocation keeps the linearized set
        // close to a prefix of the indices, which keeps the cached bitsets short.
        _operations = operations
            .Where(o => !(o.IsOpen && o.Op.Kind == RegisterOpKind.Read))
            .OrderBy(o => o.InvokeTime).ThenBy(o => o.Id)
            .ToArray();
        var n = _operations.Length;
        _ops = new CompiledOp[n];
        for (var i = 0; i < n; i++)
        {
            _ops[i] = _model.Compile(_operations[i]);
        }

        // Completed operations form the main list of calls and returns. Calls sort before returns at equal
        // times: operations that touch in time count as concurrent, so a coarse clock can hide a violation but
        // never invent one. Open operations, which never return, form a list of their own in invocation order.
        var events = new List<(long Time, int Node)>(2 * n);
        _openNext = new int[n + 1];
        _openPrev = new int[n + 1];
        var lastOpen = n;
        for (var i = 0; i < n; i++)
        {
            if (_operations[i].CompleteTime is { } complete)
            {
                events.Add((_operations[i].InvokeTime, 2 * i));
                events.Add((complete, (2 * i) + 1));
            }
            else
            {
                _openNext[lastOpen] = i;
                _openPrev[i] = lastOpen;
                lastOpen = i;
            }
        }

        _openNext[lastOpen] = n;
        _openPrev[n] = lastOpen;

        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : (a.Node & 1) != (b.Node & 1) ? (a.Node & 1) - (b.Node & 1) : a.Node.CompareTo(b.Node));
        _head = 2 * n;
        var tail = _head + 1;
        _next = new int[tail + 1];
        _prev = new int[tail + 1];
        var last = _head;
        foreach (var (_, node) in events)
        {
            _next[last] = node;
            _prev[node] = last;
            last = node;
        }

        _next[last] = tail;
        _prev[tail] = last;

        _slot = new int[n];
        var completed = 0;
        var open = 0;
        for (var i = 0; i < n; i++)
        {
            _slot[i] = _ops[i].IsOpen ? open++ : completed++;
        }

        _bits = new ulong[(completed + 63) / 64];
        _openBits = new ulong[(open + 63) / 64];
        _zobrist = new ulong[completed];
        var random = new Random(n);
        for (var i = 0; i < completed; i++)
        {
            _zobrist[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        }
    }

    /// <summary>Work done by <see cref="Run"/>: candidates tried plus cache entries compared.</summary>
    public long Steps { get; private set; }

    /// <summary>Runs the search; gives up with <see cref="LinearizabilityOutcome.Unknown"/> after <paramref name="maxSteps"/> steps.</summary>
    public LinearizabilityOutcome Run(long maxSteps)
    {
        var n = _operations.Length;
        var remaining = 0;
        for (var i = 0; i < n; i++)
        {
            remaining += _ops[i].IsOpen ? 0 : 1;
        }

        var stackOp = new int[n];
        var stackState = new int[n];
        var depth = 0;
        var state = RegisterModel.Absent;
        var entry = _next[_head];

        // Each configuration tries its completed candidates first, then, in a second pass, the open operations
        // invoked before the first pending return (the deadline). An open operation (say a write that timed out
        // long ago) is rarely needed, and trying it first would open a subtree per open operation at every step.
        var openPass = false;
        var deadline = 0L;
        var hasOpen = remaining < n;
        RecordBest(stackOp, depth, state);
        while (remaining > 0)
        {
            if (Steps >= maxSteps)
            {
                return LinearizabilityOutcome.Unknown;
            }

            Steps++;
            int candidate;
            if (!openPass)
            {
                // Every remaining completed operation has a return entry in the list, so the scan meets one
                // before the tail; calls in front of it are the candidates.
                if ((entry & 1) == 0)
                {
                    candidate = entry >> 1;
                    entry = _next[entry];
                }
                else if (hasOpen)
                {
                    openPass = true;
                    deadline = _operations[entry >> 1].CompleteTime!.Value;
                    entry = _openNext[n];
                    continue;
                }
                else
                {
                    candidate = -1;
                }
            }
            else if (entry != n && _operations[entry].InvokeTime <= deadline)
            {
                candidate = entry;
                entry = _openNext[entry];
            }
            else
            {
                candidate = -1;
            }

            if (candidate >= 0)
            {
                if (_model.TryStep(state, _ops[candidate], out var next))
                {
                    Flip(candidate);
                    if (TryCache(next))
                    {
                        stackOp[depth] = candidate;
                        stackState[depth] = state;
                        depth++;
                        state = next;
                        Lift(candidate);
                        remaining -= openPass ? 0 : 1;
                        if (depth > _bestPrefix.Length)
                        {
                            RecordBest(stackOp, depth, state);
                        }

                        entry = _next[_head];
                        openPass = false;
                        continue;
                    }

                    Flip(candidate);
                }

                continue;
            }

            // No candidate is left: backtrack, and resume the parent's scan after the operation undone.
            if (depth == 0)
            {
                return LinearizabilityOutcome.NotLinearizable;
            }

            depth--;
            var i = stackOp[depth];
            state = stackState[depth];
            Flip(i);
            Unlift(i);
            openPass = _ops[i].IsOpen;
            remaining += openPass ? 0 : 1;
            if (openPass)
            {
                deadline = FirstDeadline();
                entry = _openNext[i];
            }
            else
            {
                entry = _next[2 * i];
            }
        }

        return LinearizabilityOutcome.Linearizable;
    }

    /// <summary>The longest linearization found, in order.</summary>
    public IReadOnlyList<HistoryOperation> LongestPrefix => _bestPrefix.Select(i => _operations[i]).ToArray();

    /// <summary>The operations that could not extend <see cref="LongestPrefix"/>.</summary>
    public IReadOnlyList<HistoryOperation> Blocked => _bestBlocked.Select(i => _operations[i]).ToArray();

    /// <summary>Explains a <see cref="LinearizabilityOutcome.NotLinearizable"/> verdict.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        var completed = _operations.Count(o => !o.IsOpen);
        text.Append($"Key '{_key}' is not linearizable: at most {_bestPrefix.Length} of its {_operations.Length} operations ({completed} completed) linearize.\n");
        var shown = Math.Min(ShownPrefix, _bestPrefix.Length);
        text.Append(shown == _bestPrefix.Length ? "Longest linearizable prefix:\n" : $"Longest linearizable prefix (last {shown} of {_bestPrefix.Length}):\n");
        for (var k = _bestPrefix.Length - shown; k < _bestPrefix.Length; k++)
        {
            text.Append("  ").Append(_operations[_bestPrefix[k]]).Append('\n');
        }

        if (_bestPrefix.Length == 0)
        {
            text.Append("  (none)\n");
        }

        text.Append($"The register then holds {RegisterOp.Show(_model.ValueOf(_bestState))}, and no operation can come next:\n");
        var written = new HashSet<string?>(_operations.Select(o => o.Op.Value), StringComparer.Ordinal);
        foreach (var i in _bestBlocked)
        {
            var operation = _operations[i];
            text.Append("  ").Append(operation).Append("   (the register ").Append(_model.Describe(_bestState, _ops[i]));
            if (operation.Op.Kind == RegisterOpKind.Read && operation.Result?.Value is { } value && !written.Contains(value))
            {
                text.Append("; ").Append(RegisterOp.Show(value)).Append(" is never written");
            }

            text.Append(")\n");
        }

        return text.ToString().TrimEnd('\n');
    }

    private void RecordBest(int[] stackOp, int depth, int state)
    {
        _bestPrefix = stackOp.AsSpan(0, depth).ToArray();
        _bestState = state;
        var blocked = new List<int>();
        for (var node = _next[_head]; (node & 1) == 0 && node < _head; node = _next[node])
        {
            blocked.Add(node >> 1);
        }

        var deadline = FirstDeadline();
        for (var i = _openNext[_operations.Length]; i != _operations.Length && _operations[i].InvokeTime <= deadline; i = _openNext[i])
        {
            blocked.Add(i);
        }

        _bestBlocked = [.. blocked];
    }

    /// <summary>The completion time of the first return in the main list: open operations invoked later must wait.</summary>
    private long FirstDeadline()
    {
        var node = _next[_head];
        while ((node & 1) == 0)
        {
            node = _next[node];
        }

        return node == _head + 1 ? long.MaxValue : _operations[node >> 1].CompleteTime!.Value;
    }

    private void Flip(int i)
    {
        var slot = _slot[i];
        if (_ops[i].IsOpen)
        {
            _openBits[slot >> 6] ^= 1UL << (slot & 63);
        }
        else
        {
            _bits[slot >> 6] ^= 1UL << (slot & 63);
            _hash ^= _zobrist[slot];
        }
    }

    private void Lift(int i)
    {
        if (_ops[i].IsOpen)
        {
            Remove(_openNext, _openPrev, i);
        }
        else
        {
            Remove(_next, _prev, 2 * i);
            Remove(_next, _prev, (2 * i) + 1);
        }
    }

    private void Unlift(int i)
    {
        // Dancing links: restore in the reverse order of removal.
        if (_ops[i].IsOpen)
        {
            Restore(_openNext, _openPrev, i);
        }
        else
        {
            Restore(_next, _prev, (2 * i) + 1);
            Restore(_next, _prev, 2 * i);
        }
    }

    private static void Remove(int[] next, int[] prev, int node)
    {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
    }

    private static void Restore(int[] next, int[] prev, int node)
    {
        next[prev[node]] = node;
        prev[next[node]] = node;
    }

    /// <summary>
    /// Adds (current bitsets, <paramref name="state"/>) to the cache; false when it holds the same configuration or
    /// one with fewer open operations.
    /// </summary>
    private bool TryCache(int state)
    {
        // The bitset is stored from its first word that is not all ones to its last non-zero word: the words
        // before are implied, and since operations tend to linearize in index order the slice stays short.
        var first = 0;
        while (first < _bits.Length && _bits[first] == ulong.MaxValue)
        {
            first++;
        }

        var end = _bits.Length;
        while (end > first && _bits[end - 1] == 0)
        {
            end--;
        }

        var words = _bits.AsSpan(first, end - first);
        var key = _hash ^ ((ulong)state * 0x9E3779B97F4A7C15UL);
        ref var entries = ref CollectionsMarshal.GetValueRefOrAddDefault(_cache, key, out _);
        entries ??= new List<CacheEntry>(1);

        // The entries of a key differ only in their open operations (or in a hash collision) and form an
        // antichain: an entry whose open set includes the new one's is dropped. Scanning them counts as work.
        Steps += entries.Count;
        var removed = 0;
        for (var k = 0; k < entries.Count; k++)
        {
            var e = entries[k];
            if (e.State == state && e.First == first && words.SequenceEqual(e.Words))
            {
                if (IsSubset(e.Open, _openBits))
                {
                    return false;
                }

                if (IsSubset(_openBits, e.Open))
                {
                    entries[k] = null!;
                    removed++;
                }
            }
        }

        if (removed > 0)
        {
            entries.RemoveAll(e => e is null);
        }

        entries.Add(new CacheEntry(state, first, words.ToArray(), _openBits.Length == 0 ? [] : (ulong[])_openBits.Clone()));
        return true;
    }

    private static bool IsSubset(ulong[] subset, ulong[] set)
    {
        for (var w = 0; w < subset.Length; w++)
        {
            if ((subset[w] & ~set[w]) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private sealed record CacheEntry(int State, int First, ulong[] Words, ulong[] Open);
}
