using KvDb.Expressions;

namespace KvDb.Core.Tests.Model;

public sealed class DocumentTests
{
    [Theory]
    [InlineData("""{"id":"1","name":"Sam Squire","age":32,"hobbies":["God","databases","computers"]}""")]
    [InlineData("""{"id":"2","nested":{"a":{"b":{"c":[1,2,{"d":null}]}}},"flag":false,"t":true}""")]
    [InlineData("""{"id":"3","floats":[1.5,-0.25,3.14159265358979323846264338327950288],"big":1E+125,"tiny":1E-130,"neg":-7}""")]
    [InlineData("""{"id":"4","empty":{},"emptyList":[],"emptyString":"","unicode":"h\u00e9llo \u2603 \ud83d\ude00"}""")]
    public async Task Document_RoundTrips_Exactly(string json)
    {
        await using var db = KvDatabase.OpenInMemory();
        var docs = await db.CreateTableAsync("docs", new KeyAttribute("id", ScalarType.String));
        await docs.PutJsonAsync(json);
        var id = Item.FromJson(json)["id"].AsString();
        var back = (await docs.GetAsync(id))!.ToJson();
        Assert.Equal(Normalise(json), Normalise(back));
    }

    private static string Normalise(string json) =>
        System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Document_NumbersKeepTheirExactValue()
    {
        var item = Item.FromJson("""{"a":0.1,"b":1e3,"c":123456789012345678901234567890.123}""");
        Assert.Equal("0.1", item["a"].AsNumber().ToString());
        Assert.Equal("1000", item["b"].AsNumber().ToString());
        Assert.Equal("123456789012345678901234567890.123", item["c"].AsNumber().ToString());
        Assert.Equal("""{"a":0.1,"b":1000,"c":123456789012345678901234567890.123}""", item.ToJson());
    }

    [Theory]
    [InlineData("[1,2]", "Invalid JSON document: a document must be a JSON object, found an array (at byte 0).")]
    [InlineData("""{"a":1,"a":2}""", "Invalid JSON document: the key \"a\" appears twice in one object (at byte 7).")]
    [InlineData("""{"n":1e999}""", "The number 1e999 at byte 5 cannot be stored: ")]
    [InlineData("""{"a":""", "Invalid JSON document at line 1, byte ")]
    public void Document_BadJson_ThrowsInvalidDocument(string json, string messageStart)
    {
        var e = Assert.Throws<KvDbException>(() => Item.FromJson(json));
        Assert.Equal(KvErrorCode.InvalidDocument, e.Code);
        Assert.StartsWith(messageStart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_QueryAndFilterByNestedPaths()
    {
        await using var db = KvDatabase.OpenInMemory();
        var docs = await db.CreateTableAsync("people", new KeyAttribute("id", ScalarType.String));
        await docs.PutJsonAsync("""{"id":"1","name":"Sam","address":{"city":"London"},"hobbies":[{"name":"God"},{"name":"databases"}]}""");
        await docs.PutJsonAsync("""{"id":"2","name":"Ted","address":{"city":"Paris"},"hobbies":[{"name":"chess"}]}""");
        var london = await docs.Scan().Filter(Condition.Path("address.city").Equal("London")).ToListAsync();
        Assert.Equal(["1"], london.Select(i => i["id"].AsString()));
        var secondHobby = await docs.Scan().Filter(Condition.Path("hobbies[1].name").Equal("databases")).Select("name", "hobbies[1]").ToListAsync();
        Assert.Equal("""{"name":"Sam","hobbies":[{"name":"databases"}]}""", secondHobby.Single().ToJson());
    }

    [Fact]
    public void DynamoJson_RoundTrips()
    {
        var item = Item.Create().Set("s", "x").Set("n", 5).Set("b", new byte[] { 1, 2 }).Set("bool", true).Set("null", AttributeValue.Null)
            .Set("l", AttributeValue.FromList(1, "a")).Set("ss", AttributeValue.FromStringSet(["a", "b"]))
            .Set("ns", AttributeValue.FromNumberSet([1, 2])).Set("bs", AttributeValue.FromBinarySet([[1], [2]])).Build();
        var text = item.ToString();
        Assert.Equal("""{"s":{"S":"x"},"n":{"N":"5"},"b":{"B":"AQI="},"bool":{"BOOL":true},"null":{"NULL":true},"l":{"L":[{"N":"1"},{"S":"a"}]},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},"bs":{"BS":["AQ==","Ag=="]}}""", text);
        var back = Json.AttributeValueJson.ReadDynamoMap(System.Text.Json.JsonDocument.Parse(text).RootElement, "Item");
        Assert.Equal(item.ToMap(), back);
    }
}
