using System.Buffers;
using KvDb.Storage;
using KvDb.Wal;

namespace KvDb.Engine;

/// <summary>How a <see cref="BulkInsert"/> ended.</summary>
internal enum BulkInsertFailure
{
    /// <summary>Every row was inserted.</summary>
    None,

    /// <summary>The row's key is already stored (and visible); nothing was inserted.</summary>
    KeyExists,

    /// <summary>The row's key is the key of an earlier row of the same insert; nothing was inserted.</summary>
    KeyRepeated,
}

/// <summary>The outcome of <see cref="BulkInsert.CommitAsync"/>: success, or the first failing row (in row order).</summary>
internal readonly record struct BulkInsertResult(BulkInsertFailure Failure, int Row)
{
    public bool Succeeded => Failure == BulkInsertFailure.None;
}

/// <summary>
/// New items for one table, added row by row and then inserted as one atomic change in which every key must be new
/// (a transaction of puts conditioned on <c>attribute_not_exists</c> of the partition key, with distinct keys): the
/// bulk path of SQL's INSERT on a local database. Each row is validated and encoded once, straight into its stored
/// record, when it is added; a row then costs that one array (its keys are read back from the record's header) and a
/// few array slots: no item, action or mutation object per row, no separate key array, and the table's hash indexes
/// are grown once. Logging, index upkeep and the change feed are those of every other commit.
/// </summary>
/// <remarks>Not thread-safe: one writer adds the rows, then commits once.</remarks>
internal sealed class BulkInsert
{
    // A record this close to the item size limit gets the exact DynamoDB size measure (the record leaves out the key
    // attributes' names, so its length alone does not bound the measure).
    private const int SizeSlack = 4096;

    private readonly KvEngine _engine;
    private readonly TableStore _table;
    private byte[][] _records;
    private int[] _hashes;
    private bool _committed;

    internal BulkInsert(KvEngine engine, TableStore table, int capacity)
    {
        _engine = engine;
        _table = table;
        capacity = Math.Clamp(capacity, 4, TransactWriteOptions.Unbounded);
        _records = new byte[capacity][];
        _hashes = new int[capacity];
    }

    /// <summary>The rows added so far.</summary>
    public int Count { get; private set; }

    internal TableStore Table => _table;

