using KvDb.Sql.Ast;
using KvDb.Sql.Execution;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Parsing;

/// <summary>
/// The fast path for a large <c>INSERT INTO t [(a, b, ...)] VALUES (...), (...)</c> whose values are all plain literals
/// (numbers, also negative, strings, TRUE, FALSE, NULL), the usual shape of a bulk load or a dump: the rows are read token by token
/// straight into values, without building an AST of hundreds of thousands of literal nodes that would live until the
/// statement ends. Anything else in the text (an expression, a parameter, a comment between tokens is fine, a second
/// statement, a syntax error) makes <see cref="TryOpen"/> return null or <see cref="ReadRow(AttributeValue?[])"/> give up before anything
/// is applied, and the statement takes the normal path, which gives the same result or the same error with its position.
/// </summary>
internal sealed class BulkValuesReader
{
    /// <summary>Texts shorter than this are parsed normally (and land in the parse cache).</summary>
    public const int MinimumLength = 4096;

    private readonly string _text;
    private Lexer.Scanner _scanner;
    private bool _done;

    private BulkValuesReader(string text, Lexer.Scanner scanner, string table, string[] columns)
    {
        _text = text;
        _scanner = scanner;
        Table = table;
        Columns = columns;
    }

    public string Table { get; }

    public string[] Columns { get; }

    /// <summary>A guess at the number of rows from the text's length (for capacities only).</summary>
    public int EstimatedRows => Math.Clamp(_text.Length / (8 * (Columns.Length + 1)), 16, 1 << 20);

