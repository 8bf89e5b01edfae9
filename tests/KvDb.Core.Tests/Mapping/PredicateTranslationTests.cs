using System.Linq.Expressions;

namespace KvDb.Core.Tests.Mapping;

public sealed class PredicateTranslationTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();
    private KvTable<Message> _messages = null!;
    private KvTable<Everything> _everything = null!;

    public async Task InitializeAsync()
    {
        _messages = await _db.CreateTableAsync<Message>();
        for (var i = 100; i < 110; i++)
        {
            await _messages.PutAsync(new Message("people-100", $"messages-{i}", $"text {i}", i - 100));
        }

        await _messages.PutAsync(new Message("people-100", "profile", "me", 50));
        await _messages.PutAsync(new Message("people-200", "messages-100", "other", 9));

        _everything = await _db.CreateTableAsync<Everything>();
        await _everything.PutAsync(new Everything
        {
            Pk = "e", Sk = "1", Text = "hello", Flag = true, Int = 5, Color = Color.Blue, Tags = ["a", "b"], Labels = ["x"],
            Home = new Address { City = "Oslo", Zip = 150 }, Counts = new() { ["a"] = 3 }, NullableInt = 1, Byte = 7, Letter = 'q',
        });
        await _everything.PutAsync(new Everything
        {
            Pk = "e", Sk = "2", Text = "world", Flag = false, Int = 10, Color = Color.Red, Tags = ["c"],
            Home = new Address { City = "Bergen", Zip = 5003 }, Counts = new() { ["a"] = 1, ["b"] = 2 }, Byte = 200, Letter = 'a',
        });
        await _everything.PutAsync(new Everything { Pk = "e", Sk = "3", Int = 15, Scores = [1, 2, 3] });
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static (string? Key, string? Filter) Translate(KvQuery<Message> query)
    {
        var request = query.ToRequest();
        return (request.SortKeyCondition?.ToString(), request.Filter?.ToString());
    }

    private (string? Key, string? Filter) TranslateMessage(Expression<Func<Message, bool>> predicate) =>
        Translate(_messages.Query("people-100").Where(predicate));

    private string? FilterOf(Expression<Func<Everything, bool>> predicate)
    {
        var request = _everything.Query("e").Where(predicate).ToRequest();
        return request.Filter?.ToString();
    }

    private async Task<string[]> SortKeysAsync(Expression<Func<Everything, bool>> predicate) =>
        (await _everything.Query("e").Where(predicate).ToListAsync()).Select(e => e.Sk).ToArray();

    // ------------------------------------------------------------------ key conditions

    [Fact]
    public async Task StartsWithAndFilter_MessageExample()
    {
        var query = _messages.Query("people-100").Where(m => m.Sk.StartsWith("messages") && m.Likes > 3);

        Assert.Equal(("begins_with \"messages\"", "likes > 3"), Translate(query));
        Assert.Equal(
            "Query Message\n  partition: key = \"people-100\" (hash index probe)\n  sort key: begins_with \"messages\" (sort-key trie range)\n  order: ascending\n  filter: likes > 3",
            query.Explain().ReplaceLineEndings("\n"));

        var results = await query.ToListAsync();
        Assert.Equal(Enumerable.Range(104, 6).Select(i => $"messages-{i}"), results.Select(m => m.Sk));
        Assert.Equal(new Message("people-100", "messages-104", "text 104", 4), results[0]);
    }

    [Theory]
    [InlineData("==", "= \"messages-103\"")]
    [InlineData("<", "< \"messages-103\"")]
    [InlineData("<=", "<= \"messages-103\"")]
    [InlineData(">", "> \"messages-103\"")]
    [InlineData(">=", ">= \"messages-103\"")]
    public void Comparisons_OnSortKey_BecomeKeyConditions(string op, string expected)
    {
        Expression<Func<Message, bool>> predicate = op switch
        {
            "==" => m => m.Sk == "messages-103",
            "<" => m => m.Sk.CompareTo("messages-103") < 0,
            "<=" => m => string.Compare(m.Sk, "messages-103") <= 0,
            ">" => m => string.CompareOrdinal(m.Sk, "messages-103") > 0,
            _ => m => 0 <= m.Sk.CompareTo("messages-103"),
        };

        Assert.Equal((expected, null), TranslateMessage(predicate));
    }

    [Fact]
    public void ConstantOnTheLeft_IsFlipped()
    {
        Assert.Equal(("< \"m\"", "likes >= 3"), TranslateMessage(m => 3 <= m.Likes && string.Compare("m", m.Sk) > 0));
    }

    [Fact]
    public async Task GreaterOrEqualAndLessOrEqual_BecomeBetween()
    {
        var query = _messages.Query("people-100").Where(m => m.Sk.CompareTo("messages-102") >= 0 && m.Sk.CompareTo("messages-104") <= 0);

        Assert.Equal(("BETWEEN \"messages-102\" AND \"messages-104\"", null), Translate(query));
        Assert.Equal(["messages-102", "messages-103", "messages-104"], (await query.ToListAsync()).Select(m => m.Sk));
    }

    [Fact]
    public async Task ExtraSortKeyConjuncts_GoToTheFilter()
    {
        var query = _messages.Query("people-100").Where(m => m.Sk.StartsWith("messages") && m.Sk.CompareTo("messages-107") > 0);

        Assert.Equal(("begins_with \"messages\"", "sk > \"messages-107\""), Translate(query));
        Assert.Equal(["messages-108", "messages-109"], (await query.ToListAsync()).Select(m => m.Sk));
    }

    [Fact]
    public void EqualityIsPreferredOverRanges()
    {
        Assert.Equal(("= \"messages-105\"", "sk > \"a\""), TranslateMessage(m => m.Sk.CompareTo("a") > 0 && m.Sk == "messages-105"));
    }

    [Fact]
    public async Task SecondWhere_WithKeyConditionAlreadySet_Filters()
    {
        var query = _messages.Query("people-100")
            .Where(m => m.Sk.StartsWith("messages"))
            .Where(m => m.Sk == "messages-101" || m.Sk == "messages-102");

        Assert.Equal(("begins_with \"messages\"", "sk = \"messages-101\" OR sk = \"messages-102\""), Translate(query));
        Assert.Equal(2, await query.CountAsync());
    }

    [Fact]
    public void SortKeyInsideOr_IsAFilter()
    {
        Assert.Equal((null, "sk = \"a\" OR likes = 1"), TranslateMessage(m => m.Sk == "a" || m.Likes == 1));
    }

    [Fact]
    public void CapturedVariables_AreEvaluated()
    {
        var prefix = "mess";
        var limits = new { Low = 2, High = 5 };
        var suffix = "ages";

        Assert.Equal(("begins_with \"messages\"", "likes > 2 AND likes < 5"),
            TranslateMessage(m => m.Sk.StartsWith(prefix + suffix) && m.Likes > limits.Low && m.Likes < limits.High));
    }

    [Fact]
    public async Task NumericSortKey_Between()
    {
        var readings = await _db.CreateTableAsync<Reading>();
        for (var i = 0; i < 10; i++)
        {
            await readings.PutAsync(new Reading { PartitionKey = "r", SortKey = i, Value = i / 2.0 });
        }

        var low = 3;
        var query = readings.Query("r").Where(r => r.SortKey >= low && r.SortKey <= 6 && r.Value != 2.5);

        Assert.Equal("BETWEEN 3 AND 6", query.ToRequest().SortKeyCondition!.ToString());
        Assert.Equal("value <> 2.5", query.ToRequest().Filter!.ToString());
        Assert.Equal([3, 4, 6], (await query.ToListAsync()).Select(r => r.SortKey));
        Assert.Equal([6, 4], (await query.Descending().Take(2).ToListAsync()).Select(r => r.SortKey));
    }

    // ------------------------------------------------------------------ filters

    [Fact]
    public async Task NestedMembers_UseMappedNames()
    {
        Assert.Equal("home.city = \"Oslo\"", FilterOf(e => e.Home!.City == "Oslo"));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Home!.City == "Oslo"));
        Assert.Equal(["2"], await SortKeysAsync(e => e.Home!.Zip > 1000));
    }

    [Fact]
    public async Task AttributeNames_AreUsedInFilters()
    {
        var orders = await _db.CreateTableAsync<Order>();
        await orders.PutAsync(new Order { CustomerId = "c", OrderNumber = 1, Total = 5m });
        await orders.PutAsync(new Order { CustomerId = "c", OrderNumber = 2, Total = 50m });

        var query = orders.Query("c").Where(o => o.Total >= 10m && o.OrderNumber > 0);

        Assert.Equal("> 0", query.ToRequest().SortKeyCondition!.ToString());
        Assert.Equal("total_amount >= 10", query.ToRequest().Filter!.ToString());
        Assert.Equal([2L], (await query.ToListAsync()).Select(o => o.OrderNumber));
    }

    [Fact]
    public async Task ListIndexesAndContains()
    {
        Assert.Equal("tags[0] = \"a\"", FilterOf(e => e.Tags![0] == "a"));
        Assert.Equal("scores[1] = 2", FilterOf(e => e.Scores![1] == 2));
        Assert.Equal("contains(tags, \"c\")", FilterOf(e => e.Tags!.Contains("c")));
        Assert.Equal("contains(labels, \"x\")", FilterOf(e => e.Labels!.Contains("x")));
        Assert.Equal("contains(scores, 3)", FilterOf(e => e.Scores!.Contains(3)));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Tags![0] == "a"));
        Assert.Equal(["2"], await SortKeysAsync(e => e.Tags!.Contains("c")));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Labels!.Contains("x")));
        Assert.Equal(["3"], await SortKeysAsync(e => e.Scores![1] == 2 && e.Scores.Contains(3)));
    }

    [Fact]
    public async Task DictionaryKeysAndSizes()
    {
        Assert.Equal("counts.b = 2", FilterOf(e => e.Counts!["b"] == 2));
        Assert.Equal("size(tags) > 1", FilterOf(e => e.Tags!.Count > 1));
        Assert.Equal("size(scores) = 3", FilterOf(e => e.Scores!.Length == 3));
        Assert.Equal("size(counts) >= 2", FilterOf(e => e.Counts!.Count >= 2));
        Assert.Equal("attribute_exists(counts.b)", FilterOf(e => e.Counts!.ContainsKey("b")));
        Assert.Equal(["2"], await SortKeysAsync(e => e.Counts!["b"] == 2));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Tags!.Count > 1));
        Assert.Equal(["3"], await SortKeysAsync(e => e.Scores!.Length == 3));
    }

    [Fact]
    public async Task StringMethods_OnNonKeyAttributes()
    {
        Assert.Equal("begins_with(text, \"he\")", FilterOf(e => e.Text!.StartsWith("he")));
        Assert.Equal("contains(text, \"orl\")", FilterOf(e => e.Text!.Contains("orl", StringComparison.Ordinal)));
        Assert.Equal("text = \"hello\"", FilterOf(e => e.Text!.Equals("hello")));
        Assert.Equal("attribute_not_exists(text) OR text = \"\"", FilterOf(e => string.IsNullOrEmpty(e.Text)));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Text!.StartsWith("he")));
        Assert.Equal(["2"], await SortKeysAsync(e => e.Text!.Contains('r')));
        Assert.Equal(["3"], await SortKeysAsync(e => string.IsNullOrEmpty(e.Text)));
    }

    [Fact]
    public async Task NullComparisons_BecomeExistenceChecks()
    {
        Assert.Equal("attribute_not_exists(text)", FilterOf(e => e.Text == null));
        Assert.Equal("attribute_exists(text)", FilterOf(e => null != e.Text));
        Assert.Equal("attribute_exists(nullableInt)", FilterOf(e => e.NullableInt.HasValue));
        Assert.Equal("attribute_not_exists(home.street)", FilterOf(e => e.Home!.Street == null));
        Assert.Equal(["3"], await SortKeysAsync(e => e.Text == null));
        Assert.Equal(["1", "2"], await SortKeysAsync(e => e.Text != null));
        Assert.Equal(["1"], await SortKeysAsync(e => e.NullableInt.HasValue));
    }

    [Fact]
    public async Task BooleansAndLogic()
    {
        Assert.Equal("flag = true", FilterOf(e => e.Flag));
        Assert.Equal("NOT flag = true", FilterOf(e => !e.Flag));
        Assert.Equal("flag = false", FilterOf(e => e.Flag == false));
        Assert.Equal("(int = 5 OR int > 12) AND NOT text = \"x\"", FilterOf(e => (e.Int == 5 || e.Int > 12) && !(e.Text == "x")));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Flag));
        Assert.Equal(["2", "3"], await SortKeysAsync(e => !e.Flag));
        Assert.Equal(["1", "3"], await SortKeysAsync(e => (e.Int == 5 || e.Int > 12) && !(e.Text == "x")));
    }

    [Fact]
    public async Task EnumsCharsAndSmallIntegers_AreConvertedThroughTheProperty()
    {
        var color = Color.Blue;
        Assert.Equal("color = \"Blue\"", FilterOf(e => e.Color == color));
        Assert.Equal("color <> \"Red\"", FilterOf(e => Color.Red != e.Color));
        Assert.Equal("nullableColor = \"Green\"", FilterOf(e => e.NullableColor == Color.Green));
        Assert.Equal("letter = \"q\"", FilterOf(e => e.Letter == 'q'));
        Assert.Equal("byte > 100", FilterOf(e => e.Byte > 100));
        Assert.Equal("nullableInt = 1", FilterOf(e => e.NullableInt == 1));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Color == color));
        Assert.Equal(["2"], await SortKeysAsync(e => e.Byte > 100));
        Assert.Equal(["1"], await SortKeysAsync(e => e.Letter == 'q'));
    }

    [Fact]
    public async Task CapturedCollectionContains_BecomesIn()
    {
        var wanted = new[] { 5, 15, 99 };
        var names = new List<string> { "world" };

        Assert.Equal("int IN (5, 15, 99)", FilterOf(e => wanted.Contains(e.Int)));
        Assert.Equal("text IN (\"world\")", FilterOf(e => names.Contains(e.Text!)));
        Assert.Equal(["1", "3"], await SortKeysAsync(e => wanted.Contains(e.Int)));
        Assert.Equal(["2"], await SortKeysAsync(e => names.Contains(e.Text!)));
        Assert.Empty(await SortKeysAsync(e => Array.Empty<int>().Contains(e.Int)));
    }

    [Fact]
    public async Task PropertyToPropertyComparisons()
    {
        Assert.Equal("int > byte", FilterOf(e => e.Int > e.Byte));
        Assert.Equal(["3"], await SortKeysAsync(e => e.Int > e.Byte));
    }

    [Fact]
    public async Task ConstantPredicates()
    {
        Assert.Null(FilterOf(e => true));
        Assert.Equal(3, await _everything.Query("e").Where(e => true).CountAsync());
        Assert.Equal(0, await _everything.Query("e").Where(e => e.Int > 100 || false).CountAsync());
    }

    [Fact]
    public async Task Scan_Where_IsAFilter()
    {
        var scan = _messages.Scan().Where(m => m.Sk == "messages-100" && m.Likes > 5);

        Assert.Equal("sk = \"messages-100\" AND likes > 5", scan.ToRequest().Filter!.ToString());
        var results = await scan.ToListAsync();
        Assert.Equal(new Message("people-200", "messages-100", "other", 9), Assert.Single(results));
        Assert.Equal(1, await scan.CountAsync());
        Assert.Equal(results[0], await scan.FirstOrDefaultAsync());
    }

    [Fact]
    public async Task Terminals_TakeFirstCountEnumerate()
    {
        var query = _messages.Query("people-100").Where(m => m.Sk.StartsWith("messages"));

        Assert.Equal(10, await query.CountAsync());
        Assert.Equal("messages-109", (await query.Descending().FirstOrDefaultAsync())!.Sk);
        Assert.Null(await _messages.Query("nobody").FirstOrDefaultAsync());
        var seen = new List<int>();
        await foreach (var message in query.Take(3))
        {
            seen.Add(message.Likes);
        }

        Assert.Equal([0, 1, 2], seen);
        Assert.Contains("take: 3", query.Take(3).Explain(), StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ unsupported

    [Fact]
    public void UnsupportedMethod_ThrowsNotSupported_NamingTheExpression()
    {
        var ex = Assert.Throws<NotSupportedException>(() => _messages.Query("p").Where(m => m.Text.EndsWith("x")));

        Assert.StartsWith(
            "The expression 'm.Text.EndsWith(\"x\")' cannot be translated to a KvDb key condition or filter: conditions have no ends_with function. Supported: comparisons",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedOperand_ThrowsNotSupported()
    {
        var upper = Assert.Throws<NotSupportedException>(() => _messages.Query("p").Where(m => m.Text.ToUpperInvariant() == "X"));
        Assert.StartsWith("The expression 'm.Text.ToUpperInvariant()' cannot be translated to a KvDb key condition or filter: it is not a mapped property.", upper.Message, StringComparison.Ordinal);

        var length = Assert.Throws<NotSupportedException>(() => _messages.Query("p").Where(m => m.Text.Length > 3));
        Assert.Contains("string.Length counts UTF-16 characters while size() counts UTF-8 bytes", length.Message, StringComparison.Ordinal);

        var arithmetic = Assert.Throws<NotSupportedException>(() => _messages.Query("p").Where(m => m.Likes + 1 > 3));
        Assert.StartsWith("The expression '(m.Likes + 1)' cannot be translated", arithmetic.Message, StringComparison.Ordinal);

        var culture = Assert.Throws<NotSupportedException>(() => _messages.Query("p").Where(m => m.Text.StartsWith("a", StringComparison.OrdinalIgnoreCase)));
        Assert.Contains("only ordinal string comparisons are supported", culture.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnumOrdering_IsNotSupported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => _everything.Query("e").Where(e => e.Color > Color.Red));

        Assert.Contains("enums are stored as their names, so only == and != can be used on them", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnmappedProperty_IsNotSupported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => _db.Table<Order>().Query("c").Where(o => o.Scratch == "x"));

        Assert.Contains("property Order.Scratch is not mapped (it is ignored or has no setter)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrderingWithNull_IsNotSupported()
    {
        int? none = null;

        var ex = Assert.Throws<NotSupportedException>(() => _everything.Query("e").Where(e => e.NullableInt > none));

        Assert.Contains("an ordering comparison with null is always false; use == null or != null", ex.Message, StringComparison.Ordinal);
    }
}
