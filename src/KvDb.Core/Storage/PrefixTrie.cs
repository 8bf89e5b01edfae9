using System.Runtime.CompilerServices;

namespace KvDb.Storage;

/// <summary>
/// An ordered, path-compressed byte trie whose leaves are stored records (<c>byte[]</c>, keyed by their record
/// key) or <see cref="Partition"/>s (keyed by the encoded partition key). It answers point lookups, prefix and
/// range scans in both directions, visiting only the leaves inside the range.
/// </summary>
/// <remarks>
/// Concurrency: any number of readers run without locks alongside one writer (callers serialise writers).
/// Readers never see a torn state because a writer only ever (a) replaces one reference (a child slot, a
/// node's terminal, a node's child set, or the root) with <see cref="Volatile"/> writes, and (b) never changes an
/// array a reader may be looking at except to replace one slot with an equivalent-or-newer subtree.
/// <see cref="ChildSet"/> label arrays are immutable; adding or removing a child publishes a new set.
/// Leaves hang directly in child slots (no node per leaf), and nodes exist only where keys branch, so the
/// trie costs roughly one slot per key plus one node per branching point.
/// </remarks>
internal class PrefixTrie
{
    private object? _root;

    public int Count { get; private set; }

    public bool IsEmpty => Volatile.Read(ref _root) is null;

    internal object? Root => Volatile.Read(ref _root);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> KeyOf(object leaf) =>
        leaf is byte[] record ? ItemCodec.RecordKey(record) : Unsafe.As<Partition>(leaf).Key;

    // ------------------------------------------------------------------ reads (lock-free)

    public object? Get(ReadOnlySpan<byte> key)
    {
        var obj = Volatile.Read(ref _root);
        while (obj is TrieNode node)
        {
            if (key.Length <= node.Depth)
            {
                obj = key.Length == node.Depth ? Volatile.Read(ref node.Terminal) : null;
                break;
            }

            var slots = Volatile.Read(ref node.Slots);
            var i = IndexOfLabel(ChildSet.Labels(slots), key[node.Depth]);
            if (i < 0)
            {
                return null;
            }

            obj = Volatile.Read(ref slots[i + 1]);
        }

        return obj is not null && KeyOf(obj).SequenceEqual(key) ? obj : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfLabel(byte[] labels, byte label)
    {
        // Child sets are small (usually under 16 labels); a plain loop beats the vectorised IndexOf here.
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }

    // ------------------------------------------------------------------ writes (caller holds the writer lock)

    /// <summary>Inserts or replaces the leaf with the leaf's key; returns the leaf it replaced, if any.</summary>
    public object? Set(object leaf)
    {
        var key = KeyOf(leaf);
        var root = _root;
        if (root is null)
        {
            Volatile.Write(ref _root, leaf);
            Count++;
            return null;
        }

        if (root is not TrieNode)
        {
            var rootKey = KeyOf(root);
            if (rootKey.SequenceEqual(key))
            {
                Volatile.Write(ref _root, leaf);
                return root;
            }

            Volatile.Write(ref _root, MakePair(root, rootKey, leaf, key));
            Added(key, 1);
            return null;
        }