    /// <summary>
    /// The reader positioned on the first row, or null when the text does not start like a large
    /// <c>INSERT INTO name [(columns)] VALUES (</c>. The rows are checked as they are read (<see cref="ReadRow(AttributeValue?[])"/>).
    /// <see cref="Columns"/> is empty when the statement names none (the table's declared columns are meant).
    /// </summary>
    public static BulkValuesReader? TryOpen(string text)
    {
        if (text.Length < MinimumLength || text.Length > Lexer.MaxSourceLength)
        {
            return null;
        }

        // A cheap look at the first word before lexing anything.
        var first = 0;
        while (first < text.Length && char.IsWhiteSpace(text[first]))
        {
            first++;
        }

        if (!text.AsSpan(first).StartsWith("INSERT", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return Open(text);
        }
        catch (SqlException)
        {
            return null; // a lexical error: the normal path reports it
        }
    }

    private static BulkValuesReader? Open(string text)
    {
        var scanner = new Lexer.Scanner(text);
        if (scanner.Next().Kind != TokenKind.Insert || scanner.Next().Kind != TokenKind.Into || Name(text, scanner.Next()) is not { } table)
        {
            return null;
        }

        var columns = new List<string>();
        var token = scanner.Next();
        if (token.Kind == TokenKind.Values)
        {
            return new BulkValuesReader(text, scanner, table, []); // no column list: the table's declared columns
        }

        if (token.Kind != TokenKind.LeftParen)
        {
            return null;
        }

        do
        {
            if (Name(text, scanner.Next()) is not { } column)
            {
                return null;
            }

            columns.Add(column);
            token = scanner.Next();
        }
        while (token.Kind == TokenKind.Comma);

        return token.Kind == TokenKind.RightParen && scanner.Next().Kind == TokenKind.Values
            ? new BulkValuesReader(text, scanner, table, [.. columns])
            : null;
    }

    /// <summary>
    /// Reads the next row's values into <paramref name="row"/> (one per column, NULL as null, normalized as the normal
    /// path's literals are); false after the last row. Throws <see cref="NotPlainException"/> when the text turns out
    /// not to be all plain literal rows: the caller then runs the statement the normal way (nothing was applied yet).
    /// </summary>
    public bool ReadRow(AttributeValue?[] row)
    {
        if (_values is null || _values.Length != row.Length)
        {
            _values = new RowValue[row.Length];
        }

        if (!ReadRow(_values))
        {
            return false;
        }

        for (var c = 0; c < row.Length; c++)
        {
            row[c] = _values[c].ToAttributeValue(_text);
        }

        return true;
    }

    private RowValue[]? _values;

    /// <summary>The statement's text (the string values of <see cref="RowValue"/>s point into it).</summary>
    public string Text => _text;

    /// <summary>
    /// Reads the next row's values into <paramref name="row"/> without creating a value object or string per value
    /// (strings are ranges of <see cref="Text"/>); otherwise as <see cref="ReadRow(AttributeValue?[])"/>.
    /// </summary>
    public bool ReadRow(RowValue[] row)
    {
        if (_done)
        {
            return false;
        }

        try
        {
            if (_scanner.Next().Kind != TokenKind.LeftParen)
            {
                throw new NotPlainException();
            }

            for (var c = 0; c < row.Length; c++)
            {
                // The values SqlValues.FromLiteral gives the parser's literals (then normalized: NULL is null).
                var token = _scanner.Next();
                var negative = token.Kind == TokenKind.Minus;
                if (negative)
                {
                    // '-' before a number: the binder folds it into the negated literal; anything else after '-' is an
                    // expression.
                    token = _scanner.Next();
                    if (token.Kind is not (TokenKind.Integer or TokenKind.Decimal))
                    {
                        throw new NotPlainException();
                    }
                }

                row[c] = token.Kind switch
                {
                    TokenKind.Integer or TokenKind.Decimal => KvNumber.TryParse(_text.AsSpan(token.Start, token.Length), out var n)
                        ? RowValue.OfNumber(negative ? -n : n)
                        : throw new NotPlainException(), // the parser's path reports the invalid number
                    TokenKind.String => RowValue.OfString(token),
                    TokenKind.True => RowValue.OfBool(true),
                    TokenKind.False => RowValue.OfBool(false),
                    TokenKind.Null => default,
                    _ => throw new NotPlainException(), // an expression
                };
                if (_scanner.Next().Kind != (c == row.Length - 1 ? TokenKind.RightParen : TokenKind.Comma))
                {
                    throw new NotPlainException(); // an expression, or a row of another width
                }
            }

            switch (_scanner.Next().Kind)
            {
                case TokenKind.Comma:
                    return true;
                case TokenKind.Semicolon when _scanner.Next().Kind == TokenKind.Eof:
                case TokenKind.Eof:
                    _done = true;
                    return true;
                default:
                    throw new NotPlainException();
            }
        }
        catch (SqlException)
        {
            throw new NotPlainException(); // a lexical error: the normal path reports it with its position
        }
    }

    /// <summary>One plain literal of a row: NULL (the default), a number, a boolean, or a string as its token in the text.</summary>
    public readonly struct RowValue
    {
        private readonly Token _string; // a string literal, quotes included

        private RowValue(AttributeKind kind, KvNumber number, bool boolean, Token token)
        {
            Kind = kind;
            Number = number;
            Bool = boolean;
            _string = token;
        }

        /// <summary>Null for NULL, else Number, String or Bool.</summary>
        public AttributeKind? Kind { get; }

        public KvNumber Number { get; }

        public bool Bool { get; }

        public static RowValue OfNumber(KvNumber value) => new(AttributeKind.Number, value, false, default);

        public static RowValue OfBool(bool value) => new(AttributeKind.Bool, default, value, default);

        public static RowValue OfString(Token token) => new(AttributeKind.String, default, false, token);

        /// <summary>The string's characters, when they contain no doubled quote to undo (else use <see cref="ToAttributeValue"/>).</summary>
        public bool TryGetChars(string text, out ReadOnlySpan<char> chars)
        {
            chars = text.AsSpan(_string.Start + 1, _string.Length - 2);
            if (chars.Contains(text[_string.Start]))
            {
                chars = default;
                return false;
            }

            return true;
        }

        /// <summary>The value as the parser's literal gives it (NULL as null).</summary>
        public AttributeValue? ToAttributeValue(string text) => Kind switch
        {
            AttributeKind.Number => AttributeValue.FromNumber(Number),
            AttributeKind.String => AttributeValue.FromString(Lexer.Unquote(text, _string)),
            AttributeKind.Bool => SqlValues.Bool(Bool),
            _ => null,
        };
    }

    /// <summary>A name as the parser reads one (identifier, quoted identifier or non-reserved keyword), else null.</summary>
    private static string? Name(string text, Token token) => token.Kind switch
    {
        TokenKind.QuotedIdentifier => Lexer.Unquote(text, token),
        TokenKind.Identifier => token.Text(text),
        _ when Keywords.IsNonReserved(token.Kind) => token.Text(text),
        _ => null,
    };

    /// <summary>The text is not a single all-literal INSERT ... VALUES after all (see <see cref="ReadRow(AttributeValue?[])"/>).</summary>
    public sealed class NotPlainException() : Exception("The INSERT is not made of plain literal rows; it is run the normal way.");
}
