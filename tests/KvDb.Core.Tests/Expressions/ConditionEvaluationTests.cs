using KvDb.Expressions;
using static KvDb.Core.Tests.Expressions.ExpressionTestData;

namespace KvDb.Core.Tests.Expressions;

public sealed class ConditionEvaluationTests
{
    [Theory]
    // = and <> on every kind; different types are never equal; structural equality for documents and sets.
    [InlineData("n = :five", true)]
    [InlineData("n = :six", false)]
    [InlineData("n <> :six", true)]
    [InlineData("n <> :five", false)]
    [InlineData("n = :str5", false)]
    [InlineData("n <> :str5", true)]
    [InlineData("n = n2", true)]
    [InlineData("s = s2", true)]
    [InlineData("s = :hello", true)]
    [InlineData("b = :b123", true)]
    [InlineData("t = :true", true)]
    [InlineData("z = :null", true)]
    [InlineData("l = :lcopy", true)]
    [InlineData("ss = :ssba", true)]
    [InlineData("m = m", true)]
    [InlineData("m <> m", false)]
    [InlineData("n1000 = :n1e3", true)]
    [InlineData(":five = n", true)]
    // A missing attribute: every comparison is false except <>.
    [InlineData("missing = :five", false)]
    [InlineData("missing <> :five", true)]
    [InlineData("missing = other", false)]
    [InlineData("missing <> other", true)]
    [InlineData("missing < :five", false)]
    [InlineData(":five > missing", false)]
    [InlineData("missing >= other", false)]
    // Ordering: numbers numerically, strings by UTF-8 bytes, binaries by unsigned bytes; other types never order.
    [InlineData("n < :six", true)]
    [InlineData("n < :five", false)]
    [InlineData("n <= :five", true)]
    [InlineData("n > :four", true)]
    [InlineData("n >= :six", false)]
    [InlineData("n >= :five", true)]
    [InlineData("n1000 > :n1e3", false)]
    [InlineData("s > :str5", true)]
    [InlineData("s < :zz", true)]
    [InlineData("n < :str5", false)]
    [InlineData("s > :five", false)]
    [InlineData("pua < emoji", true)]
    [InlineData("emoji > pua", true)]
    [InlineData("b > :b12", true)]
    [InlineData("b < :bff", true)]
    [InlineData("l < n", false)]
    [InlineData("t > n", false)]
    [InlineData("m >= m", false)]
    // BETWEEN is inclusive and false across types.
    [InlineData("n BETWEEN :four AND :six", true)]
    [InlineData("n BETWEEN :five AND :five", true)]
    [InlineData("n BETWEEN :six AND :seven", false)]
    [InlineData("n BETWEEN :one AND :four", false)]
    [InlineData("s BETWEEN :a AND :zz", true)]
    [InlineData("s BETWEEN :four AND :six", false)]
    [InlineData("missing BETWEEN :four AND :six", false)]
    [InlineData("n BETWEEN n2 AND :six", true)]
    [InlineData("n BETWEEN :four AND s", false)]
    // IN is = against each operand.
    [InlineData("n IN (:four, :five)", true)]
    [InlineData("n IN (:str5, :six)", false)]
    [InlineData("s IN (:a, :hello)", true)]
    [InlineData("l IN (:lcopy)", true)]
    [InlineData("missing IN (:five)", false)]
    [InlineData("n IN (n2)", true)]
    // AND, OR, NOT, parentheses and precedence (NOT > AND > OR).
    [InlineData("n = :five AND s = :hello", true)]
    [InlineData("n = :five AND s = :nope", false)]
    [InlineData("n = :six OR s = :hello", true)]
    [InlineData("n = :six OR s = :nope", false)]
    [InlineData("NOT n = :six", true)]
    [InlineData("NOT n = :five", false)]
    [InlineData("NOT NOT NOT NOT n = :five", true)]
    [InlineData("n = :five OR n = :six AND s = :nope", true)]
    [InlineData("(n = :five OR n = :six) AND s = :nope", false)]
    [InlineData("NOT n = :six AND n = :six", false)]
    [InlineData("NOT (n = :six AND n = :six)", true)]
    [InlineData("n BETWEEN :four AND :six AND s = :hello", true)]
    [InlineData("((n = :five))", true)]
    [InlineData("n = :five and s = :hello", true)]
    [InlineData("n = :six oR s = :hello", true)]
    [InlineData("nOt n = :six", true)]
    [InlineData("n between :four aNd :six", true)]
    [InlineData("n in (:five)", true)]
    // attribute_exists / attribute_not_exists on top-level and nested paths.
    [InlineData("attribute_exists(s)", true)]
    [InlineData("attribute_exists (s)", true)]
    [InlineData("attribute_exists(missing)", false)]
    [InlineData("attribute_not_exists(missing)", true)]
    [InlineData("attribute_not_exists(s)", false)]
    [InlineData("attribute_exists(m.y.z)", true)]
    [InlineData("attribute_exists(m.q)", false)]
    [InlineData("attribute_exists(l[2][0])", true)]
    [InlineData("attribute_exists(l[5])", false)]
    [InlineData("attribute_exists(s.x)", false)]
    [InlineData("attribute_exists(l.x)", false)]
    [InlineData("attribute_exists(m[0])", false)]
    [InlineData("attribute_exists(z)", true)]
    // attribute_type with every type name.
    [InlineData("attribute_type(s, :S)", true)]
    [InlineData("attribute_type(s, :N)", false)]
    [InlineData("attribute_type(n, :N)", true)]
    [InlineData("attribute_type(b, :B)", true)]
    [InlineData("attribute_type(t, :BOOL)", true)]
    [InlineData("attribute_type(z, :NULL)", true)]
    [InlineData("attribute_type(l, :L)", true)]
    [InlineData("attribute_type(m, :M)", true)]
    [InlineData("attribute_type(ss, :SS)", true)]
    [InlineData("attribute_type(ns, :NS)", true)]
    [InlineData("attribute_type(bs, :BS)", true)]
    [InlineData("attribute_type(bs, :SS)", false)]
    [InlineData("attribute_type(missing, :S)", false)]
    [InlineData("attribute_type(:five, :N)", true)]
    [InlineData("attribute_type(m.y, :M)", true)]
    // begins_with on S and B only.
    [InlineData("begins_with(s, :hel)", true)]
    [InlineData("begins_with(s, :hello)", true)]
    [InlineData("begins_with(s, :ell)", false)]
    [InlineData("begins_with(b, :b12)", true)]
    [InlineData("begins_with(b, :b23)", false)]
    [InlineData("begins_with(n, s)", false)]
    [InlineData("begins_with(missing, :hel)", false)]
    [InlineData("begins_with(s, s2)", true)]
    [InlineData("begins_with(s, b)", false)]
    [InlineData("begins_with(m.y.z, :deep)", true)]
    // contains: substring of S and B, element of a set or a list.
    [InlineData("contains(s, :ell)", true)]
    [InlineData("contains(s, :nope)", false)]
    [InlineData("contains(s, :five)", false)]
    [InlineData("contains(b, :b23)", true)]
    [InlineData("contains(b, :bff)", false)]
    [InlineData("contains(ss, :a)", true)]
    [InlineData("contains(ss, :hello)", false)]
    [InlineData("contains(ns, :one)", true)]
    [InlineData("contains(ns, :a)", false)]
    [InlineData("contains(ns, :seven)", false)]
    [InlineData("contains(bs, :b1)", true)]
    [InlineData("contains(bs, :b12)", false)]
    [InlineData("contains(l, :twoS)", true)]
    [InlineData("contains(l, :l3)", true)]
    [InlineData("contains(l, :one)", true)]
    [InlineData("contains(l, :two)", false)]
    [InlineData("contains(m, :one)", false)]
    [InlineData("contains(n, :five)", false)]
    [InlineData("contains(missing, :a)", false)]
    // size(): UTF-8 bytes of S, bytes of B, element counts; undefined for N, BOOL, NULL and missing attributes.
    [InlineData("size(s) = :five", true)]
    [InlineData("size(emoji) = :four", true)]
    [InlineData("size(b) = :three", true)]
    [InlineData("size(l) = :three", true)]
    [InlineData("size(m) = :two", true)]
    [InlineData("size(m.y) = :one", true)]
    [InlineData("size(ss) = :two", true)]
    [InlineData("size(ns) = :two", true)]
    [InlineData("size(bs) = :two", true)]
    [InlineData("size(s) > :four", true)]
    [InlineData("size(s) <> :four", true)]
    [InlineData("size(s) < :four", false)]
    [InlineData("size(s) = :str5", false)]
    [InlineData("size(s) = n", true)]
    [InlineData("n = size(s)", true)]
    [InlineData("size(s) = size(s2)", true)]
    [InlineData("size(s) BETWEEN :four AND :six", true)]
    [InlineData("size(s) IN (:one, :five)", true)]
    [InlineData("size(n) = :one", false)]
    [InlineData("size(n) <> :one", false)]
    [InlineData("size(t) = :one", false)]
    [InlineData("size(z) >= :one", false)]
    [InlineData("size(missing) = :one", false)]
    [InlineData("size(missing) <> :one", false)]
    [InlineData("contains(ns, size(ss))", true)]
    [InlineData("attribute_type(size(s), :N)", true)]
    // Nested paths and #name placeholders (a placeholder is one element even when the name has a dot).
    [InlineData("m.y.z = :deep", true)]
    [InlineData("m.x = :one", true)]
    [InlineData("l[1] = :twoS", true)]
    [InlineData("l[2][0] = :three", true)]
    [InlineData("l [ 2 ] [ 0 ] = :three", true)]
    [InlineData("#n = :five", true)]
    [InlineData("#m.#x = :one", true)]
    [InlineData("#dot = :dotted", true)]
    [InlineData("attribute_not_exists(#and)", true)]
    [InlineData("a.b = :dotted", false)]
    [InlineData("size = :five", false)]
    public void Evaluate_OnSampleItem_MatchesDynamoDb(string expression, bool expected)
    {
        var condition = ParseCondition(expression);

        Assert.Equal(expected, condition.Evaluate(Sample));
    }

