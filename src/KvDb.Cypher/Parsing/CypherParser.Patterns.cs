using System.Globalization;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Syntax;

namespace KvDb.Cypher.Parsing;

internal sealed partial class CypherParser
{
    /// <summary>patternPart := [variable '='] node (relationship node)*</summary>
    private PatternPart ParsePatternPart()
    {
        using var _ = EnterDepth();
        string? pathVariable = null;
        if (IsNameStart(allowKeyword: true) && Peek(1).Kind == TokenKind.Eq)
        {
            pathVariable = ParseVariable();
            Next();
        }

        var start = ParseNodePattern();
        var steps = new List<PatternStep>();
        while (Peek().Kind is TokenKind.Minus or TokenKind.ArrowLeft)
        {
            var rel = ParseRelationshipPattern();
            steps.Add(new PatternStep(rel, ParseNodePattern()));
        }

        return new PatternPart(pathVariable, start, steps);
    }

    /// <summary>node := '(' [variable] (':' label)* [map | parameter] ')'</summary>
    private NodePattern ParseNodePattern()
    {
        Expect(TokenKind.LParen, "'('");
        string? variable = null;
        if (IsNameStart(allowKeyword: true))
        {
            variable = ParseVariable();
        }

        var labels = Peek().Kind == TokenKind.Colon ? ParseLabels() : EquatableArray<string>.Empty;
        var props = ParsePatternProperties();
        Expect(TokenKind.RParen, "')'");
        return new NodePattern(variable, labels, props);
    }

    private Expr? ParsePatternProperties() => Peek().Kind switch
    {
        TokenKind.LBrace => ParseMap(),
        TokenKind.Parameter => ParseParameter(),
        _ => null,
    };

    /// <summary>
    /// relationship := ('-' | '&lt;-') ['[' [variable] [':' type ('|' [':'] type)*] [range] [map] ']'] ('-' | '-&gt;')
    /// </summary>
    private RelPattern ParseRelationshipPattern()
    {
        var left = Next().Kind == TokenKind.ArrowLeft;
        string? variable = null;
        var types = new List<string>();
        LengthRange? range = null;
        Expr? props = null;
        if (Match(TokenKind.LBracket))
        {
            if (IsNameStart(allowKeyword: true))
            {
                variable = ParseVariable();
            }

            if (Match(TokenKind.Colon))
            {
                types.Add(ParseName("a relationship type", allowKeyword: true));
                while (Match(TokenKind.Pipe))
                {
                    Match(TokenKind.Colon);
                    types.Add(ParseName("a relationship type", allowKeyword: true));
                }
            }

            if (Match(TokenKind.Star))
            {
                range = ParseRange();
            }

            props = ParsePatternProperties();
            Expect(TokenKind.RBracket, "']'");
        }

        bool right;
        if (Match(TokenKind.ArrowRight))
        {
            right = true;
        }
        else
        {
            Expect(TokenKind.Minus, "'-' or '->'");
            right = false;
        }

        var direction = left == right ? RelDirection.Both : right ? RelDirection.Outgoing : RelDirection.Incoming;
        return new RelPattern(variable, types, direction, range, props);
    }

    /// <summary>range := [int] ['..' [int]] (after '*')</summary>
    private LengthRange ParseRange()
    {
        long? min = null;
        long? max = null;
        if (Peek().Kind == TokenKind.Integer)
        {
            min = ParseRangeBound();
        }

        if (Match(TokenKind.DotDot))
        {
            if (Peek().Kind == TokenKind.Integer)
            {
                max = ParseRangeBound();
            }
        }
        else if (min is not null)
        {
            max = min;
        }

        return new LengthRange(min, max);
    }

    private long ParseRangeBound()
    {
        var t = Next();
        if (!long.TryParse(t.Text(_source), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            Fail(CypherErrorCode.IntegerOverflow, "Path length bound is not a valid integer", t);
        }

        return v;
    }
}
