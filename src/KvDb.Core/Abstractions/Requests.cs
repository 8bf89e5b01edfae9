using KvDb.Expressions;

namespace KvDb;

/// <summary>Which item image a write returns.</summary>
public enum ReturnValues
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The whole item as it was before the write (null when it did not exist).</summary>
    AllOld = 1,
    /// <summary>The whole item as it is after the write (updates only).</summary>
    AllNew = 2,
    /// <summary>Only the attributes the update changed, as they were before (updates only).</summary>
    UpdatedOld = 3,
    /// <summary>Only the attributes the update changed, as they are after (updates only).</summary>
    UpdatedNew = 4,
}

/// <summary>
/// The outcome of a single-item write. A condition that does not hold is an expected outcome, not an
/// exception: <see cref="Succeeded"/> is false and nothing changed.
/// </summary>
/// <param name="Succeeded">False when the condition expression did not hold.</param>
/// <param name="Attributes">The image asked for with <see cref="ReturnValues"/> (on a failed condition: the current item when <c>ReturnOldOnConditionFailure</c> was set).</param>
public readonly record struct WriteResult(bool Succeeded, Item? Attributes)
{
    /// <summary>True when the condition expression did not hold.</summary>
    public bool ConditionFailed => !Succeeded;
}

/// <summary>Reads one item by key.</summary>
public sealed record GetItemRequest(string TableName, ItemKey Key)
{
    /// <summary>Attributes to return; null for all.</summary>
    public Projection? Projection { get; init; }
}

/// <summary>Creates or replaces one item.</summary>
public sealed record PutItemRequest(string TableName, Item Item)
{
    /// <summary>A condition on the existing item (evaluated against an empty item when there is none).</summary>
    public Condition? Condition { get; init; }

    /// <summary><see cref="KvDb.ReturnValues.None"/> or <see cref="KvDb.ReturnValues.AllOld"/>.</summary>
    public ReturnValues ReturnValues { get; init; }

    /// <summary>When the condition fails, return the current item in <see cref="WriteResult.Attributes"/>.</summary>
    public bool ReturnOldOnConditionFailure { get; init; }
}

/// <summary>Deletes one item.</summary>
public sealed record DeleteItemRequest(string TableName, ItemKey Key)
{
    /// <summary>A condition on the existing item.</summary>
    public Condition? Condition { get; init; }

    /// <summary><see cref="KvDb.ReturnValues.None"/> or <see cref="KvDb.ReturnValues.AllOld"/>.</summary>
    public ReturnValues ReturnValues { get; init; }

    /// <summary>When the condition fails, return the current item.</summary>
    public bool ReturnOldOnConditionFailure { get; init; }
}

/// <summary>Updates (or creates) one item with SET / REMOVE / ADD / DELETE actions.</summary>
public sealed record UpdateItemRequest(string TableName, ItemKey Key, UpdateExpression Update)
{
    /// <summary>A condition on the existing item.</summary>
    public Condition? Condition { get; init; }

    /// <summary>Which image to return.</summary>
    public ReturnValues ReturnValues { get; init; }

    /// <summary>When the condition fails, return the current item.</summary>
    public bool ReturnOldOnConditionFailure { get; init; }
}

/// <summary>Comparison operators of key conditions.</summary>
public enum KeyOperator
{
    /// <summary>key = v</summary>
    Equal,
    /// <summary>key &lt; v</summary>
    LessThan,
    /// <summary>key &lt;= v</summary>
    LessThanOrEqual,
    /// <summary>key &gt; v</summary>
    GreaterThan,
    /// <summary>key &gt;= v</summary>
    GreaterThanOrEqual,
    /// <summary>v1 &lt;= key &lt;= v2</summary>
    Between,
    /// <summary>key starts with v (S and B keys only)</summary>
    BeginsWith,
}

/// <summary>A condition on a key attribute that the ordered storage answers directly.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Value">The operand (the lower bound for BETWEEN).</param>
/// <param name="Value2">The upper bound for BETWEEN.</param>
public sealed record KeyCondition(KeyOperator Operator, AttributeValue Value, AttributeValue? Value2 = null)
{
    /// <summary>key = v</summary>
    public static KeyCondition Equal(AttributeValue v) => new(KeyOperator.Equal, v);
    /// <summary>key &lt; v</summary>
    public static KeyCondition LessThan(AttributeValue v) => new(KeyOperator.LessThan, v);
    /// <summary>key &lt;= v</summary>
    public static KeyCondition LessThanOrEqual(AttributeValue v) => new(KeyOperator.LessThanOrEqual, v);
    /// <summary>key &gt; v</summary>
    public static KeyCondition GreaterThan(AttributeValue v) => new(KeyOperator.GreaterThan, v);
    /// <summary>key &gt;= v</summary>
    public static KeyCondition GreaterThanOrEqual(AttributeValue v) => new(KeyOperator.GreaterThanOrEqual, v);
    /// <summary>lo &lt;= key &lt;= hi</summary>
    public static KeyCondition Between(AttributeValue lo, AttributeValue hi) => new(KeyOperator.Between, lo, hi);
    /// <summary>key begins with the prefix.</summary>
    public static KeyCondition BeginsWith(AttributeValue prefix) => new(KeyOperator.BeginsWith, prefix);

