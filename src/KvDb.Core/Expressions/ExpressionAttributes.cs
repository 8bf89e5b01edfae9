namespace KvDb.Expressions;

/// <summary>
/// The placeholders of one request (DynamoDB's <c>ExpressionAttributeNames</c> and <c>ExpressionAttributeValues</c>),
/// shared by all the expressions of that request. It records which placeholders the parsers used, so that after
/// parsing every expression <see cref="ThrowIfAnyUnused"/> can reject unused ones as DynamoDB does.
/// </summary>
/// <remarks>Not thread-safe: create one per request. The single-expression <c>Parse</c> overloads create their own.</remarks>
public sealed class ExpressionAttributes
{
    private static readonly Dictionary<string, string> s_noNames = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, AttributeValue> s_noValues = new(StringComparer.Ordinal);

    private readonly IReadOnlyDictionary<string, string> _names;
    private readonly IReadOnlyDictionary<string, AttributeValue> _values;
    private HashSet<string>? _usedNames;
    private HashSet<string>? _usedValues;

    /// <summary>
    /// Creates the placeholder set. Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidExpression"/>)
    /// when a key is not <c>#word</c> / <c>:word</c>.
    /// </summary>
    public ExpressionAttributes(
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null)
    {
        _names = names ?? s_noNames;
        _values = values ?? s_noValues;
        foreach (var (key, name) in _names)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(names));
            if (!IsPlaceholder(key, '#'))
            {
                throw new KvDbException(KvErrorCode.InvalidExpression, ExpressionErrors.InvalidNameKey(key));
            }
        }

        foreach (var (key, value) in _values)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(values));
            if (!IsPlaceholder(key, ':'))
            {
                throw new KvDbException(KvErrorCode.InvalidExpression, ExpressionErrors.InvalidValueKey(key));
            }
        }
    }

    /// <summary>The name placeholders (<c>#n</c> → attribute name).</summary>
    public IReadOnlyDictionary<string, string> Names => _names;

    /// <summary>The value placeholders (<c>:v</c> → value).</summary>
    public IReadOnlyDictionary<string, AttributeValue> Values => _values;

    /// <summary>Looks up a name placeholder (with its <c>#</c>) and marks it used.</summary>
    public bool TryGetName(string placeholder, out string name)
    {
        if (_names.TryGetValue(placeholder, out var found))
        {
            (_usedNames ??= new HashSet<string>(StringComparer.Ordinal)).Add(placeholder);
            name = found;
            return true;
        }

        name = string.Empty;
        return false;
    }

    /// <summary>Looks up a value placeholder (with its <c>:</c>) and marks it used.</summary>
    public bool TryGetValue(string placeholder, out AttributeValue value)
    {
        if (_values.TryGetValue(placeholder, out var found))
        {
            (_usedValues ??= new HashSet<string>(StringComparer.Ordinal)).Add(placeholder);
            value = found;
            return true;
        }

        value = AttributeValue.Null;
        return false;
    }

    /// <summary>
    /// Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidExpression"/>) naming the placeholders no
    /// expression used: names first, then values, each list sorted.
    /// </summary>
    public void ThrowIfAnyUnused()
    {
        var unusedNames = Unused(_names.Keys, _usedNames);
        if (unusedNames.Count > 0)
        {
            throw new KvDbException(KvErrorCode.InvalidExpression, ExpressionErrors.UnusedNames(unusedNames));
        }

        var unusedValues = Unused(_values.Keys, _usedValues);
        if (unusedValues.Count > 0)
        {
            throw new KvDbException(KvErrorCode.InvalidExpression, ExpressionErrors.UnusedValues(unusedValues));
        }
    }

    private static List<string> Unused(IEnumerable<string> keys, HashSet<string>? used)
    {
        var result = new List<string>();
        foreach (var key in keys)
        {
            if (used is null || !used.Contains(key))
            {
                result.Add(key);
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static bool IsPlaceholder(string key, char sigil)
    {
        if (key is null || key.Length < 2 || key[0] != sigil)
        {
            return false;
        }

        for (var i = 1; i < key.Length; i++)
        {
            if (!ExpressionLexer.IsWordChar(key[i]))
            {
                return false;
            }
        }

        return true;
    }
}
