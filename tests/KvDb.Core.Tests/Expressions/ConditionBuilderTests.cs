using KvDb.Expressions;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class ConditionBuilderTests
{
    public static TheoryData<string, Condition, bool> Cases => new()
    {
        { "n = 5", Condition.Path("n").Equal(5), true },
        { "n <> 5", Condition.Path("n").NotEqual(5), false },
        { "n < 6", Condition.Path("n").LessThan(6), true },
        { "n <= 5", Condition.Path("n").LessThanOrEqual(5), true },
        { "n > 5", Condition.Path("n").GreaterThan(5), false },
        { "n >= 5", Condition.Path("n").GreaterThanOrEqual(5), true },
        { "n = n2", Condition.Path("n").Equal(Condition.Path("n2")), true },
        { "n BETWEEN 4 AND 6", Condition.Path("n").Between(4, 6), true },
        { "n BETWEEN n2 AND 6", Condition.Path("n").Between(Condition.Path("n2"), Condition.Value(6)), true },
        { "s IN (\"a\", \"hello\")", Condition.Path("s").In("a", "hello"), true },
        { "n IN (n2)", Condition.Path("n").In(Condition.Path("n2")), true },
        { "begins_with(s, \"he\")", Condition.BeginsWith("s", "he"), true },
        { "begins_with(b, {\"B\":\"AQ==\"})", Condition.BeginsWith("b", new byte[] { 1 }), true },
        { "contains(ss, \"a\")", Condition.Contains("ss", "a"), true },
        { "attribute_exists(m.y.z)", Condition.AttributeExists("m.y.z"), true },
        { "attribute_not_exists(m.q)", Condition.AttributeNotExists("m.q"), true },
        { "attribute_type(l, \"L\")", Condition.AttributeType("l", AttributeKind.List), true },
        { "size(s) = 5", Condition.Path("s").Size().Equal(5), true },
        { "size(l) > 2", Condition.Size("l").GreaterThan(2), true },
        { "n = 5 AND s = \"hello\"", Condition.Path("n").Equal(5) & Condition.Path("s").Equal("hello"), true },
        { "n = 6 OR s = \"hello\"", Condition.Path("n").Equal(6) | Condition.Path("s").Equal("hello"), true },
        { "NOT n = 6", !Condition.Path("n").Equal(6), true },
        { "NOT (n = 6 OR n = 7)", !(Condition.Path("n").Equal(6) | Condition.Path("n").Equal(7)), true },
        { "a = 1 AND b = 2 AND c = 3", Condition.And(Condition.Path("a").Equal(1), Condition.Path("b").Equal(2)) & Condition.Path("c").Equal(3), false },
        { "(a = 1 OR b = 2) AND c = 3", Condition.Or(Condition.Path("a").Equal(1), Condition.Path("b").Equal(2)) & Condition.Path("c").Equal(3), false },
        { "`a.b` = \"dotted\"", Condition.Path(AttributePath.Of("a.b")).Equal("dotted"), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Builder_BuildsTheSameConditionAsText(string text, Condition condition, bool expected)
    {
        Assert.Equal(text, condition.ToString());
        Assert.Equal(expected, condition.Evaluate(Sample));
        var round = condition.ToExpressionText();
        Assert.Equal(text, Condition.Parse(round.Expression, round.Names, round.Values).ToString());
    }

    [Fact]
    public void Builder_OrderingOnANonScalarConstant_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => Condition.Path("a").LessThan(AttributeValue.FromList()));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal("Incorrect operand type for operator or function; operator or function: <, operand type: L", e.Message);
    }

    [Fact]
    public void Builder_BetweenBoundsOutOfOrder_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => Condition.Path("a").Between(5, 1));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
    }

    [Fact]
    public void Builder_ExistsOnAValue_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => Condition.Value(1).Exists());

        Assert.Equal("Operator or function requires a document path; operator or function: attribute_exists", e.Message);
    }

    [Fact]
    public void Builder_EmptyAndOrIn_ThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Condition.And());
        Assert.Throws<ArgumentException>(() => Condition.Path("a").In(Array.Empty<AttributeValue>()));
    }

    [Fact]
    public void Builder_SingleOperandAnd_IsTheOperand()
    {
        var c = Condition.Path("a").Equal(1);

        Assert.Same(c, Condition.And(c));
    }

    [Fact]
    public void Builder_InvalidPathText_ThrowsParseException()
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Path("a..b"));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
    }
}