    /// <summary>
    /// Adds the item <paramref name="names"/>[i] = <paramref name="values"/>[i] (names distinct: the caller checked).
    /// Throws <see cref="KvDbException"/> when its key attributes are missing or invalid or it is too large; then the
    /// row is not added, and nothing is stored until <see cref="CommitAsync"/>.
    /// </summary>
    public void Add(ReadOnlySpan<string> names, ReadOnlySpan<AttributeValue> values)
    {
        BeginRow();
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                Value(names[i], values[i]);
            }
        }
        catch
        {
            EndRowScratch(); // a null value: the row is dropped
            throw;
        }

        EndRow();
    }

    /// <summary>Adds an item built elsewhere (validated and encoded as a put's item is); throws as the other overload.</summary>
    public void Add(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckCanAdd();
        var (pk, sk) = KvEngine.EncodeItemKey(_table, item);
        KvEngine.CheckItemSize(_table, item, pk);
        Append(_table.BuildRecord(pk, sk, item), pk);
    }

    // ------------------------------------------------------------------ a row built attribute by attribute
    // BeginRow, then Number / String / Bool / Value per attribute, then EndRow (Add(names, values) is this with Value
    // for every attribute). Errors come in one order whatever the attributes' order: partition key, sort key, then the
    // other values. Non-key attributes go straight into a reused body buffer, key values into reused key buffers; the
    // typed methods need no AttributeValue or string per value.

    private ArrayBufferWriter<byte>? _body;
    private int _bodyCount;
    private byte[] _pkBytes = [];
    private byte[] _skBytes = [];
    private int _pkLength;
    private int _skLength;
    private KvDbException? _pkError;
    private KvDbException? _skError;
    private KvDbException? _valueError;
    private bool _inRow;

    /// <summary>Starts a row (see <see cref="EndRow"/>).</summary>
    public void BeginRow()
    {
        CheckCanAdd();
        if (_inRow)
        {
            throw new InvalidOperationException("A row is already being built.");
        }

        _inRow = true;
        _body = ItemCodec.RentScratch(); // the thread's encoding buffer, given back by EndRow
        _bodyCount = 0;
        (_pkLength, _skLength) = (-1, -1);
        (_pkError, _skError, _valueError) = (null, null, null);
    }

    /// <summary>Adds a number attribute to the row being built.</summary>
    public void Number(string name, KvNumber value)
    {
        var key = KeyRole(name);
        if (key == 0)
        {
            ItemCodec.WriteNumberAttribute(_body!, name, value);
            _bodyCount++;
        }
        else if (KeyAttribute(key).Type == ScalarType.Number)
        {
            ref var bytes = ref key == 1 ? ref _pkBytes : ref _skBytes;
            var length = value.GetEncodedLength();
            if (bytes.Length < length)
            {
                bytes = new byte[Math.Max(length, 24)]; // an encoded number has at most 22 bytes
            }

            SetKeyLength(key, value.Encode(bytes));
        }
        else
        {
            SetKey(key, AttributeValue.FromNumber(value)); // the general path reports the mismatch
        }
    }

    /// <summary>Adds a string attribute to the row being built.</summary>
    public void String(string name, ReadOnlySpan<char> value)
    {
        var key = KeyRole(name);
        if (key == 0)
        {
            try
            {
                ItemCodec.WriteStringAttribute(_body!, name, value);
                _bodyCount++;
            }
            catch (KvDbException e)
            {
                _valueError ??= e;
            }
        }
        else if (KeyAttribute(key).Type == ScalarType.String && value.Length > 0
            && System.Text.Encoding.UTF8.GetByteCount(value) is var length && length <= (key == 1 ? KeyCodec.MaxPartitionKeyBytes : KeyCodec.MaxSortKeyBytes))
        {
            ref var bytes = ref key == 1 ? ref _pkBytes : ref _skBytes;
            if (bytes.Length < length)
            {
                bytes = new byte[Math.Max(length, 2 * bytes.Length)];
            }

            SetKeyLength(key, System.Text.Encoding.UTF8.GetBytes(value, bytes)); // as KeyCodec.Encode encodes a key string
        }
        else
        {
            SetKey(key, AttributeValue.FromString(value.ToString())); // the general path: its checks and messages
        }
    }

    /// <summary>Adds a boolean attribute to the row being built.</summary>
    public void Bool(string name, bool value)
    {
        var key = KeyRole(name);
        if (key == 0)
        {
            ItemCodec.WriteBoolAttribute(_body!, name, value);
            _bodyCount++;
        }
        else
        {
            SetKey(key, AttributeValue.FromBool(value));
        }
    }

    /// <summary>Adds an attribute of any type to the row being built.</summary>
    public void Value(string name, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var key = KeyRole(name);
        if (key != 0)
        {
            SetKey(key, value);
            return;
        }

        try
        {
            ItemCodec.WriteAttribute(_body!, name, value);
            _bodyCount++;
        }
        catch (KvDbException e)
        {
            _valueError ??= e;
        }
    }

    /// <summary>
    /// Ends the row and adds it. Throws <see cref="KvDbException"/> when a key attribute is missing or invalid, a value
    /// cannot be stored or the item is too large (the first of these, in that order); the row is then not added.
    /// </summary>
    public void EndRow()
    {
        if (!_inRow)
        {
            throw new InvalidOperationException("No row is being built.");
        }

        var body = EndRowScratch();
        try
        {
            AddRow(body);
        }
        finally
        {
            ItemCodec.ReturnScratch(body);
        }
    }

    private ArrayBufferWriter<byte> EndRowScratch()
    {
        var body = _body!;
        (_body, _inRow) = (null, false);
        return body;
    }

    private void AddRow(ArrayBufferWriter<byte> body)
    {
        var schema = _table.Schema;
        if (_pkError is not null || _pkLength < 0)
        {
            throw _pkError ?? Missing(schema.PartitionKey, true);
        }

        var hasSk = schema.SortKey is not null;
        if (hasSk && (_skError is not null || _skLength < 0))
        {
            throw _skError ?? Missing(schema.SortKey!, false);
        }

        if (_valueError is not null)
        {
            throw _valueError;
        }

        var pk = _pkBytes.AsSpan(0, _pkLength);
        var record = hasSk
            ? ItemCodec.BuildRecord(_skBytes.AsSpan(0, _skLength), pk, true, _bodyCount, body.WrittenSpan)
            : ItemCodec.BuildRecord(pk, default, false, _bodyCount, body.WrittenSpan);
        if (record.Length > KvEngine.MaxItemSize - SizeSlack)
        {
            KvEngine.CheckItemSize(_table, _table.ItemOf(record), pk.ToArray());
        }

        Append(record, pk);
    }

    // 1: the partition key, 2: the sort key, 0: another attribute (a row in progress is required).
    private int KeyRole(string name)
    {
        if (!_inRow)
        {
            throw new InvalidOperationException("BeginRow first.");
        }

        var layout = _table.Layout!;
        return string.Equals(name, layout.PartitionKey.Name, StringComparison.Ordinal) ? 1
            : layout.SortKey is { } sk && string.Equals(name, sk.Name, StringComparison.Ordinal) ? 2
            : 0;
    }

    private KeyAttribute KeyAttribute(int role) => role == 1 ? _table.Schema.PartitionKey : _table.Schema.SortKey!;

    private void SetKeyLength(int role, int length)
    {
        if (role == 1)
        {
            (_pkLength, _pkError) = (length, null);
        }
        else
        {
            (_skLength, _skError) = (length, null);
        }
    }

    // A key value through KeyCodec.Encode: its bytes, or its error kept for EndRow (keys are reported before values).
    private void SetKey(int role, AttributeValue value)
    {
        try
        {
            var bytes = KeyCodec.Encode(value, KeyAttribute(role), role == 1, _table.Schema.Name);
            if (role == 1)
            {
                (_pkBytes, _pkLength, _pkError) = (bytes, bytes.Length, null);
            }
            else
            {
                (_skBytes, _skLength, _skError) = (bytes, bytes.Length, null);
            }
        }
        catch (KvDbException e)
        {
            if (role == 1)
            {
                _pkError = e;
            }
            else
            {
                _skError = e;
            }
        }
    }

    private KvDbException Missing(KeyAttribute attribute, bool isPartitionKey)
    {
        try
        {
            KeyCodec.Encode(null, attribute, isPartitionKey, _table.Schema.Name);
        }
        catch (KvDbException e)
        {
            return e;
        }

        throw new InvalidOperationException("A missing key attribute was accepted.");
    }

    private void CheckCanAdd()
    {
        if (_committed)
        {
            throw new InvalidOperationException("This bulk insert was already committed.");
        }

        if (Count == TransactWriteOptions.Unbounded)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded,
                $"Table \"{_table.Name}\": one bulk insert holds at most {TransactWriteOptions.Unbounded} items.");
        }
    }

    private void Append(byte[] record, ReadOnlySpan<byte> pk)
    {
        if (Count == _records.Length)
        {
            var grown = (int)Math.Min(2L * Count, TransactWriteOptions.Unbounded);
            Array.Resize(ref _records, grown);
            Array.Resize(ref _hashes, grown);
        }

        _records[Count] = record;
        _hashes[Count] = HashIndex.Hash(pk);
        Count++;
    }

    /// <summary>The key of row <paramref name="row"/> (for messages).</summary>
    public ItemKey KeyAt(int row) => _table.KeyOf(ItemCodec.RecordPartitionKey(_records[row]).ToArray(), _records[row]);

    // The encoded keys of a row, read from its record's header: sk is the record key in a table with a sort key.
    private ReadOnlySpan<byte> PkAt(int row) => ItemCodec.RecordPartitionKey(_records[row]);

    private ReadOnlySpan<byte> SkAt(int row) => _table.HasSortKey ? ItemCodec.RecordKey(_records[row]) : default;

    /// <summary>
    /// The first row (in row order) whose key equals an earlier row's key, or -1. Uses one array of slots, not a
    /// set entry per row.
    /// </summary>
    public int FindRepeatedRow()
    {
        if (Count < 2)
        {
            return -1;
        }

        // Rows in ascending key order (a load in key order, the usual case) cannot repeat a key: one comparison per row.
        var ascending = true;
        for (var row = 1; row < Count && ascending; row++)
        {
            var order = PkAt(row - 1).SequenceCompareTo(PkAt(row));
            ascending = order < 0 || (order == 0 && SkAt(row - 1).SequenceCompareTo(SkAt(row)) < 0);
        }

        if (ascending)
        {
            return -1;
        }

        var size = 16;
        while (size < 2L * Count)
        {
            size *= 2;
        }

        var slots = new int[size]; // row + 1; 0 = free
        var mask = size - 1;
        for (var row = 0; row < Count; row++)
        {
            var hash = _table.HasSortKey ? HashIndex.Hash(PkAt(row), SkAt(row)) : _hashes[row];
            var i = hash & mask;
            while (slots[i] != 0)
            {
                var other = slots[i] - 1;
                if (_hashes[other] == _hashes[row] && PkAt(other).SequenceEqual(PkAt(row)) && SkAt(other).SequenceEqual(SkAt(row)))
                {
                    return row;
                }

                i = (i + 1) & mask;
            }

            slots[i] = row + 1;
        }

        return -1;
    }

    /// <summary>
    /// Inserts every row as one atomic change, or none: when a key repeats an earlier row's or is already stored,
    /// the result names the first such row and nothing changes. Can be called once.
    /// </summary>
    public ValueTask<BulkInsertResult> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This bulk insert was already committed.");
        }

        _committed = true;
        return _engine.CommitBulkInsertAsync(this, cancellationToken);
    }

    /// <summary>The mutation of row <paramref name="row"/> (built when read: a committed bulk insert is its own change set).</summary>
    internal Mutation MutationAt(int row) => new()
    {
        Table = _table, Pk = null, Sk = null, Hash = _hashes[row], Kind = ChangeKind.Put, // keys read from the record
        NewRecord = _records[row], OldRecord = _replaced?[row],
    };

    // The expired records rows replace (null until the first one), set while the commit checks the keys.
    private byte[]?[]? _replaced;

    /// <summary>Records that row <paramref name="row"/> replaces <paramref name="physical"/> (an expired record).</summary>
    internal void SetReplaced(int row, byte[] physical) => (_replaced ??= new byte[]?[Count])[row] = physical;

    /// <summary>The stored record under row <paramref name="row"/>'s key, expired or not (the caller holds its stripe).</summary>
    internal byte[]? PhysicalAt(int row) => _table.GetRecordFast(PkAt(row), SkAt(row));

    internal int HashAt(int row) => _hashes[row];
}
