using System.Globalization;

namespace KvDb.Expressions;

/// <summary>
/// Hand-written recursive-descent parser for DynamoDB's condition, update and projection expressions. Conditions use
/// precedence climbing (OR &lt; AND &lt; NOT &lt; comparisons, BETWEEN, IN, functions and parentheses). One instance
/// parses one expression; it throws <see cref="KvParseException"/> (with position) or <see cref="KvDbException"/>, and
/// nothing else.
/// </summary>
internal sealed partial class ExpressionParser
{
    private const int OrPrecedence = 1;
    private const int AndPrecedence = 2;
    private const int NotPrecedence = 3;

    private readonly string _text;
    private readonly ExpressionAttributes _attributes;
    private readonly ExpressionToken[] _tokens;
    private int _index;
    private int _depth;
    private int _operators;

    public ExpressionParser(string text, ExpressionAttributes attributes)
    {
        if (text.Length > ExpressionLimits.MaxExpressionLength)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, ExpressionErrors.TooLong(text.Length));
        }

        _text = text;
        _attributes = attributes;
        _tokens = ExpressionLexer.Tokenize(text);
    }

    private ExpressionToken Peek(int offset = 0) => _tokens[Math.Min(_index + offset, _tokens.Length - 1)];

    private ExpressionToken Next()
    {
        var token = _tokens[_index];
        if (token.Kind != ExpressionTokenKind.Eof)
        {
            _index++;
        }

        return token;
    }

    private bool Match(ExpressionTokenKind kind)
    {
        if (Peek().Kind != kind)
        {
            return false;
        }

        Next();
        return true;
    }

    private ExpressionToken Expect(ExpressionTokenKind kind, string what) =>
        Peek().Kind == kind ? Next() : throw Expected(what);

    private ExpressionToken ExpectKeyword(ExpressionKeyword keyword, string what) =>
        Peek().Kind == ExpressionTokenKind.Identifier && Peek().Keyword == keyword ? Next() : throw Expected(what);

    private string Text(ExpressionToken token) => _text.Substring(token.Start, token.Length);

    private string Describe(ExpressionToken token) =>
        token.Kind == ExpressionTokenKind.Eof ? "end of input" : "'" + Text(token) + "'";

    /// <summary>A syntax error at the current token: <c>Expected {what} but found {token}</c>.</summary>
    private KvParseException Expected(string what)
    {
        var token = Peek();
        return Error(token, KvErrorCode.ExpressionSyntax, ExpressionErrors.Expected(what, Describe(token)));
    }

    private KvParseException Error(ExpressionToken token, KvErrorCode code, string message) =>
        ExpressionErrors.At(code, _text, token.Start, token.Length, message);

    private void ThrowIfError(ExpressionToken token, string? message)
    {
        if (message is not null)
        {
            throw Error(token, KvErrorCode.InvalidExpression, message);
        }
    }

    private void ThrowIfEmpty()
    {
        if (Peek().Kind == ExpressionTokenKind.Eof)
        {
            throw Error(Peek(), KvErrorCode.ExpressionSyntax, ExpressionErrors.EmptyExpression);
        }
    }

    /// <summary>Counts an operator or function against DynamoDB's limit of 300 per expression.</summary>
    private void CountOperator(ExpressionToken token)
    {
        if (++_operators > ExpressionLimits.MaxOperators)
        {
            throw Error(token, KvErrorCode.LimitExceeded, ExpressionErrors.TooManyOperators());
        }
    }

    /// <summary>Enters one nesting level (<c>using var _ = EnterDepth();</c>); too deep is a parse error, never a stack overflow.</summary>
    private DepthScope EnterDepth()
    {
        if (++_depth > ExpressionLimits.MaxNestingDepth)
        {
            throw Error(Peek(), KvErrorCode.ExpressionSyntax, ExpressionErrors.TooDeep());
        }

        return new DepthScope(this);
    }

    private readonly struct DepthScope(ExpressionParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    private bool AtPathStart()
    {
        var token = Peek();
        return token.Kind == ExpressionTokenKind.NamePlaceholder
            || (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.None);
    }

    /// <summary>
    /// <c>path := name ( '.' name | '[' integer ']' )*</c> where <c>name := identifier | #placeholder</c>. The first
    /// name may not be a keyword (use a placeholder); names after a dot may.
    /// </summary>
    private AttributePath ParsePath(string what = "an attribute path")
    {
        if (!AtPathStart())
        {
            throw Expected(what);
        }

        var elements = new List<PathElement>(4) { PathElement.Key(ParseName()) };
        while (true)
        {
            var token = Peek();
            if (token.Kind == ExpressionTokenKind.Dot)
            {
                Next();
                var name = Peek();
                if (name.Kind is not (ExpressionTokenKind.Identifier or ExpressionTokenKind.NamePlaceholder))
                {
                    throw Expected("an attribute name");
                }

                elements.Add(PathElement.Key(ParseName()));
            }
            else if (token.Kind == ExpressionTokenKind.LeftBracket)
            {
                Next();
                var number = Expect(ExpressionTokenKind.Integer, "a list index");
                if (!int.TryParse(_text.AsSpan(number.Start, number.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw Error(number, KvErrorCode.ExpressionSyntax, ExpressionErrors.IndexOutOfRange(Text(number)));
                }

                Expect(ExpressionTokenKind.RightBracket, "']'");
                elements.Add(PathElement.At(index));
            }
            else
            {
                return new AttributePath([.. elements]);
            }

            if (elements.Count > ExpressionLimits.MaxPathDepth)
            {
                throw Error(token, KvErrorCode.LimitExceeded, ExpressionErrors.PathTooDeep());
            }
        }
    }

    /// <summary>An identifier or a resolved <c>#placeholder</c> (the caller has checked the token kind).</summary>
    private string ParseName()
    {
        var token = Next();
        if (token.Kind == ExpressionTokenKind.Identifier)
        {
            return Text(token);
        }

        var placeholder = Text(token);
        return _attributes.TryGetName(placeholder, out var name)
            ? name
            : throw Error(token, KvErrorCode.InvalidExpression, ExpressionErrors.UndefinedName(placeholder));
    }

    /// <summary>A resolved <c>:placeholder</c> (the caller has checked the token kind).</summary>
    private AttributeValue ParseValue()
    {
        var token = Next();
        var placeholder = Text(token);
        return _attributes.TryGetValue(placeholder, out var value)
            ? value
            : throw Error(token, KvErrorCode.InvalidExpression, ExpressionErrors.UndefinedValue(placeholder));
    }

    private static bool IsConditionFunction(string name) =>
        name is "attribute_exists" or "attribute_not_exists" or "attribute_type" or "begins_with" or "contains" or "size";

    private static bool IsUpdateFunction(string name) => name is "if_not_exists" or "list_append";

    private KvParseException InvalidFunction(ExpressionToken nameToken, bool allowedElsewhere)
    {
        var name = Text(nameToken);
        return Error(
            nameToken,
            KvErrorCode.InvalidExpression,
            allowedElsewhere ? ExpressionErrors.FunctionNotAllowed(name) : ExpressionErrors.InvalidFunction(name));
    }

    private void RequireArgumentCount(ExpressionToken nameToken, int actual, int expected)
    {
        if (actual != expected)
        {
            throw Error(nameToken, KvErrorCode.InvalidExpression, ExpressionErrors.IncorrectOperandCount(Text(nameToken), actual));
        }
    }

    /// <summary><c>projection := path (',' path)*</c>.</summary>
    public Projection ParseProjectionExpression()
    {
        ThrowIfEmpty();
        var paths = new List<AttributePath>();
        do
        {
            paths.Add(ParsePath());
        }
        while (Match(ExpressionTokenKind.Comma));

        if (Peek().Kind != ExpressionTokenKind.Eof)
        {
            throw Expected("',' or end of input");
        }

        return Projection.Create([.. paths]);
    }
}
