namespace KvDb.Cypher.Storage;

/// <summary>
/// One named graph: its Core table (created on first use with the "nodes" and "labels" global indexes) and the
/// lock that serializes write statements of this process, so that id counters and the read-check-write of a
/// statement (e.g. MERGE) stay consistent; reads never take it.
/// </summary>
internal sealed class GraphStore
{
    private readonly SemaphoreSlim _ensureLock = new(1, 1);
    private volatile bool _ensured;

    public GraphStore(KvDatabase database, string name)
    {
        Database = database;
        Name = name;
        TableName = GraphKeys.TableName(name);
        TableSchema.ValidateTableName(TableName);
    }

    public KvDatabase Database { get; }

    public string Name { get; }

    public string TableName { get; }

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public IKvStore Store => Database.Store;

    public async ValueTask EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ensured)
        {
            return;
        }

        await _ensureLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ensured)
            {
                if (await Store.DescribeTableAsync(TableName, cancellationToken).ConfigureAwait(false) is null)
                {
                    try
                    {
                        await Store.CreateTableAsync(Schema(TableName), cancellationToken).ConfigureAwait(false);
                    }
                    catch (KvDbException ex) when (ex.Code == KvErrorCode.TableAlreadyExists)
                    {
                        // Another GraphStore instance created it first.
                    }
                }

                _ensured = true;
            }
        }
        finally
        {
            _ensureLock.Release();
        }
    }

    public static TableSchema Schema(string tableName) => new(tableName, new KeyAttribute(GraphKeys.PartitionKey, ScalarType.String), new KeyAttribute(GraphKeys.SortKey, ScalarType.String))
    {
        Indexes =
        [
            IndexSchema.Global(GraphKeys.NodesIndex, new KeyAttribute("nk", ScalarType.String), new KeyAttribute("id", ScalarType.Number)),
            IndexSchema.Global(GraphKeys.LabelsIndex, new KeyAttribute("lbl", ScalarType.String), new KeyAttribute("nid", ScalarType.Number)),
        ],
    };
}
