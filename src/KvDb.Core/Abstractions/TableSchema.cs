namespace KvDb;

/// <summary>A key attribute: its name and scalar type (S, N or B).</summary>
/// <param name="Name">The attribute name.</param>
/// <param name="Type">The attribute type.</param>
public sealed record KeyAttribute(string Name, ScalarType Type)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type.ToShortName()})";
}

/// <summary>A table's definition: name and key schema (partition key and optional sort key).</summary>
public sealed record TableSchema
{
    /// <summary>Creates a schema.</summary>
    public TableSchema(string name, KeyAttribute partitionKey, KeyAttribute? sortKey = null)
    {
        Name = name;
        PartitionKey = partitionKey;
        SortKey = sortKey;
    }

    /// <summary>Table name: 1 to 255 characters of letters, digits, '_', '-' and '.'.</summary>
    public string Name { get; init; }

    /// <summary>The partition key attribute.</summary>
    public KeyAttribute PartitionKey { get; init; }

    /// <summary>The sort key attribute, or null for a table keyed by partition key alone.</summary>
    public KeyAttribute? SortKey { get; init; }

    /// <summary>True when the table has a sort key.</summary>
    public bool HasSortKey => SortKey is not null;

    /// <summary>Secondary indexes defined with the table (more can be added later with <c>CreateIndexAsync</c>).</summary>
    public IReadOnlyList<IndexSchema> Indexes { get; init; } = [];

    /// <summary>
    /// The time-to-live attribute: an N attribute holding an expiry time in epoch seconds. Items whose expiry
    /// has passed disappear from reads at once and are removed in the background. Null disables TTL.
    /// </summary>
    public string? TimeToLiveAttribute { get; init; }

    /// <summary>Validates the definition; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidTableDefinition"/>).</summary>
    public void Validate()
    {
        ValidateTableName(Name);
        if (PartitionKey is null)
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{Name}\" needs a partition key.");
        }

        ValidateKeyAttribute(PartitionKey, "partition key");
        if (SortKey is not null)
        {
            ValidateKeyAttribute(SortKey, "sort key");
            if (string.Equals(SortKey.Name, PartitionKey.Name, StringComparison.Ordinal))
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                    $"Table \"{Name}\": the sort key must be a different attribute from the partition key \"{PartitionKey.Name}\".");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in Indexes)
        {
            index.Validate(this);
            if (!names.Add(index.Name))
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{Name}\" defines the index \"{index.Name}\" twice.");
            }
        }

        if (TimeToLiveAttribute is { Length: 0 })
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{Name}\": the time-to-live attribute name must not be empty.");
        }
    }

    private void ValidateKeyAttribute(KeyAttribute key, string role)
    {
        if (string.IsNullOrEmpty(key.Name) || System.Text.Encoding.UTF8.GetByteCount(key.Name) > 255)
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table \"{Name}\": the {role} name must be 1 to 255 bytes long.");
        }

        if (key.Type is not (ScalarType.String or ScalarType.Number or ScalarType.Binary))
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table \"{Name}\": the {role} \"{key.Name}\" must be of type S, N or B.");
        }
    }

    /// <summary>Validates a table name; throws <see cref="KvDbException"/> naming the bad character.</summary>
    public static void ValidateTableName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table name \"{name}\" is invalid: it must be 1 to 255 characters long.");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                    $"Table name \"{name}\" is invalid: character '{c}' at position {i + 1} is not allowed (use letters, digits, '_', '-' and '.').");
            }
        }
    }
}

/// <summary>Global or local secondary index.</summary>
public enum IndexKind : byte
{
    /// <summary>Another partition key (and optional sort key) over all items of the table.</summary>
    Global = 1,

    /// <summary>The table's partition key with another sort key.</summary>
    Local = 2,
}

