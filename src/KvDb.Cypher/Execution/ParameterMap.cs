using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace KvDb.Cypher.Execution;

/// <summary>
/// A statement's parameters by name: arrays searched in order while there are few (a statement rarely has more than
/// a handful, and comparing a few names beats hashing one), a dictionary beyond that. A later value of a name
/// replaces an earlier one. Read-only once made.
/// </summary>
internal sealed class ParameterMap : IReadOnlyDictionary<string, object?>
{
    private const int LinearLimit = 8;

    public static readonly ParameterMap Empty = new(0);

    private string[] _names;
    private object?[] _values;
    private Dictionary<string, object?>? _byName;

    public ParameterMap(int capacity)
    {
        _names = capacity == 0 ? [] : new string[Math.Min(capacity, LinearLimit)];
        _values = capacity == 0 ? [] : new object?[_names.Length];
    }

    public int Count { get; private set; }

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No parameter '{key}'.");

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<object?> Values => this.Select(p => p.Value);

    /// <summary>Sets a parameter while the map is being made.</summary>
    public void Set(string name, object? value)
    {
        if (_byName is not null)
        {
            _byName[name] = value;
            Count = _byName.Count;
            return;
        }

        var at = IndexOf(name);
        if (at >= 0)
        {
            _values[at] = value;
            return;
        }

        if (Count == LinearLimit)
        {
            _byName = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < Count; i++)
            {
                _byName[_names[i]] = _values[i];
            }

            _byName[name] = value;
            Count = _byName.Count;
            return;
        }

        if (Count == _names.Length)
        {
            Array.Resize(ref _names, Math.Min(LinearLimit, Math.Max(4, Count * 2)));
            Array.Resize(ref _values, _names.Length);
        }

        _names[Count] = name;
        _values[Count] = value;
        Count++;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_byName is not null)
        {
            return _byName.TryGetValue(key, out value);
        }

        var at = IndexOf(key);
        value = at >= 0 ? _values[at] : null;
        return at >= 0;
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        if (_byName is not null)
        {
            foreach (var pair in _byName)
            {
                yield return pair;
            }

            yield break;
        }

        for (var i = 0; i < Count; i++)
        {
            yield return new KeyValuePair<string, object?>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
