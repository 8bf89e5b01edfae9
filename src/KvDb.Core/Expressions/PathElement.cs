namespace KvDb.Expressions;

/// <summary>
/// One step of an <see cref="AttributePath"/>: a map key (<c>.name</c>, or the first name of a path) or a list index
/// (<c>[3]</c>).
/// </summary>
public readonly record struct PathElement
{
    private PathElement(string? name, int index)
    {
        Name = name;
        Index = index;
    }

    /// <summary>The map key, or null when this element is a list index.</summary>
    public string? Name { get; }

    /// <summary>The list index (0-based); -1 when this element is a map key.</summary>
    public int Index { get; }

    /// <summary>True when this element is a list index.</summary>
    public bool IsIndex => Name is null;

    /// <summary>A map key (or top-level attribute name). Any string is allowed, dots included.</summary>
    public static PathElement Key(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new PathElement(name, -1);
    }

    /// <summary>A list index.</summary>
    public static PathElement At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new PathElement(null, index);
    }

    /// <summary>The name, or <c>[index]</c>.</summary>
    public override string ToString() => IsIndex ? "[" + Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]" : Name!;
}
