using System.Globalization;
using KvDb.Mapping;

namespace KvDb.Core.Tests.Mapping;

public sealed class ItemMapperTests
{
    private static Everything Sample() => new()
    {
        Pk = "p",
        Sk = "s",
        Text = "héllo",
        Flag = true,
        Letter = 'z',
        SByte = -100,
        Byte = 200,
        Short = -30000,
        UShort = 60000,
        Int = int.MinValue,
        UInt = uint.MaxValue,
        Long = long.MaxValue,
        ULong = ulong.MaxValue,
        Decimal = 79228162514264337593543950335m,
        Double = 0.1,
        Float = 0.1f,
        Number = KvNumber.Parse("1.2345678901234567890123456789012345678E+100"),
        Bytes = [1, 2, 3],
        Guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        DateTime = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567),
        DateTimeOffset = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(7),
        DateOnly = new DateOnly(2024, 2, 29),
        TimeOnly = new TimeOnly(23, 59, 58, 123),
        TimeSpan = TimeSpan.FromDays(1.5) + TimeSpan.FromTicks(3),
        Color = Color.Blue,
        Permissions = Permissions.Read | Permissions.Write,
        NullableInt = 42,
        NullableGuid = null,
        NullableColor = Color.Green,
        NullableDate = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        NullableBool = false,
        Tags = ["a", "b", "a"],
        Scores = [3, 1, 2],
        Addresses = [new Address { City = "Oslo", Zip = 150 }, new Address { Street = "Main", City = "Bergen", Zip = 5003 }],
        Weights = [1.5, -2.25],
        Matrix = [[1, 2], [], [3]],
        Sparse = ["x", null, "y"],
        Labels = ["red", "green"],
        Categories = new HashSet<string> { "c1" },
        Numbers = [1, 2, 3],
        Prices = [1.50m, 2m],
        Sorted = [5, 1, 3],
        Counts = new Dictionary<string, int> { ["a"] = 1, ["b.c"] = 2 },
        Places = new Dictionary<string, Address> { ["home"] = new Address { City = "Oslo", Zip = 1 } },
        Groups = new Dictionary<string, List<string>> { ["g"] = ["u1", "u2"] },
        Home = new Address { Street = "Storgata 1", City = "Oslo", Zip = 150 },
        Origin = new Point(3, -4),
        Raw = AttributeValue.FromList(AttributeValue.Null, "x", 5),
        Extra = new AttributeMap([new("k", AttributeValue.True)]),
    };

    [Fact]
    public void RoundTrip_EverySupportedType_ReadsBackEqual()
    {
        var mapper = ItemMapper<Everything>.Instance;
        var original = Sample();

        var copy = mapper.FromItem(mapper.ToItem(original));

        Assert.Equal(original.Pk, copy.Pk);
        Assert.Equal(original.Sk, copy.Sk);
        Assert.Equal(original.Text, copy.Text);
        Assert.Equal(original.Flag, copy.Flag);
        Assert.Equal(original.Letter, copy.Letter);
        Assert.Equal(original.SByte, copy.SByte);
        Assert.Equal(original.Byte, copy.Byte);
        Assert.Equal(original.Short, copy.Short);
        Assert.Equal(original.UShort, copy.UShort);
        Assert.Equal(original.Int, copy.Int);
        Assert.Equal(original.UInt, copy.UInt);
        Assert.Equal(original.Long, copy.Long);
        Assert.Equal(original.ULong, copy.ULong);
        Assert.Equal(original.Decimal, copy.Decimal);
        Assert.Equal(original.Double, copy.Double);
        Assert.Equal(original.Float, copy.Float);
        Assert.Equal(original.Number, copy.Number);
        Assert.Equal(original.Bytes, copy.Bytes);
        Assert.Equal(original.Guid, copy.Guid);
        Assert.Equal(original.DateTime, copy.DateTime);
        Assert.Equal(original.DateTime.Kind, copy.DateTime.Kind);
        Assert.Equal(original.DateTimeOffset, copy.DateTimeOffset);
        Assert.Equal(original.DateTimeOffset.Offset, copy.DateTimeOffset.Offset);
        Assert.Equal(original.DateOnly, copy.DateOnly);
        Assert.Equal(original.TimeOnly, copy.TimeOnly);
        Assert.Equal(original.TimeSpan, copy.TimeSpan);
        Assert.Equal(original.Color, copy.Color);
        Assert.Equal(original.Permissions, copy.Permissions);
        Assert.Equal(42, copy.NullableInt);
        Assert.Null(copy.NullableGuid);
        Assert.Equal(Color.Green, copy.NullableColor);
        Assert.Equal(original.NullableDate, copy.NullableDate);
        Assert.False(copy.NullableBool);
        Assert.Equal(original.Tags, copy.Tags);
        Assert.Equal(original.Scores, copy.Scores);
        Assert.Equal(["Oslo", "Bergen"], copy.Addresses!.Select(a => a.City));
        Assert.Equal("Main", copy.Addresses![1].Street);
        Assert.Null(copy.Addresses![0].Street);
        Assert.Equal(original.Weights, copy.Weights);
        Assert.Equal(original.Matrix, copy.Matrix);
        Assert.Equal(original.Sparse, copy.Sparse);
        Assert.Equal(original.Labels, copy.Labels);
        Assert.Equal(original.Categories, copy.Categories);
        Assert.Equal(original.Numbers, copy.Numbers);
        Assert.Equal(original.Prices, copy.Prices);
        Assert.Equal([1L, 3L, 5L], copy.Sorted!);
        Assert.Equal(original.Counts, copy.Counts);
        Assert.Equal(150, copy.Home!.Zip);
        Assert.Equal("Storgata 1", copy.Home.Street);
        Assert.Equal(1, copy.Places!["home"].Zip);
        Assert.Equal(original.Groups, copy.Groups);
        Assert.Equal(new Point(3, -4), copy.Origin);
        Assert.Equal(original.Raw, copy.Raw);
        Assert.Equal(original.Extra, copy.Extra);
    }

    [Fact]
    public void ToItem_EverySupportedType_UsesTheDocumentedAttributeTypes()
    {
        var item = ItemMapper<Everything>.Instance.ToItem(Sample());

        Assert.Equal("héllo", item["text"].AsString());
        Assert.True(item["flag"].AsBool());
        Assert.Equal("z", item["letter"].AsString());
        Assert.Equal(KvNumber.FromUInt64(ulong.MaxValue), item["uLong"].AsNumber());
        Assert.Equal("0.1", item["double"].AsNumber().ToString());
        Assert.Equal("0.1", item["float"].AsNumber().ToString());
        Assert.Equal(AttributeKind.Binary, item["bytes"].Kind);
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e", item["guid"].AsString());
        Assert.Equal("2024-05-06T07:08:09.1234567Z", item["dateTime"].AsString());
        Assert.Equal("2024-05-06T07:08:09.0000007+02:00", item["dateTimeOffset"].AsString());
        Assert.Equal("2024-02-29", item["dateOnly"].AsString());
        Assert.Equal("23:59:58.1230000", item["timeOnly"].AsString());
        Assert.Equal("1.12:00:00.0000003", item["timeSpan"].AsString());
        Assert.Equal("Blue", item["color"].AsString());
        Assert.Equal("Read, Write", item["permissions"].AsString());
        Assert.Equal(AttributeKind.List, item["tags"].Kind);
        Assert.Equal(AttributeKind.List, item["scores"].Kind);
        Assert.Equal(AttributeKind.Map, item["addresses"].AsList()[0].Kind);
        Assert.Equal(AttributeValue.Null, item["sparse"].AsList()[1]);
        Assert.Equal(AttributeKind.StringSet, item["labels"].Kind);
        Assert.Equal(AttributeKind.StringSet, item["categories"].Kind);
        Assert.Equal(AttributeKind.NumberSet, item["numbers"].Kind);
        Assert.Equal(AttributeKind.NumberSet, item["prices"].Kind);
        Assert.Equal(AttributeKind.NumberSet, item["sorted"].Kind);
        Assert.Equal(2, item["counts"].AsMap()["b.c"].AsNumber().ToInt64());
        Assert.Equal("Oslo", item["home"].AsMap()["city"].AsString());
        Assert.Equal(-4, item["origin"].AsMap()["y"].AsNumber().ToInt64());
        Assert.False(item.ContainsKey("nullableGuid"));
    }

    [Fact]
    public void ToItem_NullsAndEmptySets_AreLeftOut_AndReadBackAsDefaults()
    {
        var mapper = ItemMapper<Everything>.Instance;
        var item = mapper.ToItem(new Everything { Pk = "p", Sk = "s", Labels = [], Numbers = [] });

        Assert.False(item.ContainsKey("text"));
        Assert.False(item.ContainsKey("labels"));
        Assert.False(item.ContainsKey("numbers"));
        Assert.False(item.ContainsKey("nullableInt"));
        Assert.False(item.ContainsKey("home"));

        var copy = mapper.FromItem(item);
        Assert.Null(copy.Text);
        Assert.Null(copy.Labels);
        Assert.Null(copy.NullableInt);
        Assert.Null(copy.Home);
        Assert.Equal(0, copy.Int);
    }

    [Fact]
    public void FromItem_MissingAndNullAttributes_GiveDefaults()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("text", AttributeValue.Null).Set("int", AttributeValue.Null).Build();

        var copy = ItemMapper<Everything>.Instance.FromItem(item);

        Assert.Null(copy.Text);
        Assert.Equal(0, copy.Int);
        Assert.Null(copy.Tags);
        Assert.Equal(default, copy.Guid);
    }

    [Fact]
    public void FromItem_AttributeValueProperty_KeepsStoredNull()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("raw", AttributeValue.Null).Build();

        Assert.Equal(AttributeValue.Null, ItemMapper<Everything>.Instance.FromItem(item).Raw);
    }

    [Fact]
    public void FromItem_SetsAreReadIntoLists()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("tags", AttributeValue.FromStringSet(["x", "y"])).Build();

        Assert.Equal(["x", "y"], ItemMapper<Everything>.Instance.FromItem(item).Tags!.Order());
    }

    [Fact]
    public void FromItem_EnumAsNumber_IsAccepted()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("color", 1).Build();

        Assert.Equal(Color.Green, ItemMapper<Everything>.Instance.FromItem(item).Color);
    }

    [Fact]
    public void Record_WithPrimaryConstructor_RoundTrips()
    {
        var mapper = ItemMapper<Message>.Instance;
        var message = new Message("people-100", "messages-101", "hi", 4);

        var item = mapper.ToItem(message);

        Assert.Equal(Item.Create().Set("pk", "people-100").Set("sk", "messages-101").Set("text", "hi").Set("likes", 4).Build(), item);
        Assert.Equal(message, mapper.FromItem(item));
    }

    [Fact]
    public void Record_WithAttributesOnParameters_DefaultValueAndInitProperties_RoundTrips()
    {
        var mapper = ItemMapper<Profile>.Instance;
        var profile = new Profile("u1", "Ada", 36) { Roles = ["admin"], Bio = "math" };

        var item = mapper.ToItem(profile);
        var copy = mapper.FromItem(item);

        Assert.Equal("userId", mapper.PartitionKeyAttribute.Name);
        Assert.Null(mapper.SortKey);
        Assert.Equal("profiles", mapper.DefaultTableName);
        Assert.Equal("Ada", item["display"].AsString());
        Assert.Equal(profile.Name, copy.Name);
        Assert.Equal(36, copy.Age);
        Assert.Equal(["admin"], copy.Roles);
        Assert.Equal("math", copy.Bio);
    }

    [Fact]
    public void Record_MissingConstructorAttribute_UsesParameterDefault_AndInitializers()
    {
        var item = Item.Create().Set("userId", "u1").Set("display", "Ada").Build();

        var copy = ItemMapper<Profile>.Instance.FromItem(item);

        Assert.Equal(18, copy.Age);
        Assert.Empty(copy.Roles);
        Assert.Null(copy.Bio);
    }

    [Fact]
    public void Record_IgnoredConstructorParameter_IsNotStored_AndGetsItsDefault()
    {
        var mapper = ItemMapper<Annotated>.Instance;

        var item = mapper.ToItem(new Annotated("p", "note") { Count = 3 });

        Assert.Equal(Item.Create().Set("pk", "p").Set("n", 3).Build(), item);
        Assert.Equal(new Annotated("p") { Count = 3 }, mapper.FromItem(item));
    }

    [Fact]
    public void ParallelUse_IsThreadSafe()
    {
        var mapper = ItemMapper<Everything>.Instance;
        var item = mapper.ToItem(Sample());

        Parallel.For(0, 200, _ => Assert.Equal(item, mapper.ToItem(mapper.FromItem(item))));
    }

    [Fact]
    public void Keys_ByAttributes_WithTableAndAttributeNames()
    {
        var mapper = ItemMapper<Order>.Instance;

        Assert.Equal("orders", mapper.DefaultTableName);
        Assert.Equal(new KeyAttribute("customerId", ScalarType.String), mapper.PartitionKeyAttribute);
        Assert.Equal(new KeyAttribute("orderNumber", ScalarType.Number), mapper.SortKeyAttribute);

        var item = mapper.ToItem(new Order { CustomerId = "c", OrderNumber = 7, Total = 9.99m, Scratch = "tmp", Status = Color.Red });

        Assert.Equal(["customerId", "orderNumber", "total_amount", "status"], item.Keys);
    }

    [Fact]
    public void Keys_ByConvention_IdIsThePartitionKey()
    {
        var mapper = ItemMapper<User>.Instance;

        Assert.Equal(new KeyAttribute("id", ScalarType.String), mapper.PartitionKeyAttribute);
        Assert.Null(mapper.SortKeyAttribute);
        Assert.Equal("User", mapper.DefaultTableName);
    }

    [Fact]
    public void Keys_ByConvention_LongNames()
    {
        var mapper = ItemMapper<Reading>.Instance;

        Assert.Equal(new KeyAttribute("partitionKey", ScalarType.String), mapper.PartitionKeyAttribute);
        Assert.Equal(new KeyAttribute("sortKey", ScalarType.Number), mapper.SortKeyAttribute);
    }

    [Fact]
    public void Keys_BinaryAndDecimal_AreAllowed()
    {
        var mapper = ItemMapper<Binary>.Instance;

        Assert.Equal(ScalarType.Binary, mapper.PartitionKeyAttribute.Type);
        Assert.Equal(ScalarType.Number, mapper.SortKeyAttribute!.Type);
    }

    [Fact]
    public void ComputedKey_IsWrittenButNotRead()
    {
        var mapper = ItemMapper<Account>.Instance;

        var item = mapper.ToItem(new Account { Number = 5 });

        Assert.Equal("account#5", item["key"].AsString());
        Assert.Equal(5, mapper.FromItem(item).Number);
    }

    [Fact]
    public void SelfReferencingType_RoundTrips()
    {
        var mapper = ItemMapper<Node>.Instance;
        var node = new Node { Pk = "a", Name = "first", Next = new Node { Pk = "b", Name = "second", Next = new Node { Pk = "c" } } };

        var copy = mapper.FromItem(mapper.ToItem(node));

        Assert.Equal("second", copy.Next!.Name);
        Assert.Equal("c", copy.Next.Next!.Pk);
        Assert.Null(copy.Next.Next.Next);
    }

    [Fact]
    public void SmallNumericTypes_RoundTrip()
    {
        var mapper = ItemMapper<Small>.Instance;
        var small = new Small("p", 255, uint.MaxValue, ulong.MaxValue - 1, 3.4028235E+38f);

        Assert.Equal(small, mapper.FromItem(mapper.ToItem(small)));
    }

    // ------------------------------------------------------------------ mapping errors

    [Fact]
    public void NoPartitionKey_Throws_NamingTheType()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<NoKey>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal("Type NoKey has no partition key: mark a property with [PartitionKey] or name it Pk, PartitionKey or Id.", ex.Message);
    }

    [Fact]
    public void SortKeyAttributeOnly_DisablesConventions_AndThrows()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<SortKeyOnly>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.StartsWith("Type SortKeyOnly has no partition key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyOfWrongType_Throws()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<BoolKey>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal(
            "Type BoolKey: the partition key Pk (bool) must map to S, N or B (use string, a number type, byte[], Guid, DateTime, DateTimeOffset or an enum).",
            ex.Message);

        var list = Assert.Throws<KvDbException>(() => ItemMapper<ListKey>.Instance);
        Assert.StartsWith("Type ListKey: the sort key Parts (List<string>) must map to S, N or B", list.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedPropertyType_Throws_NamingTypeAndProperty()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<ObjectProperty>.Instance);
        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.StartsWith("Type ObjectProperty: property Anything has type object, which cannot be mapped.", ex.Message, StringComparison.Ordinal);

        var dictionary = Assert.Throws<KvDbException>(() => ItemMapper<IntKeyedDictionary>.Instance);
        Assert.StartsWith("Type IntKeyedDictionary: property ByNumber has type Dictionary<int, string>, which cannot be mapped.", dictionary.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoPartitionKeys_Throws()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<TwoPartitionKeys>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal("Type TwoPartitionKeys has more than one [PartitionKey] property: A and B.", ex.Message);
    }

    [Fact]
    public void DuplicateAttributeNames_Throws()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<DuplicateNames>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal("Type DuplicateNames: properties First and Second both map to the attribute \"x\".", ex.Message);
    }

    [Fact]
    public void ConstructorParameterWithoutProperty_Throws()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<UnmatchedConstructor>.Instance);

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal(
            "Type UnmatchedConstructor cannot be created: constructor parameter \"secret\" matches no mapped property (ignoring case) and has no default value.",
            ex.Message);
    }

    // ------------------------------------------------------------------ read errors

    [Fact]
    public void FromItem_WrongAttributeType_Throws_NamingTypePropertyAndTypes()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("text", "t").Set("likes", "many").Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Message>.Instance.FromItem(item));

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal("Cannot read Message.Likes (int) from attribute \"likes\": expected N, found S.", ex.Message);
    }

    [Theory]
    [InlineData("3000000000", "Cannot read Message.Likes (int) from attribute \"likes\": the number 3000000000 is out of range for int.")]
    [InlineData("1.5", "Cannot read Message.Likes (int) from attribute \"likes\": the number 1.5 is not an integer.")]
    public void FromItem_NumberThatDoesNotFit_Throws(string number, string message)
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("likes", AttributeValue.FromNumber(number)).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Message>.Instance.FromItem(item));

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("byte", "256", "byte")]
    [InlineData("sByte", "-129", "sbyte")]
    [InlineData("uShort", "-1", "ushort")]
    [InlineData("uLong", "18446744073709551616", "ulong")]
    [InlineData("uLong", "-1", "ulong")]
    [InlineData("decimal", "1E+30", "decimal")]
    [InlineData("float", "1E+39", "float")]
    public void FromItem_Overflow_Throws(string attribute, string number, string type)
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set(attribute, AttributeValue.FromNumber(number)).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.FromItem(item));

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        var property = char.ToUpperInvariant(attribute[0]) + attribute[1..];
        var shown = KvNumber.Parse(number).ToString();
        Assert.Equal($"Cannot read Everything.{property} ({type}) from attribute \"{attribute}\": the number {shown} is out of range for {type}.", ex.Message);
    }

    [Fact]
    public void FromItem_NestedMismatch_NamesThePath()
    {
        var home = AttributeValue.FromMap(new AttributeMap([new("city", "Oslo"), new("zip", "0150")]));
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("home", home).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.FromItem(item));

        Assert.Equal("Cannot read Everything.Home.Zip (int) from attribute \"home.zip\": expected N, found S.", ex.Message);
    }

    [Fact]
    public void FromItem_ListElementMismatch_NamesTheIndex()
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("scores", AttributeValue.FromList(1, "two")).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.FromItem(item));

        Assert.Equal("Cannot read Everything.Scores[1] (int) from attribute \"scores[1]\": expected N, found S.", ex.Message);
    }

    [Fact]
    public void FromItem_DictionaryValueMismatch_NamesTheKey()
    {
        var counts = AttributeValue.FromMap(new AttributeMap([new("a", 1), new("b", true)]));
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set("counts", counts).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.FromItem(item));

        Assert.Equal("Cannot read Everything.Counts[\"b\"] (int) from attribute \"counts.b\": expected N, found BOOL.", ex.Message);
    }

    [Theory]
    [InlineData("guid", "not-a-guid", "Cannot read Everything.Guid (Guid) from attribute \"guid\": \"not-a-guid\" is not a valid Guid.")]
    [InlineData("color", "Purple", "Cannot read Everything.Color (Color) from attribute \"color\": \"Purple\" is not a valid value of Color.")]
    [InlineData("dateTimeOffset", "yesterday", "Cannot read Everything.DateTimeOffset (DateTimeOffset) from attribute \"dateTimeOffset\": \"yesterday\" is not a valid ISO-8601 date and time with offset.")]
    [InlineData("letter", "ab", "Cannot read Everything.Letter (char) from attribute \"letter\": \"ab\" is not a valid char.")]
    public void FromItem_BadText_Throws(string attribute, string text, string message)
    {
        var item = Item.Create().Set("pk", "p").Set("sk", "s").Set(attribute, text).Build();

        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.FromItem(item));

        Assert.Equal(KvErrorCode.InvalidMapping, ex.Code);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void ToItem_NaN_Throws_InvalidNumber()
    {
        var ex = Assert.Throws<KvDbException>(() => ItemMapper<Everything>.Instance.ToItem(new Everything { Pk = "p", Double = double.NaN }));

        Assert.Equal(KvErrorCode.InvalidNumber, ex.Code);
    }

    [Fact]
    public void Double_RoundTripsThroughShortestText()
    {
        var mapper = ItemMapper<Everything>.Instance;
        foreach (var value in new[] { 0.1, 1e-100, double.MaxValue / 1e200, -123456.789, 5e-324 * 1e200 })
        {
            var copy = mapper.FromItem(mapper.ToItem(new Everything { Pk = "p", Double = value }));
            Assert.Equal(value.ToString("R", CultureInfo.InvariantCulture), copy.Double.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
