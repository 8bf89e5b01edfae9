namespace KvDb.Sql.Syntax;

/// <summary>
/// Where a piece of syntax came from. Spans never take part in equality (every two spans are equal), so that AST
/// records compare by structure only: printing an AST and parsing the text again gives an equal AST.
/// </summary>
public readonly struct SourceSpan : IEquatable<SourceSpan>
{
    /// <summary>Creates a span.</summary>
    /// <param name="start">0-based character offset.</param>
    /// <param name="length">Length in characters.</param>
    /// <param name="line">1-based line.</param>
    /// <param name="column">1-based column.</param>
    public SourceSpan(int start, int length, int line, int column)
    {
        Start = start;
        Length = length;
        Line = line;
        Column = column;
    }

    /// <summary>0-based character offset.</summary>
    public int Start { get; }

    /// <summary>Length in characters.</summary>
    public int Length { get; }

    /// <summary>1-based line (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>1-based column (0 when unknown).</summary>
    public int Column { get; }

    /// <summary>Always true: positions are not part of syntax equality.</summary>
    /// <param name="other">Another span.</param>
    /// <returns>True.</returns>
    public bool Equals(SourceSpan other) => true;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SourceSpan;

    /// <inheritdoc />
    public override int GetHashCode() => 0;

    /// <summary>Always true.</summary>
    /// <param name="left">A span.</param>
    /// <param name="right">A span.</param>
    /// <returns>True.</returns>
    public static bool operator ==(SourceSpan left, SourceSpan right) => true;

    /// <summary>Always false.</summary>
    /// <param name="left">A span.</param>
    /// <param name="right">A span.</param>
    /// <returns>False.</returns>
    public static bool operator !=(SourceSpan left, SourceSpan right) => false;

    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}
