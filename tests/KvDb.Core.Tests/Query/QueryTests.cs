using KvDb.Expressions;

namespace KvDb.Core.Tests.Query;

public sealed class QueryTests : IAsyncLifetime
{
    private KvDatabase _db = null!;
    private KvTable _t = null!;

    public async Task InitializeAsync()
    {
        _db = KvDatabase.OpenInMemory();
        _t = await _db.CreateTableAsync("messages", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
        // hash-db's example.py data set.
        (string, string, string)[] rows =
        [
            ("people-100", "messages-100", "a"), ("people-100", "messages-101", "b"), ("people-100", "messages-102", "c"),
            ("people-100", "messages-103", "d"), ("people-100", "messages-104", "e"), ("people-100", "messages-105", "f"),
            ("people-100", "messages-3500", "g"), ("people-200", "messages-500", "h"), ("machines-10", "messages-3500", "i"),
            ("people-100-2020-05-01", "friends-2019-05-01", "1, 2"), ("people-100-2020-06-01", "friends-2020-06-01", "1, 2, 3"),
        ];
        foreach (var (pk, sk, v) in rows)
        {
            await _t.PutAsync(Item.Create().Set("pk", pk).Set("sk", sk).Set("value", v).Build());
        }
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static string[] Sks(List<Item> items) => items.Select(i => i["sk"].AsString()).ToArray();

    private static string[] Keys(List<Item> items) => items.Select(i => $"{i["pk"].AsString()}|{i["sk"].AsString()}").ToArray();

    [Fact]
    public async Task QueryBegins_Ascending_ReturnsLexicographicOrder()
    {
        var items = await _t.Query("people-100").Where(sk => sk.BeginsWith("messages")).ToListAsync();
        Assert.Equal(["messages-100", "messages-101", "messages-102", "messages-103", "messages-104", "messages-105", "messages-3500"], Sks(items));
    }

    [Fact]
    public async Task CountOnlyQuery_PrefixOrWholePartition_CountsWithLimitAndFilter()
    {
        QueryRequest Request(string prefix) => new("messages")
        {
            PartitionKey = AttributeValue.FromString("people-100"),
            SortKeyCondition = prefix.Length == 0 ? null : KeyCondition.BeginsWith(AttributeValue.FromString(prefix)),
            CountOnly = true,
        };

        Assert.Equal(7, (await _db.Store.QueryAsync(Request(""))).Count);
        Assert.Equal(7, (await _db.Store.QueryAsync(Request("messages-"))).Count);
        Assert.Equal(6, (await _db.Store.QueryAsync(Request("messages-10"))).Count);
        Assert.Equal(0, (await _db.Store.QueryAsync(Request("messages-9"))).Count);
        Assert.Equal(0, (await _db.Store.QueryAsync(Request("messages-1000"))).Count);
        Assert.Equal(4, (await _db.Store.QueryAsync(Request("") with { SortKeyCondition = KeyCondition.Between(AttributeValue.FromString("messages-101"), AttributeValue.FromString("messages-104")) })).Count);
        Assert.Equal(3, (await _db.Store.QueryAsync(Request("") with { SortKeyCondition = new KeyCondition(KeyOperator.LessThan, AttributeValue.FromString("messages-103")) })).Count);
        Assert.Equal(2, (await _db.Store.QueryAsync(Request("") with { SortKeyCondition = new KeyCondition(KeyOperator.GreaterThanOrEqual, AttributeValue.FromString("messages-105")) })).Count);
        Assert.Equal(1, (await _db.Store.QueryAsync(Request("") with { SortKeyCondition = new KeyCondition(KeyOperator.Equal, AttributeValue.FromString("messages-102")) })).Count);

        // A limit below the count pages (the count stops at the limit and a resume key follows); a filter is applied.
        var page = await _db.Store.QueryAsync(Request("messages-10") with { Limit = 4 });
        Assert.Equal((4, 4), (page.Count, page.ScannedCount));
        Assert.Equal("messages-103", page.LastEvaluatedKey!.Value.SortKey!.AsString());
        var rest = await _db.Store.QueryAsync(Request("messages-10") with { ExclusiveStartKey = page.LastEvaluatedKey });
        Assert.Equal(2, rest.Count);
        var filtered = await _db.Store.QueryAsync(Request("messages-") with { Filter = Condition.Parse("#v IN (:a, :b)",
            new Dictionary<string, string> { ["#v"] = "value" },
            new Dictionary<string, AttributeValue> { [":a"] = AttributeValue.FromString("a"), [":b"] = AttributeValue.FromString("g") }) });
        Assert.Equal((2, 7), (filtered.Count, filtered.ScannedCount));

        // Counts follow deletes and re-inserts.
        await _t.DeleteAsync(new ItemKey("people-100", "messages-101"));
        Assert.Equal(5, (await _db.Store.QueryAsync(Request("messages-10"))).Count);
        await _t.PutAsync(Item.Create().Set("pk", "people-100").Set("sk", "messages-101").Set("value", "b").Build());
        Assert.Equal(6, (await _db.Store.QueryAsync(Request("messages-10"))).Count);
    }

    [Fact]
    public async Task QueryBegins_Descending_ReturnsReverseOrder()
    {
        var items = await _t.Query("people-100").Where(sk => sk.BeginsWith("messages")).Descending().ToListAsync();
        Assert.Equal(["messages-3500", "messages-105", "messages-104", "messages-103", "messages-102", "messages-101", "messages-100"], Sks(items));
    }

    [Fact]
    public async Task QueryPkSkBegins_Descending_OrdersByPartitionThenSortKey()
    {
        var items = await _t.QueryPartitions(pk => pk.BeginsWith("people")).Where(sk => sk.BeginsWith("messages")).Descending().ToListAsync();
        Assert.Equal(
        [
            "people-200|messages-500", "people-100|messages-3500", "people-100|messages-105", "people-100|messages-104",
            "people-100|messages-103", "people-100|messages-102", "people-100|messages-101", "people-100|messages-100",
        ], Keys(items));
    }

    [Fact]
    public async Task QueryBetween_IsInclusive()
    {
        var items = await _t.Query("people-100").Where(sk => sk.Between("messages-101", "messages-105")).Descending().ToListAsync();
        Assert.Equal(["messages-105", "messages-104", "messages-103", "messages-102", "messages-101"], Sks(items));
    }

    [Fact]
    public async Task BothBetween_FiltersPartitionAndSortKeyRanges()
    {
        var items = await _t.QueryPartitions(pk => pk.Between("people-100-2020-05", "people-100-2020-07"))
            .Where(sk => sk.Between("friends-2019", "friends-2020-06-~~")).Descending().ToListAsync();
        Assert.Equal(["people-100-2020-06-01|friends-2020-06-01", "people-100-2020-05-01|friends-2019-05-01"], Keys(items));
        Assert.Equal("1, 2, 3", items[0]["value"].AsString());
    }

    [Theory]
    [InlineData(KeyOperator.LessThan, "messages-102", new[] { "messages-100", "messages-101" })]
    [InlineData(KeyOperator.LessThanOrEqual, "messages-102", new[] { "messages-100", "messages-101", "messages-102" })]
    [InlineData(KeyOperator.GreaterThan, "messages-105", new[] { "messages-3500" })]
    [InlineData(KeyOperator.GreaterThanOrEqual, "messages-105", new[] { "messages-105", "messages-3500" })]
    [InlineData(KeyOperator.Equal, "messages-103", new[] { "messages-103" })]
    [InlineData(KeyOperator.Equal, "messages-1", new string[0])]
    public async Task Query_SortKeyOperators_SelectTheRange(KeyOperator op, string value, string[] expected)
    {
        var items = await _t.Query("people-100").Where(new KeyCondition(op, value)).ToListAsync();
        Assert.Equal(expected, Sks(items));
    }

    [Fact]
    public async Task Query_UnknownPartition_IsEmpty()
    {
        Assert.Empty(await _t.Query("nobody").ToListAsync());
        Assert.Empty(await _t.QueryPartitions(pk => pk.BeginsWith("zzz")).ToListAsync());
    }

    [Fact]
    public async Task Query_WithLimit_PaginatesWithResumeKey()
    {
        var request = new QueryRequest("messages") { PartitionKey = "people-100", Limit = 3 };
        var page1 = await _db.Store.QueryAsync(request);
        Assert.Equal(["messages-100", "messages-101", "messages-102"], page1.Items.Select(i => i["sk"].AsString()));
        Assert.Equal(new ItemKey("people-100", "messages-102"), page1.LastEvaluatedKey);
        var page3 = await _db.Store.QueryAsync(request with { ExclusiveStartKey = new ItemKey("people-100", "messages-105") });
        Assert.Equal(["messages-3500"], page3.Items.Select(i => i["sk"].AsString()));
        Assert.Null(page3.LastEvaluatedKey);
    }

    [Fact]
    public async Task Query_LimitCountsExaminedItems_FilterAppliesAfter()
    {
        var page = await _db.Store.QueryAsync(new QueryRequest("messages")
        {
            PartitionKey = "people-100", Limit = 4, Filter = Condition.Path("value").In("a", "c", "f"),
        });
        Assert.Equal(4, page.ScannedCount);
        Assert.Equal(2, page.Count);
        Assert.NotNull(page.LastEvaluatedKey);

        // The fluent Take counts results, walking pages as needed.
        var items = await _t.Query("people-100").Filter(Condition.Path("value").In("a", "c", "f")).PageSize(2).Take(3).ToListAsync();
        Assert.Equal(["a", "c", "f"], items.Select(i => i["value"].AsString()));
    }

    [Fact]
    public async Task Query_CountAndProjection()
    {
        Assert.Equal(7, await _t.Query("people-100").CountAsync());
        Assert.Equal(2, await _t.QueryPartitions(pk => pk.BeginsWith("people-100-")).CountAsync());
        var items = await _t.Query("people-100").Select("value").Take(1).ToListAsync();
        Assert.Equal("""{"value":"a"}""", items[0].ToJson());
        var first = await _t.Query("people-100").Descending().FirstOrDefaultAsync();
        Assert.Equal("messages-3500", first!["sk"].AsString());
    }

    [Fact]
    public async Task Query_PartitionRangeOperators()
    {
        var lt = await _t.QueryPartitions(pk => pk.LessThan("people")).ToListAsync();
        Assert.Equal(["machines-10|messages-3500"], Keys(lt));
        var ge = await _t.QueryPartitions(pk => pk.GreaterThanOrEqual("people-2")).ToListAsync();
        Assert.Equal(["people-200|messages-500"], Keys(ge));
    }

    [Fact]
    public async Task Query_PrefixRange_PaginatesAcrossPartitions()
    {
        var all = new List<string>();
        var request = new QueryRequest("messages") { PartitionKeyCondition = KeyCondition.BeginsWith("people"), Limit = 2, Descending = true };
        while (true)
        {
            var page = await _db.Store.QueryAsync(request);
            all.AddRange(page.Items.Select(i => $"{i["pk"].AsString()}|{i["sk"].AsString()}"));
            if (page.LastEvaluatedKey is null)
            {
                break;
            }

            request = request with { ExclusiveStartKey = page.LastEvaluatedKey };
        }

        Assert.Equal(10, all.Count);
        Assert.Equal(all.Distinct().Count(), all.Count);
        Assert.Equal("people-200|messages-500", all[0]);
        Assert.Equal("people-100|messages-100", all[^1]);
    }

    [Fact]
    public async Task Query_Errors_AreClear()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.Query("people-100").Where(sk => sk.Between("b", "a")).ToListAsync());
        Assert.Equal(KvErrorCode.InvalidQuery, e.Code);
        Assert.Equal("Query on table \"messages\": BETWEEN on the sort key \"sk\" has its lower bound \"b\" above its upper bound \"a\".", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.Query("people-100").Where(sk => sk.GreaterThan(5)).ToListAsync());
        Assert.Equal("Query on table \"messages\": the sort key \"sk\" is S, but the condition compares it with a N value.", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.Store.QueryAsync(new QueryRequest("messages")));
        Assert.Equal("Query on table \"messages\": give either a partition key value or a partition key condition (begins_with, BETWEEN, <, <=, >, >=), not neither.", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.Store.QueryAsync(new QueryRequest("messages") { PartitionKey = "a", Limit = 0 }));
        Assert.Equal("Query on table \"messages\": Limit must be at least 1, not 0.", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.Store.QueryAsync(new QueryRequest("messages") { PartitionKey = "a", ExclusiveStartKey = new ItemKey("b", "x") }));
        Assert.Equal("Query on table \"messages\": the exclusive start key (\"b\", \"x\") is not in the queried partition \"a\".", e.Message);

        var numbers = await _db.CreateTableAsync("nums", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("n", ScalarType.Number));
        e = await Assert.ThrowsAsync<KvDbException>(async () => await numbers.Query("a").Where(sk => sk.BeginsWith(KvNumber.Parse("1"))).ToListAsync());
        Assert.Equal("Query on table \"nums\": begins_with cannot be used on the sort key \"n\" because it is a number (N); use it on S or B keys.", e.Message);

        var single = await _db.CreateTableAsync("single", new KeyAttribute("id", ScalarType.String));
        e = await Assert.ThrowsAsync<KvDbException>(async () => await single.Query("a").Where(sk => sk.Equal("x")).ToListAsync());
        Assert.Equal("Query on table \"single\": the table has no sort key, so a sort key condition cannot be used.", e.Message);
    }

