using System.Globalization;
using System.Text;

namespace KvDb.Expressions;

/// <summary>
/// Renders expression trees either readably (values inlined, for <c>ToString</c>, EXPLAIN and messages) or as
/// DynamoDB syntax with placeholders (<see cref="ExpressionText"/>).
/// </summary>
internal sealed class ExpressionWriter
{
    private readonly StringBuilder _sb = new();
    private readonly bool _placeholders;
    private Dictionary<string, string>? _names;
    private Dictionary<string, string>? _placeholderByName;
    private Dictionary<string, AttributeValue>? _values;

    public ExpressionWriter(bool placeholders)
    {
        _placeholders = placeholders;
    }

    public ExpressionWriter Append(string text)
    {
        _sb.Append(text);
        return this;
    }

    public ExpressionWriter Append(char c)
    {
        _sb.Append(c);
        return this;
    }

    public ExpressionWriter WritePath(AttributePath path)
    {
        for (var i = 0; i < path.Count; i++)
        {
            var e = path[i];
            if (e.IsIndex)
            {
                _sb.Append('[').Append(e.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                continue;
            }

            if (i > 0)
            {
                _sb.Append('.');
            }

            WriteName(e.Name!);
        }

        return this;
    }

    public ExpressionWriter WriteValue(AttributeValue value)
    {
        if (_placeholders)
        {
            _values ??= new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            var placeholder = ":v" + _values.Count.ToString(CultureInfo.InvariantCulture);
            _values.Add(placeholder, value);
            _sb.Append(placeholder);
            return this;
        }

        _sb.Append(FormatLiteral(value));
        return this;
    }

    public ExpressionText ToExpressionText() => new(
        _sb.ToString(),
        (IReadOnlyDictionary<string, string>?)_names ?? new Dictionary<string, string>(StringComparer.Ordinal),
        (IReadOnlyDictionary<string, AttributeValue>?)_values ?? new Dictionary<string, AttributeValue>(StringComparer.Ordinal));

    public override string ToString() => _sb.ToString();

    /// <summary>A readable literal: <c>"text"</c>, <c>5</c>, <c>true</c>, <c>null</c>, otherwise DynamoDB JSON.</summary>
    public static string FormatLiteral(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => Quote(value.StringUnchecked, '"'),
        AttributeKind.Number => value.NumberUnchecked.ToString(),
        AttributeKind.Bool => value.BoolUnchecked ? "true" : "false",
        AttributeKind.Null => "null",
        _ => value.ToString(),
    };

    private void WriteName(string name)
    {
        if (ExpressionLexer.IsPlainName(name))
        {
            _sb.Append(name);
            return;
        }

        if (!_placeholders)
        {
            _sb.Append(Quote(name, '`'));
            return;
        }

        _placeholderByName ??= new Dictionary<string, string>(StringComparer.Ordinal);
        _names ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_placeholderByName.TryGetValue(name, out var placeholder))
        {
            placeholder = "#n" + _names.Count.ToString(CultureInfo.InvariantCulture);
            _placeholderByName.Add(name, placeholder);
            _names.Add(placeholder, name);
        }

        _sb.Append(placeholder);
    }

    private static string Quote(string text, char quote)
    {
        var sb = new StringBuilder(text.Length + 2).Append(quote);
        foreach (var c in text)
        {
            if (c == quote || c == '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c < ' ')
            {
                sb.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.Append(quote).ToString();
    }
}
