using System.Runtime.InteropServices;

namespace KvDb.Sql.Execution;

/// <summary>
/// A hash table keyed by one non-NULL SQL value, for hash joins and GROUP BY on one key. Keys are equal as
/// <see cref="AttributeValue.Equals(AttributeValue)"/> says (the same kind and value; numbers by numeric value, which
/// KvNumber's normalised form makes structural). Integers that fit a <see cref="long"/> and strings, the usual join
/// and group keys, are kept in tables of their own keyed by the .NET value: no <see cref="AttributeValue"/> hashing,
/// and no reading of the stored key object when comparing. An integer and a string never equal each other or any
/// other kind, and an integer that fits a <see cref="long"/> never equals one that does not, so the three tables
/// never need to be consulted together.
/// </summary>
/// <typeparam name="TValue">The entry type.</typeparam>
internal sealed class ValueMap<TValue>
{
    private readonly Dictionary<long, TValue> _integers = [];
    private readonly Dictionary<string, TValue> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<AttributeValue, TValue> _others = [];

    /// <summary>The entry of <paramref name="key"/>, added with the default value when absent (<paramref name="exists"/> false).</summary>
    public ref TValue? GetValueRefOrAddDefault(AttributeValue key, out bool exists)
    {
        if (key.Kind == AttributeKind.String)
        {
            return ref CollectionsMarshal.GetValueRefOrAddDefault(_strings, key.AsString(), out exists);
        }

        if (key.Kind == AttributeKind.Number && key.AsNumber().TryToInt64(out var integer))
        {
            return ref CollectionsMarshal.GetValueRefOrAddDefault(_integers, integer, out exists);
        }

        return ref CollectionsMarshal.GetValueRefOrAddDefault(_others, key, out exists);
    }

    public bool TryGetValue(AttributeValue key, out TValue value)
    {
        if (key.Kind == AttributeKind.String)
        {
            return _strings.TryGetValue(key.AsString(), out value!);
        }

        if (key.Kind == AttributeKind.Number && key.AsNumber().TryToInt64(out var integer))
        {
            return _integers.TryGetValue(integer, out value!);
        }

        return _others.TryGetValue(key, out value!);
    }
}
