namespace KvDb.Cypher.Tests.Execution;

public sealed class ProjectionTests : CypherTestBase
{
    private void People() => Run("""
        CREATE (:P {name: 'a', city: 'X', age: 10}), (:P {name: 'b', city: 'X', age: 20}),
               (:P {name: 'c', city: 'Y', age: 30}), (:P {name: 'd', city: 'Y'}), (:P {name: 'e'})
        """);

    [Fact]
    public void Aggregation_GroupsImplicitly()
    {
        People();
        Assert.Equal(["'X' | 2 | 30 | 15.0 | 10 | 20 | ['a', 'b']", "'Y' | 2 | 30 | 30.0 | 30 | 30 | ['c', 'd']", "null | 1 | 0 | null | null | null | ['e']"],
            SortedRows("MATCH (p:P) RETURN p.city, count(*), sum(p.age), avg(p.age), min(p.age), max(p.age), collect(p.name)"));
        Assert.Equal(["5 | 3 | 2"], Rows("MATCH (p:P) RETURN count(*), count(p.age), count(DISTINCT p.city)"));
        Assert.Equal(["0 | [] | null | 0"], Rows("MATCH (p:Nope) RETURN count(*), collect(p), max(p.age), sum(p.age)"));
        Assert.Equal(["6"], Rows("MATCH (p:P) RETURN count(*) + 1"));
        Assert.Equal(["['X', 'Y']"], Rows("MATCH (p:P) WITH DISTINCT p.city AS c WHERE c IS NOT NULL RETURN collect(c) AS cs ORDER BY cs"));
        Assert.Equal(["1.5"], Rows("UNWIND [1, 2.0] AS x RETURN avg(x)"));
        Assert.Equal(["3.0"], Rows("UNWIND [1, 2.0] AS x RETURN sum(x)"));
    }

    [Fact]
    public void OrderSkipLimit_Work()
    {
        People();
        Assert.Equal(["'e'", "'d'", "'c'", "'b'", "'a'"], Rows("MATCH (p:P) RETURN p.name ORDER BY p.age DESC, p.name DESC"));
        Assert.Equal(["'a'", "'b'", "'c'", "'d'", "'e'"], Rows("MATCH (p:P) RETURN p.name ORDER BY p.age, p.name"));
        Assert.Equal(["'d'", "'e'", "'c'", "'b'", "'a'"], Rows("MATCH (p:P) RETURN p.name AS n ORDER BY p.age DESC, n"));
        Assert.Equal(["'b'", "'c'"], Rows("MATCH (p:P) RETURN p.name ORDER BY p.name SKIP 1 LIMIT 2"));
        Assert.Equal(["'X' | 2", "'Y' | 2"], Rows("MATCH (p:P) WHERE p.city IS NOT NULL RETURN p.city AS c, count(*) AS n ORDER BY c"));
        Assert.Equal(["'Y' | 30"], Rows("MATCH (p:P) WHERE p.city IS NOT NULL RETURN p.city, sum(p.age) AS s ORDER BY s DESC, p.city DESC LIMIT 1"));
        Assert.Equal(CypherErrorCode.InvalidArgumentValue, Fails("MATCH (p:P) RETURN p LIMIT -1").Detail);
    }

    [Fact]
    public void With_PipesAndFilters()
    {
        People();
        Assert.Equal(["'X' | 2"], Rows("MATCH (p:P) WITH p.city AS city, count(*) AS n WHERE city = 'X' RETURN city, n"));
        Assert.Equal(["'a'", "'b'"], Rows("MATCH (p:P) WITH p ORDER BY p.name LIMIT 2 RETURN p.name"));
        Assert.Equal(["3"], Rows("WITH 1 AS a, 2 AS b RETURN a + b"));
        Assert.Equal(["1 | 2"], Rows("WITH 1 AS a, 2 AS b RETURN *"));
    }

    [Fact]
    public void Distinct_RemovesDuplicates()
    {
        People();
        Assert.Equal(["'X'", "'Y'", "null"], SortedRows("MATCH (p:P) RETURN DISTINCT p.city"));
        Assert.Equal(["1"], Rows("UNWIND [1, 1.0, 1] AS x RETURN DISTINCT x"));
    }

    [Fact]
    public void Unwind_ExpandsLists()
    {
        Assert.Equal(["1", "2", "3"], Rows("UNWIND [1, 2, 3] AS x RETURN x"));
        Assert.Empty(Rows("UNWIND [] AS x RETURN x"));
        Assert.Empty(Rows("UNWIND null AS x RETURN x"));
        Assert.Equal(["1 | 'a'", "1 | 'b'", "2 | 'a'", "2 | 'b'"], Rows("UNWIND [1, 2] AS x UNWIND ['a', 'b'] AS y RETURN x, y"));
        Run("UNWIND range(1, 3) AS i CREATE (:N {i: i})");
        Assert.Equal(["6"], Rows("MATCH (n:N) RETURN sum(n.i)"));
    }

