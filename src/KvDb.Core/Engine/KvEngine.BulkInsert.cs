using KvDb.Storage;

namespace KvDb.Engine;

internal sealed partial class KvEngine
{
    /// <summary>Starts a <see cref="BulkInsert"/> of new items into a table (throws when there is no such table).</summary>
    /// <param name="tableName">The table.</param>
    /// <param name="capacity">The expected number of rows (the arrays grow past it).</param>
    internal BulkInsert BeginBulkInsert(string tableName, int capacity) => new(this, Table(tableName), capacity);

    internal async ValueTask<BulkInsertResult> CommitBulkInsertAsync(BulkInsert bulk, CancellationToken cancellationToken)
    {
        var count = bulk.Count;
        if (count == 0)
        {
            return default;
        }

        var repeated = bulk.FindRepeatedRow();
        if (repeated >= 0)
        {
            return new BulkInsertResult(BulkInsertFailure.KeyRepeated, repeated);
        }

        // Every stripe the rows fall in, in ascending order (the global lock order of all writers).
        var table = bulk.Table;
        var stripes = StripedLocks.Ordered(count, row => StripedLocks.StripeOf(table.Id, bulk.HashAt(row)));
        var taken = 0;
        try
        {
            foreach (var stripe in stripes)
            {
                await _locks[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
                taken++;
            }

            EnsureLive(table);
            for (var row = 0; row < count; row++)
            {
                if (bulk.PhysicalAt(row) is { } physical)
                {
                    if (Visible(table, physical) is not null)
                    {
                        return new BulkInsertResult(BulkInsertFailure.KeyExists, row);
                    }

                    bulk.SetReplaced(row, physical); // an expired record is replaced, as by a put
                }
            }

            table.Reserve(count);
            await CommitAsync(new ChangeSet(bulk)).ConfigureAwait(false);
            return default;
        }
        finally
        {
            for (var i = 0; i < taken; i++)
            {
                _locks[stripes[i]].Release();
            }
        }
    }
}
