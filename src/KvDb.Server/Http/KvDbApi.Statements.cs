using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using KvDb.Cypher;
using KvDb.Sql;
using Microsoft.AspNetCore.Http;

namespace KvDb.Server.Http;

internal sealed partial class KvDbApi
{
    /// <summary><c>POST /sql</c> with <c>{"sql": "...", "params": {...}}</c>.</summary>
    private async Task SqlAsync(HttpContext context, CancellationToken ct)
    {
        var request = RequestJson.ParseSql(await ReadBodyAsync(context, json: true, ct));
        if (_node is not null && MaterializedJoinStatement().IsMatch(request.Text))
        {
            // A materialized join is kept current from the change feed, and a clustered store has no single ordered
            // feed (ClusteredKvStore.ChangesAsync throws): refuse up front rather than fail on a later read.
            throw new ApiException(new ApiError(StatusCodes.Status400BadRequest, "SemanticError", "UnsupportedInCluster",
                "'create join' and materialized views need a change feed, which a cluster does not have; " +
                "run the join as a query (select ... inner join ...) instead, or use a single node (kvdb serve)."));
        }

        var result = await _db.Sql(request.Text, request.Parameters).ExecuteAsync(ct);
        var buffer = new ArrayBufferWriter<byte>(1024);
        await using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            await ResultJson.WriteSqlAsync(writer, result, ct);
        }

        await SendAsync(context, StatusCodes.Status200OK, buffer.WrittenMemory);
    }

    /// <summary><c>POST /cypher</c> with <c>{"cypher": "...", "params": {...}, "graph": "name"}</c> or hash-db's <c>{"key": ..., "cypher": ...}</c>.</summary>
    private async Task CypherAsync(HttpContext context, CancellationToken ct)
    {
        var request = RequestJson.ParseCypher(await ReadBodyAsync(context, json: true, ct));
        var graph = _db.Graph(request.Graph ?? CypherDatabaseExtensions.DefaultGraphName);
        var result = request.HashDbMode
            ? await graph.HashDbCypherAsync(request.Text, request.Parameters, ct)
            : await graph.CypherAsync(request.Text, request.Parameters, ct);
        await WriteJsonAsync(context, StatusCodes.Status200OK, w => ResultJson.WriteCypher(w, result));
    }

    [GeneratedRegex(@"^\s*(explain\s+)?create\s+(join|materialized\s+view)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MaterializedJoinStatement();
}