        var node = (TrieNode)root;
        object[]? parentSet = null;
        var parentIndex = -1;
        while (true)
        {
            var common = CommonPrefix(node.Path, key);
            if (common < node.Depth)
            {
                // The key leaves this node's compressed path: a new branching node goes above it.
                var split = new TrieNode(key[..common].ToArray()) { Leaves = node.Leaves };
                if (key.Length == common)
                {
                    split.Terminal = leaf;
                    split.Slots = ChildSet.Create([node.Path[common]], [node]);
                }
                else
                {
                    var a = node.Path[common];
                    var b = key[common];
                    split.Slots = a < b ? ChildSet.Create([a, b], [node, leaf]) : ChildSet.Create([b, a], [leaf, node]);
                }

                Replace(parentSet, parentIndex, split);
                Added(key, 1);
                return null;
            }

            if (key.Length == node.Depth)
            {
                var old = node.Terminal;
                Volatile.Write(ref node.Terminal, leaf);
                if (old is null)
                {
                    Added(key, 1);
                }

                return old;
            }

            var label = key[node.Depth];
            var set = node.Slots;
            var i = Array.BinarySearch(ChildSet.Labels(set), label);
            if (i < 0)
            {
                Volatile.Write(ref node.Slots, ChildSet.Insert(set, ~i, label, leaf));
                Added(key, 1);
                return null;
            }

            var child = set[i + 1];
            if (child is TrieNode childNode)
            {
                parentSet = set;
                parentIndex = i + 1;
                node = childNode;
                continue;
            }

            var childKey = KeyOf(child);
            if (childKey.SequenceEqual(key))
            {
                Volatile.Write(ref set[i + 1], leaf);
                return child;
            }

            Volatile.Write(ref set[i + 1], MakePair(child, childKey, leaf, key));
            Added(key, 1);
            return null;
        }
    }

    /// <summary>Removes the leaf with <paramref name="key"/>; returns it, or null when absent.</summary>
    public object? Remove(ReadOnlySpan<byte> key)
    {
        var root = _root;
        if (root is null)
        {
            return null;
        }

        if (root is not TrieNode)
        {
            if (!KeyOf(root).SequenceEqual(key))
            {
                return null;
            }

            Volatile.Write(ref _root, null);
            Count--;
            return root;
        }

        var node = (TrieNode)root;
        object[]? parentSet = null;
        var parentIndex = -1;
        while (true)
        {
            if (key.Length < node.Depth || !key[..node.Depth].SequenceEqual(node.Path))
            {
                return null;
            }

            if (key.Length == node.Depth)
            {
                var old = node.Terminal;
                if (old is null)
                {
                    return null;
                }

                Added(key, -1);
                Volatile.Write(ref node.Terminal, null);
                Collapse(node, parentSet, parentIndex);
                return old;
            }

            var set = node.Slots;
            var i = Array.BinarySearch(ChildSet.Labels(set), key[node.Depth]);
            if (i < 0)
            {
                return null;
            }

            var child = set[i + 1];
            if (child is TrieNode childNode)
            {
                parentSet = set;
                parentIndex = i + 1;
                node = childNode;
                continue;
            }

            if (!KeyOf(child).SequenceEqual(key))
            {
                return null;
            }

            Added(key, -1);
            Volatile.Write(ref node.Slots, ChildSet.RemoveAt(set, i));
            Collapse(node, parentSet, parentIndex);
            return child;
        }
    }

    /// <summary>
    /// Counts a key in (delta 1, after it was linked) or out (delta -1, before it is unlinked): the trie's count
    /// and <see cref="TrieNode.Leaves"/> of every node on the key's path. New nodes are created counting only the
    /// leaves that were already there.
    /// </summary>
    private void Added(ReadOnlySpan<byte> key, int delta)
    {
        Count += delta;
        var obj = _root;
        while (obj is TrieNode node)
        {
            Volatile.Write(ref node.Leaves, node.Leaves + delta);
            if (key.Length <= node.Depth)
            {
                return;
            }

            var set = node.Slots;
            var i = IndexOfLabel(ChildSet.Labels(set), key[node.Depth]);
            if (i < 0)
            {
                return;
            }

            obj = set[i + 1];
        }
    }