/// <summary>Which attributes an index's entries hold (DynamoDB's <c>ProjectionType</c>).</summary>
public enum IndexProjection : byte
{
    /// <summary>The whole item (<c>ALL</c>, the default).</summary>
    All = 0,

    /// <summary>
    /// Only the table's key attributes and the index's key attributes (<c>KEYS_ONLY</c>): a query on the index returns
    /// items with just those attributes (read the table by key for the rest), and the index takes far less memory.
    /// </summary>
    KeysOnly = 1,
}

/// <summary>
/// A secondary index: items are also reachable by another key. Items lacking the index's key attributes (or
/// holding them with another type) are not in the index. Index entries hold the whole item (projection ALL) or
/// only the keys (<see cref="Projection"/> KEYS_ONLY), and are maintained with the write that changes the item.
/// </summary>
/// <param name="Name">Index name (same rules as table names).</param>
/// <param name="Kind">Global or local.</param>
/// <param name="PartitionKey">The index partition key (for a local index: the table's partition key).</param>
/// <param name="SortKey">The index sort key (required for a local index).</param>
public sealed record IndexSchema(string Name, IndexKind Kind, KeyAttribute PartitionKey, KeyAttribute? SortKey = null)
{
    /// <summary>Which attributes the index's entries hold (default <see cref="IndexProjection.All"/>).</summary>
    public IndexProjection Projection { get; init; } = IndexProjection.All;

    /// <summary>A global index.</summary>
    public static IndexSchema Global(string name, KeyAttribute partitionKey, KeyAttribute? sortKey = null) =>
        new(name, IndexKind.Global, partitionKey, sortKey);

    /// <summary>A local index on the table <paramref name="table"/>'s partition key with another sort key.</summary>
    public static IndexSchema Local(string name, TableSchema table, KeyAttribute sortKey) =>
        new(name, IndexKind.Local, table.PartitionKey, sortKey);

    internal void Validate(TableSchema table)
    {
        try
        {
            TableSchema.ValidateTableName(Name);
        }
        catch (KvDbException)
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table \"{table.Name}\": index name \"{Name}\" is invalid (use 1 to 255 letters, digits, '_', '-' and '.').");
        }

        if (PartitionKey is null || PartitionKey.Type is not (ScalarType.String or ScalarType.Number or ScalarType.Binary))
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{table.Name}\": index \"{Name}\" needs a partition key of type S, N or B.");
        }

        if (SortKey is not null && SortKey.Type is not (ScalarType.String or ScalarType.Number or ScalarType.Binary))
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition, $"Table \"{table.Name}\": index \"{Name}\" needs a sort key of type S, N or B.");
        }

        if (Kind == IndexKind.Local)
        {
            if (table.SortKey is null)
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                    $"Table \"{table.Name}\": local index \"{Name}\" needs a table with a sort key.");
            }

            if (PartitionKey != table.PartitionKey || SortKey is null)
            {
                throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                    $"Table \"{table.Name}\": local index \"{Name}\" must use the table's partition key {table.PartitionKey} and a sort key.");
            }
        }

        if (SortKey is not null && string.Equals(SortKey.Name, PartitionKey.Name, StringComparison.Ordinal))
        {
            throw new KvDbException(KvErrorCode.InvalidTableDefinition,
                $"Table \"{table.Name}\": index \"{Name}\" uses \"{SortKey.Name}\" as both partition and sort key.");
        }
    }
}

/// <summary>What <c>DescribeTable</c> reports.</summary>
/// <param name="Schema">The table's definition.</param>
/// <param name="ItemCount">Number of items.</param>
/// <param name="PartitionCount">Number of distinct partition keys.</param>
/// <param name="SizeBytes">Bytes of the stored item records (keys and attributes in KvDb's binary form).</param>
/// <param name="CreatedAt">When the table was created.</param>
public sealed record TableDescription(TableSchema Schema, long ItemCount, long PartitionCount, long SizeBytes, DateTimeOffset CreatedAt);
