using KvDb.Expressions;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class ConditionParserTests
{
    [Fact]
    public void Parse_MissingOperand_ReportsPositionAndCaret()
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Parse("a = ", values: null));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.Equal("Expected an operand but found end of input (line 1, column 5)\na = \n    ^", e.Message);
        Assert.Equal((1, 5, 4, 0), (e.Line, e.Column, e.Offset, e.Length));
    }

    [Fact]
    public void Parse_UnexpectedToken_UnderlinesTheToken()
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Parse("a = :v BETWEEN", values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.Equal("Expected AND, OR or end of input but found 'BETWEEN' (line 1, column 8)\na = :v BETWEEN\n       ^^^^^^^", e.Message);
        Assert.Equal((1, 8, 7, 7), (e.Line, e.Column, e.Offset, e.Length));
    }

    [Fact]
    public void Parse_ErrorOnSecondLine_ReportsThatLine()
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Parse("a = :v AND\n  b ! :v", values: Vals((":v", 1))));

        Assert.Equal("Expected a comparison operator, BETWEEN or IN but found '!' (line 2, column 5)\n  b ! :v\n    ^", e.Message);
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("", "The expression can not be empty")]
    [InlineData("   ", "The expression can not be empty")]
    [InlineData("a", "Expected a comparison operator, BETWEEN or IN but found end of input")]
    [InlineData("a = :v AND", "Expected a condition but found end of input")]
    [InlineData("a = :v )", "Expected AND, OR or end of input but found ')'")]
    [InlineData("(a = :v", "Expected AND, OR or ')' but found end of input")]
    [InlineData("a = :v $", "Expected AND, OR or end of input but found '$'")]
    [InlineData("= :v", "Expected a condition but found '='")]
    [InlineData("AND = :v", "Expected a condition but found 'AND'")]
    [InlineData("_a = :v", "Expected a condition but found '_'")]
    [InlineData("1a = :v", "Expected a condition but found '1'")]
    [InlineData("a == :v", "Expected an operand but found '='")]
    [InlineData("a IN ()", "Expected an operand but found ')'")]
    [InlineData("a IN :v", "Expected '(' but found ':v'")]
    [InlineData("a IN (:v :v)", "Expected ',' or ')' but found ':v'")]
    [InlineData("a BETWEEN :v :v", "Expected AND but found ':v'")]
    [InlineData("a.b[x] = :v", "Expected a list index but found 'x'")]
    [InlineData("a.b[1 = :v", "Expected ']' but found '='")]
    [InlineData("a. = :v", "Expected an attribute name but found '='")]
    [InlineData("a = # ", "Expected an operand but found '#'")]
    [InlineData("a = :", "Expected an operand but found ':'")]
    [InlineData("size(a)", "Expected a comparison operator, BETWEEN or IN but found end of input")]
    [InlineData("attribute_exists(a) < :v", "Expected AND, OR or end of input but found '<'")]
    [InlineData("attribute_exists(a", "Expected ',' or ')' but found end of input")]
    [InlineData("a = :v + :v", "Expected AND, OR or end of input but found '+'")]
    public void Parse_SyntaxError_SaysWhatWasExpected(string expression, string message)
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Parse(expression, new ExpressionAttributes(values: Vals((":v", 1)))));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.StartsWith(message + " (line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("attribute_exists(:v)", "Operator or function requires a document path; operator or function: attribute_exists")]
    [InlineData("attribute_not_exists(:v)", "Operator or function requires a document path; operator or function: attribute_not_exists")]
    [InlineData("size(:v) = :v", "Operator or function requires a document path; operator or function: size")]
    [InlineData("size(a, b) = :v", "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2")]
    [InlineData("begins_with(a) ", "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1")]
    [InlineData("contains(a, b, c)", "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 3")]
    [InlineData("attribute_exists()", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 0")]
    [InlineData("ATTRIBUTE_EXISTS(a)", "Invalid function name; function: ATTRIBUTE_EXISTS")]
    [InlineData("dog(a) = :v", "Invalid function name; function: dog")]
    [InlineData("a = dog(b)", "Invalid function name; function: dog")]
    [InlineData("if_not_exists(a, a) = :v", "The function is not allowed to be used this way in an expression; function: if_not_exists")]
    [InlineData("a = list_append(a, a)", "The function is not allowed to be used this way in an expression; function: list_append")]
    [InlineData("a = contains(a, a)", "The function is not allowed to be used this way in an expression; function: contains")]
    [InlineData("a < :list", "Incorrect operand type for operator or function; operator or function: <, operand type: L")]
    [InlineData(":map >= a", "Incorrect operand type for operator or function; operator or function: >=, operand type: M")]
    [InlineData("a > :bool", "Incorrect operand type for operator or function; operator or function: >, operand type: BOOL")]
    [InlineData("a BETWEEN :list AND :v", "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L")]
    [InlineData("a BETWEEN :two AND :v", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {\"N\":\"2\"}, upper bound operand: {\"N\":\"1\"}")]
    [InlineData("a BETWEEN :v AND :s", "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {\"N\":\"1\"}, upper bound operand: {\"S\":\"S\"}")]
    [InlineData("begins_with(a, :v)", "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")]
    [InlineData("attribute_type(a, :dog)", "Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")]
    [InlineData("attribute_type(a, :v)", "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N")]
    [InlineData("attribute_type(a, b)", "Expected a value placeholder (':name') but found 'b'")]
    [InlineData("#undefined = :v", "An expression attribute name used in the document path is not defined; attribute name: #undefined")]
    [InlineData("a.#undefined = :v", "An expression attribute name used in the document path is not defined; attribute name: #undefined")]
    [InlineData("a = :undefined", "An expression attribute value used in expression is not defined; attribute value: :undefined")]
    public void Parse_InvalidExpression_ThrowsWithPosition(string expression, string message)
    {
        var values = Vals((":v", 1), (":two", 2), (":s", "S"), (":list", AttributeValue.FromList()), (":map", AttributeValue.FromMap(AttributeMap.Empty)),
            (":bool", true), (":dog", "DOG"));

        var e = Assert.Throws<KvParseException>(() => Condition.Parse(expression, new ExpressionAttributes(values: values)));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.StartsWith(message + " (line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UndefinedName_PointsAtThePlaceholder()
    {
        var e = Assert.Throws<KvParseException>(() => Condition.Parse("a = :v AND #x = :v", values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal(
            "An expression attribute name used in the document path is not defined; attribute name: #x (line 1, column 12)\na = :v AND #x = :v\n           ^^",
            e.Message);
    }

    [Fact]
    public void Parse_UnusedValue_ThrowsLikeDynamoDb()
    {
        var e = Assert.Throws<KvDbException>(() => Condition.Parse("a = :v", values: Vals((":v", 1), (":x", 2), (":extra", 3))));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:extra, :x}", e.Message);
    }

    [Fact]
    public void Parse_UnusedName_ThrowsLikeDynamoDb()
    {
        var names = new Dictionary<string, string> { ["#a"] = "a", ["#b"] = "b" };

        var e = Assert.Throws<KvDbException>(() => Condition.Parse("#a = :v", names, Vals((":v", 1))));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}", e.Message);
    }

    [Fact]
    public void Parse_SharedAttributes_CheckUnusedAcrossExpressions()
    {
        var attributes = new ExpressionAttributes(values: Vals((":v", 1), (":w", 2)));

        Condition.Parse("a = :v", attributes);
        Assert.Throws<KvDbException>(attributes.ThrowIfAnyUnused);
        UpdateExpression.Parse("SET b = :w", attributes);
        attributes.ThrowIfAnyUnused();
    }

    [Theory]
    [InlineData("x")]
    [InlineData("#")]
    [InlineData("#a-b")]
    public void ExpressionAttributes_InvalidNameKey_Throws(string key)
    {
        var e = Assert.Throws<KvDbException>(() => new ExpressionAttributes(new Dictionary<string, string> { [key] = "a" }));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
    }

    [Fact]
    public void ExpressionAttributes_InvalidValueKey_Throws()
    {
        var e = Assert.Throws<KvDbException>(() => new ExpressionAttributes(values: Vals(("v", 1))));

        Assert.Equal(KvErrorCode.InvalidExpression, e.Code);
        Assert.StartsWith("ExpressionAttributeValues contains invalid key: \"v\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooLong_ThrowsLimitExceeded()
    {
        var text = "a = :v" + new string(' ', 4091);

        var e = Assert.Throws<KvDbException>(() => Condition.Parse(text, values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.LimitExceeded, e.Code);
        Assert.Equal("Expression size has exceeded the maximum allowed size; expression size: 4097, maximum: 4096", e.Message);
        Assert.True(Condition.Parse(text[..4096], values: Vals((":v", 1))).Evaluate(Item.Create().Set("a", 1).Build()));
    }

    [Theory]
    [InlineData(100, "(", ")")]
    [InlineData(100, "NOT ", "")]
    [InlineData(1000, "(", ")")]
    public void Parse_NestedTooDeep_IsAParseErrorNotAStackOverflow(int depth, string open, string close)
    {
        var text = string.Concat(Enumerable.Repeat(open, depth)) + "a = :v" + string.Concat(Enumerable.Repeat(close, depth));

        var e = Assert.Throws<KvParseException>(() => Condition.Parse(text, values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.ExpressionSyntax, e.Code);
        Assert.StartsWith("The expression is nested too deeply; the maximum nesting depth is 64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NestedWithinLimit_Parses()
    {
        var text = new string('(', 60) + "a = :v" + new string(')', 60);

        Assert.True(Condition.Parse(text, values: Vals((":v", 1))).Evaluate(Item.Create().Set("a", 1).Build()));
    }

    [Fact]
    public void Parse_InWith100Operands_ThrowsLimitExceeded()
    {
        var values = Enumerable.Range(0, 100).ToDictionary(i => ":v" + i, i => (AttributeValue)i);
        var ninetyNine = "a IN (" + string.Join(", ", values.Keys.Take(99)) + ")";
        var hundred = "a IN (" + string.Join(", ", values.Keys) + ")";

        var ok = Condition.Parse(ninetyNine, new ExpressionAttributes(values: values));
        var e = Assert.Throws<KvParseException>(() => Condition.Parse(hundred, new ExpressionAttributes(values: values)));

        Assert.True(ok.Evaluate(Item.Create().Set("a", 98).Build()));
        Assert.Equal(KvErrorCode.LimitExceeded, e.Code);
        Assert.StartsWith("The IN operator is provided with too many operands; number of operands: 101, maximum: 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MoreThan300Operators_ThrowsLimitExceeded()
    {
        // 151 comparisons and 150 ORs.
        var text = string.Join(" OR ", Enumerable.Repeat("a = :v", 151));

        var e = Assert.Throws<KvParseException>(() => Condition.Parse(text, values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.LimitExceeded, e.Code);
        Assert.StartsWith("The expression contains too many operators or functions; the maximum is 300", e.Message, StringComparison.Ordinal);
        Condition.Parse(string.Join(" OR ", Enumerable.Repeat("a = :v", 150)), values: Vals((":v", 1)));
    }

    [Fact]
    public void Parse_PathDeeperThan32_ThrowsLimitExceeded()
    {
        var text = "a" + string.Concat(Enumerable.Repeat(".b", 32)) + " = :v";

        var e = Assert.Throws<KvParseException>(() => Condition.Parse(text, values: Vals((":v", 1))));

        Assert.Equal(KvErrorCode.LimitExceeded, e.Code);
        Condition.Parse("a" + string.Concat(Enumerable.Repeat(".b", 31)) + " = :v", values: Vals((":v", 1)));
    }

    [Theory]
    [InlineData("a = :v", "a = 1")]
    [InlineData("a.b[2].c <> :s", "a.b[2].c <> \"x\\\"y\"")]
    [InlineData("a = :v AND b = :v OR c = :v", "a = 1 AND b = 1 OR c = 1")]
    [InlineData("a = :v AND (b = :v OR c = :v)", "a = 1 AND (b = 1 OR c = 1)")]
    [InlineData("(a = :v AND b = :v) AND c = :v", "a = 1 AND b = 1 AND c = 1")]
    [InlineData("NOT (a = :v OR b = :v)", "NOT (a = 1 OR b = 1)")]
    [InlineData("NOT a = :v", "NOT a = 1")]
    [InlineData("NOT NOT a = :v", "NOT NOT a = 1")]
    [InlineData("a between :v and :w", "a BETWEEN 1 AND 2")]
    [InlineData("a IN (:v, :w)", "a IN (1, 2)")]
    [InlineData("size(a) >= :v", "size(a) >= 1")]
    [InlineData("attribute_type(a, :t)", "attribute_type(a, \"SS\")")]
    [InlineData("begins_with(#n, :s) AND contains(l, :l)", "begins_with(`first name`, \"x\\\"y\") AND contains(l, {\"L\":[{\"N\":\"1\"}]})")]
    [InlineData("attribute_exists(#k) OR attribute_not_exists(m[0])", "attribute_exists(`and`) OR attribute_not_exists(m[0])")]
    public void ToString_IsReadableCanonicalText(string expression, string expected)
    {
        Assert.Equal(expected, Parse(expression).ToString());
    }

    [Fact]
    public void ToExpressionText_ReparsesToTheSameCondition()
    {
        var condition = Parse("begins_with(#n, :s) AND (contains(l, :l) OR NOT #k.x[3] BETWEEN :v AND :w) AND size(a) IN (:v, :w)");

        var text = condition.ToExpressionText();
        var reparsed = Condition.Parse(text.Expression, text.Names, text.Values);

        Assert.Equal("begins_with(#n0, :v0) AND (contains(l, :v1) OR NOT #n1.x[3] BETWEEN :v2 AND :v3) AND size(a) IN (:v4, :v5)", text.Expression);
        Assert.Equal(condition.ToString(), reparsed.ToString());
    }

    private static Condition Parse(string expression) => Condition.Parse(expression, new ExpressionAttributes(
        new Dictionary<string, string> { ["#n"] = "first name", ["#k"] = "and" },
        Vals((":v", 1), (":w", 2), (":s", "x\"y"), (":t", "SS"), (":l", AttributeValue.FromList(1)))));
}