    [Fact]
    public async Task NumberSortKeys_OrderNumerically()
    {
        var t = await _db.CreateTableAsync("scores", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("n", ScalarType.Number));
        foreach (var n in new[] { "10", "-5", "2.5", "-0.001", "1e3", "0", "99999999999999999999999999999999999999", "-1E-130" })
        {
            await t.PutAsync(Item.Create().Set("pk", "a").Set("n", KvNumber.Parse(n)).Build());
        }

        var items = await t.Query("a").ToListAsync();
        Assert.Equal(["-5", "-0.001", "-1E-130", "0", "2.5", "10", "1000", "99999999999999999999999999999999999999"],
            items.Select(i => i["n"].AsNumber().ToString()));
        var range = await t.Query("a").Where(k => k.Between(-1, 10)).ToListAsync();
        Assert.Equal(["-0.001", "-1E-130", "0", "2.5", "10"], range.Select(i => i["n"].AsNumber().ToString()));
    }

    [Fact]
    public async Task BinaryKeys_OrderByUnsignedBytes()
    {
        var t = await _db.CreateTableAsync("bin", new KeyAttribute("pk", ScalarType.Binary), new KeyAttribute("sk", ScalarType.Binary));
        foreach (var b in new byte[][] { [0xFF], [0x00], [0x7F, 0x01], [0x80], [0x00, 0x00] })
        {
            await t.PutAsync(Item.Create().Set("pk", new byte[] { 1 }).Set("sk", b).Build());
        }

        var items = await t.Query(new byte[] { 1 }).ToListAsync();
        Assert.Equal(["00", "0000", "7F01", "80", "FF"], items.Select(i => Convert.ToHexString(i["sk"].AsBinary().Span)));
        var prefixed = await t.Query(new byte[] { 1 }).Where(k => k.BeginsWith(new byte[] { 0x00 })).ToListAsync();
        Assert.Equal(2, prefixed.Count);
    }

    [Fact]
    public async Task Explain_DescribesThePlan()
    {
        var plan = _t.Query("people-100").Where(sk => sk.BeginsWith("messages")).Descending().Take(10).Explain();
        Assert.Equal(
            "Query messages\n  partition: key = \"people-100\" (hash index probe)\n  sort key: begins_with \"messages\" (sort-key trie range)\n  order: descending\n  take: 10",
            plan.ReplaceLineEndings("\n"));
    }
}
