using System.Collections;
using System.Reflection;
using KvDb.Sql.Ast;
using KvDb.Sql.Execution;

namespace KvDb.Sql.Binding;

/// <summary>
/// Parameter values: named ones (<c>@name</c>) from a dictionary or an object's public properties, positional ones
/// (<c>?</c>) from a list or array.
/// </summary>
internal sealed class SqlParameters
{
    private static readonly SqlParameters s_none = new();

    private Dictionary<string, object?>? _named;
    private readonly List<object?> _positional = [];

    // A caller's Dictionary<string, object?> is looked up directly by the exact name, and copied into the
    // case-insensitive, '@'-trimmed _named only when a name misses: a prepared statement run many times copies nothing.
    private Dictionary<string, object?>? _direct;
    private bool _copied;

    public static SqlParameters From(object? parameters)
    {
        if (parameters is null)
        {
            return s_none;
        }

        if (parameters is Dictionary<string, object?> direct)
        {
            return new SqlParameters { _direct = direct };
        }

        var result = new SqlParameters();
        switch (parameters)
        {
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    (result._named ??= new(StringComparer.OrdinalIgnoreCase))[key.TrimStart('@')] = value;
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    (result._named ??= new(StringComparer.OrdinalIgnoreCase))[entry.Key.ToString()!.TrimStart('@')] = entry.Value;
                }

                break;
            case string or byte[]:
                result._positional.Add(parameters);
                break;
            case IEnumerable list:
                foreach (var value in list)
                {
                    result._positional.Add(value);
                }

                break;
            default:
                foreach (var property in parameters.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length == 0)
                    {
                        (result._named ??= new(StringComparer.OrdinalIgnoreCase))[property.Name] = property.GetValue(parameters);
                    }
                }

                break;
        }

        return result;
    }

    public AttributeValue? Get(ParameterExpr parameter)
    {
        if (parameter.Name is { } name)
        {
            if (_direct is { } direct && !_copied)
            {
                if (direct.TryGetValue(name, out var exact))
                {
                    return SqlValues.FromObject(exact, parameter);
                }

                // Another case or an '@' prefix: from here on, the case-insensitive copy answers (as it always did).
                var named = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var (key, v) in direct)
                {
                    named[key.TrimStart('@')] = v;
                }

                _named = named;
                _copied = true;
            }

            return _named is not null && _named.TryGetValue(name, out var value)
                ? SqlValues.FromObject(value, parameter)
                : ThrowHelper.Error<AttributeValue?>(SqlErrorCode.MissingParameter, $"Parameter '@{name}' was not supplied");
        }

        return parameter.Ordinal < _positional.Count
            ? SqlValues.FromObject(_positional[parameter.Ordinal], parameter)
            : ThrowHelper.Error<AttributeValue?>(SqlErrorCode.MissingParameter,
                $"Positional parameter {parameter.Ordinal + 1} was not supplied ({_positional.Count} given)");
    }
}
