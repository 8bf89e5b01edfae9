using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace KvDb;

/// <summary>
/// An immutable map of attribute names to values that remembers insertion order (so documents read back
/// in the order they were written) while equality ignores order, as DynamoDB's M type does.
/// </summary>
public sealed class AttributeMap : IReadOnlyDictionary<string, AttributeValue>, IEquatable<AttributeMap>
{
    private const int LinearLookupLimit = 8;

    private readonly string[] _names;
    private readonly AttributeValue[] _values;
    private readonly Dictionary<string, int>? _index;

    /// <summary>The empty map.</summary>
    public static AttributeMap Empty { get; } = new([], []);

    /// <summary>Creates a map. Throws <see cref="ArgumentException"/> on duplicate names.</summary>
    public AttributeMap(IEnumerable<KeyValuePair<string, AttributeValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries is List<KeyValuePair<string, AttributeValue>> list)
        {
            // The common bulk form (a reused attribute list): exact-size arrays, no enumerator or growth copies.
            (_names, _values) = (new string[list.Count], new AttributeValue[list.Count]);
            for (var i = 0; i < list.Count; i++)
            {
                (_names[i], _values[i]) = Checked(list[i]);
            }
        }
        else if (entries is KeyValuePair<string, AttributeValue>[] array)
        {
            (_names, _values) = (new string[array.Length], new AttributeValue[array.Length]);
            for (var i = 0; i < array.Length; i++)
            {
                (_names[i], _values[i]) = Checked(array[i]);
            }
        }
        else
        {
            var names = new List<string>();
            var values = new List<AttributeValue>();
            foreach (var entry in entries)
            {
                var (name, value) = Checked(entry);
                names.Add(name);
                values.Add(value);
            }

            _names = [.. names];
            _values = [.. values];
        }

        _index = BuildIndex(_names);

        static (string, AttributeValue) Checked(KeyValuePair<string, AttributeValue> entry)
        {
            ArgumentNullException.ThrowIfNull(entry.Key, nameof(entries));
            ArgumentNullException.ThrowIfNull(entry.Value, nameof(entries));
            return (entry.Key, entry.Value);
        }
    }

    // Trusted: arrays are owned by the map and names are known to be distinct.
    internal AttributeMap(string[] names, AttributeValue[] values)
    {
        _names = names;
        _values = values;
        _index = BuildIndex(names);
    }

    private static Dictionary<string, int>? BuildIndex(string[] names)
    {
        if (names.Length <= LinearLookupLimit)
        {
            for (var i = 1; i < names.Length; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(names[i], names[j], StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"The attribute name \"{names[i]}\" appears twice.");
                    }
                }
            }

            return null;
        }

        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            if (!index.TryAdd(names[i], i))
            {
                throw new ArgumentException($"The attribute name \"{names[i]}\" appears twice.");
            }
        }

        return index;
    }

    /// <summary>Number of entries.</summary>
    public int Count => _names.Length;

    /// <summary>Names in insertion order.</summary>
    public IEnumerable<string> Keys => _names;

    /// <summary>Values in insertion order.</summary>
    public IEnumerable<AttributeValue> Values => _values;

    /// <summary>The value of a name; throws <see cref="KeyNotFoundException"/> when absent.</summary>
    public AttributeValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The map has no attribute \"{key}\".");

    internal string NameAt(int index) => _names[index];

    internal AttributeValue ValueAt(int index) => _values[index];

    /// <summary>Index of a name, or -1.</summary>
    internal int IndexOf(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var i) ? i : -1;
        }

        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out AttributeValue value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null;
            return false;
        }

        value = _values[i];
        return true;
    }

    /// <summary>A copy with <paramref name="name"/> set (replaced in place, or appended).</summary>
    public AttributeMap With(string name, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var i = IndexOf(name);
        if (i >= 0)
        {
            var values = (AttributeValue[])_values.Clone();
            values[i] = value;
            return new AttributeMap(_names, values);
        }

        var n = new string[_names.Length + 1];
        var v = new AttributeValue[_values.Length + 1];
        _names.CopyTo(n, 0);
        _values.CopyTo(v, 0);
        n[^1] = name;
        v[^1] = value;
        return new AttributeMap(n, v);
    }

    /// <summary>A copy without <paramref name="name"/> (the same map when absent).</summary>
    public AttributeMap Without(string name)
    {
        var i = IndexOf(name);
        if (i < 0)
        {
            return this;
        }

        var n = new string[_names.Length - 1];
        var v = new AttributeValue[_values.Length - 1];
        Array.Copy(_names, 0, n, 0, i);
        Array.Copy(_names, i + 1, n, i, _names.Length - i - 1);
        Array.Copy(_values, 0, v, 0, i);
        Array.Copy(_values, i + 1, v, i, _values.Length - i - 1);
        return new AttributeMap(n, v);
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, AttributeValue>> GetEnumerator()
    {
        for (var i = 0; i < _names.Length; i++)
        {
            yield return new KeyValuePair<string, AttributeValue>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Order-insensitive structural equality.</summary>
    public bool Equals(AttributeMap? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other.Count != Count)
        {
            return false;
        }

        for (var i = 0; i < _names.Length; i++)
        {
            if (!other.TryGetValue(_names[i], out var value) || !_values[i].Equals(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AttributeMap other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        // Order-insensitive: XOR of per-entry hashes.
        var h = 0;
        for (var i = 0; i < _names.Length; i++)
        {
            h ^= HashCode.Combine(_names[i].GetHashCode(StringComparison.Ordinal), _values[i]);
        }

        return HashCode.Combine(Count, h);
    }
}
