using System.Globalization;
using System.Text;

namespace KvDb.Expressions;

/// <summary>
/// The texts of every expression error (DynamoDB's wording where DynamoDB has one) and the helpers that throw them.
/// Syntax errors carry the position and end with the source line and a caret line under the offending token.
/// </summary>
internal static class ExpressionErrors
{
    public const string EmptyExpression = "The expression can not be empty";

    public static string Expected(string what, string found) => $"Expected {what} but found {found}";

    public static string UndefinedName(string placeholder) =>
        $"An expression attribute name used in the document path is not defined; attribute name: {placeholder}";

    public static string UndefinedValue(string placeholder) =>
        $"An expression attribute value used in expression is not defined; attribute value: {placeholder}";

    public static string UnusedNames(IEnumerable<string> keys) =>
        $"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{string.Join(", ", keys)}}}";

    public static string UnusedValues(IEnumerable<string> keys) =>
        $"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{string.Join(", ", keys)}}}";

    public static string InvalidNameKey(string key) =>
        $"ExpressionAttributeNames contains invalid key: \"{key}\"; a name placeholder is '#' followed by letters, digits or '_'";

    public static string InvalidValueKey(string key) =>
        $"ExpressionAttributeValues contains invalid key: \"{key}\"; a value placeholder is ':' followed by letters, digits or '_'";

    public static string Overlap(AttributePath one, AttributePath two) =>
        $"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {FormatPath(one)}, path two: {FormatPath(two)}";

    public static string Conflict(AttributePath one, AttributePath two) =>
        $"Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {FormatPath(one)}, path two: {FormatPath(two)}";

    public static string TooLong(int length) =>
        $"Expression size has exceeded the maximum allowed size; expression size: {length}, maximum: {ExpressionLimits.MaxExpressionLength}";

    public static string TooDeep() =>
        $"The expression is nested too deeply; the maximum nesting depth is {ExpressionLimits.MaxNestingDepth}";

    public static string PathTooDeep() =>
        $"The document path has too many elements; the maximum is {ExpressionLimits.MaxPathDepth}";

    public static string TooManyInOperands(int count) =>
        $"The IN operator is provided with too many operands; number of operands: {count}, maximum: {ExpressionLimits.MaxInOperands}";

    public static string TooManyOperators() =>
        $"The expression contains too many operators or functions; the maximum is {ExpressionLimits.MaxOperators}";

    public static string IncorrectOperandType(string op, AttributeKind kind) =>
        $"Incorrect operand type for operator or function; operator or function: {op}, operand type: {kind.ToShortName()}";

    public static string IncorrectOperandCount(string function, int count) =>
        $"Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}";

    public static string RequiresPath(string function) =>
        $"Operator or function requires a document path; operator or function: {function}";

    public static string InvalidFunction(string name) => $"Invalid function name; function: {name}";

    public static string FunctionNotAllowed(string name) =>
        $"The function is not allowed to be used this way in an expression; function: {name}";

    public static string InvalidTypeName(string name) =>
        $"Invalid attribute type name found; type: {name}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}";

    public static string BetweenBounds(AttributeValue low, AttributeValue high) =>
        $"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {low}, upper bound operand: {high}";

    public static string BetweenTypes(AttributeValue low, AttributeValue high) =>
        $"The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {low}, upper bound operand: {high}";

    public static string SectionTwice(string section) =>
        $"The \"{section}\" section can only be used once in an update expression";

    public static string IndexOutOfRange(string text) =>
        $"The list index {text} is too large; the maximum is {int.MaxValue}";

    public static string InvalidDocumentPath(AttributePath path) =>
        $"The document path provided in the update expression is invalid for update; path: {path}";

    public static string MissingAttribute(AttributePath path) =>
        $"The provided expression refers to an attribute that does not exist in the item; path: {path}";

    public static string IncorrectDataType(string op, string operand, AttributeKind kind) =>
        $"An operand in the update expression has an incorrect data type; operator or function: {op}, operand: {operand}, operand type: {kind.ToShortName()}";

    public static string IncorrectDataType(string op, AttributePath path, AttributeKind attributeKind, AttributeKind operandKind) =>
        $"An operand in the update expression has an incorrect data type; operator or function: {op}, path: {path}, attribute type: {attributeKind.ToShortName()}, operand type: {operandKind.ToShortName()}";

    /// <summary>DynamoDB's path notation in messages: <c>[a, b, [0]]</c>.</summary>
    public static string FormatPath(AttributePath path)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < path.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(path[i].ToString());
        }

        return sb.Append(']').ToString();
    }

    /// <summary>
    /// Builds a positioned error: <c>message (line L, column C)</c>, then the source line, then carets under the
    /// offending text (one caret at end of input).
    /// </summary>
    public static KvParseException At(KvErrorCode code, string source, int offset, int length, string message)
    {
        offset = Math.Clamp(offset, 0, source.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            var c = source[i];
            if (c == '\n' || (c == '\r' && (i + 1 >= source.Length || source[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }

        var lineEnd = lineStart;
        while (lineEnd < source.Length && source[lineEnd] != '\n' && source[lineEnd] != '\r')
        {
            lineEnd++;
        }

        var column = offset - lineStart + 1;
        var caretCount = Math.Max(1, Math.Min(length, lineEnd - offset));
        var sb = new StringBuilder(message.Length + (2 * (lineEnd - lineStart)) + 32);
        sb.Append(message)
            .Append(" (line ").Append(line.ToString(CultureInfo.InvariantCulture))
            .Append(", column ").Append(column.ToString(CultureInfo.InvariantCulture)).Append(')')
            .Append('\n').Append(source, lineStart, lineEnd - lineStart).Append('\n');
        for (var i = lineStart; i < offset; i++)
        {
            sb.Append(source[i] == '\t' ? '\t' : ' ');
        }

        sb.Append('^', caretCount);
        return new KvParseException(code, sb.ToString(), line, column, offset, offset >= source.Length ? 0 : Math.Max(1, length));
    }
}