    /// <summary>
    /// The number of leaves whose keys start with <paramref name="prefix"/>, from the subtree counts: one walk down
    /// the prefix, no leaf visited. Lock-free like every read; a count taken during a write sees it or not.
    /// </summary>
    public int CountPrefix(ReadOnlySpan<byte> prefix)
    {
        var obj = Volatile.Read(ref _root);
        while (obj is TrieNode node)
        {
            if (prefix.Length <= node.Depth)
            {
                return node.Path.AsSpan().StartsWith(prefix) ? Volatile.Read(ref node.Leaves) : 0;
            }

            if (!prefix.StartsWith(node.Path))
            {
                return 0;
            }

            var slots = Volatile.Read(ref node.Slots);
            var i = IndexOfLabel(ChildSet.Labels(slots), prefix[node.Depth]);
            if (i < 0)
            {
                return 0;
            }

            obj = Volatile.Read(ref slots[i + 1]);
        }

        return obj is not null && KeyOf(obj).StartsWith(prefix) ? 1 : 0;
    }

    /// <summary>
    /// The number of leaves whose keys lie inside <paramref name="range"/>, from the subtree counts: two walks down
    /// the bounds, adding up the subtrees beside them; no leaf inside the range is visited.
    /// </summary>
    public int CountRange(in KeyRange range)
    {
        if (range.IsEmpty)
        {
            return 0;
        }

        var upTo = range.Upper is null ? Count : Rank(range.Upper, range.UpperInclusive);
        var below = range.Lower is null ? 0 : Rank(range.Lower, !range.LowerInclusive);
        return Math.Max(0, upTo - below);
    }

    /// <summary>How many keys are below <paramref name="bound"/> (or at most it, with <paramref name="inclusive"/>).</summary>
    private int Rank(ReadOnlySpan<byte> bound, bool inclusive)
    {
        var count = 0;
        var obj = Volatile.Read(ref _root);
        while (obj is TrieNode node)
        {
            var path = node.Path.AsSpan();
            var n = Math.Min(path.Length, bound.Length);
            var c = path[..n].SequenceCompareTo(bound[..n]);
            if (c != 0)
            {
                return c < 0 ? count + Volatile.Read(ref node.Leaves) : count; // the whole subtree is below or above
            }

            if (path.Length >= bound.Length)
            {
                // The bound is the node's path (only the terminal can equal it) or a proper prefix of it (all above).
                return count + (path.Length == bound.Length && inclusive && Volatile.Read(ref node.Terminal) is not null ? 1 : 0);
            }

            if (Volatile.Read(ref node.Terminal) is not null)
            {
                count++; // the terminal's key is a proper prefix of the bound: below it
            }

            var slots = Volatile.Read(ref node.Slots);
            var labels = ChildSet.Labels(slots);
            var next = bound[node.Depth];
            obj = null;
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] > next)
                {
                    break;
                }

                var child = Volatile.Read(ref slots[i + 1]);
                if (labels[i] == next)
                {
                    obj = child;
                    break;
                }

                count += child is TrieNode t ? Volatile.Read(ref t.Leaves) : 1;
            }
        }

        if (obj is null)
        {
            return count;
        }

        var cmp = KeyOf(obj).SequenceCompareTo(bound);
        return count + (cmp < 0 || (cmp == 0 && inclusive) ? 1 : 0);
    }

    // A node keeps at least two entries; when a removal leaves one, the entry takes the node's place.
    private void Collapse(TrieNode node, object[]? parentSet, int parentIndex)
    {
        var set = node.Slots;
        var children = ChildSet.Labels(set).Length; // the array may have spare capacity (see ChildSet.Insert)
        var entries = children + (node.Terminal is null ? 0 : 1);
        if (entries >= 2)
        {
            return;
        }

        object? only = node.Terminal ?? (children == 1 ? set[1] : null);
        Replace(parentSet, parentIndex, only);
    }

    private void Replace(object[]? parentSet, int parentIndex, object? replacement)
    {
        if (parentSet is null)
        {
            Volatile.Write(ref _root, replacement);
        }
        else
        {
            Volatile.Write(ref parentSet[parentIndex], replacement!);
        }
    }

    private static TrieNode MakePair(object leafA, ReadOnlySpan<byte> keyA, object leafB, ReadOnlySpan<byte> keyB)
    {
        var common = CommonPrefix(keyA, keyB);
        var node = new TrieNode(keyA[..common].ToArray()) { Leaves = 1 }; // leaf A; the caller counts leaf B
        if (keyA.Length == common)
        {
            node.Terminal = leafA;
            node.Slots = ChildSet.Create([keyB[common]], [leafB]);
        }
        else if (keyB.Length == common)
        {
            node.Terminal = leafB;
            node.Slots = ChildSet.Create([keyA[common]], [leafA]);
        }
        else
        {
            var a = keyA[common];
            var b = keyB[common];
            node.Slots = a < b ? ChildSet.Create([a, b], [leafA, leafB]) : ChildSet.Create([b, a], [leafB, leafA]);
        }

        return node;
    }

    private static int CommonPrefix(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);

    // ------------------------------------------------------------------ ordered traversal

    /// <summary>
    /// Leaves whose keys lie inside <paramref name="range"/>, in key order (or reverse order), touching only
    /// the subtrees that can hold such keys.
    /// </summary>
    public TrieCursor Scan(in KeyRange range, bool descending) => new(Volatile.Read(ref _root), range, descending);

    /// <summary>A fresh snapshot-free enumeration of every leaf in ascending order.</summary>
    public TrieCursor ScanAll() => new(Volatile.Read(ref _root), KeyRange.All, false);
}

