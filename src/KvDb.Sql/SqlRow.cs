using KvDb.Sql.Execution;

namespace KvDb.Sql;

/// <summary>
/// One result row. Values are typed: strings are <see cref="string"/>, numbers <see cref="KvNumber"/> (exact
/// decimals), booleans <see cref="bool"/>, NULL is <c>null</c>, and lists, maps, binary and sets are
/// <see cref="AttributeValue"/>s.
/// </summary>
public sealed class SqlRow
{
    private readonly AttributeValue?[] _values;
    private readonly IReadOnlyList<string> _columns;
    private readonly int[]? _stored; // set when _values is a stored row of a materialized join's copy: the column of each value

    internal SqlRow(IReadOnlyList<string> columns, AttributeValue?[] values)
    {
        _columns = columns;
        _values = values;
    }

    /// <summary>A row whose value i is column <paramref name="columnIds"/>[i] of <paramref name="stored"/>, an immutable row of a materialized join's in-memory copy.</summary>
    internal SqlRow(IReadOnlyList<string> columns, AttributeValue?[] stored, int[] columnIds)
    {
        _columns = columns;
        _values = stored;
        _stored = columnIds;
    }

    /// <summary>The column names, in order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The number of values.</summary>
    public int Count => _columns.Count;

    /// <summary>The value of column <paramref name="index"/> (0-based).</summary>
    /// <param name="index">The column index.</param>
    public object? this[int index] => SqlValues.ToObject(GetAttribute(index));

    /// <summary>The value of the first column named <paramref name="column"/>.</summary>
    /// <param name="column">The column name.</param>
    public object? this[string column] => this[IndexOf(column)];

    /// <summary>The raw attribute value of column <paramref name="index"/> (null for SQL NULL).</summary>
    /// <param name="index">The column index.</param>
    /// <returns>The value.</returns>
    public AttributeValue? GetAttribute(int index) =>
        _stored is null ? _values[index] : SqlValues.Normalize(Materialization.JoinRowCache.Snapshot.Get(_values, _stored[index]));

    /// <summary>The values as plain objects.</summary>
    /// <returns>The values.</returns>
    public object?[] ToArray() => [.. Values().Select(SqlValues.ToObject)];

    private IEnumerable<AttributeValue?> Values() => _stored is null ? _values : Enumerable.Range(0, _stored.Length).Select(GetAttribute);

    private int IndexOf(string column)
    {
        for (var i = 0; i < _columns.Count; i++)
        {
            if (string.Equals(_columns[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"The result has no column '{column}'.", nameof(column));
    }

    /// <inheritdoc />
    public override string ToString() => "(" + string.Join(", ", Values().Select(SqlValues.Render)) + ")";
}
