namespace KvDb.Cypher.Storage;

/// <summary>
/// A property index on (label, property) of nodes. <see cref="Online"/> is false while it is being built: writers
/// already maintain it, the planner does not use it yet. <see cref="Id"/> names its entry partition and is never
/// reused, so entries left behind by a dropped index are unreachable.
/// </summary>
internal sealed record PropertyIndex(string Name, long Id, string Label, string Property, bool Online)
{
    public string Schema => "(:" + Ast.Printer.Name(Label) + " {" + Ast.Printer.Name(Property) + "})";
}

/// <summary>
/// The graph's index definitions: one item (pk "#meta", sk "indexes") with a version that every change bumps.
/// Every write statement checks in its transaction that the version it maintained indexes for is still current,
/// so an index created or dropped meanwhile (from another database instance) makes it fail instead of leaving
/// an entry out.
/// </summary>
internal sealed record IndexCatalog(long Version, long NextId, IReadOnlyList<PropertyIndex> Indexes)
{
    public const string SortKey = "indexes";

    public static IndexCatalog Empty { get; } = new(0, 0, []);

    public static ItemKey Key { get; } = new(GraphKeys.MetaPartition, SortKey);

    public PropertyIndex? Find(string label, string property)
    {
        foreach (var index in Indexes)
        {
            if (index.Label == label && index.Property == property)
            {
                return index;
            }
        }

        return null;
    }

    public PropertyIndex? Named(string name) => Indexes.FirstOrDefault(i => i.Name == name);

    public static IndexCatalog FromItem(Item? item)
    {
        if (item is null)
        {
            return Empty;
        }

        var indexes = item["indexes"].AsList().Select(v =>
        {
            var m = v.AsMap();
            return new PropertyIndex(m["name"].AsString(), m["id"].AsNumber().ToInt64(), m["label"].AsString(), m["prop"].AsString(), m["online"].AsBool());
        }).ToList();
        return new IndexCatalog(item["version"].AsNumber().ToInt64(), item["nextId"].AsNumber().ToInt64(), indexes);
    }

    public Item ToItem() => Item.Create()
        .Set(GraphKeys.PartitionKey, GraphKeys.MetaPartition)
        .Set(GraphKeys.SortKey, SortKey)
        .Set("version", Version)
        .Set("nextId", NextId)
        .Set("indexes", AttributeValue.FromList(Indexes.Select(i => AttributeValue.FromMap(
        [
            new("name", AttributeValue.FromString(i.Name)),
            new("id", AttributeValue.FromNumber(i.Id)),
            new("label", AttributeValue.FromString(i.Label)),
            new("prop", AttributeValue.FromString(i.Property)),
            new("online", AttributeValue.FromBool(i.Online)),
        ]))))
        .Build();

    /// <summary>The condition that the stored catalog is still this one.</summary>
    public Expressions.Condition Unchanged() => Version == 0
        ? Expressions.Condition.AttributeNotExists("version")
        : Expressions.Condition.Path("version").Equal(AttributeValue.FromNumber(Version));
}
