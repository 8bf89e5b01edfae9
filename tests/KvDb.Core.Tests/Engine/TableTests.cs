namespace KvDb.Core.Tests.Engine;

public sealed class TableTests
{
    private static readonly KeyAttribute s_pk = new("pk", ScalarType.String);
    private static readonly KeyAttribute s_sk = new("sk", ScalarType.Number);

    [Fact]
    public async Task CreateTable_WhenNew_IsListedAndDescribed()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.CreateTableAsync("b", s_pk);
        await db.CreateTableAsync("a", s_pk, s_sk);
        Assert.Equal(["a", "b"], await db.ListTablesAsync());
        var d = await db.DescribeTableAsync("a");
        Assert.NotNull(d);
        Assert.Equal(s_pk, d.Schema.PartitionKey);
        Assert.Equal(s_sk, d.Schema.SortKey);
        Assert.Equal(0, d.ItemCount);
    }

    [Fact]
    public async Task CreateTable_WhenNameTaken_ThrowsTableAlreadyExists()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.CreateTableAsync("t", s_pk);
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await db.CreateTableAsync("t", s_pk));
        Assert.Equal(KvErrorCode.TableAlreadyExists, e.Code);
        Assert.Equal("Table \"t\" already exists.", e.Message);
    }

    [Theory]
    [InlineData("", "Table name \"\" is invalid: it must be 1 to 255 characters long.")]
    [InlineData("a b", "Table name \"a b\" is invalid: character ' ' at position 2 is not allowed (use letters, digits, '_', '-' and '.').")]
    [InlineData("t/1", "Table name \"t/1\" is invalid: character '/' at position 2 is not allowed (use letters, digits, '_', '-' and '.').")]
    public async Task CreateTable_WithBadName_ThrowsInvalidTableDefinition(string name, string message)
    {
        await using var db = KvDatabase.OpenInMemory();
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await db.CreateTableAsync(name, s_pk));
        Assert.Equal(KvErrorCode.InvalidTableDefinition, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task CreateTable_WithSameKeyNames_Throws()
    {
        await using var db = KvDatabase.OpenInMemory();
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await db.CreateTableAsync("t", s_pk, new KeyAttribute("pk", ScalarType.String)));
        Assert.Equal(KvErrorCode.InvalidTableDefinition, e.Code);
        Assert.Contains("sort key must be a different attribute", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteTable_RemovesItAndItsItems()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", s_pk);
        await t.PutAsync(Item.Create().Set("pk", "x").Build());
        Assert.True(await db.DeleteTableAsync("t"));
        Assert.False(await db.DeleteTableAsync("t"));
        Assert.Null(await db.DescribeTableAsync("t"));
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await t.GetAsync("x"));
        Assert.Equal(KvErrorCode.TableNotFound, e.Code);
        Assert.Equal("Table \"t\" does not exist.", e.Message);

        // A table of the same name starts empty.
        var t2 = await db.CreateTableAsync("t", s_pk);
        Assert.Null(await t2.GetAsync("x"));
    }

    [Fact]
    public async Task Describe_TracksItemCountAndSize()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", s_pk, s_sk);
        await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 1).Set("x", "hello").Build());
        await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 2).Build());
        await t.PutAsync(Item.Create().Set("pk", "b").Set("sk", 1).Build());
        await t.PutAsync(Item.Create().Set("pk", "b").Set("sk", 1).Set("y", 1).Build()); // replace
        await t.DeleteAsync("a", 2);
        var d = await t.DescribeAsync();
        Assert.Equal(2, d.ItemCount);
        Assert.Equal(2, d.PartitionCount);
        Assert.True(d.SizeBytes > 0);
    }
}
