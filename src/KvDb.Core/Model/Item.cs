using System.Collections;
using System.Diagnostics.CodeAnalysis;
using KvDb.Storage;
using KvDb.Json;

namespace KvDb;

/// <summary>
/// An immutable item: a map of attribute names to values. An item is held in its binary form and decoded
/// lazily, so reading one attribute of a stored item does not decode the others.
/// </summary>
public sealed class Item : IReadOnlyDictionary<string, AttributeValue>, IEquatable<Item>
{
    // _data[_offset..] is the attribute section (see ItemCodec). Stored items share the storage record.
    private readonly byte[] _data;
    private readonly int _offset;
    private readonly ItemLayout? _layout; // set for table records, whose key attributes live in the record header
    private AttributeMap? _decoded;

    internal Item(byte[] data, int offset)
    {
        _data = data;
        _offset = offset;
    }

    internal Item(byte[] record, int offset, ItemLayout layout)
    {
        _data = record;
        _offset = offset;
        _layout = layout;
    }

    private Item(byte[] data, AttributeMap decoded)
    {
        _data = data;
        _offset = 0;
        _decoded = decoded;
    }

    /// <summary>The item with no attributes.</summary>
    public static Item Empty { get; } = FromMap(AttributeMap.Empty);

    /// <summary>Creates an item from attributes (validates nesting depth; size is checked when stored).</summary>
    public static Item FromAttributes(IEnumerable<KeyValuePair<string, AttributeValue>> attributes) =>
        FromMap(attributes as AttributeMap ?? new AttributeMap(attributes));

    /// <summary>Creates an item from a map.</summary>
    public static Item FromMap(AttributeMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new Item(ItemCodec.EncodeAttributes(map), map);
    }

    /// <summary>
    /// An item of the attributes <paramref name="names"/>[i] = <paramref name="values"/>[i] (names distinct, values
    /// not null: the caller checked) held only in its encoded form: for bulk writers that keep many items until they
    /// commit, where a decoded copy per item would double what they hold.
    /// </summary>
    internal static Item Encoded(ReadOnlySpan<string> names, ReadOnlySpan<AttributeValue> values) =>
        new(ItemCodec.EncodeAttributes(names, values), 0);

    /// <summary>Starts building an item: <c>Item.Create().Set("pk", "a").Set("n", 5).Build()</c>.</summary>
    public static ItemBuilder Create() => new();

    /// <summary>
    /// Converts a JSON object into an item: objects become M, arrays L, numbers N (exactly, from their text),
    /// strings S, booleans BOOL, null NULL.
    /// </summary>
    public static Item FromJson(string json) => FromMap(AttributeValueJson.ParseDocument(json));

    /// <summary>Writes the item as a plain JSON object (the inverse of <see cref="FromJson"/>).</summary>
    public string ToJson() => AttributeValueJson.ToDocumentJson(ToMap());

    internal byte[] Data => _data;

    /// <summary>The value at a nested path, decoded alone from the encoding unless the item is decoded already.</summary>
    internal AttributeValue? GetPath(Expressions.AttributePath path)
    {
        if (_decoded is not null || (_layout is not null && _layout.KeyValue(_data, path.TopLevelName) is not null))
        {
            return path.Resolve(ToMap());
        }

        return ItemCodec.FindPath(_data, _offset, path);
    }

    internal int Offset => _offset;

    /// <summary>
    /// The encoded sort key of an item read from a table with a sort key (its record's key bytes: UTF-8 for S, the
    /// number encoding for N, the bytes for B), without decoding it; empty for other items.
    /// </summary>
    internal ReadOnlySpan<byte> StoredSortKey => _layout is { SortKey: not null } ? ItemCodec.RecordKey(_data) : default;

    /// <summary>The encoded partition key of an item read from a table with a sort key (see <see cref="StoredSortKey"/>); empty for other items.</summary>
    internal ReadOnlySpan<byte> StoredPartitionKey => _layout is { SortKey: not null } ? ItemCodec.RecordPartitionKey(_data) : default;

    /// <summary>The encoded attribute section holding every attribute (re-encoded for table records, whose keys are in the header).</summary>
    internal ReadOnlySpan<byte> EncodedAttributes => _layout is null ? _data.AsSpan(_offset) : ItemCodec.EncodeAttributes(ToMap());

    /// <summary>Bytes of the encoded attribute section (an upper bound of <see cref="SizeInBytes"/> for items built in memory).</summary>
    internal int EncodedLength => _layout is null ? _data.Length - _offset : EncodedAttributes.Length;

