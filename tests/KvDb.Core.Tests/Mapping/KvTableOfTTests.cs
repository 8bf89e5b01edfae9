using KvDb.Expressions;

namespace KvDb.Core.Tests.Mapping;

public sealed class KvTableOfTTests
{
    [Fact]
    public async Task CreateTableAsync_DerivesSchemaFromMapping()
    {
        await using var db = KvDatabase.OpenInMemory();

        var orders = await db.CreateTableAsync<Order>();
        var description = await orders.Untyped.DescribeAsync();

        Assert.Equal("orders", orders.Name);
        Assert.Equal(new TableSchema("orders", new KeyAttribute("customerId", ScalarType.String), new KeyAttribute("orderNumber", ScalarType.Number)), description.Schema);
    }

    [Fact]
    public async Task CreateTableAsync_WithName_OverridesDefault()
    {
        await using var db = KvDatabase.OpenInMemory();

        var messages = await db.CreateTableAsync<Message>("inbox");

        Assert.Equal("inbox", messages.Name);
        Assert.Equal(["inbox"], await db.ListTablesAsync());
        Assert.Equal("inbox", db.Table<Message>("inbox").Name);
        Assert.Equal("Message", db.Table<Message>().Name);
    }

    [Fact]
    public async Task PutGetDelete_RoundTripsObjects()
    {
        await using var db = KvDatabase.OpenInMemory();
        var orders = await db.CreateTableAsync<Order>();
        var order = new Order { CustomerId = "c1", OrderNumber = 42, Total = 12.5m, Status = Color.Green };

        var put = await orders.PutAsync(order);
        var read = await orders.GetAsync("c1", 42);

        Assert.True(put.Succeeded);
        Assert.NotNull(read);
        Assert.Equal(12.5m, read.Total);
        Assert.Equal(Color.Green, read.Status);
        Assert.Equal("c1/42", read.Summary);

        Assert.Null(await orders.GetAsync("c1", 43));
        Assert.NotNull(await orders.GetAsync("c1", 42L));
        Assert.NotNull(await orders.GetAsync("c1", AttributeValue.FromNumber(42)));

        await orders.DeleteAsync("c1", 42);
        Assert.Null(await orders.GetAsync("c1", 42));
    }

    [Fact]
    public async Task DeleteAsync_Entity_DeletesByItsKey()
    {
        await using var db = KvDatabase.OpenInMemory();
        var messages = await db.CreateTableAsync<Message>();
        var message = new Message("p", "s", "hi", 1);
        await messages.PutAsync(message);

        await messages.DeleteAsync(message);

        Assert.Null(await messages.GetAsync("p", "s"));
    }

    [Fact]
    public async Task DeleteAsync_WithCondition_ReportsFailure()
    {
        await using var db = KvDatabase.OpenInMemory();
        var messages = await db.CreateTableAsync<Message>();
        await messages.PutAsync(new Message("p", "s", "hi", 1));

        var byKey = await messages.DeleteAsync("p", "s", Condition.Path("likes").GreaterThan(5));
        var byEntity = await messages.DeleteAsync(new Message("p", "s", "", 0), Condition.Path("likes").GreaterThan(5));

        Assert.False(byKey.Succeeded);
        Assert.False(byEntity.Succeeded);
        Assert.NotNull(await messages.GetAsync("p", "s"));
    }

    [Fact]
    public async Task PutAsync_WithCondition_ReportsFailure()
    {
        await using var db = KvDatabase.OpenInMemory();
        var messages = await db.CreateTableAsync<Message>();
        await messages.PutAsync(new Message("p", "s", "first", 1));

        var result = await messages.PutAsync(new Message("p", "s", "second", 2), Condition.Path("pk").NotExists());

        Assert.False(result.Succeeded);
        Assert.Equal("first", (await messages.GetAsync("p", "s"))!.Text);
    }

    [Fact]
    public async Task UpdateAsync_AppliesUpdateExpression()
    {
        await using var db = KvDatabase.OpenInMemory();
        var messages = await db.CreateTableAsync<Message>();
        await messages.PutAsync(new Message("p", "s", "hi", 1));

        var result = await messages.UpdateAsync("p", "s", UpdateExpression.Parse("SET likes = likes + :one", values: new Dictionary<string, AttributeValue> { [":one"] = 1 }),
            returnValues: ReturnValues.AllNew);

        Assert.Equal(new Message("p", "s", "hi", 2), messages.FromItem(result.Attributes!));
        Assert.Equal(2, (await messages.GetAsync("p", "s"))!.Likes);
    }

    [Fact]
    public async Task GuidAndComputedKeys_Work()
    {
        await using var db = KvDatabase.OpenInMemory();
        var users = await db.CreateTableAsync<User>();
        var accounts = await db.CreateTableAsync<Account>();
        var id = Guid.NewGuid();

        await users.PutAsync(new User { Id = id, Name = "Ada" });
        await accounts.PutAsync(new Account { Number = 7 });

        Assert.Equal("Ada", (await users.GetAsync(id))!.Name);
        Assert.Equal("Ada", (await users.GetAsync(id.ToString()))!.Name);
        Assert.Equal(7, (await accounts.GetAsync("account#7"))!.Number);
    }

    [Fact]
    public async Task KeyValueOfWrongType_ThrowsArgumentException()
    {
        await using var db = KvDatabase.OpenInMemory();
        var orders = await db.CreateTableAsync<Order>();

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await orders.GetAsync("c1", "not-a-number"));

        Assert.StartsWith(
            "The sort key of table \"orders\" is \"orderNumber\" (N); a value of type string cannot be converted to it.",
            ex.Message,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => orders.Query(5));
    }

    [Fact]
    public async Task SortKeyValue_ForTableWithoutSortKey_ThrowsArgumentException()
    {
        await using var db = KvDatabase.OpenInMemory();
        var users = await db.CreateTableAsync<User>();

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await users.GetAsync(Guid.NewGuid(), "x"));

        Assert.StartsWith("Type User (table \"User\") has no sort key, so no sort key value can be given.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ItemNotFittingTheType_ThrowsInvalidMapping()
    {
        await using var db = KvDatabase.OpenInMemory();
        var messages = await db.CreateTableAsync<Message>();
        await messages.Untyped.PutAsync(Item.Create().Set("pk", "p").Set("sk", "s").Set("likes", "lots").Build());

        var ex = await Assert.ThrowsAsync<KvDbException>(async () => await messages.GetAsync("p", "s"));

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal("Cannot read Message.Likes (int) from attribute \"likes\": expected N, found S.", ex.Message);
    }

    [Fact]
    public void Table_OfUnmappableType_ThrowsInvalidMapping()
    {
        using var db = KvDatabase.OpenInMemory();

        var ex = Assert.Throws<KvDbException>(() => db.Table<NoKey>());

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
    }

    [Fact]
    public async Task As_GivesTypedViewOfUntypedTable()
    {
        await using var db = KvDatabase.OpenInMemory();
        var table = await db.CreateTableAsync("inbox", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
        await table.PutAsync(Item.Create().Set("pk", "p").Set("sk", "s").Set("text", "hi").Set("likes", 3).Build());

        var typed = table.As<Message>();

        Assert.Equal(new Message("p", "s", "hi", 3), await typed.GetAsync("p", "s"));
        Assert.Equal(new ItemKey("p", "s"), typed.KeyOf(new Message("p", "s", "", 0)));
    }
}
