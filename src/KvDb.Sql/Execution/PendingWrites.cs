using System.Runtime.InteropServices;
using KvDb.Expressions;

namespace KvDb.Sql.Execution;

/// <summary>
/// The writes of an open transaction (BEGIN ... COMMIT), held back until COMMIT and overlaid on every read of the
/// session (read-your-writes). Per row it keeps the image the transaction started from (<see cref="PendingRow.Base"/>:
/// null for a row the transaction inserted, else the stored item it read) and the current image (null when deleted).
/// Several statements may change the same row; only the net change reaches Core. At COMMIT each row becomes one action
/// of one Core transaction whose conditions check that the rows the transaction inserted are still absent and the
/// rows it read are still present. Not thread-safe (a session is one logical connection).
/// </summary>
internal sealed class PendingWrites
{
    // Per table, each changed row's index in _order (the rows themselves are structs there: no object per row).
    private readonly Dictionary<string, Dictionary<ItemKey, int>> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _partitionKeys = new(StringComparer.Ordinal);
    private readonly List<PendingRow> _order = [];

    /// <summary>Rows changed (inserted, updated or deleted) by the transaction.</summary>
    public int Count => _order.Count;

    /// <summary>Whether the transaction changed any row of <paramref name="table"/>.</summary>
    public bool Touches(string table) => _tables.TryGetValue(table, out var rows) && rows.Count > 0;

    /// <summary>The pending state of a row: true with the current image (null when deleted) when the transaction changed it.</summary>
    public bool TryGet(string table, ItemKey key, out Item? current)
    {
        if (_tables.TryGetValue(table, out var rows) && rows.TryGetValue(key, out var index))
        {
            current = _order[index].Current;
            return true;
        }

        current = null;
        return false;
    }

    /// <summary>A copy of the pending rows of a table (a scan must not see statements that run while it streams).</summary>
    public (ItemKey Key, Item? Current)[] Snapshot(string table)
    {
        if (!_tables.TryGetValue(table, out var rows) || rows.Count == 0)
        {
            return [];
        }

        var result = new (ItemKey, Item?)[rows.Count];
        var i = 0;
        foreach (var (key, index) in rows)
        {
            result[i++] = (key, _order[index].Current);
        }

        return result;
    }

    /// <summary>Records the new image of a row; <paramref name="stored"/> is the stored item it replaces (null for an insert).</summary>
    public void Set(string table, string partitionKey, ItemKey key, Item? stored, Item? current)
    {
        if (!_tables.TryGetValue(table, out var rows))
        {
            _tables[table] = rows = [];
        }

        _partitionKeys[table] = partitionKey;

        if (rows.TryGetValue(key, out var index))
        {
            CollectionsMarshal.AsSpan(_order)[index].Current = current;
            return;
        }

        if (_order.Count >= SqlEngine.MaxRowsPerTransaction)
        {
            ThrowHelper.Error(SqlErrorCode.LimitExceeded,
                $"A transaction may change at most {SqlEngine.MaxRowsPerTransaction} rows (it is applied as one atomic Core transaction); the transaction was rolled back");
        }

        rows[key] = _order.Count;
        _order.Add(new PendingRow(table, key, stored, current));
    }

    /// <summary>
    /// The table when every changed row is a row this transaction inserted (and did not delete again) into that one
    /// table, else null: then COMMIT is a bulk insert of <see cref="InsertedItem"/>(0 .. Count - 1).
    /// </summary>
    public string? InsertOnlyTable()
    {
        string? only = null;
        foreach (var row in _order)
        {
            if (row.Base is not null || row.Current is null || (only is not null && !string.Equals(row.Table, only, StringComparison.Ordinal)))
            {
                return null;
            }

            only = row.Table;
        }

        return only;
    }

    /// <summary>The current image of the changed row at <paramref name="index"/> (in the order of <see cref="ToActions"/>).</summary>
    public Item InsertedItem(int index) => _order[index].Current!;

    /// <summary>The COMMIT actions, one per changed row, in the order the rows were first changed.</summary>
    public List<TransactWriteItem> ToActions()
    {
        var actions = new List<TransactWriteItem>(_order.Count);
        string? lastTable = null;
        Condition? notExists = null;
        Condition? exists = null;
        foreach (var (table, key, @base, current) in _order)
        {
            if (!ReferenceEquals(table, lastTable))
            {
                // One pair of (immutable) conditions per run of rows of one table, not per row.
                var pk = _partitionKeys[table];
                (lastTable, notExists, exists) = (table, Condition.AttributeNotExists(pk), Condition.AttributeExists(pk));
            }

            if (@base is null)
            {
                // Inserted by this transaction: nobody else may have inserted the row meanwhile.
                actions.Add(current is null
                    ? new TransactConditionCheck(table, key, notExists!)
                    : new TransactPut(table, current, notExists!));
            }
            else
            {
                // Read from the store: it must still be there.
                actions.Add(current is null
                    ? new TransactDelete(table, key, exists!)
                    : new TransactPut(table, current, exists!));
            }
        }

        return actions;
    }

    /// <summary>Why the COMMIT action at <paramref name="index"/> (of <see cref="ToActions"/>) can fail its condition, for the error message.</summary>
    public string Describe(int index)
    {
        var (table, key, @base, current) = _order[index];
        return @base is null
            ? current is null
                ? $"row {key} of {table} (inserted and deleted by this transaction) was inserted by another writer meanwhile"
                : $"INSERT INTO {table}: duplicate key {key} (inserted by another writer meanwhile)"
            : $"row {key} of {table} was deleted by another writer meanwhile";
    }

    /// <summary>One changed row: its table and key, the image it started from (null: inserted by the transaction) and its current image (null: deleted).</summary>
    private record struct PendingRow(string Table, ItemKey Key, Item? Base, Item? Current);
}
