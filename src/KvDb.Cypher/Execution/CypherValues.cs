using System.Globalization;
using System.Text;

namespace KvDb.Cypher;

/// <summary>A node in a Cypher result: its id, labels and properties as they were when the statement finished.</summary>
public sealed record CypherNode(long Id, IReadOnlyList<string> Labels, IReadOnlyDictionary<string, object?> Properties)
{
    /// <summary>Prints the node as Cypher does: <c>(:Label {key: value})</c>.</summary>
    public override string ToString() =>
        "(" + string.Concat(Labels.Select(l => ":" + l)) + (Properties.Count == 0 ? "" : (Labels.Count == 0 ? "" : " ") + CypherValueText.Format(Properties)) + ")";

    /// <summary>Nodes are equal when their ids are.</summary>
    public bool Equals(CypherNode? other) => other is not null && other.Id == Id;

    /// <summary>Hash of the id.</summary>
    public override int GetHashCode() => Id.GetHashCode();
}

/// <summary>A relationship in a Cypher result.</summary>
public sealed record CypherRelationship(long Id, string Type, long StartNodeId, long EndNodeId, IReadOnlyDictionary<string, object?> Properties)
{
    /// <summary>Prints the relationship as Cypher does: <c>[:TYPE {key: value}]</c>.</summary>
    public override string ToString() => "[:" + Type + (Properties.Count == 0 ? "" : " " + CypherValueText.Format(Properties)) + "]";

    /// <summary>Relationships are equal when their ids are.</summary>
    public bool Equals(CypherRelationship? other) => other is not null && other.Id == Id;

    /// <summary>Hash of the id.</summary>
    public override int GetHashCode() => Id.GetHashCode();
}

/// <summary>A path: nodes and the relationships between them (one fewer than the nodes).</summary>
public sealed record CypherPath(IReadOnlyList<CypherNode> Nodes, IReadOnlyList<CypherRelationship> Relationships)
{
    /// <summary>The number of relationships.</summary>
    public int Length => Relationships.Count;

    /// <summary>Paths are equal when their nodes and relationships are.</summary>
    public bool Equals(CypherPath? other) =>
        other is not null && other.Nodes.SequenceEqual(Nodes) && other.Relationships.SequenceEqual(Relationships);

    /// <summary>Hash of the relationship ids.</summary>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var n in Nodes)
        {
            h.Add(n.Id);
        }

        return h.ToHashCode();
    }

    /// <summary>Prints the path with its nodes and relationships.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder().Append(Nodes[0]);
        for (var i = 0; i < Relationships.Count; i++)
        {
            var r = Relationships[i];
            var forward = r.StartNodeId == Nodes[i].Id;
            sb.Append(forward ? "-" : "<-").Append(r).Append(forward ? "->" : "-").Append(Nodes[i + 1]);
        }

        return sb.ToString();
    }
}

/// <summary>
/// The result of a Cypher statement: column names and rows. Values are <see langword="null"/>, <see cref="long"/>,
/// <see cref="double"/>, <see cref="string"/>, <see cref="bool"/>, <see cref="IReadOnlyList{T}"/> of values,
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/> of values, <see cref="CypherNode"/>, <see cref="CypherRelationship"/>
/// or <see cref="CypherPath"/>.
/// </summary>
public sealed class CypherResult
{
    internal CypherResult(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<object?>> rows, CypherStatistics statistics, string? plan)
    {
        Columns = columns;
        Rows = rows;
        Statistics = statistics;
        Plan = plan;
    }

    /// <summary>The column names, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows; each has one value per column.</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    /// <summary>What the statement changed.</summary>
    public CypherStatistics Statistics { get; }

    /// <summary>For EXPLAIN, the plan text; otherwise null.</summary>
    public string? Plan { get; }

    /// <summary>The value of <paramref name="column"/> in row <paramref name="row"/>.</summary>
    public object? this[int row, string column]
    {
        get
        {
            var i = IndexOf(column);
            return i < 0 ? throw new ArgumentException($"No column named '{column}'.", nameof(column)) : Rows[row][i];
        }
    }

    private int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Prints the rows as text, one line per row (values in Cypher notation).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(string.Join(" | ", Columns));
        foreach (var row in Rows)
        {
            sb.Append('\n').Append(string.Join(" | ", row.Select(CypherValueText.Format)));
        }

        return sb.ToString();
    }
}

/// <summary>Counts of the changes a statement made.</summary>
public sealed record CypherStatistics(int NodesCreated, int NodesDeleted, int RelationshipsCreated, int RelationshipsDeleted, int PropertiesSet, int LabelsAdded, int LabelsRemoved)
{
    /// <summary>Property indexes created by the statement.</summary>
    public int IndexesAdded { get; init; }

    /// <summary>Property indexes dropped by the statement.</summary>
    public int IndexesRemoved { get; init; }

    /// <summary>True when anything changed.</summary>
    public bool ContainsUpdates => NodesCreated + NodesDeleted + RelationshipsCreated + RelationshipsDeleted + PropertiesSet + LabelsAdded + LabelsRemoved + IndexesAdded + IndexesRemoved > 0;
}

/// <summary>Formats Cypher values as Cypher literals (integers and floats stay distinct: <c>1</c> vs <c>1.0</c>).</summary>
public static class CypherValueText
{
    /// <summary>Formats one value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Ast.Printer.Float(d),
        string s => Ast.Printer.String(s),
        IReadOnlyDictionary<string, object?> m => "{" + string.Join(", ", m.Select(kv => Ast.Printer.Name(kv.Key) + ": " + Format(kv.Value))) + "}",
        IReadOnlyList<object?> l => "[" + string.Join(", ", l.Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };
}