    [Theory]
    [InlineData("attribute_not_exists(pk)", true)]
    [InlineData("attribute_exists(pk)", false)]
    [InlineData("pk <> :five", true)]
    [InlineData("NOT pk = :five", true)]
    [InlineData("size(pk) <> :five", false)]
    public void Evaluate_OnEmptyItem_TreatsEveryAttributeAsMissing(string expression, bool expected)
    {
        Assert.Equal(expected, ParseCondition(expression).Evaluate(Item.Empty));
    }

    [Fact]
    public void Evaluate_StoredItem_ResolvesFromEncodedForm()
    {
        // An item built from its encoding decodes attributes lazily; evaluation must see the same values.
        var encoded = Item.FromMap(Sample.ToMap());
        var condition = ParseCondition("m.y.z = :deep AND contains(ss, :a) AND size(emoji) = :four");

        Assert.True(condition.Evaluate(encoded));
    }

    [Theory]
    [InlineData("a", "b", -1)]
    [InlineData("b", "a", 1)]
    [InlineData("a", "a", 0)]
    [InlineData("a", "ab", -1)]
    [InlineData("\uE000", "\U0001F600", -1)]
    [InlineData("\uFFFF", "\U00010000", -1)]
    [InlineData("\U00010000", "\uD7FF", 1)]
    [InlineData("\U0001F600", "\U0001F601", -1)]
    public void CompareUtf8_OrdersByUtf8Bytes(string left, string right, int expectedSign)
    {
        var expected = Math.Sign(((ReadOnlySpan<byte>)System.Text.Encoding.UTF8.GetBytes(left)).SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(right)));

        Assert.Equal(expectedSign, expected);
        Assert.Equal(expectedSign, Math.Sign(ValueComparer.CompareUtf8(left, right)));
    }
}
