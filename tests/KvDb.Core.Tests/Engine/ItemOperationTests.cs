using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

public sealed class ItemOperationTests : IAsyncLifetime
{
    private KvDatabase _db = null!;
    private KvTable _t = null!;

    public async Task InitializeAsync()
    {
        _db = KvDatabase.OpenInMemory();
        _t = await _db.CreateTableAsync("people", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static Item It(string pk, string sk, params (string Name, AttributeValue Value)[] attrs)
    {
        var b = Item.Create().Set("pk", pk).Set("sk", sk);
        foreach (var (n, v) in attrs)
        {
            b.Set(n, v);
        }

        return b.Build();
    }

    [Fact]
    public async Task Put_WhenKeyMissing_Creates()
    {
        var r = await _t.PutAsync(It("p", "s", ("name", "Ted")));
        Assert.True(r.Succeeded);
        Assert.Null(r.Attributes);
        var item = await _t.GetAsync("p", "s");
        Assert.Equal("Ted", item!["name"].AsString());
    }

    [Fact]
    public async Task Put_WithReturnAllOld_ReturnsReplacedItem()
    {
        await _t.PutAsync(It("p", "s", ("v", 1)));
        var r = await _t.PutAsync(It("p", "s", ("v", 2)), returnValues: ReturnValues.AllOld);
        Assert.Equal(1, r.Attributes!["v"].AsNumber().ToInt64());
        Assert.Equal(2, (await _t.GetAsync("p", "s"))!["v"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task Put_WhenConditionFails_ReturnsFailureAndChangesNothing()
    {
        await _t.PutAsync(It("p", "s", ("v", 1)));
        var r = await _t.PutAsync(It("p", "s", ("v", 2)), Condition.AttributeNotExists("pk"));
        Assert.False(r.Succeeded);
        Assert.True(r.ConditionFailed);
        Assert.Equal(1, (await _t.GetAsync("p", "s"))!["v"].AsNumber().ToInt64());

        var withOld = await _db.Store.PutItemAsync(new PutItemRequest("people", It("p", "s", ("v", 3))) { Condition = Condition.Path("v").Equal(5), ReturnOldOnConditionFailure = true });
        Assert.False(withOld.Succeeded);
        Assert.Equal(1, withOld.Attributes!["v"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task Put_WithInvalidReturnValues_Throws()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.PutAsync(It("p", "s"), returnValues: ReturnValues.AllNew));
        Assert.Equal(KvErrorCode.InvalidQuery, e.Code);
    }

    [Fact]
    public async Task Get_WithProjection_ReturnsOnlyThosePaths()
    {
        await _t.PutAsync(It("p", "s", ("a", 1), ("b", AttributeValue.FromMap(new AttributeMap([new("c", 2), new("d", 3)])))));
        var item = await _t.GetAsync(new ItemKey("p", "s"), Projection.Of("a", "b.c"));
        Assert.Equal(2, item!.Count);
        Assert.Equal(1, item["a"].AsNumber().ToInt64());
        Assert.Equal(2, item["b"].AsMap()["c"].AsNumber().ToInt64());
        Assert.False(item["b"].AsMap().ContainsKey("d"));
    }

    [Fact]
    public async Task Get_WhenAbsent_ReturnsNullAndTryGetFalse()
    {
        Assert.Null(await _t.GetAsync("nobody", "x"));
        Assert.False(_t.TryGet(new ItemKey("nobody", "x"), out var item));
        Assert.Null(item);
    }

    [Fact]
    public async Task Delete_WhenConditionHolds_ReturnsOld()
    {
        await _t.PutAsync(It("p", "s", ("v", 7)));
        var r = await _t.DeleteAsync(new ItemKey("p", "s"), Condition.Path("v").GreaterThan(5), ReturnValues.AllOld);
        Assert.True(r.Succeeded);
        Assert.Equal(7, r.Attributes!["v"].AsNumber().ToInt64());
        Assert.Null(await _t.GetAsync("p", "s"));
    }

    [Fact]
    public async Task Delete_WhenConditionFails_KeepsItem()
    {
        await _t.PutAsync(It("p", "s", ("v", 3)));
        var r = await _t.DeleteAsync(new ItemKey("p", "s"), Condition.Path("v").GreaterThan(5));
        Assert.False(r.Succeeded);
        Assert.NotNull(await _t.GetAsync("p", "s"));
    }

    [Fact]
    public async Task Delete_WhenAbsentWithExistsCondition_Fails()
    {
        var r = await _t.DeleteAsync(new ItemKey("p", "s"), Condition.AttributeExists("pk"));
        Assert.False(r.Succeeded);
    }

    [Fact]
    public async Task Update_OnMissingItem_CreatesItWithKey()
    {
        var r = await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("name", "Sam").Add("visits", 1), returnValues: ReturnValues.AllNew);
        Assert.True(r.Succeeded);
        Assert.Equal("p", r.Attributes!["pk"].AsString());
        Assert.Equal("s", r.Attributes["sk"].AsString());
        Assert.Equal("Sam", r.Attributes["name"].AsString());
        Assert.Equal(1, r.Attributes["visits"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task Update_NestedPaths_SetRemoveAddDelete()
    {
        await _t.PutJsonAsync("""{"pk":"p","sk":"s","a":{"b":[{"c":1},{"c":2},{"c":3}]},"list":[1],"gone":true}""");
        await _t.UpdateAsync(new ItemKey("p", "s"), UpdateExpression.Parse(
            "SET a.b[2].c = a.b[2].c + :one, list = list_append(list, :more), fresh = if_not_exists(fresh, :zero) REMOVE gone ADD tags :tags",
            values: new Dictionary<string, AttributeValue>
            {
                [":one"] = 1, [":more"] = AttributeValue.FromList(2, 3), [":zero"] = 0,
                [":tags"] = AttributeValue.FromStringSet(["x", "y"]),
            }));
        await _t.UpdateAsync(new ItemKey("p", "s"), UpdateExpression.Parse("DELETE tags :x", values: new Dictionary<string, AttributeValue> { [":x"] = AttributeValue.FromStringSet(["x"]) }));
        var item = (await _t.GetAsync("p", "s"))!;
        Assert.Equal("""{"pk":"p","sk":"s","a":{"b":[{"c":1},{"c":2},{"c":4}]},"list":[1,2,3],"fresh":0,"tags":["y"]}""", item.ToJson());
    }

    [Fact]
    public async Task Update_ReturnValues_UpdatedOldAndNew()
    {
        await _t.PutAsync(It("p", "s", ("a", 1), ("b", 2)));
        var oldR = await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("a", 10), returnValues: ReturnValues.UpdatedOld);
        Assert.Single(oldR.Attributes!);
        Assert.Equal(1, oldR.Attributes!["a"].AsNumber().ToInt64());
        var newR = await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("a", 11), returnValues: ReturnValues.UpdatedNew);
        Assert.Equal(11, newR.Attributes!["a"].AsNumber().ToInt64());
        var allOld = await _t.UpdateAsync(new ItemKey("p", "s"), Update.Remove("b"), returnValues: ReturnValues.AllOld);
        Assert.Equal(2, allOld.Attributes!["b"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task Update_OfKeyAttribute_ThrowsAndChangesNothing()
    {
        await _t.PutAsync(It("p", "s", ("v", 1)));
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("sk", "t")));
        Assert.Equal(KvErrorCode.InvalidUpdate, e.Code);
        Assert.Equal("Table \"people\": cannot update attribute \"sk\" because \"sk\" is part of the key.", e.Message);
        Assert.NotNull(await _t.GetAsync("p", "s"));
    }

    [Fact]
    public async Task Update_WithTypeError_ThrowsNamingTableAndKeyAndChangesNothing()
    {
        await _t.PutAsync(It("p", "s", ("name", "Ted")));
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.UpdateAsync(new ItemKey("p", "s"), Update.Add("name", 1)));
        Assert.Equal(KvErrorCode.InvalidUpdate, e.Code);
        Assert.StartsWith("Table \"people\", key (\"p\", \"s\"): ", e.Message, StringComparison.Ordinal);
        Assert.Equal("Ted", (await _t.GetAsync("p", "s"))!["name"].AsString());
    }

    [Fact]
    public async Task Update_WhenConditionFails_ChangesNothing()
    {
        await _t.PutAsync(It("p", "s", ("v", 1)));
        var r = await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("v", 2), Condition.Path("v").Equal(5));
        Assert.False(r.Succeeded);
        Assert.Equal(1, (await _t.GetAsync("p", "s"))!["v"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task Update_ThatGrowsItemPast400KB_ThrowsItemTooLarge()
    {
        await _t.PutAsync(It("p", "s", ("a", new string('x', 300_000))));
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.UpdateAsync(new ItemKey("p", "s"), Update.Set("b", new string('y', 200_000))));
        Assert.Equal(KvErrorCode.ItemTooLarge, e.Code);
        Assert.False((await _t.GetAsync("p", "s"))!.ContainsKey("b"));
    }

    [Fact]
    public async Task BatchWrite_PutsAndDeletesAcrossTables()
    {
        var other = await _db.CreateTableAsync("other", new KeyAttribute("id", ScalarType.Number));
        await _t.PutAsync(It("p", "gone"));
        await _db.BatchWriteAsync(
        [
            BatchWriteOperation.Put("people", It("p", "1")),
            BatchWriteOperation.Put("people", It("p", "2")),
            BatchWriteOperation.Put("other", Item.Create().Set("id", 5).Build()),
            BatchWriteOperation.Delete("people", new ItemKey("p", "gone")),
        ]);
        Assert.Equal(2, await _t.Query("p").CountAsync());
        Assert.NotNull(await other.GetAsync(5));
        var got = await _t.BatchGetAsync([new ItemKey("p", "1"), new ItemKey("p", "missing"), new ItemKey("p", "2")]);
        Assert.Equal(["1", "2"], got.Select(i => i["sk"].AsString()));
    }

    [Fact]
    public async Task BatchWrite_WithOneBadItem_WritesNothing()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.BatchWriteAsync(
        [
            It("p", "1"),
            Item.Create().Set("pk", "p").Build(), // no sort key
        ]));
        Assert.Equal(KvErrorCode.InvalidKey, e.Code);
        Assert.Equal("Table \"people\": the sort key \"sk\" is missing.", e.Message);
        Assert.Null(await _t.GetAsync("p", "1"));
    }

    [Fact]
    public async Task BatchWrite_WithDuplicateKeys_Throws()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.BatchWriteAsync([It("p", "1"), It("p", "1")]));
        Assert.Equal(KvErrorCode.InvalidQuery, e.Code);
    }

    [Fact]
    public async Task Put_Sync_IsVisibleToTryGet()
    {
        _t.Put(It("p", "sync", ("v", 1)));
        Assert.True(_t.TryGet(new ItemKey("p", "sync"), out var item));
        Assert.Equal(1, item["v"].AsNumber().ToInt64());
    }
}
