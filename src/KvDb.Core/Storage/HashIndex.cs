using System.Runtime.CompilerServices;

namespace KvDb.Storage;

/// <summary>
/// An open-addressing hash table (linear probing) whose leaves carry their own keys: the partition index
/// (encoded partition key to a record or a <see cref="Partition"/>) and the item index ((pk, sk) to a record).
/// A slot is one reference plus the key's 4-byte hash, about 16 to 24 bytes per entry between resizes.
/// </summary>
/// <remarks>
/// Readers are lock-free: they read the current slot arrays (swapped atomically on resize) and probe them.
/// Writers are serialised by the caller. A writer replaces one slot reference at a time, and a resize builds
/// a complete new array before publishing it, so a reader sees either the old or the new state of a key.
/// Removed slots hold a tombstone so probe chains stay intact; tombstones are dropped on the next resize.
/// </remarks>
internal sealed class HashTable<TKeys>
    where TKeys : struct, IHashKeys
{
    private static readonly object s_tombstone = new();

    // Slots and the hash of each slot's key, published together (a resize swaps the whole pair). Probes compare
    // hashes first, so passing an occupied slot costs no load of its leaf: a key comparison (a cache miss on a
    // record somewhere in the heap) happens only on a hash match. Writers store the hash before the slot; readers
    // read the slot before the hash, so a reader that sees a leaf sees its hash.
    private sealed class Arrays(int capacity)
    {
        public readonly object?[] Slots = new object?[capacity];
        public readonly int[] Hashes = new int[capacity];
    }

    private Arrays _arrays;
    private int _used; // live + tombstones

    public HashTable(int expectedCount = 0)
    {
        var capacity = 16;
        while (capacity * 3 < expectedCount * 4 + 4)
        {
            capacity *= 2;
        }

        _arrays = new Arrays(capacity);
    }

    public int Count { get; private set; }

    public object? Get(ReadOnlySpan<byte> key, int hash) => Get(key, default, hash);

    public object? Set(ReadOnlySpan<byte> key, int hash, object leaf) => Set(key, default, hash, leaf);

    public object? Remove(ReadOnlySpan<byte> key, int hash) => Remove(key, default, hash);

    public object? Get(ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2, int hash)
    {
        var arrays = Volatile.Read(ref _arrays);
        var slots = arrays.Slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        while (true)
        {
            var entry = Volatile.Read(ref slots[i]);
            if (entry is null)
            {
                return null;
            }

            if (arrays.Hashes[i] == hash && !ReferenceEquals(entry, s_tombstone) && TKeys.Matches(entry, key, key2))
            {
                return entry;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Inserts or replaces; returns the replaced leaf or null.</summary>
    public object? Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2, int hash, object leaf)
    {
        var arrays = _arrays;
        var slots = arrays.Slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        var firstFree = -1;
        while (true)
        {
            var entry = slots[i];
            if (entry is null)
            {
                break;
            }

            if (ReferenceEquals(entry, s_tombstone))
            {
                if (firstFree < 0)
                {
                    firstFree = i;
                }
            }
            else if (arrays.Hashes[i] == hash && TKeys.Matches(entry, key, key2))
            {
                Volatile.Write(ref slots[i], leaf);
                return entry;
            }

            i = (i + 1) & mask;
        }

        if (firstFree >= 0)
        {
            arrays.Hashes[firstFree] = hash;
            Volatile.Write(ref slots[firstFree], leaf);
            Count++;
            return null;
        }

        if ((_used + 1) * 4 > slots.Length * 3)
        {
            Resize(Count + 1);
            return Set(key, key2, hash, leaf);
        }

        arrays.Hashes[i] = hash;
        Volatile.Write(ref slots[i], leaf);
        _used++;
        Count++;
        return null;
    }

    /// <summary>Grows the table once so that <paramref name="additional"/> more leaves fit without a resize (a bulk insert).</summary>
    public void EnsureCapacity(int additional)
    {
        if ((long)(_used + additional) * 4 > (long)_arrays.Slots.Length * 3)
        {
            Resize(Count + additional);
        }
    }

    public object? Remove(ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2, int hash)
    {
        var arrays = _arrays;
        var slots = arrays.Slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        while (true)
        {
            var entry = slots[i];
            if (entry is null)
            {
                return null;
            }

            if (arrays.Hashes[i] == hash && !ReferenceEquals(entry, s_tombstone) && TKeys.Matches(entry, key, key2))
            {
                Volatile.Write(ref slots[i], s_tombstone);
                Count--;
                return entry;
            }

            i = (i + 1) & mask;
        }
    }

    private void Resize(int liveCount)
    {
        var capacity = 16;
        while (liveCount * 2 > capacity)
        {
            capacity *= 2;
        }

        var old = _arrays;
        var fresh = new Arrays(capacity);
        var mask = capacity - 1;
        for (var j = 0; j < old.Slots.Length; j++)
        {
            var entry = old.Slots[j];
            if (entry is null || ReferenceEquals(entry, s_tombstone))
            {
                continue;
            }

            var hash = old.Hashes[j];
            var i = hash & mask;
            while (fresh.Slots[i] is not null)
            {
                i = (i + 1) & mask;
            }

            fresh.Hashes[i] = hash;
            fresh.Slots[i] = entry;
        }

        _used = Count;
        Volatile.Write(ref _arrays, fresh);
    }
}

/// <summary>How a <see cref="HashTable{TKeys}"/> matches and rehashes its leaves.</summary>
internal interface IHashKeys
{
    static abstract bool Matches(object leaf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2);
}

/// <summary>Leaves keyed by partition key: records of tables without a sort key, or partitions.</summary>
internal readonly struct PartitionKeys : IHashKeys
{
    public static bool Matches(object leaf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2) => PrefixTrie.KeyOf(leaf).SequenceEqual(key);
}

/// <summary>Records keyed by (partition key, sort key): the full-key item index of tables with a sort key.</summary>
internal readonly struct ItemKeys : IHashKeys
{
    public static bool Matches(object leaf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> key2) =>
        ItemCodec.RecordMatches(Unsafe.As<byte[]>(leaf), key, key2);
}

/// <summary>The seeded key hash used by every in-memory hash table (not stable across processes).</summary>
internal static class HashIndex
{
    private static readonly ulong s_seed = (ulong)Random.Shared.NextInt64() | 1;

    /// <summary>
    /// A fast 64-bit multiply-mix hash over 8-byte words (in the style of wyhash/rapidhash), seeded per process so
    /// that colliding keys cannot be precomputed. Keys here are short (most under 32 bytes), where this costs a
    /// few nanoseconds; HashCode.AddBytes took about four times as long in the point-read benchmark.
    /// </summary>
    public static int Hash(ReadOnlySpan<byte> key) => (int)Fold(Hash64(key, s_seed));

    /// <summary>The hash of a (partition key, sort key) pair.</summary>
    public static int Hash(ReadOnlySpan<byte> pk, ReadOnlySpan<byte> sk) => (int)Fold(Hash64(sk, Hash64(pk, s_seed)));

    private static ulong Fold(ulong h) => h ^ (h >> 32);

    private static ulong Hash64(ReadOnlySpan<byte> key, ulong seed)
    {
        const ulong M1 = 0xa0761d6478bd642fUL;
        const ulong M2 = 0xe7037ed1a0b428dbUL;
        var h = seed ^ ((ulong)key.Length * M1);
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(key);
        var i = 0;
        for (; i + 8 <= key.Length; i += 8)
        {
            var w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            h = Mix(h ^ w, M2);
        }

        ulong tail = 0;
        for (var shift = 0; i < key.Length; i++, shift += 8)
        {
            tail |= (ulong)Unsafe.Add(ref start, i) << shift;
        }

        h = Mix(h ^ tail, M1);
        return Mix(h, M2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low;
    }
}

/// <summary>
/// The items of one partition key, ordered by encoded sort key. The partition is itself the trie of its items
/// (rather than holding one), which saves a point read one dependent load.
/// </summary>
internal sealed class Partition : PrefixTrie
{
    public Partition(byte[] key) => Key = key;

    /// <summary>Encoded partition key.</summary>
    public readonly byte[] Key;

    /// <summary>Items keyed by encoded sort key. Written only under the partition's lock.</summary>
    public PrefixTrie Items => this;
}