    [Fact]
    public void OptionalMatch_PadsWithNull()
    {
        Run("CREATE (a:A {n: 1})-[:R]->(:B {n: 2}), (:A {n: 3})");
        Assert.Equal(["1 | 2", "3 | null"], Rows("MATCH (a:A) OPTIONAL MATCH (a)-[:R]->(b) RETURN a.n, b.n ORDER BY a.n"));
        Assert.Equal(["1 | null", "3 | null"], Rows("MATCH (a:A) OPTIONAL MATCH (a)-[:R]->(b) WHERE b.n > 5 RETURN a.n, b.n ORDER BY a.n"));
        Assert.Equal(["null"], Rows("OPTIONAL MATCH (x:Nope) RETURN x"));
    }

    [Fact]
    public void Union_CombinesRows()
    {
        Assert.Equal(["1", "2"], Rows("RETURN 1 AS x UNION RETURN 2 AS x UNION RETURN 1 AS x"));
        Assert.Equal(["1", "2", "1"], Rows("RETURN 1 AS x UNION ALL RETURN 2 AS x UNION ALL RETURN 1 AS x"));
        Assert.Equal(CypherErrorCode.InvalidClauseComposition, Fails("RETURN 1 AS x UNION RETURN 2 AS y").Detail);
    }

    [Fact]
    public void Expressions_Evaluate()
    {
        Assert.Equal(["7 | 2 | 1 | 2.5 | 8.0 | 'ab1' | [1, 2, 3] | [0, 1]"], Rows("RETURN 1 + 2 * 3, 5 / 2, 5 % 2, 5 / 2.0, 2 ^ 3, 'a' + 'b' + 1, [1] + [2, 3], 0 + [1]"));
        Assert.Equal(["2 | 3 | [2, 3] | [1, 2] | null | [3]"], Rows("WITH [1, 2, 3] AS l RETURN l[1], l[-1], l[1..], l[..2], l[10], l[-1..]"));
        Assert.Equal(["[4, 6] | ['a', 'b']"], Rows("RETURN [x IN [1, 2, 3] WHERE x > 1 | x * 2], [k IN keys({a: 1, b: 2})]"));
        Assert.Equal(["'two' | 'other' | null"], Rows("RETURN CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE WHEN false THEN 1 ELSE 'other' END, CASE 3 WHEN 1 THEN 1 END"));
        Assert.Equal(["{a: 1, b: [true, null]} | 1"], Rows("WITH {a: 1, b: [true, null]} AS m RETURN m, m.a"));
        Assert.Equal(["null | null | true | false | null"], Rows("RETURN null = 1, null <> null, 1 IN [null, 1], 2 IN [1], 2 IN [1, null]"));
        Assert.Equal(["false | null | true | null"], Rows("RETURN false AND null, true AND null, true OR null, false OR null"));
        Assert.Equal(["true | true | false"], Rows("RETURN 1 < 2.5, 'a' < 'b', [1, 2] = [1, 3]"));
    }

    [Fact]
    public void IntegerOverflow_IsAnError()
    {
        var ex = Fails("RETURN 9223372036854775807 + 1");
        Assert.Equal(CypherErrorCode.ArithmeticOverflow, ex.Detail);
        Assert.Equal(CypherErrorCode.ArithmeticOverflow, Fails("RETURN -9223372036854775808 - 1").Detail);
        Assert.Equal(CypherErrorCode.ArithmeticOverflow, Fails("RETURN 4611686018427387904 * 2").Detail);
        Assert.Equal(CypherErrorCode.ArithmeticOverflow, Fails("UNWIND [9223372036854775807, 1] AS x RETURN sum(x)").Detail);
        Assert.Equal(CypherErrorCode.DivisionByZero, Fails("RETURN 1 / 0").Detail);
        Assert.Equal(["9.223372036854776E+18"], Rows("RETURN 9223372036854775807 + 1.0"));
    }

    [Fact]
    public void TypeErrors_AreClassified()
    {
        var ex = Fails("RETURN 'a' - 1");
        Assert.Equal(CypherErrorClass.TypeError, ex.ErrorClass);
        Assert.Equal(KvErrorCode.InvalidExpression, ex.Code);
        Assert.Equal(CypherErrorClass.TypeError, Fails("WITH 1 AS x RETURN x.name").ErrorClass);
        Assert.Equal(CypherErrorClass.TypeError, Fails("RETURN toUpper(1)").ErrorClass);
    }
}
