namespace KvDb.Core.Tests.Engine;

public sealed class ValidationTests : IAsyncLifetime
{
    private KvDatabase _db = null!;
    private KvTable _t = null!;
    private KvTable _n = null!;

    public async Task InitializeAsync()
    {
        _db = KvDatabase.OpenInMemory();
        _t = await _db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
        _n = await _db.CreateTableAsync("n", new KeyAttribute("id", ScalarType.Number));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<KvDbException> PutFails(KvTable table, Item item)
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await table.PutAsync(item));
        Assert.Equal(0, (await table.DescribeAsync()).ItemCount);
        return e;
    }

    [Fact]
    public async Task Put_WithoutPartitionKey_ThrowsInvalidKey()
    {
        var e = await PutFails(_t, Item.Create().Set("sk", "s").Build());
        Assert.Equal(KvErrorCode.InvalidKey, e.Code);
        Assert.Equal("Table \"t\": the partition key \"pk\" is missing.", e.Message);
    }

    [Fact]
    public async Task Put_WithWrongKeyType_ThrowsInvalidKey()
    {
        var e = await PutFails(_t, Item.Create().Set("pk", 5).Set("sk", "s").Build());
        Assert.Equal(KvErrorCode.InvalidKey, e.Code);
        Assert.Equal("Table \"t\": the partition key \"pk\" must be of type S, but the value given is N.", e.Message);
    }

    [Fact]
    public async Task Put_WithEmptyStringKey_ThrowsInvalidKey()
    {
        var e = await PutFails(_t, Item.Create().Set("pk", "p").Set("sk", "").Build());
        Assert.Equal("Table \"t\": the sort key \"sk\" must not be empty.", e.Message);
    }

    [Fact]
    public async Task Put_WithOversizedKeys_ThrowsKeyTooLarge()
    {
        var e = await PutFails(_t, Item.Create().Set("pk", new string('p', 2049)).Set("sk", "s").Build());
        Assert.Equal(KvErrorCode.KeyTooLarge, e.Code);
        Assert.Equal("Table \"t\": the partition key \"pk\" is 2049 bytes; the limit is 2048 bytes.", e.Message);
        e = await PutFails(_t, Item.Create().Set("pk", "p").Set("sk", new string('s', 1025)).Build());
        Assert.Equal("Table \"t\": the sort key \"sk\" is 1025 bytes; the limit is 1024 bytes.", e.Message);

        // The limits themselves are allowed.
        await _t.PutAsync(Item.Create().Set("pk", new string('p', 2048)).Set("sk", new string('s', 1024)).Build());
    }

    [Fact]
    public async Task Put_Over400KB_ThrowsItemTooLarge()
    {
        var e = await PutFails(_t, Item.Create().Set("pk", "p").Set("sk", "s").Set("blob", new string('x', 410_000)).Build());
        Assert.Equal(KvErrorCode.ItemTooLarge, e.Code);
        Assert.StartsWith("Table \"t\": the item with partition key \"p\" is 410", e.Message, StringComparison.Ordinal);
        await _t.PutAsync(Item.Create().Set("pk", "p").Set("sk", "s").Set("blob", new string('x', 400_000)).Build());
    }

    [Fact]
    public void Item_NestedDeeperThan32_ThrowsNestingTooDeep()
    {
        AttributeValue v = "leaf";
        for (var i = 0; i < 32; i++)
        {
            v = AttributeValue.FromList(v);
        }

        var e = Assert.Throws<KvDbException>(() => Item.Create().Set("deep", v).Build());
        Assert.Equal(KvErrorCode.NestingTooDeep, e.Code);
        Assert.Equal("Attribute \"deep\" is nested more than 32 levels deep.", e.Message);

        // 32 levels (31 lists around a scalar at the top level) are fine.
        AttributeValue ok = "leaf";
        for (var i = 0; i < 31; i++)
        {
            ok = AttributeValue.FromList(ok);
        }

        Item.Create().Set("deep", ok).Build();
    }

    [Fact]
    public void Sets_RejectEmptyAndDuplicates()
    {
        Assert.Equal("A string set (SS) must not be empty.", Assert.Throws<KvDbException>(() => AttributeValue.FromStringSet([])).Message);
        Assert.Equal("A string set (SS) contains the duplicate value \"a\".", Assert.Throws<KvDbException>(() => AttributeValue.FromStringSet(["a", "a"])).Message);
        var e = Assert.Throws<KvDbException>(() => AttributeValue.FromNumberSet([KvNumber.Parse("1e3"), KvNumber.Parse("1000")]));
        Assert.Equal(KvErrorCode.InvalidValue, e.Code);
        Assert.Throws<KvDbException>(() => AttributeValue.FromBinarySet([[1], [1]]));
    }

    [Fact]
    public async Task NumberKeys_AreNormalised_1e3EqualsThousand()
    {
        await _n.PutAsync(Item.Create().Set("id", KvNumber.Parse("1e3")).Set("v", "first").Build());
        await _n.PutAsync(Item.Create().Set("id", KvNumber.Parse("1000.00")).Set("v", "second").Build());
        Assert.Equal(1, (await _n.DescribeAsync()).ItemCount);
        Assert.Equal("second", (await _n.GetAsync(1000))!["v"].AsString());
    }

    [Fact]
    public async Task Get_WithWrongKeyShape_ThrowsInvalidKey()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _t.GetAsync("p"));
        Assert.Equal("Table \"t\": the key (\"p\") lacks the sort key \"sk\".", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _n.GetAsync(1, "x"));
        Assert.Equal("Table \"n\" has no sort key, but the key (1, \"x\") gives one.", e.Message);
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _n.GetAsync("1"));
        Assert.Equal("Table \"n\": the partition key \"id\" must be of type N, but the value given is S.", e.Message);
    }

    [Fact]
    public void Strings_WithLoneSurrogates_AreRejected()
    {
        var e = Assert.Throws<KvDbException>(() => Item.Create().Set("s", "\ud800").Build());
        Assert.Equal(KvErrorCode.InvalidValue, e.Code);
    }

    [Fact]
    public void MalformedEncodedItems_ThrowInvalidItem_NeverCrash()
    {
        var good = Item.Create().Set("a", AttributeValue.FromList(1, "x", AttributeValue.FromMap(new AttributeMap([new("k", true)])))).Build();
        var bytes = good.EncodedAttributes.ToArray();
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var truncated = bytes[..cut];
            var e = Record.Exception(() => new Item(truncated, 0).ToMap());
            Assert.True(e is null or KvDbException, $"cut at {cut}: {e}");
        }

        var rnd = new Random(1);
        for (var i = 0; i < 2000; i++)
        {
            var mutated = (byte[])bytes.Clone();
            mutated[rnd.Next(mutated.Length)] = (byte)rnd.Next(256);
            var e = Record.Exception(() => new Item(mutated, 0).ToMap());
            Assert.True(e is null or KvDbException, $"mutation {i}: {e}");
        }
    }
}
