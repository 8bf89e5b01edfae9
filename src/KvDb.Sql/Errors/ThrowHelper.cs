using System.Diagnostics.CodeAnalysis;
using KvDb.Sql.Syntax;

namespace KvDb.Sql;

/// <summary>Builds error texts (one place for all of them) and throws <see cref="SqlException"/>.</summary>
internal static class ThrowHelper
{
    /// <summary>Throws a syntax error pointing at <paramref name="token"/>.</summary>
    [DoesNotReturn]
    public static void Syntax(string source, Token token, string message) =>
        throw At(SqlErrorCode.Syntax, source, token.Start, token.Length, token.Line, token.Column, message);

    /// <summary>Throws an error of <paramref name="code"/> pointing at a source span.</summary>
    [DoesNotReturn]
    public static void Error(SqlErrorCode code, string source, SourceSpan span, string message) =>
        throw At(code, source, span.Start, span.Length, span.Line, span.Column, message);

    /// <summary>Throws an error without a position.</summary>
    [DoesNotReturn]
    public static void Error(SqlErrorCode code, string message) => throw new SqlException(code, message);

    /// <summary>Throws an error without a position, usable as an expression.</summary>
    [DoesNotReturn]
    public static T Error<T>(SqlErrorCode code, string message) => throw new SqlException(code, message);

    /// <summary>Creates an exception whose message ends with the source line and carets under the span.</summary>
    public static SqlException At(SqlErrorCode code, string source, int start, int length, int line, int column, string message)
    {
        if (line <= 0)
        {
            return new SqlException(code, message);
        }

        var text = ErrorMessages.WithPosition(message, source, start, length, line, column);
        return new SqlException(code, text, line, column, start, length);
    }
}

/// <summary>The texts of SQL errors.</summary>
internal static class ErrorMessages
{
    public static string Expected(string what, string found) => $"Expected {what} but found {found}";

    public static string UnknownTable(string name) => $"Unknown table '{name}'";

    public static string UnknownColumn(string name) => $"Unknown column '{name}'";

    public static string AmbiguousColumn(string name, string tables) => $"Column '{name}' is ambiguous: it exists in {tables}";

    public const string DivisionByZero = "Division by zero";

    public static string TypeMismatch(string op, string left, string right) =>
        $"Type mismatch: cannot apply '{op}' to {left} and {right}";

    /// <summary>Appends " (line L, column C)", then the source line and carets under the span.</summary>
    public static string WithPosition(string message, string source, int start, int length, int line, int column)
    {
        var lineStart = start - (column - 1);
        if (lineStart < 0 || lineStart > source.Length)
        {
            return $"{message} (line {line}, column {column})";
        }

        var lineEnd = source.IndexOf('\n', lineStart);
        if (lineEnd < 0)
        {
            lineEnd = source.Length;
        }

        var sourceLine = source[lineStart..lineEnd].TrimEnd('\r');
        var caretCount = Math.Max(1, Math.Min(length, Math.Max(1, sourceLine.Length - (column - 1))));
        var pad = new System.Text.StringBuilder(column - 1);
        for (var i = lineStart; i < start && i < sourceLine.Length + lineStart; i++)
        {
            pad.Append(source[i] == '\t' ? '\t' : ' ');
        }

        return $"{message} (line {line}, column {column})\n{sourceLine}\n{pad}{new string('^', caretCount)}";
    }
}
