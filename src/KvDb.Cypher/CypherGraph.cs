using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using KvDb.Cypher.Execution;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher;

/// <summary>
/// A named graph stored in a <see cref="KvDatabase"/> (one Core table, "cypher.graph.NAME"). Obtain it with
/// <see cref="CypherDatabaseExtensions.Graph"/>. Thread-safe; write statements of one graph run one at a time.
/// </summary>
public sealed class CypherGraph
{
    internal CypherGraph(GraphStore store) => Store = store;

    internal GraphStore Store { get; }

    /// <summary>The graph's name.</summary>
    public string Name => Store.Name;

    /// <summary>The Core table holding the graph.</summary>
    public string TableName => Store.TableName;

    /// <summary>
    /// Runs one Cypher statement. <paramref name="parameters"/> is a dictionary or an object whose public
    /// properties are the parameters (<c>new { name = "Ann" }</c> for <c>$name</c>). All writes of the statement
    /// are applied atomically, or none when it fails.
    /// </summary>
    /// <exception cref="CypherException">The statement is invalid or failed while running.</exception>
    public ValueTask<CypherResult> CypherAsync(string text, object? parameters = null, CancellationToken cancellationToken = default) =>
        CypherEngine.ExecuteAsync(Store, text, parameters, cancellationToken);

    /// <summary>
    /// Parses and checks a statement once, for running many times with different parameters (see
    /// <see cref="PreparedCypher"/>). Syntax and semantic errors are reported here, not when it runs.
    /// </summary>
    /// <exception cref="CypherException">The statement is invalid.</exception>
    public PreparedCypher Prepare(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new PreparedCypher(this, CypherEngine.Parse(text, hashDbMerge: false));
    }

    /// <summary>
    /// Runs a statement with hash-db's MERGE semantics: a MERGE of a chain whose nodes all have a <c>name</c>
    /// finds or creates each node by that name alone (labels and other properties are set only on creation),
    /// then finds or creates the relationships. Everything else is standard Cypher.
    /// </summary>
    public ValueTask<CypherResult> HashDbCypherAsync(string text, object? parameters = null, CancellationToken cancellationToken = default) =>
        CypherEngine.ExecuteAsync(Store, text, parameters, cancellationToken, hashDbMerge: true);

    /// <summary>Runs one Cypher statement synchronously (see <see cref="CypherAsync"/>).</summary>
    public CypherResult Cypher(string text, object? parameters = null) =>
        CypherAsync(text, parameters).AsTask().GetAwaiter().GetResult();
}

/// <summary>Cypher entry points on <see cref="KvDatabase"/>.</summary>
public static class CypherDatabaseExtensions
{
    /// <summary>The name of the graph used when none is given.</summary>
    public const string DefaultGraphName = "default";

    private static readonly ConditionalWeakTable<KvDatabase, ConcurrentDictionary<string, CypherGraph>> s_graphs = [];

    /// <summary>The named graph (created on first write or read).</summary>
    public static CypherGraph Graph(this KvDatabase database, string name = DefaultGraphName)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var graphs = s_graphs.GetValue(database, _ => new ConcurrentDictionary<string, CypherGraph>(StringComparer.Ordinal));
        return graphs.GetOrAdd(name, n => new CypherGraph(new GraphStore(database, n)));
    }

    /// <summary>Runs a statement against the default graph (see <see cref="CypherGraph.CypherAsync"/>).</summary>
    public static ValueTask<CypherResult> CypherAsync(this KvDatabase database, string text, object? parameters = null, CancellationToken cancellationToken = default) =>
        database.Graph().CypherAsync(text, parameters, cancellationToken);

    /// <summary>Runs a statement against the default graph synchronously.</summary>
    public static CypherResult Cypher(this KvDatabase database, string text, object? parameters = null) =>
        database.Graph().Cypher(text, parameters);
}