/// <summary>A branching point. <see cref="Path"/> is the full common prefix of every key below.</summary>
internal sealed class TrieNode
{
    public readonly byte[] Path;
    public readonly int Depth;
    public object? Terminal;

    /// <summary>
    /// The children: slot 0 holds the sorted label bytes (a <c>byte[]</c>), slot i + 1 the child for label i.
    /// Keeping the labels inside the slot array lets a writer publish labels and children with one reference
    /// write, and saves a reader one dependent load per level. Labels never change; a child slot may be
    /// replaced in place.
    /// </summary>
    public object[] Slots = ChildSet.Empty;

    /// <summary>How many leaves (terminal included) the subtree holds; kept by the writer, read lock-free.</summary>
    public int Leaves;

    public TrieNode(byte[] path)
    {
        Path = path;
        Depth = path.Length;
    }
}

/// <summary>Helpers for a node's slot array (see <see cref="TrieNode.Slots"/>).</summary>
internal static class ChildSet
{
    public static readonly object[] Empty = [Array.Empty<byte>()];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte[] Labels(object[] slots) => Unsafe.As<byte[]>(Volatile.Read(ref slots[0]));

    public static object[] Create(byte[] labels, object[] children)
    {
        var slots = new object[children.Length + 1];
        slots[0] = labels;
        children.CopyTo(slots, 1);
        return slots;
    }

    /// <summary>
    /// The slot array with <paramref name="child"/> under <paramref name="label"/> at <paramref name="index"/>, to be
    /// published in <see cref="TrieNode.Slots"/>. Appending after the last label (keys inserted in order: sequence
    /// numbers, timestamps) fills spare capacity of the same array: the child is written first, then the new labels
    /// make it visible, so a reader sees either the old children or the new ones, and a node that grows to n
    /// children copies O(n) slots in all instead of O(n^2). Other inserts copy into an exact-size array.
    /// </summary>
    public static object[] Insert(object[] slots, int index, byte label, object child)
    {
        var labels = Labels(slots);
        var count = labels.Length;
        var newLabels = new byte[count + 1];
        Array.Copy(labels, 0, newLabels, 0, index);
        newLabels[index] = label;
        Array.Copy(labels, index, newLabels, index + 1, count - index);
        if (index == count && slots.Length > count + 1)
        {
            Volatile.Write(ref slots[count + 1], child);
            Volatile.Write(ref slots[0], newLabels);
            return slots;
        }

        // Appending into a full array: double it (a node has at most 256 children); else exact size.
        var result = new object[index == count ? Math.Min(257, 2 * (count + 2)) : count + 2];
        result[0] = newLabels;
        Array.Copy(slots, 1, result, 1, index);
        result[index + 1] = child;
        Array.Copy(slots, index + 1, result, index + 2, count - index);
        return result;
    }

