using KvDb.Engine;
using KvDb.Storage;

namespace KvDb.Sql.Materialization;

/// <summary>
/// The decoded in-memory copy of a materialized join's stored rows (flat format), so that a query answered from the
/// join reads no records: each stored row is an array of its source attributes (<c>s{i}.name</c>) by column number.
/// The stored rows in Core stay the durable truth; this copy is derived from them and can always be dropped.
/// </summary>
/// <remarks>
/// <para>
/// Writers are the <see cref="ViewMaintainer"/>, under its lock: it applies every change it stores to the join
/// (<see cref="Apply"/>) or replaces the whole copy (<see cref="Replace"/>). Readers never lock: they take the
/// current <see cref="Snapshot"/>, which no writer changes afterwards (a writer copies the chunks of rows it
/// touches and the chunk directory, then publishes a new snapshot), so a query reads one consistent state of the
/// join even while it is being maintained.
/// </para>
/// <para>
/// A snapshot is used only while it is known to equal the stored rows: it records the storage table's
/// <see cref="TableStore.ChangeCount"/> it matches, and a writer that sees the count move by anything but its own
/// changes (someone else wrote the storage table) drops the copy; readers then rebuild it from the stored rows.
/// The copy is bounded by <see cref="KvDbOptions.MaterializedJoinCacheBytes"/> (an estimate of the bytes it holds);
/// a join that does not fit is read from its stored rows until it shrinks to half the size at which it did not fit.
/// </para>
/// </remarks>
internal sealed class JoinRowCache
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly KvEngine _engine;
    private readonly string _table;
    private readonly long _budget;
    private readonly Func<JoinRowCache, CancellationToken, ValueTask<Snapshot?>> _ensure;

    // Writer state, changed only under the maintainer's lock, describing the latest published snapshot.
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private Dictionary<string, int> _columns = new(StringComparer.Ordinal);
    private string[] _names = [];
    private int _slots;
    private long _bytes;
    private long _tooLargeAt = -1;

    // Values shared between rows (dictionary encoding): a joined table's attribute repeats in every row its item
    // joins into, and a copy that holds one object per distinct string or number is smaller and faster to read (its
    // rows point into a small set of objects instead of one object per row). Each shared value counts the rows that
    // hold it and leaves the table with the last one; a column stops adding values once most of its values turn out
    // distinct. Numbers are normalised (equal numbers have one representation), so sharing never changes a value.
    private Dictionary<string, SharedValue> _strings = new(StringComparer.Ordinal);
    private Dictionary<KvNumber, SharedValue> _numbers = [];
    private ColumnStats[] _stats = [];

    private const int MaxSharedValues = 1 << 20;
    private const int MaxSharedLength = 256;

    private volatile Snapshot? _current;

    /// <param name="engine">The local engine that holds the storage table.</param>
    /// <param name="storageTable">The join's storage table.</param>
    /// <param name="budgetBytes">The memory budget (estimated bytes).</param>
    /// <param name="ensure">Builds the copy from the stored rows when it is missing or stale, under the maintainer's lock, and returns the current state then (null when there is none).</param>
    public JoinRowCache(KvEngine engine, string storageTable, long budgetBytes, Func<JoinRowCache, CancellationToken, ValueTask<Snapshot?>> ensure)
    {
        _engine = engine;
        _table = storageTable;
        _budget = budgetBytes;
        _ensure = ensure;
    }

    /// <summary>The storage table's name.</summary>
    public string StorageTable => _table;

    /// <summary>Estimated bytes the copy holds (0 when there is none).</summary>
    public long EstimatedBytes => _current is null ? 0 : Interlocked.Read(ref _bytes);

    /// <summary>
    /// The estimate recomputed from the current rows and shared values (tests compare it with the one kept step by
    /// step); only while no writer runs.
    /// </summary>
    internal long RecountBytes()
    {
        if (_current is not { } snapshot)
        {
            return 0;
        }

        var bytes = _strings.Values.Concat(_numbers.Values).Sum(s => SharedBytes + Estimate(s.Value));
        foreach (var (key, slot) in _slotOf)
        {
            bytes += RowBytes(key, snapshot.Row(slot)!);
        }

        return bytes;
    }

    /// <summary>Whether the join did not fit the budget and has not shrunk enough since to try again.</summary>
    public bool TooLarge
    {
        get
        {
            var at = Interlocked.Read(ref _tooLargeAt);
            return at >= 0 && _engine.FindTable(_table) is { } table && table.ItemCount * 2 > at;
        }
    }

    /// <summary>The snapshot that equals the stored rows now, or null.</summary>
    public Snapshot? Current
    {
        get
        {
            var snapshot = _current;
            return snapshot is not null && ReferenceEquals(_engine.FindTable(_table), snapshot.Table) && snapshot.Table.ChangeCount == snapshot.Version
                ? snapshot
                : null;
        }
    }

    /// <summary>
    /// The copy to read, built first when it is missing or stale; null when the join must be read from its stored
    /// rows (too large, or written by someone else while it was being built).
    /// </summary>
    public async ValueTask<Snapshot?> OpenAsync(CancellationToken ct)
    {
        if (Current is { } snapshot)
        {
            return snapshot;
        }

        if (TooLarge)
        {
            return null;
        }

        // The state the maintainer vouched for under its lock: a write that started since then publishes a newer
        // state, but this one is whole and includes everything the caller's catch-up applied.
        return await _ensure(this, ct).ConfigureAwait(false);
    }

    /// <summary>Drops the copy (the next reader rebuilds it).</summary>
    public void Invalidate()
    {
        _current = null;
        _slotOf.Clear();
        _free.Clear();
        _columns = new(StringComparer.Ordinal);
        _names = [];
        _slots = 0;
        _strings = new(StringComparer.Ordinal);
        _numbers = [];
        _stats = [];
        Interlocked.Exchange(ref _bytes, 0);
    }

    private sealed class SharedValue(AttributeValue value)
    {
        public AttributeValue Value { get; } = value;

        public int Rows { get; set; } = 1;
    }

    /// <summary>How a column's values have been shared so far: values seen, new values added.</summary>
    private struct ColumnStats
    {
        public int Seen;
        public int Added;

        /// <summary>Whether to keep adding this column's values: not once most of them turned out distinct.</summary>
        public readonly bool Sharing => Seen < 4096 || Added * 2 < Seen;
    }

    /// <summary>Strings (up to <see cref="MaxSharedLength"/> characters) and numbers are shared.</summary>
    private static bool Shareable(AttributeValue value) =>
        value.Kind == AttributeKind.Number || (value.Kind == AttributeKind.String && value.AsString().Length <= MaxSharedLength);

    /// <summary>The shared entry of a value's string or number, or null.</summary>
    private SharedValue? Find(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => _strings.GetValueOrDefault(value.AsString()),
        AttributeKind.Number => _numbers.GetValueOrDefault(value.AsNumber()),
        _ => null,
    };

    /// <summary>The shared instance of a value for a new row (shared from now on when its column shares), or the value itself.</summary>
    private AttributeValue Share(AttributeValue value, int column, ref long bytes)
    {
        if (!Shareable(value))
        {
            return value;
        }

        if (column >= _stats.Length)
        {
            Array.Resize(ref _stats, Math.Max(column + 1, _stats.Length * 2));
        }

        ref var stats = ref _stats[column];
        stats.Seen++;
        if (Find(value) is { } shared)
        {
            shared.Rows++;
            return shared.Value;
        }

        if (stats.Sharing && _strings.Count + _numbers.Count < MaxSharedValues)
        {
            stats.Added++;
            if (value.Kind == AttributeKind.String)
            {
                _strings[value.AsString()] = new SharedValue(value);
            }
            else
            {
                _numbers[value.AsNumber()] = new SharedValue(value);
            }

            bytes += SharedBytes + Estimate(value); // counted once, here: rows do not count shared values (RowBytes)
        }

        return value;
    }

    /// <summary>A row leaves the copy: the shared values it held lose a row, and leave with their last one.</summary>
    private void Release(AttributeValue?[] row, ref long bytes)
    {
        foreach (var value in row)
        {
            if (value is not null && Find(value) is { } shared && ReferenceEquals(shared.Value, value) && --shared.Rows == 0)
            {
                _ = value.Kind == AttributeKind.String ? _strings.Remove(value.AsString()) : _numbers.Remove(value.AsNumber());
                bytes -= SharedBytes + Estimate(value);
            }
        }
    }

    /// <summary>Replaces the copy by <paramref name="rows"/>, the whole stored content of <paramref name="table"/> when its change count was <paramref name="version"/>.</summary>
    public void Replace(TableStore table, long version, IEnumerable<Item> rows)
    {
        Invalidate();
        Interlocked.Exchange(ref _tooLargeAt, -1);
        Write(table, version, new Batch(this, []), [], rows);
    }

    /// <summary>
    /// Applies what the maintainer just stored: <paramref name="puts"/> (whole stored rows) and the removal of the rows
    /// with keys <paramref name="deletes"/>, which together are <paramref name="changes"/> changes to
    /// <paramref name="table"/>, whose change count went from <paramref name="before"/> to <paramref name="after"/>. When
    /// the count moved by anything else, someone else wrote the table too: the copy is dropped.
    /// </summary>
    public void Apply(TableStore? table, long before, long after, int changes, IEnumerable<Item> puts, IEnumerable<string> deletes)
    {
        var current = _current;
        if (current is null)
        {
            return; // nothing to keep current: the next reader builds it
        }

        if (table is null || !ReferenceEquals(table, current.Table) || current.Version != before || after - before != changes)
        {
            Invalidate();
            return;
        }

        Write(table, after, new Batch(this, current.Chunks), deletes, puts);
    }

    /// <summary>Makes the changes in <paramref name="batch"/> and publishes the result as the state matching <paramref name="version"/>; drops the copy when it no longer fits or a change fails.</summary>
    private void Write(TableStore table, long version, Batch batch, IEnumerable<string> deletes, IEnumerable<Item> puts)
    {
        try
        {
            foreach (var key in deletes)
            {
                batch.Delete(key);
            }

            foreach (var row in puts)
            {
                if (!batch.Put(row))
                {
                    TooLargeNow(table);
                    return;
                }
            }
        }
        catch
        {
            Invalidate();
            throw;
        }

        _current = batch.Publish(table, version);
    }

    private void TooLargeNow(TableStore table)
    {
        Invalidate();
        Interlocked.Exchange(ref _tooLargeAt, Math.Max(table.ItemCount, 1));
    }

    /// <summary>An estimate of the memory a row holds: the array, the slot's key and its entry, and each value it does not share.</summary>
    private long RowBytes(string key, AttributeValue?[] row)
    {
        // The array (header and slots), its slot in a chunk, its key's dictionary entry (with the table's usual slack)
        // and the key string.
        var bytes = 24L + (8L * row.Length) + 8 + 40 + 24 + (2L * key.Length);
        foreach (var value in row)
        {
            if (value is not null && !IsShared(value))
            {
                bytes += Estimate(value);
            }
        }

        return bytes;
    }

    private bool IsShared(AttributeValue value) =>
        Find(value) is { } shared && ReferenceEquals(shared.Value, value);

    /// <summary>An estimate of the memory a value holds (the object, its text or bytes, its elements).</summary>
    private static long Estimate(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => 56 + 24 + (2L * value.AsString().Length),
        AttributeKind.Binary => 56 + value.AsBinary().Length,
        AttributeKind.List => 56 + value.AsList().Sum(v => 8 + Estimate(v)),
        AttributeKind.Map => 80 + value.AsMap().Sum(e => 40 + (2L * e.Key.Length) + Estimate(e.Value)),
        AttributeKind.StringSet => 56 + value.AsStringSet().Sum(v => 32 + (2L * v.Length)),
        AttributeKind.NumberSet => 56 + (24L * value.AsNumberSet().Count),
        AttributeKind.BinarySet => 56 + value.AsBinarySet().Sum(v => 40 + v.Length),
        _ => 56, // the object: kind, number, reference
    };

    /// <summary>A shared value's entry: its counter object and its dictionary entry.</summary>
    private const long SharedBytes = 72;

    /// <summary>One writer's changes: chunks are copied the first time they are touched, then changed in place, then published.</summary>
    private sealed class Batch(JoinRowCache cache, AttributeValue?[]?[][] chunks)
    {
        private AttributeValue?[]?[][] _chunks = [.. chunks];
        private readonly HashSet<int> _copied = [];
        private bool _columnsCopied;

        public bool Put(Item item)
        {
            var map = item.ToMap();
            var key = map.TryGetValue("key", out var keyValue) && keyValue.Kind == AttributeKind.String
                ? keyValue.AsString()
                : throw new InvalidOperationException($"A stored row of {cache._table} has no string key.");

            // Column numbers first (a new attribute name adds a column), then the row as wide as the columns known.
            Span<int> ids = map.Count <= 64 ? stackalloc int[map.Count] : new int[map.Count];
            var at = 0;
            var width = 0;
            foreach (var (name, _) in map)
            {
                var id = -1;
                if (MaterializedJoin.IsFlatName(name) && !cache._columns.TryGetValue(name, out id))
                {
                    if (!_columnsCopied)
                    {
                        cache._columns = new Dictionary<string, int>(cache._columns, StringComparer.Ordinal);
                        _columnsCopied = true;
                    }

                    id = cache._names.Length;
                    cache._columns[name] = id;
                    cache._names = [.. cache._names, name];
                }

                ids[at++] = id;
                width = Math.Max(width, id + 1);
            }

            var row = new AttributeValue?[width];
            var bytes = 0L;
            at = 0;
            foreach (var (_, value) in map)
            {
                if (ids[at] >= 0)
                {
                    row[ids[at]] = cache.Share(value, ids[at], ref bytes);
                }

                at++;
            }

            bytes += cache.RowBytes(key, row);
            if (cache._slotOf.TryGetValue(key, out var slot))
            {
                var old = Get(slot)!;
                bytes -= cache.RowBytes(key, old);
                cache.Release(old, ref bytes);
            }
            else
            {
                slot = cache._free.Count > 0 ? cache._free.Pop() : cache._slots++;
                cache._slotOf[key] = slot;
            }

            if (Interlocked.Add(ref cache._bytes, bytes) > cache._budget)
            {
                return false;
            }

            Set(slot, row);
            return true;
        }

        public void Delete(string key)
        {
            if (cache._slotOf.Remove(key, out var slot))
            {
                var old = Get(slot)!;
                var bytes = -cache.RowBytes(key, old);
                cache.Release(old, ref bytes);
                Interlocked.Add(ref cache._bytes, bytes);
                Set(slot, null);
                cache._free.Push(slot);
            }
        }

        public Snapshot Publish(TableStore table, long version) =>
            new(table, version, _chunks, cache._slots, cache._slotOf.Count, cache._columns, cache._names);

        private AttributeValue?[]? Get(int slot) => _chunks[slot >> ChunkShift][slot & ChunkMask];

        private void Set(int slot, AttributeValue?[]? row)
        {
            var c = slot >> ChunkShift;
            if (c >= _chunks.Length)
            {
                Array.Resize(ref _chunks, Math.Max(c + 1, _chunks.Length * 2));
            }

            if (_chunks[c] is null)
            {
                _chunks[c] = new AttributeValue?[ChunkSize][];
                _copied.Add(c);
            }
            else if (_copied.Add(c))
            {
                _chunks[c] = [.. _chunks[c]];
            }

            _chunks[c][slot & ChunkMask] = row;
        }
    }

    /// <summary>One state of the copy; never changed once published.</summary>
    internal sealed class Snapshot(TableStore table, long version, AttributeValue?[]?[][] chunks, int slots, int rows, Dictionary<string, int> columns, string[] names)
    {
        public TableStore Table { get; } = table;

        /// <summary>The storage table's change count this state equals.</summary>
        public long Version { get; } = version;

        public AttributeValue?[]?[][] Chunks { get; } = chunks;

        /// <summary>Slots in use or free: rows are at slots 0 to <see cref="Slots"/> - 1, a free slot holds null.</summary>
        public int Slots { get; } = slots;

        /// <summary>The number of rows.</summary>
        public int Rows { get; } = rows;

        /// <summary>Every source attribute name seen, by column number.</summary>
        public IReadOnlyList<string> Names { get; } = names;

        /// <summary>The row at a slot, or null when the slot is free.</summary>
        public AttributeValue?[]? Row(int slot) => Chunks[slot >> ChunkShift] is { } chunk ? chunk[slot & ChunkMask] : null;

        /// <summary>The column number of a stored attribute name, or -1 when no row has it.</summary>
        public int Column(string name) => columns.TryGetValue(name, out var id) ? id : -1;

        /// <summary>A row's value in a column (null when the row does not have it).</summary>
        public static AttributeValue? Get(AttributeValue?[] row, int column) => (uint)column < (uint)row.Length ? row[column] : null;
    }
}
