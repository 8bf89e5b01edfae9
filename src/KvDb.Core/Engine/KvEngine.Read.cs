using System.Buffers;
using KvDb.Expressions;
using KvDb.Storage;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    public ValueTask<Item?> GetItemAsync(GetItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var item = GetItem(request.TableName, request.Key);
        if (item is not null && request.Projection is not null)
        {
            item = request.Projection.Apply(item);
        }

        return ValueTask.FromResult(item);
    }

    /// <summary>The synchronous point read: one hash probe plus, with a sort key, one trie lookup.</summary>
    internal Item? GetItem(string tableName, ItemKey key) => GetItem(Table(tableName), key);

    /// <summary>The point read on a resolved table (the fluent handle caches the table between calls).</summary>
    internal Item? GetItem(TableStore table, ItemKey key)
    {
        ThrowIfDisposed();
        EnsureLive(table);
        var schema = table.Schema;
        KeyCodec.CheckType(key.PartitionKey, schema.PartitionKey, true, schema.Name);
        if ((schema.SortKey is null) != (key.SortKey is null))
        {
            EncodeKey(table, key); // throws the precise message
        }

        if (schema.SortKey is not null)
        {
            KeyCodec.CheckType(key.SortKey, schema.SortKey, false, schema.Name);
        }

        // Encode keys into stack or pooled buffers: a point read allocates only the returned Item.
        Span<byte> pkStack = stackalloc byte[128];
        Span<byte> skStack = stackalloc byte[128];
        byte[]? pkRented = null;
        byte[]? skRented = null;
        try
        {
            var pk = EncodeInto(key.PartitionKey, pkStack, ref pkRented);
            var sk = schema.SortKey is null ? default : EncodeInto(key.SortKey!, skStack, ref skRented);

            var record = table.GetRecordFast(pk, sk);
            if (record is not null && table.Schema.TimeToLiveAttribute is not null)
            {
                record = Visible(table, record);
            }

            return record is null ? null : table.ItemOf(record);
        }
        finally
        {
            if (pkRented is not null)
            {
                ArrayPool<byte>.Shared.Return(pkRented);
            }

            if (skRented is not null)
            {
                ArrayPool<byte>.Shared.Return(skRented);
            }
        }
    }

    private static ReadOnlySpan<byte> EncodeInto(AttributeValue value, Span<byte> stack, ref byte[]? rented)
    {
        switch (value.Kind)
        {
            case AttributeKind.String:
            {
                var s = value.StringUnchecked;
                var max = System.Text.Encoding.UTF8.GetMaxByteCount(s.Length);
                var buffer = max <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(max));
                var n = System.Text.Encoding.UTF8.GetBytes(s, buffer);
                return buffer[..n];
            }

            case AttributeKind.Number:
            {
                var number = value.NumberUnchecked;
                var n = number.Encode(stack);
                return stack[..n];
            }

            default:
                return value.BinaryArray;
        }
    }

    public ValueTask<BatchGetResult> BatchGetItemAsync(IReadOnlyList<BatchGetTable> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new Dictionary<string, IReadOnlyList<Item>>(StringComparer.Ordinal);
        foreach (var group in request)
        {
            ArgumentNullException.ThrowIfNull(group);
            var items = new List<Item>(group.Keys.Count);
            foreach (var key in group.Keys)
            {
                var item = GetItem(group.TableName, key);
                if (item is not null)
                {
                    items.Add(group.Projection is null ? item : group.Projection.Apply(item));
                }
            }

            if (result.TryGetValue(group.TableName, out var existing))
            {
                items.InsertRange(0, existing);
            }

            result[group.TableName] = items;
        }

        return ValueTask.FromResult(new BatchGetResult(result));
    }
}