    /// <summary>The decoded map of all attributes (cached).</summary>
    public AttributeMap ToMap() => _decoded ??= _layout is null ? ItemCodec.DecodeAttributes(_data, _offset) : _layout.Decode(_data, _offset);

    /// <summary>Number of attributes.</summary>
    public int Count => _decoded?.Count ?? (ItemCodec.AttributeCount(_data, _offset) + (_layout?.KeyCount ?? 0));

    /// <summary>DynamoDB's size of the item in bytes (names plus values), limited to 400 KB.</summary>
    public int SizeInBytes => _layout is null ? ItemCodec.ComputeSize(_data, _offset) : ItemCodec.ComputeSize(ItemCodec.EncodeAttributes(ToMap()), 0);

    /// <summary>The value of an attribute; throws <see cref="KeyNotFoundException"/> when absent.</summary>
    public AttributeValue this[string key] =>
        TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"The item has no attribute \"{key}\".");

    /// <summary>
    /// Writes the values of the selector's names to <paramref name="into"/>[<paramref name="at"/>...] (null for an
    /// absent attribute), decoding only those, in one walk of the encoding.
    /// </summary>
    internal void Select(AttributeSelector selector, AttributeValue?[] into, int at)
    {
        var names = selector.Names;
        if (_decoded is not null || selector.HasDuplicates)
        {
            for (var i = 0; i < names.Length; i++)
            {
                into[at + i] = Get(names[i]);
            }

            return;
        }

        var remaining = names.Length;
        for (var i = 0; i < names.Length; i++)
        {
            if (_layout is not null && _layout.KeyValue(_data, names[i]) is { } key)
            {
                into[at + i] = key;
                remaining--;
            }
            else
            {
                into[at + i] = null;
            }
        }

        if (remaining == 0)
        {
            return;
        }

        var reader = new ItemReader(_data, _offset);
        var count = reader.ReadCount();
        for (var a = 0; a < count; a++)
        {
            var i = selector.IndexOf(reader.ReadBytesSpan());
            if (i >= 0 && into[at + i] is null)
            {
                into[at + i] = reader.ReadValue(1);
                if (--remaining == 0)
                {
                    return;
                }
            }
            else
            {
                reader.SkipValue();
            }
        }
    }

    /// <summary>The value of an attribute, or null when absent.</summary>
    public AttributeValue? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_decoded is not null)
        {
            return _decoded.TryGetValue(name, out var v) ? v : null;
        }

        if (_layout is not null && _layout.KeyValue(_data, name) is { } key)
        {
            return key;
        }

        return ItemCodec.FindAttribute(_data, _offset, name);
    }

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out AttributeValue value)
    {
        value = Get(key);
        return value is not null;
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => Get(key) is not null;

    /// <summary>Names in stored order.</summary>
    public IEnumerable<string> Keys => ToMap().Keys;

    /// <summary>Values in stored order.</summary>
    public IEnumerable<AttributeValue> Values => ToMap().Values;

    /// <summary>A copy with one attribute set.</summary>
    public Item With(string name, AttributeValue value) => FromMap(ToMap().With(name, value));

    /// <summary>A copy without one attribute.</summary>
    public Item Without(string name) => FromMap(ToMap().Without(name));

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, AttributeValue>> GetEnumerator() => ToMap().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Structural, order-insensitive equality.</summary>
    public bool Equals(Item? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other) ||
            (_layout is null && other._layout is null && _data.AsSpan(_offset).SequenceEqual(other._data.AsSpan(other._offset))))
        {
            return true;
        }

        return ToMap().Equals(other.ToMap());
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Item other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => ToMap().GetHashCode();

    /// <summary>DynamoDB JSON form, e.g. <c>{"pk":{"S":"a"},"n":{"N":"5"}}</c>.</summary>
    public override string ToString() => AttributeValueJson.ToDynamoJson(ToMap());
}

/// <summary>A mutable builder for <see cref="Item"/>.</summary>
public sealed class ItemBuilder
{
    private readonly List<KeyValuePair<string, AttributeValue>> _entries = [];

    /// <summary>Sets (or replaces) an attribute.</summary>
    public ItemBuilder Set(string name, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var i = _entries.FindIndex(e => string.Equals(e.Key, name, StringComparison.Ordinal));
        if (i >= 0)
        {
            _entries[i] = new(name, value);
        }
        else
        {
            _entries.Add(new(name, value));
        }

        return this;
    }

    /// <summary>Builds the immutable item.</summary>
    public Item Build() => Item.FromAttributes(_entries);
}
