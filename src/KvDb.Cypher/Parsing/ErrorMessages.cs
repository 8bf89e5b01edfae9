using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace KvDb.Cypher.Parsing;

/// <summary>All Cypher error texts, and the throw helpers that build them.</summary>
internal static class ErrorMessages
{
    /// <summary>Formats "message (line L, column C)", then the source line and a caret under the span.</summary>
    public static string WithCaret(string message, string source, int offset, int length, out int line, out int column)
    {
        line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        column = offset - lineStart + 1;
        var lineEnd = source.IndexOf('\n', lineStart);
        if (lineEnd < 0)
        {
            lineEnd = source.Length;
        }

        var text = source[lineStart..lineEnd].TrimEnd('\r');
        var carets = Math.Max(1, Math.Min(length, Math.Max(1, text.Length - (column - 1))));
        var sb = new StringBuilder();
        sb.Append(message).Append(" (line ").Append(line).Append(", column ").Append(column).Append(')').Append('\n');
        sb.Append(text).Append('\n');
        sb.Append(' ', column - 1).Append('^', carets);
        return sb.ToString();
    }

    [DoesNotReturn]
    public static void ThrowSyntax(CypherErrorCode code, string message, string source, int offset, int length) =>
        throw Syntax(code, message, source, offset, length);

    public static CypherException Syntax(CypherErrorCode code, string message, string source, int offset, int length)
    {
        var text = WithCaret(message, source, offset, length, out var line, out var column);
        return new CypherException(CypherErrorClass.SyntaxError, code, text, line, column, offset, length);
    }

    public static CypherException Semantic(CypherErrorCode code, string message) =>
        new(CypherErrorClass.SemanticError, code, message);

    /// <summary>A compile-time error found by the binder (openCypher classifies these as SyntaxError).</summary>
    public static CypherException Compile(CypherErrorCode code, string message, string? subject = null) =>
        new(CypherErrorClass.SyntaxError, code, message) { Subject = subject };

    /// <summary>
    /// Adds line, column and caret to a binder error by pointing at its subject name (the AST keeps no
    /// positions): the second occurrence for a re-declaration, otherwise the last (the offending use).
    /// </summary>
    public static CypherException Locate(CypherException error, string source)
    {
        if (error.Subject is null || error.Line != 0)
        {
            return error;
        }

        var tokens = KvDb.Cypher.Syntax.Lexer.Tokenize(source);
        var order = error.Detail == CypherErrorCode.VariableAlreadyBound
            ? Enumerable.Range(0, tokens.Length)
            : Enumerable.Range(0, tokens.Length).Reverse();
        var wanted = error.Detail == CypherErrorCode.VariableAlreadyBound ? 2 : 1;
        foreach (var i in order)
        {
            var t = tokens[i];
            var text = t.Kind == KvDb.Cypher.Syntax.TokenKind.QuotedIdentifier ? source.Substring(t.Start + 1, t.Length - 2).Replace("``", "`", StringComparison.Ordinal) : t.Text(source);
            if (t.Kind is KvDb.Cypher.Syntax.TokenKind.Identifier or KvDb.Cypher.Syntax.TokenKind.QuotedIdentifier or KvDb.Cypher.Syntax.TokenKind.Keyword &&
                string.Equals(text, error.Subject, StringComparison.OrdinalIgnoreCase) && --wanted == 0)
            {
                var message = WithCaret(error.Message, source, t.Start, t.Length, out var line, out var column);
                return new CypherException(error.ErrorClass, error.Detail, message, line, column, t.Start, t.Length);
            }
        }

        return error;
    }

    public static CypherException Type(string message) =>
        new(CypherErrorClass.TypeError, CypherErrorCode.InvalidArgumentType, message);

    public static CypherException Argument(string message) =>
        new(CypherErrorClass.ArgumentError, CypherErrorCode.InvalidArgumentValue, message);

    public static CypherException Overflow(string operation) =>
        new(CypherErrorClass.ArgumentError, CypherErrorCode.ArithmeticOverflow, $"Integer overflow in {operation}: the result does not fit in 64 bits.");

    public static string UndefinedVariable(string name) => $"Variable `{name}` not defined";

    public static string VariableAlreadyBound(string name) => $"Variable `{name}` already declared";
}
