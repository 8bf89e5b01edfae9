namespace KvDb.Cypher.Tests.Execution;

public sealed class FunctionTests : CypherTestBase
{
    [Theory]
    [InlineData("coalesce(null, 2, 3)", "2")]
    [InlineData("exists(null)", "false")]
    [InlineData("toString(1.5)", "'1.5'")]
    [InlineData("toString(true)", "'true'")]
    [InlineData("toInteger('42')", "42")]
    [InlineData("toInteger(3.9)", "3")]
    [InlineData("toInteger('x')", "null")]
    [InlineData("toFloat('2.5')", "2.5")]
    [InlineData("toFloat(2)", "2.0")]
    [InlineData("toBoolean('TRUE')", "true")]
    [InlineData("toBoolean('no')", "null")]
    [InlineData("toUpper('abc')", "'ABC'")]
    [InlineData("toLower('ABC')", "'abc'")]
    [InlineData("trim('  a  ')", "'a'")]
    [InlineData("ltrim('  a  ')", "'a  '")]
    [InlineData("rtrim('  a  ')", "'  a'")]
    [InlineData("substring('hello', 1, 3)", "'ell'")]
    [InlineData("substring('hello', 2)", "'llo'")]
    [InlineData("replace('aXbX', 'X', '-')", "'a-b-'")]
    [InlineData("split('a,b,c', ',')", "['a', 'b', 'c']")]
    [InlineData("left('hello', 2)", "'he'")]
    [InlineData("right('hello', 2)", "'lo'")]
    [InlineData("reverse('abc')", "'cba'")]
    [InlineData("reverse([1, 2])", "[2, 1]")]
    [InlineData("abs(-3)", "3")]
    [InlineData("abs(-2.5)", "2.5")]
    [InlineData("ceil(1.2)", "2.0")]
    [InlineData("floor(1.8)", "1.0")]
    [InlineData("round(2.5)", "3.0")]
    [InlineData("sign(-7)", "-1")]
    [InlineData("sqrt(16)", "4.0")]
    [InlineData("range(1, 5, 2)", "[1, 3, 5]")]
    [InlineData("range(3, 1, -1)", "[3, 2, 1]")]
    [InlineData("head([1, 2])", "1")]
    [InlineData("last([1, 2])", "2")]
    [InlineData("tail([1, 2, 3])", "[2, 3]")]
    [InlineData("head([])", "null")]
    [InlineData("size('abc')", "3")]
    [InlineData("size([1, 2])", "2")]
    [InlineData("keys({b: 1, a: 2})", "['b', 'a']")]
    [InlineData("properties({a: 1})", "{a: 1}")]
    [InlineData("toUpper(null)", "null")]
    public void Scalar_ReturnsExpected(string call, string expected) => Assert.Equal([expected], Rows("RETURN " + call));

    [Fact]
    public void GraphFunctions_ReadNodesRelationshipsPaths()
    {
        Run("CREATE (a:A:B {x: 1})-[:R {w: 2}]->(b:C {y: 'z'})");
        Assert.Equal(["['A', 'B'] | 'R' | {w: 2} | ['x'] | true | true"],
            Rows("MATCH (a)-[r]->(b) RETURN labels(a), type(r), properties(r), keys(a), startNode(r) = a, endNode(r) = b"));
        Assert.Equal(["1 | 2 | 1 | true"], Rows("MATCH p = (a)-[r]->(b) RETURN length(p), size(nodes(p)), size(relationships(p)), id(a) <> id(b)"));
        Assert.Equal(["true"], Rows("MATCH (a:A) RETURN exists(a.x)"));
        var rand = Run("RETURN rand() AS r").Rows[0][0];
        Assert.InRange(Assert.IsType<double>(rand), 0.0, 1.0);
    }

    [Fact]
    public void UnknownFunctionOrArity_IsCompileError()
    {
        var ex = Fails("RETURN nope(1)");
        Assert.Equal(CypherErrorClass.SyntaxError, ex.ErrorClass);
        Assert.Equal(CypherErrorCode.UnknownFunction, ex.Detail);
        Assert.Equal(CypherErrorCode.WrongNumberOfArguments, Fails("RETURN size(1, 2)").Detail);
    }
}
