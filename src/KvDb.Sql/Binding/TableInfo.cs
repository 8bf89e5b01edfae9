using KvDb.Sql.Ast;

namespace KvDb.Sql.Binding;

/// <summary>How a table came to be.</summary>
internal enum TableOrigin
{
    /// <summary>CREATE TABLE: columns are declared and checked.</summary>
    Declared,

    /// <summary>Created by the first INSERT (hash-db style): generated <c>id</c> key, open to any column.</summary>
    Auto,

    /// <summary>A Core table created outside SQL: only its keys are known; open to any column.</summary>
    External,
}

/// <summary>What SQL knows about a table. Immutable; the catalog swaps whole snapshots.</summary>
internal sealed record TableInfo(string Name, TableOrigin Origin, IReadOnlyList<ColumnDef> Columns, string PartitionKey, string? SortKey)
{
    /// <summary>Whether names not in <see cref="Columns"/> are allowed (they read as NULL when absent).</summary>
    public bool Open => Origin != TableOrigin.Declared;

    /// <summary>Approximate number of items, for join planning (filled when the plan is built).</summary>
    public long ItemCount { get; init; }

    /// <summary>Secondary indexes: name and key columns.</summary>
    public IReadOnlyList<(string Name, string PartitionKey, string? SortKey)> Indexes { get; init; } = [];

    public ColumnDef? FindColumn(string name)
    {
        var columns = Columns; // indexed, not enumerated: no enumerator per lookup (INSERT looks up every column)
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i].Name, name, StringComparison.Ordinal))
            {
                return columns[i];
            }
        }

        return null;
    }

    public bool IsKey(string name) => name == PartitionKey || name == SortKey;
}
