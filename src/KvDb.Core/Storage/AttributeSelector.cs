using System.Text;

namespace KvDb.Storage;

/// <summary>
/// A fixed list of top-level attribute names, encoded once, read from items in one walk of their encoding
/// (<see cref="Item.Select"/>) instead of one walk, one name encoding and one comparison pass per name. Immutable, so
/// one instance serves any number of concurrent readers.
/// </summary>
internal sealed class AttributeSelector
{
    private readonly byte[][] _utf8;

    public AttributeSelector(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Names = [.. names];
        _utf8 = new byte[Names.Length][];
        for (var i = 0; i < Names.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(Names[i], nameof(names));
            _utf8[i] = Encoding.UTF8.GetBytes(Names[i]);
            for (var j = 0; j < i; j++)
            {
                HasDuplicates |= string.Equals(Names[i], Names[j], StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The names, in the order their values are written.</summary>
    public string[] Names { get; }

    /// <summary>Whether a name appears twice (each occurrence gets the value; the one-walk read does not handle that).</summary>
    public bool HasDuplicates { get; }

    /// <summary>The position of the encoded name <paramref name="name"/> among <see cref="Names"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        var utf8 = _utf8;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i].Length == name.Length && name.SequenceEqual(utf8[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