    public static object[] RemoveAt(object[] slots, int index)
    {
        var labels = Labels(slots);
        var count = labels.Length;
        var newLabels = new byte[count - 1];
        Array.Copy(labels, 0, newLabels, 0, index);
        Array.Copy(labels, index + 1, newLabels, index, count - index - 1);
        var result = new object[count];
        result[0] = newLabels;
        Array.Copy(slots, 1, result, 1, index);
        Array.Copy(slots, index + 2, result, index + 1, count - index - 1);
        return result;
    }
}

/// <summary>Bounds on encoded keys; a null bound is open.</summary>
internal readonly struct KeyRange
{
    public static readonly KeyRange All = default;

    public KeyRange(byte[]? lower, bool lowerInclusive, byte[]? upper, bool upperInclusive)
    {
        Lower = lower;
        LowerInclusive = lowerInclusive;
        Upper = upper;
        UpperInclusive = upperInclusive;
    }

    public byte[]? Lower { get; }

    public bool LowerInclusive { get; }

    public byte[]? Upper { get; }

    public bool UpperInclusive { get; }

    /// <summary>Every key that starts with <paramref name="prefix"/>.</summary>
    public static KeyRange Prefix(byte[] prefix) => new(prefix, true, PrefixSuccessor(prefix), false);

    /// <summary>The smallest key greater than every key starting with the prefix, or null when there is none.</summary>
    public static byte[]? PrefixSuccessor(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var result = prefix[..(i + 1)].ToArray();
                result[i]++;
                return result;
            }
        }

        return null;
    }

    public bool Contains(ReadOnlySpan<byte> key)
    {
        if (Lower is not null)
        {
            var c = key.SequenceCompareTo(Lower);
            if (c < 0 || (c == 0 && !LowerInclusive))
            {
                return false;
            }
        }

        if (Upper is not null)
        {
            var c = key.SequenceCompareTo(Upper);
            if (c > 0 || (c == 0 && !UpperInclusive))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when no key can satisfy both bounds.</summary>
    public bool IsEmpty
    {
        get
        {
            if (Lower is null || Upper is null)
            {
                return false;
            }

            var c = Lower.AsSpan().SequenceCompareTo(Upper);
            return c > 0 || (c == 0 && !(LowerInclusive && UpperInclusive));
        }
    }
}

/// <summary>
/// An explicit-stack, in-order walk of a trie restricted to a key range. Each node is checked against the
/// bounds by its path, so whole subtrees outside the range are skipped without being read.
/// </summary>
internal sealed class TrieCursor
{
    private readonly KeyRange _range;
    private readonly bool _descending;
    private Frame[] _stack = new Frame[8];
    private int _top = -1;
    private object? _pendingLeaf;

    private struct Frame
    {
        public TrieNode Node;
        public object[] Slots;
        public byte[] Labels;
        public object? Terminal;
        public int Next;       // next child index to visit
        public int End;        // forward: exclusive end; descending: inclusive lowest index
        public bool TerminalPending;
        public bool LowerActive;
        public bool UpperActive;
    }

    public TrieCursor(object? root, in KeyRange range, bool descending)
    {
        _range = range;
        _descending = descending;
        if (range.IsEmpty || root is null)
        {
            return;
        }

        if (root is TrieNode node)
        {
            Enter(node, range.Lower is not null, range.Upper is not null);
        }
        else if (range.Contains(PrefixTrie.KeyOf(root)))
        {
            _pendingLeaf = root;
        }
    }

    public object? Current { get; private set; }

    // Compares a subtree's path with a bound: -2 / +2 every key is below / above the bound; 0 the path is a
    // proper prefix of the bound (constrained); 1 the path equals the bound; 3 the bound is a proper prefix of
    // the path (every key is above the bound).
    private static int CompareToBound(ReadOnlySpan<byte> path, ReadOnlySpan<byte> bound)
    {
        var n = Math.Min(path.Length, bound.Length);
        var c = path[..n].SequenceCompareTo(bound[..n]);
        if (c != 0)
        {
            return c < 0 ? -2 : 2;
        }

        return path.Length < bound.Length ? 0 : path.Length == bound.Length ? 1 : 3;
    }

    private void Enter(TrieNode node, bool lowerActive, bool upperActive)
    {
        var slots = Volatile.Read(ref node.Slots);
        var labels = ChildSet.Labels(slots);
        var terminal = Volatile.Read(ref node.Terminal);
        var terminalOk = terminal is not null;
        var start = 0;
        var end = labels.Length; // exclusive
        var depth = node.Depth;

        if (lowerActive)
        {
            var lower = _range.Lower!;
            switch (CompareToBound(node.Path, lower))
            {
                case -2:
                    return;
                case 0:
                    terminalOk = false;
                    start = LowerBound(labels, lower[depth]);
                    break;
                case 1:
                    terminalOk &= _range.LowerInclusive;
                    lowerActive = false;
                    break;
                default:
                    lowerActive = false;
                    break;
            }
        }

        if (upperActive)
        {
            var upper = _range.Upper!;
            switch (CompareToBound(node.Path, upper))
            {
                case 2:
                case 3:
                    return;
                case 0:
                    end = UpperBound(labels, upper[depth]);
                    break;
                case 1:
                    terminalOk &= _range.UpperInclusive;
                    end = 0;
                    upperActive = false;
                    break;
                default:
                    upperActive = false;
                    break;
            }
        }

        if (_top + 1 == _stack.Length)
        {
            Array.Resize(ref _stack, _stack.Length * 2);
        }

        ref var f = ref _stack[++_top];
        f.Node = node;
        f.Slots = slots;
        f.Labels = labels;
        f.Terminal = terminalOk ? terminal : null;
        f.TerminalPending = terminalOk;
        f.LowerActive = lowerActive;
        f.UpperActive = upperActive;
        if (_descending)
        {
            f.Next = end - 1;
            f.End = start;
        }
        else
        {
            f.Next = start;
            f.End = end;
        }
    }

    private static int LowerBound(byte[] labels, byte b)
    {
        var i = Array.BinarySearch(labels, b);
        return i >= 0 ? i : ~i;
    }

    private static int UpperBound(byte[] labels, byte b)
    {
        var i = Array.BinarySearch(labels, b);
        return i >= 0 ? i + 1 : ~i;
    }

    public bool MoveNext()
    {
        if (_pendingLeaf is not null)
        {
            Current = _pendingLeaf;
            _pendingLeaf = null;
            return true;
        }

        while (_top >= 0)
        {
            ref var f = ref _stack[_top];
            if (!_descending && f.TerminalPending)
            {
                f.TerminalPending = false;
                Current = f.Terminal;
                return true;
            }

            var hasChild = _descending ? f.Next >= f.End : f.Next < f.End;
            if (!hasChild)
            {
                if (_descending && f.TerminalPending)
                {
                    f.TerminalPending = false;
                    Current = f.Terminal;
                    return true;
                }

                _top--;
                continue;
            }

            var index = f.Next;
            f.Next += _descending ? -1 : 1;
            var label = f.Labels[index];
            var depth = f.Node.Depth;
            var childLower = f.LowerActive && _range.Lower!.Length > depth && _range.Lower[depth] == label;
            var childUpper = f.UpperActive && _range.Upper!.Length > depth && _range.Upper[depth] == label;
            var child = Volatile.Read(ref f.Slots[index + 1]);
            if (child is TrieNode node)
            {
                Enter(node, childLower, childUpper);
                continue;
            }

            if ((childLower || childUpper) && !_range.Contains(PrefixTrie.KeyOf(child)))
            {
                continue;
            }

            Current = child;
            return true;
        }

        Current = null;
        return false;
    }
}
