namespace KvDb.Cypher.Tests.Execution;

/// <summary>An in-memory database per test, with helpers that run Cypher and render rows as text.</summary>
public abstract class CypherTestBase : IDisposable
{
    protected CypherTestBase()
    {
        Db = KvDatabase.OpenInMemory();
    }

    protected KvDatabase Db { get; }

    protected CypherResult Run(string text, object? parameters = null) => Db.Cypher(text, parameters);

    /// <summary>Rows rendered as "v1 | v2" in result order.</summary>
    protected List<string> Rows(string text, object? parameters = null) =>
        Run(text, parameters).Rows.Select(r => string.Join(" | ", r.Select(CypherValueText.Format))).ToList();

    /// <summary>Rows rendered and sorted (for "in any order" expectations).</summary>
    protected List<string> SortedRows(string text, object? parameters = null) =>
        [.. Rows(text, parameters).Order(StringComparer.Ordinal)];

    protected CypherException Fails(string text, object? parameters = null) => Assert.Throws<CypherException>(() => Run(text, parameters));

    public void Dispose()
    {
        Db.Dispose();
        GC.SuppressFinalize(this);
    }
}
