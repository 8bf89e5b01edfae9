using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace KvDb.Expressions;

/// <summary>
/// An immutable document path such as <c>a.b[2].c</c>: a top-level attribute name followed by map keys and list
/// indexes. Paths compare element by element (names ordinally).
/// </summary>
public sealed class AttributePath : IEquatable<AttributePath>
{
    private readonly PathElement[] _elements;
    private ReadOnlyCollection<PathElement>? _view;
    private string? _text;

    // Trusted: the array is owned, non-empty, starts with a name and is at most MaxPathDepth long.
    internal AttributePath(PathElement[] elements)
    {
        _elements = elements;
    }

    /// <summary>The elements, starting with the top-level attribute name.</summary>
    public IReadOnlyList<PathElement> Elements => _view ??= new ReadOnlyCollection<PathElement>(_elements);

    /// <summary>The top-level attribute name (the first element).</summary>
    public string TopLevelName => _elements[0].Name!;

    /// <summary>True when the path is a single top-level attribute name.</summary>
    public bool IsTopLevel => _elements.Length == 1;

    internal int Count => _elements.Length;

    internal PathElement this[int index] => _elements[index];

    /// <summary>
    /// Parses plain path text: <c>a.b[2].c</c>. Names are runs of letters, digits, <c>_</c> and <c>-</c>; there are
    /// no placeholders and no whitespace. Throws <see cref="KvParseException"/> (<see cref="KvErrorCode.ExpressionSyntax"/>)
    /// on malformed text.
    /// </summary>
    public static AttributePath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var elements = new List<PathElement>();
        var i = 0;
        ReadName(text, ref i, elements);
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                i++;
                ReadName(text, ref i, elements);
            }
            else if (c == '[')
            {
                i++;
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    throw Error(text, i, "a list index");
                }

                if (!int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw ExpressionErrors.At(KvErrorCode.ExpressionSyntax, text, start, i - start, ExpressionErrors.IndexOutOfRange(text[start..i]));
                }

                if (i >= text.Length || text[i] != ']')
                {
                    throw Error(text, i, "']'");
                }

                i++;
                elements.Add(PathElement.At(index));
            }
            else
            {
                throw Error(text, i, "'.', '[' or end of input");
            }

            if (elements.Count > ExpressionLimits.MaxPathDepth)
            {
                throw ExpressionErrors.At(KvErrorCode.LimitExceeded, text, 0, text.Length, ExpressionErrors.PathTooDeep());
            }
        }

        return new AttributePath([.. elements]);
    }

    /// <summary>
    /// Builds a path from a top-level name and further elements: a <see cref="string"/> is a map key, an
    /// <see cref="int"/> a list index, a <see cref="PathElement"/> itself. Names are taken literally (dots included).
    /// </summary>
    public static AttributePath Of(string name, params object[] rest)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(rest);
        var elements = new PathElement[rest.Length + 1];
        elements[0] = PathElement.Key(name);
        for (var i = 0; i < rest.Length; i++)
        {
            elements[i + 1] = rest[i] switch
            {
                string key => PathElement.Key(key),
                int index => PathElement.At(index),
                PathElement element => element,
                _ => throw new ArgumentException($"Path element {i + 1} must be a string (map key) or an int (list index).", nameof(rest)),
            };
        }

        return FromElements(elements);
    }

    /// <summary>Builds a path from elements; the first must be a name.</summary>
    public static AttributePath FromElements(IEnumerable<PathElement> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var array = elements.ToArray();
        if (array.Length == 0 || array[0].IsIndex)
        {
            throw new ArgumentException("A path must start with an attribute name.", nameof(elements));
        }

        if (array.Length > ExpressionLimits.MaxPathDepth)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, ExpressionErrors.PathTooDeep());
        }

        return new AttributePath(array);
    }

    /// <summary>This path with one more element.</summary>
    public AttributePath Append(PathElement element)
    {
        var array = new PathElement[_elements.Length + 1];
        _elements.CopyTo(array, 0);
        array[^1] = element;
        return FromElements(array);
    }

    /// <summary>The value at this path, or null when a step is missing or has the wrong type (a key into a non-map, an index into a non-list).</summary>
    public AttributeValue? Resolve(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_elements.Length > 1)
        {
            return item.GetPath(this);
        }

        return item.Get(_elements[0].Name!);
    }

    /// <summary>The value at this path inside a map of top-level attributes, or null when missing.</summary>
    public AttributeValue? Resolve(AttributeMap attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return attributes.TryGetValue(_elements[0].Name!, out var value) ? Walk(value, 1, _elements.Length) : null;
    }

    /// <summary>Follows elements <paramref name="start"/>..<paramref name="end"/>-1 from <paramref name="value"/>.</summary>
    internal AttributeValue? Walk(AttributeValue value, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            var element = _elements[i];
            if (element.IsIndex)
            {
                if (value.Kind != AttributeKind.List)
                {
                    return null;
                }

                var list = value.ListArray;
                if (element.Index >= list.Length)
                {
                    return null;
                }

                value = list[element.Index];
            }
            else
            {
                if (value.Kind != AttributeKind.Map || !value.MapUnchecked.TryGetValue(element.Name!, out var next))
                {
                    return null;
                }

                value = next;
            }
        }

        return value;
    }

    /// <summary>True when <paramref name="other"/> starts with all of this path's elements (a path is a prefix of itself).</summary>
    internal bool IsPrefixOf(AttributePath other)
    {
        if (_elements.Length > other._elements.Length)
        {
            return false;
        }

        for (var i = 0; i < _elements.Length; i++)
        {
            if (_elements[i] != other._elements[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The path as text: <c>a.b[2].c</c> (names are written as they are, even when they contain dots).</summary>
    public override string ToString()
    {
        if (_text is not null)
        {
            return _text;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < _elements.Length; i++)
        {
            var e = _elements[i];
            if (e.IsIndex)
            {
                sb.Append('[').Append(e.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                if (i > 0)
                {
                    sb.Append('.');
                }

                sb.Append(e.Name);
            }
        }

        return _text = sb.ToString();
    }

    /// <inheritdoc />
    public bool Equals(AttributePath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null && _elements.AsSpan().SequenceEqual(other._elements);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AttributePath other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var e in _elements)
        {
            h.Add(e);
        }

        return h.ToHashCode();
    }

    /// <summary>Element-wise equality.</summary>
    public static bool operator ==(AttributePath? left, AttributePath? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Element-wise inequality.</summary>
    public static bool operator !=(AttributePath? left, AttributePath? right) => !(left == right);

    private static void ReadName(string text, ref int i, List<PathElement> elements)
    {
        var start = i;
        while (i < text.Length && IsPlainNameChar(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            throw Error(text, i, "an attribute name");
        }

        elements.Add(PathElement.Key(text[start..i]));
    }

    private static bool IsPlainNameChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '-';

    private static KvParseException Error(string text, int offset, string expected)
    {
        var found = offset >= text.Length ? "end of input" : "'" + text[offset] + "'";
        return ExpressionErrors.At(KvErrorCode.ExpressionSyntax, text, offset, 1, ExpressionErrors.Expected(expected, found));
    }
}
