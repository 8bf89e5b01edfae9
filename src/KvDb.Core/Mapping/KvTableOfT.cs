using KvDb.Expressions;
using KvDb.Mapping;

namespace KvDb;

/// <summary>
/// A typed handle on a table whose items are <typeparamref name="T"/> objects: properties map to attributes
/// (camelCase names unless [AttributeName] says otherwise), keys come from [PartitionKey] / [SortKey] or the
/// Pk / Sk naming convention. Cheap to create; thread-safe. Obtain one with <c>db.Table&lt;T&gt;()</c>.
/// </summary>
/// <typeparam name="T">The mapped class or record.</typeparam>
/// <example>
/// <code>
/// public sealed record Message(string Pk, string Sk, string Text, int Likes);
///
/// var messages = await db.CreateTableAsync&lt;Message&gt;();
/// await messages.PutAsync(new Message("people-100", "messages-101", "hi", 4));
/// var popular = await messages.Query("people-100").Where(m =&gt; m.Sk.StartsWith("messages") &amp;&amp; m.Likes &gt; 3).ToListAsync();
/// </code>
/// </example>
public sealed class KvTable<T>
    where T : class
{
    private readonly ItemMapper<T> _mapper;

    internal KvTable(KvTable table, ItemMapper<T> mapper)
    {
        Untyped = table;
        _mapper = mapper;
    }

    /// <summary>The untyped table (items instead of objects).</summary>
    public KvTable Untyped { get; }

    /// <summary>The table name.</summary>
    public string Name => Untyped.Name;

    /// <summary>The key schema derived from <typeparamref name="T"/>'s mapping.</summary>
    public TableSchema Schema => _mapper.CreateSchema(Name);

    /// <summary>Converts an object to the item it is stored as.</summary>
    public Item ToItem(T entity) => _mapper.ToItem(entity);

    /// <summary>
    /// Converts an item to an object; throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidMapping"/>)
    /// when an attribute's type does not fit its property or a number overflows it.
    /// </summary>
    public T FromItem(Item item) => _mapper.FromItem(item);

    /// <summary>The primary key of an object.</summary>
    public ItemKey KeyOf(T entity) => _mapper.KeyOf(entity, Name);

    /// <summary>
    /// The primary key from CLR key values (of the key properties' types, or any value converting to the key's
    /// S, N or B type, or <see cref="AttributeValue"/>s); throws <see cref="ArgumentException"/> for values that do not fit.
    /// </summary>
    public ItemKey Key(object partitionKey, object? sortKey = null) =>
        new(_mapper.ConvertKey(partitionKey, sortKey: false, Name), sortKey is null ? null : _mapper.ConvertKey(sortKey, sortKey: true, Name));

    /// <summary>Creates or replaces an object, optionally only when <paramref name="condition"/> holds for the stored item.</summary>
    public ValueTask<WriteResult> PutAsync(T entity, Condition? condition = null, CancellationToken cancellationToken = default) =>
        Untyped.PutAsync(_mapper.ToItem(entity), condition, ReturnValues.None, cancellationToken);

    /// <summary>Reads an object by its key values; null when absent.</summary>
    public async ValueTask<T?> GetAsync(object partitionKey, object? sortKey = null, CancellationToken cancellationToken = default)
    {
        var item = await Untyped.GetAsync(Key(partitionKey, sortKey), null, cancellationToken).ConfigureAwait(false);
        return item is null ? null : _mapper.FromItem(item);
    }

    /// <summary>Deletes an object by its key values; succeeds (and does nothing) when it is absent.</summary>
    public ValueTask<WriteResult> DeleteAsync(object partitionKey, object? sortKey = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(partitionKey, sortKey, null, cancellationToken);

    /// <summary>Deletes an object by its key values when <paramref name="condition"/> holds for the stored item.</summary>
    public ValueTask<WriteResult> DeleteAsync(object partitionKey, object? sortKey, Condition? condition, CancellationToken cancellationToken = default) =>
        Untyped.DeleteAsync(Key(partitionKey, sortKey), condition, ReturnValues.None, cancellationToken);

    /// <summary>Deletes the stored item with the key of <paramref name="entity"/>, optionally under a condition.</summary>
    public ValueTask<WriteResult> DeleteAsync(T entity, Condition? condition = null, CancellationToken cancellationToken = default) =>
        Untyped.DeleteAsync(KeyOf(entity), condition, ReturnValues.None, cancellationToken);

    /// <summary>
    /// Updates (or creates) the item with these key values with SET / REMOVE / ADD / DELETE actions, optionally under
    /// a condition. <see cref="WriteResult.Attributes"/> holds the image asked for with <paramref name="returnValues"/>;
    /// <see cref="FromItem"/> converts a whole image (<see cref="ReturnValues.AllOld"/> or <see cref="ReturnValues.AllNew"/>).
    /// </summary>
    public ValueTask<WriteResult> UpdateAsync(object partitionKey, object? sortKey, UpdateExpression update, Condition? condition = null,
        ReturnValues returnValues = ReturnValues.None, CancellationToken cancellationToken = default) =>
        Untyped.UpdateAsync(Key(partitionKey, sortKey), update, condition, returnValues, cancellationToken);

    /// <summary>Starts a query on one partition: <c>Query("people-100").Where(m =&gt; m.Sk.StartsWith("messages"))</c>.</summary>
    public KvQuery<T> Query(object partitionKey) =>
        new(Untyped.Query(_mapper.ConvertKey(partitionKey, sortKey: false, Name)), _mapper);

    /// <summary>Starts a scan of the whole table.</summary>
    public KvScan<T> Scan() => new(Untyped.Scan(), _mapper);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({typeof(T).Name})";
}
