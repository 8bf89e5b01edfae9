using System.Collections.Frozen;

namespace KvDb.Sql.Syntax;

/// <summary>The keyword table: case-insensitive text to token kind, and which keywords may also name things.</summary>
internal static class Keywords
{
    private static readonly FrozenDictionary<string, TokenKind> s_byName = Build();

    /// <summary>
    /// Keywords that are only special in one place and may otherwise be used as identifiers (a column called
    /// <c>key</c> or <c>index</c> is common).
    /// </summary>
    private static readonly FrozenSet<TokenKind> s_nonReserved = new[]
    {
        TokenKind.Key, TokenKind.Index, TokenKind.View, TokenKind.If, TokenKind.Transaction, TokenKind.Materialized,
        TokenKind.Primary, TokenKind.Begin, TokenKind.Commit, TokenKind.Rollback, TokenKind.Explain, TokenKind.Offset,
    }.ToFrozenSet();

    /// <summary>Looks a word up.</summary>
    /// <param name="word">The word as written.</param>
    /// <param name="kind">The keyword's token kind.</param>
    /// <returns>Whether the word is a keyword.</returns>
    public static bool TryGet(ReadOnlySpan<char> word, out TokenKind kind) =>
        s_byName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out kind);

    /// <summary>Whether a token kind is a keyword.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>True for keywords.</returns>
    public static bool IsKeyword(TokenKind kind) => kind > TokenKind.FirstKeyword;

    /// <summary>Whether a keyword may be used as an identifier.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>True for non-reserved keywords.</returns>
    public static bool IsNonReserved(TokenKind kind) => s_nonReserved.Contains(kind);

    /// <summary>The canonical (upper-case) text of a keyword.</summary>
    /// <param name="kind">The keyword.</param>
    /// <returns>Its text.</returns>
    public static string Text(TokenKind kind) => kind.ToString().ToUpperInvariant();

    private static FrozenDictionary<string, TokenKind> Build()
    {
        var map = new Dictionary<string, TokenKind>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in Enum.GetValues<TokenKind>())
        {
            if (kind > TokenKind.FirstKeyword)
            {
                map[Text(kind)] = kind;
            }
        }

        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
