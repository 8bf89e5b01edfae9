using System.Globalization;
using KvDb.Cypher.Ast;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>
/// Runs CREATE INDEX, DROP INDEX and SHOW INDEXES. Creating an index takes three steps, all under the graph's
/// write lock: (1) the catalog gains the index as not yet online, so from then on every write statement maintains
/// its entries (a statement that read the older catalog fails at commit); (2) entries are written for the nodes
/// that already have the label, in transactions of <see cref="BuildChunk"/> entries; (3) the index goes online
/// and the planner starts using it. A crash between the steps leaves an index that is maintained but unused;
/// <c>CREATE INDEX ... IF NOT EXISTS</c> with the same name and schema finishes building it, DROP INDEX removes it.
/// </summary>
internal static class SchemaExecutor
{
    /// <summary>Entries written per transaction while building or dropping an index.</summary>
    public const int BuildChunk = 50_000;

    private static readonly IReadOnlyList<string> s_showColumns =
        ["id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes", "properties"];

    public static async ValueTask<CypherResult> ExecuteAsync(GraphStore graph, SchemaCommand command, CancellationToken cancellationToken)
    {
        await graph.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (command is ShowIndexesCommand)
        {
            var catalog = await new GraphTransaction(graph, cancellationToken).CatalogAsync().ConfigureAwait(false);
            var rows = catalog.Indexes.OrderBy(i => i.Name, StringComparer.Ordinal).Select(i => (IReadOnlyList<object?>)
            [
                i.Id, i.Name, i.Online ? "ONLINE" : "POPULATING", i.Online ? 100.0 : 0.0, "RANGE", "NODE",
                new List<object?> { i.Label }, new List<object?> { i.Property },
            ]).ToList();
            return new CypherResult(s_showColumns, rows, Empty, null);
        }

        await graph.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tx = new GraphTransaction(graph, cancellationToken);
            var catalog = await tx.CatalogAsync().ConfigureAwait(false);
            var before = graph.Copy?.TableChangeCount;
            var result = command switch
            {
                CreateIndexCommand create => await CreateAsync(graph, catalog, create, cancellationToken).ConfigureAwait(false),
                DropIndexCommand drop => await DropAsync(graph, catalog, drop, cancellationToken).ConfigureAwait(false),
                _ => throw new InvalidOperationException("Unknown schema command " + command.GetType().Name),
            };

            // Index commands write index entries and the catalog, never nodes or relationships.
            if (before is { } b && graph.Copy!.TableChangeCount is { } after)
            {
                graph.Copy.Advance(b, after, await new GraphTransaction(graph, cancellationToken).CatalogAsync().ConfigureAwait(false));
            }

            return result;
        }
        finally
        {
            graph.WriteLock.Release();
        }
    }

    private static CypherStatistics Empty => new(0, 0, 0, 0, 0, 0, 0);

    private static CypherResult Done(int added, int removed) =>
        new([], [], Empty with { IndexesAdded = added, IndexesRemoved = removed }, null);

    /// <summary>Neo4j-style generated name: "index_" and 8 hex digits of a hash of label and property.</summary>
    public static string DefaultName(string label, string property)
    {
        var hash = 2166136261u;
        foreach (var c in label + "\0" + property)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return "index_" + hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    private static async ValueTask<CypherResult> CreateAsync(GraphStore graph, IndexCatalog catalog, CreateIndexCommand create, CancellationToken cancellationToken)
    {
        var name = create.Name ?? DefaultName(create.Label, create.Property);
        var sameName = catalog.Named(name);
        var sameSchema = catalog.Find(create.Label, create.Property);
        if (sameName is not null && sameName == sameSchema && !sameName.Online && create.IfNotExists)
        {
            // An interrupted build: finish it.
            await BuildAsync(graph, sameName, cancellationToken).ConfigureAwait(false);
            await SaveAsync(graph, catalog, catalog with { Version = catalog.Version + 1, Indexes = [.. catalog.Indexes.Select(i => i == sameName ? i with { Online = true } : i)] }, cancellationToken).ConfigureAwait(false);
            return Done(0, 0);
        }

        if (sameName is not null || sameSchema is not null)
        {
            if (create.IfNotExists)
            {
                return Done(0, 0);
            }

            throw sameName is not null
                ? new CypherException(CypherErrorClass.SemanticError, CypherErrorCode.IndexAlreadyExists, $"There already exists an index called '{name}'.")
                : new CypherException(CypherErrorClass.SemanticError, CypherErrorCode.IndexAlreadyExists, $"There already exists an index {sameSchema!.Schema} called '{sameSchema.Name}'.");
        }

        var index = new PropertyIndex(name, catalog.NextId, create.Label, create.Property, Online: false);
        var building = catalog with { Version = catalog.Version + 1, NextId = catalog.NextId + 1, Indexes = [.. catalog.Indexes, index] };
        await SaveAsync(graph, catalog, building, cancellationToken).ConfigureAwait(false);
        await BuildAsync(graph, index, cancellationToken).ConfigureAwait(false);
        var online = building with { Version = building.Version + 1, Indexes = [.. catalog.Indexes, index with { Online = true }] };
        await SaveAsync(graph, building, online, cancellationToken).ConfigureAwait(false);
        return Done(1, 0);
    }

    private static async ValueTask<CypherResult> DropAsync(GraphStore graph, IndexCatalog catalog, DropIndexCommand drop, CancellationToken cancellationToken)
    {
        if (catalog.Named(drop.Name) is not { } index)
        {
            return drop.IfExists
                ? Done(0, 0)
                : throw new CypherException(CypherErrorClass.SemanticError, CypherErrorCode.IndexNotFound, $"Unable to drop index called `{drop.Name}`. There is no such index.");
        }

        await SaveAsync(graph, catalog, catalog with { Version = catalog.Version + 1, Indexes = [.. catalog.Indexes.Where(i => i != index)] }, cancellationToken).ConfigureAwait(false);

        // The index is gone from the catalog, so its entries are unreachable (ids are never reused); remove them.
        var table = graph.TableName;
        var partition = AttributeValue.FromString(IndexKeys.Partition(index.Id));
        while (true)
        {
            var page = await graph.Store.QueryAsync(new QueryRequest(table) { PartitionKey = partition, Limit = BuildChunk }, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                break;
            }

            var deletes = page.Items.Select(i => (TransactWriteItem)new TransactDelete(table, new ItemKey(i[GraphKeys.PartitionKey], i[GraphKeys.SortKey]))).ToList();
            await WriteAsync(graph, deletes, cancellationToken).ConfigureAwait(false);
        }

        return Done(0, 1);
    }

    /// <summary>Writes an entry for every stored node with the index's label, streaming the label index page by page.</summary>
    private static async ValueTask BuildAsync(GraphStore graph, PropertyIndex index, CancellationToken cancellationToken)
    {
        var table = graph.TableName;
        var pk = IndexKeys.Partition(index.Id);
        var pending = new List<TransactWriteItem>();
        ItemKey? start = null;
        do
        {
            var page = await graph.Store.QueryAsync(new QueryRequest(table)
            {
                IndexName = GraphKeys.LabelsIndex,
                PartitionKey = AttributeValue.FromString(index.Label),
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var chunk in page.Items.Chunk(100))
            {
                var keys = chunk.Select(i => new ItemKey(i[GraphKeys.PartitionKey], AttributeValue.FromString(GraphKeys.NodeSortKey))).ToList();
                var found = await graph.Store.BatchGetItemAsync([new BatchGetTable(table, keys)], cancellationToken).ConfigureAwait(false);
                foreach (var node in found.Items.TryGetValue(table, out var items) ? items : [])
                {
                    var props = node["props"].AsMap();
                    if (props.TryGetValue(index.Property, out var encoded) && IndexKeys.ValueKey(ValueCodec.Decode(encoded)) is { } key)
                    {
                        var id = node["id"].AsNumber().ToInt64();
                        pending.Add(new TransactPut(table, GraphTransaction.EntryItem(pk, IndexKeys.EntrySortKey(key, id), id)));
                    }
                }
            }

            if (pending.Count >= BuildChunk)
            {
                await WriteAsync(graph, pending, cancellationToken).ConfigureAwait(false);
                pending.Clear();
            }

            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        if (pending.Count > 0)
        {
            await WriteAsync(graph, pending, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask WriteAsync(GraphStore graph, List<TransactWriteItem> writes, CancellationToken cancellationToken)
    {
        var result = await graph.Store.TransactWriteItemsAsync(writes, new TransactWriteOptions { MaxActions = writes.Count }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.WriteConflict, "The store rejected the index entries.");
        }
    }

    /// <summary>Replaces the catalog item, provided it is still <paramref name="expected"/>.</summary>
    private static async ValueTask SaveAsync(GraphStore graph, IndexCatalog expected, IndexCatalog updated, CancellationToken cancellationToken)
    {
        var result = await graph.Store.TransactWriteItemsAsync([new TransactPut(graph.TableName, updated.ToItem(), expected.Unchanged())], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CypherException(CypherErrorClass.ResourceLimit, CypherErrorCode.WriteConflict,
                "The graph's indexes were changed by another writer meanwhile; nothing was changed. Run the statement again.");
        }

        graph.CachedCatalog = updated;
        graph.Written();
    }
}
