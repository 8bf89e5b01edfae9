using KvDb.Storage;

namespace KvDb.Core.Tests.Storage;

/// <summary>The one-walk multi-attribute read (<see cref="Item.Select"/>) against one <see cref="Item.Get"/> per name.</summary>
public sealed class AttributeSelectorTests
{
    private static readonly string[] s_names = ["pk", "sk", "a", "n", "m", "b", "missing", "é"];

    private static Item RandomItem(Random random)
    {
        var builder = Item.Create().Set("pk", "p" + random.Next(100)).Set("sk", random.Next(1000));
        foreach (var name in s_names.Skip(2).Where(_ => random.Next(3) > 0))
        {
            builder = name switch
            {
                "a" => builder.Set("a", "text" + random.Next()),
                "n" => builder.Set("n", random.Next(3) == 0 ? -random.NextDouble() * 1e6 : random.Next()),
                "m" => builder.Set("m", AttributeValue.FromMap([new("x", AttributeValue.FromNumber(random.Next())), new("y", AttributeValue.FromString("z"))])),
                "b" => builder.Set("b", random.Next(2) == 0),
                _ => builder.Set(name, AttributeValue.FromNumber(random.Next(-5, 5))),
            };
        }

        return builder.Build();
    }

    [Fact]
    public async Task Select_AnyNames_OnBuiltDecodedAndStoredItems_EqualsGetPerName()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        var random = new Random(42);
        for (var round = 0; round < 300; round++)
        {
            var built = RandomItem(random);
            await db.Store.PutItemAsync(new PutItemRequest("t", built));
            var stored = (await db.Store.GetItemAsync(new GetItemRequest("t", new ItemKey(built["pk"], built["sk"]))))!;
            var encoded = Item.Encoded([.. built.Keys], [.. built.Values]);
            var names = s_names.Where(_ => random.Next(2) == 0).OrderBy(_ => random.Next()).ToArray();
            if (random.Next(5) == 0 && names.Length > 0)
            {
                names = [.. names, names[0]]; // a name asked twice gets its value twice
            }

            var selector = new AttributeSelector(names);
            foreach (var item in new[] { built, stored, encoded })
            {
                var row = new AttributeValue?[names.Length + 2];
                row[0] = AttributeValue.FromString("untouched");
                item.Select(selector, row, 1);
                Assert.Equal(AttributeValue.FromString("untouched"), row[0]);
                Assert.Null(row[^1]);
                for (var i = 0; i < names.Length; i++)
                {
                    Assert.Equal(item.Get(names[i]), row[i + 1]);
                    Assert.Equal(built.Get(names[i]), row[i + 1]);
                }
            }
        }
    }

    [Fact]
    public void Encoded_EqualsTheItemBuiltFromAMap_AndSurvivesALargeItemBefore()
    {
        var large = Item.Encoded(["big"], [AttributeValue.FromString(new string('x', 100_000))]);
        Assert.Equal(100_000, large["big"].AsString().Length);
        var item = Item.Encoded(["a", "n"], [AttributeValue.FromString("v"), AttributeValue.FromNumber(12.5m)]);
        var expected = Item.FromAttributes([new("a", AttributeValue.FromString("v")), new("n", AttributeValue.FromNumber(12.5m))]);
        Assert.Equal(expected, item);
        Assert.Equal(ItemCodec.EncodeAttributes(expected.ToMap()), item.Data);
    }

    [Fact]
    public void AttributeMap_FromListArrayOrSequence_RejectsDuplicatesAndNulls()
    {
        KeyValuePair<string, AttributeValue>[] array = [new("a", AttributeValue.FromNumber(1)), new("b", AttributeValue.FromNumber(2))];
        Assert.Equal(new AttributeMap(array), new AttributeMap(array.ToList()));
        Assert.Equal(new AttributeMap(array), new AttributeMap(array.Select(p => p)));
        foreach (var bad in new Func<IEnumerable<KeyValuePair<string, AttributeValue>>, IEnumerable<KeyValuePair<string, AttributeValue>>>[] { l => l.ToArray(), l => l.ToList(), l => l.Select(p => p) })
        {
            Assert.Throws<ArgumentException>(() => new AttributeMap(bad([new("a", AttributeValue.FromNumber(1)), new("a", AttributeValue.FromNumber(2))])));
            Assert.Throws<ArgumentNullException>(() => new AttributeMap(bad([new("a", null!)])));
        }
    }
}
