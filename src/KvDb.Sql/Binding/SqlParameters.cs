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
    private readonly Dictionary<string, object?> _named = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<object?> _positional = [];

    public static SqlParameters From(object? parameters)
    {
        var result = new SqlParameters();
        switch (parameters)
        {
            case null:
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    result._named[key.TrimStart('@')] = value;
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    result._named[entry.Key.ToString()!.TrimStart('@')] = entry.Value;
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
                        result._named[property.Name] = property.GetValue(parameters);
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
            return _named.TryGetValue(name, out var value)
                ? SqlValues.FromObject(value, "@" + name)
                : ThrowHelper.Error<AttributeValue?>(SqlErrorCode.MissingParameter, $"Parameter '@{name}' was not supplied");
        }

        return parameter.Ordinal < _positional.Count
            ? SqlValues.FromObject(_positional[parameter.Ordinal], "?" + (parameter.Ordinal + 1))
            : ThrowHelper.Error<AttributeValue?>(SqlErrorCode.MissingParameter,
                $"Positional parameter {parameter.Ordinal + 1} was not supplied ({_positional.Count} given)");
    }
}
