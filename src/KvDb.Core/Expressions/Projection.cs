using System.Collections.ObjectModel;

namespace KvDb.Expressions;

/// <summary>
/// A DynamoDB projection expression: the attribute paths to return, e.g. <c>a, b.c, d[1]</c>. Nested paths keep
/// their structure (<c>b.c</c> yields <c>{"b": {"c": ...}}</c>), list indexes pick elements that stay in a list in
/// their original order, and missing paths are skipped. Immutable and thread-safe.
/// </summary>
public sealed class Projection
{
    private readonly AttributePath[] _paths;
    private readonly Selection _root;
    private readonly bool _topLevelOnly;

    private Projection(AttributePath[] paths)
    {
        _paths = paths;
        Paths = new ReadOnlyCollection<AttributePath>(paths);
        _root = new Selection();
        _topLevelOnly = true;
        foreach (var path in paths)
        {
            _root.Add(path, 0);
            _topLevelOnly &= path.IsTopLevel;
        }
    }

    /// <summary>The projected paths, in written order.</summary>
    public IReadOnlyList<AttributePath> Paths { get; }

    /// <summary>
    /// Parses a projection expression (paths separated by commas, <c>#name</c> placeholders allowed). Throws
    /// <see cref="KvParseException"/> on syntax errors and undefined placeholders, and <see cref="KvDbException"/>
    /// (<see cref="KvErrorCode.InvalidExpression"/>) on unused placeholders and overlapping or conflicting paths.
    /// </summary>
    public static Projection Parse(string expression, IReadOnlyDictionary<string, string>? names = null)
    {
        var attributes = new ExpressionAttributes(names);
        var projection = Parse(expression, attributes);
        attributes.ThrowIfAnyUnused();
        return projection;
    }

    /// <summary>Parses a projection expression with placeholders shared by several expressions of one request.</summary>
    public static Projection Parse(string expression, ExpressionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(attributes);
        return new ExpressionParser(expression, attributes).ParseProjectionExpression();
    }

    /// <summary>A projection of plain paths (<see cref="AttributePath.Parse"/> syntax).</summary>
    public static Projection Of(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var parsed = new AttributePath[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            parsed[i] = AttributePath.Parse(paths[i]);
        }

        return Create(parsed);
    }

    /// <summary>A projection of paths.</summary>
    public static Projection Of(IEnumerable<AttributePath> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var array = paths.ToArray();
        foreach (var path in array)
        {
            ArgumentNullException.ThrowIfNull(path, nameof(paths));
        }

        return Create(array);
    }

    internal static Projection Create(AttributePath[] paths)
    {
        if (paths.Length == 0)
        {
            throw new ArgumentException("A projection needs at least one path.", nameof(paths));
        }

        PathOverlap.ThrowIfAny(paths);
        return new Projection(paths);
    }

    /// <summary>The projected item. Attributes and map keys appear in the order the projection first names them.</summary>
    public Item Apply(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var names = new List<string>(_paths.Length);
        var values = new List<AttributeValue>(_paths.Length);
        if (_topLevelOnly)
        {
            foreach (var path in _paths)
            {
                var value = item.Get(path.TopLevelName);
                if (value is not null)
                {
                    names.Add(path.TopLevelName);
                    values.Add(value);
                }
            }
        }
        else
        {
            foreach (var (name, selection) in _root.Keys!)
            {
                var value = item.Get(name);
                var projected = value is null ? null : selection.Project(value);
                if (projected is not null)
                {
                    names.Add(name);
                    values.Add(projected);
                }
            }
        }

        return Item.FromMap(new AttributeMap([.. names], [.. values]));
    }

    /// <summary>The paths, e.g. <c>a, b.c, d[1]</c>.</summary>
    public override string ToString()
    {
        var writer = new ExpressionWriter(placeholders: false);
        Write(writer);
        return writer.ToString();
    }

    /// <summary>The projection in DynamoDB syntax with name placeholders where needed.</summary>
    public ExpressionText ToExpressionText()
    {
        var writer = new ExpressionWriter(placeholders: true);
        Write(writer);
        return writer.ToExpressionText();
    }

    private void Write(ExpressionWriter writer)
    {
        for (var i = 0; i < _paths.Length; i++)
        {
            if (i > 0)
            {
                writer.Append(", ");
            }

            writer.WritePath(_paths[i]);
        }
    }

    /// <summary>
    /// A node of the tree of projected paths: the whole value, or some map keys (in first-mention order), or some
    /// list indexes (ascending). Overlapping and conflicting paths are rejected earlier, so a node is only one of these.
    /// </summary>
    private sealed class Selection
    {
        public bool Whole { get; private set; }

        public List<(string Name, Selection Child)>? Keys { get; private set; }

        public SortedDictionary<int, Selection>? Indexes { get; private set; }

        public void Add(AttributePath path, int depth)
        {
            if (depth == path.Count)
            {
                Whole = true;
                return;
            }

            var element = path[depth];
            Selection? child = null;
            if (element.IsIndex)
            {
                Indexes ??= [];
                if (!Indexes.TryGetValue(element.Index, out child))
                {
                    child = new Selection();
                    Indexes.Add(element.Index, child);
                }
            }
            else
            {
                Keys ??= [];
                foreach (var (name, existing) in Keys)
                {
                    if (string.Equals(name, element.Name, StringComparison.Ordinal))
                    {
                        child = existing;
                        break;
                    }
                }

                if (child is null)
                {
                    child = new Selection();
                    Keys.Add((element.Name!, child));
                }
            }

            child.Add(path, depth + 1);
        }

        /// <summary>The selected part of <paramref name="value"/>, or null when nothing selected exists.</summary>
        public AttributeValue? Project(AttributeValue value)
        {
            if (Whole)
            {
                return value;
            }

            if (Keys is not null)
            {
                if (value.Kind != AttributeKind.Map)
                {
                    return null;
                }

                var map = value.MapUnchecked;
                var names = new List<string>(Keys.Count);
                var values = new List<AttributeValue>(Keys.Count);
                foreach (var (name, child) in Keys)
                {
                    if (map.TryGetValue(name, out var v) && child.Project(v) is { } projected)
                    {
                        names.Add(name);
                        values.Add(projected);
                    }
                }

                return names.Count == 0 ? null : AttributeValue.FromMap(new AttributeMap([.. names], [.. values]));
            }

            if (Indexes is not null)
            {
                if (value.Kind != AttributeKind.List)
                {
                    return null;
                }

                var list = value.ListArray;
                var result = new List<AttributeValue>(Indexes.Count);
                foreach (var (index, child) in Indexes)
                {
                    if (index < list.Length && child.Project(list[index]) is { } projected)
                    {
                        result.Add(projected);
                    }
                }

                return result.Count == 0 ? null : AttributeValue.OwnedList([.. result]);
            }

            return null;
        }
    }
}
