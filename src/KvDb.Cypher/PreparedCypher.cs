using KvDb.Cypher.Execution;

namespace KvDb.Cypher;

/// <summary>
/// A Cypher statement parsed and checked once by <see cref="CypherGraph.Prepare"/>, to be run many times with
/// different parameters. It keeps its own plan while the graph's statistics and indexes stay as they were when it
/// was planned, so a run skips the lexer, parser, binder and planner and the lookup by statement text.
/// Thread-safe: runs may overlap, and each behaves exactly as <see cref="CypherGraph.CypherAsync"/> with the same
/// text and parameters.
/// </summary>
public sealed class PreparedCypher
{
    private readonly StatementPlan _statement;

    internal PreparedCypher(CypherGraph graph, ParsedStatement parsed)
    {
        Graph = graph;
        _statement = new StatementPlan(parsed);
    }

    /// <summary>The graph the statement runs against.</summary>
    public CypherGraph Graph { get; }

    /// <summary>The statement's text.</summary>
    public string Text => _statement.Parsed.Text;

    /// <summary>
    /// Runs the statement. <paramref name="parameters"/> is a dictionary or an object whose public properties are
    /// the parameters, as for <see cref="CypherGraph.CypherAsync"/>.
    /// </summary>
    /// <exception cref="CypherException">The statement failed while running (nothing it wrote is kept).</exception>
    public ValueTask<CypherResult> ExecuteAsync(object? parameters = null, CancellationToken cancellationToken = default) =>
        CypherEngine.ExecuteAsync(Graph.Store, _statement, parameters, cancellationToken);

    /// <summary>Runs the statement synchronously (see <see cref="ExecuteAsync"/>).</summary>
    public CypherResult Execute(object? parameters = null) => ExecuteAsync(parameters).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override string ToString() => Text;
}
