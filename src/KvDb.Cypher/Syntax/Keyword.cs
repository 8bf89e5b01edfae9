using System.Collections.Frozen;

namespace KvDb.Cypher.Syntax;

/// <summary>Cypher keywords (matched case-insensitively).</summary>
internal enum Keyword : byte
{
    None,
    Match, Optional, Where, Return, With, Distinct, Order, By, Asc, Ascending, Desc, Descending, Skip, Limit,
    Unwind, As, Create, Merge, On, Set, Remove, Delete, Detach, Union, All, And, Or, Xor, Not, Is, Null,
    True, False, Starts, Ends, Contains, In, Case, When, Then, Else, End, Explain,
}

/// <summary>The keyword table: upper-case text to <see cref="Keyword"/>.</summary>
internal static class Keywords
{
    private static readonly FrozenDictionary<string, Keyword> s_table = Enum.GetValues<Keyword>()
        .Where(k => k != Keyword.None)
        .ToFrozenDictionary(k => k.ToString().ToUpperInvariant(), k => k, StringComparer.OrdinalIgnoreCase);

    /// <summary>Looks a word up, ignoring case.</summary>
    public static Keyword Lookup(ReadOnlySpan<char> word) =>
        s_table.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var k) ? k : Keyword.None;

    /// <summary>The canonical (upper-case) text of a keyword.</summary>
    public static string Text(Keyword keyword) => keyword.ToString().ToUpperInvariant();
}