    /// <inheritdoc />
    public override string ToString() => Operator switch
    {
        KeyOperator.Equal => $"= {ItemKey.Describe(Value)}",
        KeyOperator.LessThan => $"< {ItemKey.Describe(Value)}",
        KeyOperator.LessThanOrEqual => $"<= {ItemKey.Describe(Value)}",
        KeyOperator.GreaterThan => $"> {ItemKey.Describe(Value)}",
        KeyOperator.GreaterThanOrEqual => $">= {ItemKey.Describe(Value)}",
        KeyOperator.Between => $"BETWEEN {ItemKey.Describe(Value)} AND {ItemKey.Describe(Value2)}",
        _ => $"begins_with {ItemKey.Describe(Value)}",
    };
}

/// <summary>
/// A key query. Either <see cref="PartitionKey"/> (one partition) or <see cref="PartitionKeyCondition"/>
/// (a prefix or range of partition keys, answered by the partition-key trie) must be set; results are
/// ordered by (partition key, sort key), reversed when <see cref="Descending"/>.
/// </summary>
public sealed record QueryRequest(string TableName)
{
    /// <summary>Partition key equality.</summary>
    public AttributeValue? PartitionKey { get; init; }

    /// <summary>A range or prefix condition on the partition key (instead of <see cref="PartitionKey"/>).</summary>
    public KeyCondition? PartitionKeyCondition { get; init; }

    /// <summary>An optional condition on the sort key.</summary>
    public KeyCondition? SortKeyCondition { get; init; }

    /// <summary>Descending key order.</summary>
    public bool Descending { get; init; }

    /// <summary>Maximum number of items to examine (before the filter), as DynamoDB's Limit.</summary>
    public int? Limit { get; init; }

    /// <summary>Continue after this key (the <see cref="QueryResult.LastEvaluatedKey"/> of the previous page).</summary>
    public ItemKey? ExclusiveStartKey { get; init; }

    /// <summary>A filter applied to examined items.</summary>
    public Condition? Filter { get; init; }

    /// <summary>Attributes to return; null for all.</summary>
    public Projection? Projection { get; init; }

    /// <summary>Return only counts, no items.</summary>
    public bool CountOnly { get; init; }

    /// <summary>
    /// Query this secondary index instead of the table: <see cref="PartitionKey"/> and <see cref="SortKeyCondition"/>
    /// then refer to the index's keys. Resume keys of index queries are opaque (pass them back unchanged).
    /// </summary>
    public string? IndexName { get; init; }
}

/// <summary>A full-table scan, optionally one segment of a parallel scan.</summary>
public sealed record ScanRequest(string TableName)
{
    /// <summary>A filter applied to examined items.</summary>
    public Condition? Filter { get; init; }

    /// <summary>Attributes to return.</summary>
    public Projection? Projection { get; init; }

    /// <summary>Maximum number of items to examine.</summary>
    public int? Limit { get; init; }

    /// <summary>Continue after this key.</summary>
    public ItemKey? ExclusiveStartKey { get; init; }

    /// <summary>This worker's segment (0-based) of <see cref="TotalSegments"/>.</summary>
    public int Segment { get; init; }

    /// <summary>Number of disjoint segments the table is split into (1 to 1,000,000).</summary>
    public int TotalSegments { get; init; } = 1;

    /// <summary>Return only counts.</summary>
    public bool CountOnly { get; init; }

    /// <summary>Scan this secondary index instead of the table.</summary>
    public string? IndexName { get; init; }
}

/// <summary>One page of query or scan results.</summary>
/// <param name="Items">Matching items (empty for count-only requests).</param>
/// <param name="Count">Number of matching items.</param>
/// <param name="ScannedCount">Number of items examined before the filter.</param>
/// <param name="LastEvaluatedKey">Where to resume, or null when the range is exhausted.</param>
public sealed record QueryResult(IReadOnlyList<Item> Items, int Count, int ScannedCount, ItemKey? LastEvaluatedKey);

/// <summary>Keys to read from one table in a batch.</summary>
public sealed record BatchGetTable(string TableName, IReadOnlyList<ItemKey> Keys)
{
    /// <summary>Attributes to return.</summary>
    public Projection? Projection { get; init; }
}

/// <summary>Items found by a batch get, per table, in the order of the requested keys (missing keys are skipped).</summary>
/// <param name="Items">Table name to items found.</param>
public sealed record BatchGetResult(IReadOnlyDictionary<string, IReadOnlyList<Item>> Items);

/// <summary>One put or delete of a batch write.</summary>
public sealed record BatchWriteOperation
{
    private BatchWriteOperation(string tableName, Item? put, ItemKey? delete)
    {
        TableName = tableName;
        PutItem = put;
        DeleteKey = delete;
    }

    /// <summary>A put.</summary>
    public static BatchWriteOperation Put(string tableName, Item item) => new(tableName, item ?? throw new ArgumentNullException(nameof(item)), null);

    /// <summary>A delete.</summary>
    public static BatchWriteOperation Delete(string tableName, ItemKey key) => new(tableName, null, key);

    /// <summary>The table.</summary>
    public string TableName { get; }

    /// <summary>The item to put, or null for a delete.</summary>
    public Item? PutItem { get; }

    /// <summary>The key to delete, or null for a put.</summary>
    public ItemKey? DeleteKey { get; }
}

/// <summary>Progress of building a secondary index over existing items.</summary>
/// <param name="ItemsIndexed">Items processed so far.</param>
/// <param name="TotalItems">Items in the table when the build started (approximate).</param>
public readonly record struct IndexBuildProgress(long ItemsIndexed, long TotalItems);
