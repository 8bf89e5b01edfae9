using System.Diagnostics;
using KvDb.Cluster;
using KvDb.Cluster.Node;
using KvDb.Cluster.Replication;

namespace KvDb.Benchmarks.Cluster;

/// <summary>
/// Where the time of one clustered point operation goes (<c>dotnet run -c Release -- cluster-breakdown</c>): the same
/// 3-node in-process cluster as <see cref="ClusterThroughputBenchmarks"/>, and sequential loops (one operation at a
/// time) timing each layer separately: the local engine, one replica's acceptor work (ReplicaStore), one replica
/// reached through the node's message handler, and the whole clustered operation.
/// </summary>
public static class ClusterCostBreakdown
{
    private const string TableName = "items";
    private const int ItemCount = ClusterThroughputBenchmarks.ItemCount;

    public static void Run(TextWriter output) => RunAsync(output).GetAwaiter().GetResult();

    private static async Task RunAsync(TextWriter output)
    {
        var (nodes, databases) = await ClusterThroughputBenchmarks.StartClusterAsync(3, ClusterThroughputBenchmarks.NodeOptions());
        await ClusterThroughputBenchmarks.CreateTableEverywhereAsync(nodes, ClusterThroughputBenchmarks.Schema(TableName));
        var local = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        await local.Store.CreateTableAsync(ClusterThroughputBenchmarks.Schema(TableName));
        var random = new Random(1);
        var items = Enumerable.Range(0, ItemCount)
            .Select(i => Item.Create().Set("pk", ClusterThroughputBenchmarks.Pk(i)).Set("body", DataShapeBody(random)).Build()).ToArray();
        var keys = items.Select(i => new ItemKey(i["pk"])).ToArray();
        foreach (var item in items)
        {
            await local.Store.PutItemAsync(new PutItemRequest(TableName, item));
            await nodes[0].Store.PutItemAsync(new PutItemRequest(TableName, item));
        }

        var n1 = nodes[0];
        var epoch = n1.Config.Epoch;
        output.WriteLine($"Sequential cost per operation, 3-node in-process cluster, {ItemCount:N0} items (microseconds; {Environment.ProcessorCount} cores, load {LoadAverage()})");
        output.WriteLine();
        output.WriteLine("| Layer | us/op (best round) | rounds | allocated B/op (all threads) |");
        output.WriteLine("|---|---|---|---|");
        await TimeAsync(output, "local IKvStore.GetItemAsync", i => local.Store.GetItemAsync(new GetItemRequest(TableName, keys[i])).AsTask());
        await TimeAsync(output, "local IKvStore.PutItemAsync", i => local.Store.PutItemAsync(new PutItemRequest(TableName, items[i])).AsTask());
        await TimeAsync(output, "local IKvStore.BatchWriteItemAsync (2 puts, as an accept writes)", i => local.Store.BatchWriteItemAsync(
            [BatchWriteOperation.Put(TableName, items[i]), BatchWriteOperation.Put(TableName, items[(i + 1) % ItemCount])]).AsTask());
        await TimeAsync(output, "one replica: ReplicaStore.ReadAsync (1 key)", i => n1.Replicas.ReadAsync(TableName, [keys[i]], CancellationToken.None));
        await TimeAsync(output, "one replica: ReplicaStore.PrepareAsync + AcceptAsync", async i =>
        {
            var ballot = n1.Clock.Next();
            await n1.Replicas.PrepareAsync(TableName, keys[i], ballot, epoch, CancellationToken.None);
            await n1.Replicas.AcceptAsync(TableName, keys[i], ballot, new CellState(items[i], ballot), isStore: false, CancellationToken.None);
        });
        await TimeAsync(output, "one replica: ReplicaStore.PrepareAsync alone", i => n1.Replicas.PrepareAsync(TableName, keys[i], n1.Clock.Next(), epoch, CancellationToken.None));
        await TimeAsync(output, "one replica: ReplicaStore.AcceptAsync alone (no prepare)", i =>
        {
            var ballot = n1.Clock.Next();
            return n1.Replicas.AcceptAsync(TableName, keys[i], ballot, new CellState(items[i], ballot), isStore: false, CancellationToken.None);
        });
        var replicaStore = n1.Replicas.Local.Store;
        var metaKeys = keys.Select(CellKeys.MetaKey).ToArray();
        var metaItems = new Item[ItemCount];
        for (var i = 0; i < ItemCount; i++)
        {
            metaItems[i] = (await replicaStore.GetItemAsync(new GetItemRequest("__meta." + TableName, metaKeys[i])))!;
        }

        await TimeAsync(output, "n1's local store: GetItem on the metadata table", i => replicaStore.GetItemAsync(new GetItemRequest("__meta." + TableName, metaKeys[i])).AsTask());
        await TimeAsync(output, "n1's local store: PutItem on the metadata table", i => replicaStore.PutItemAsync(new PutItemRequest("__meta." + TableName, metaItems[i])).AsTask());
        await TimeAsync(output, "n1's local store: BatchWrite metadata + item", i => replicaStore.BatchWriteItemAsync(
            [BatchWriteOperation.Put("__meta." + TableName, metaItems[i]), BatchWriteOperation.Put(TableName, items[i])]).AsTask());
        await TimeAsync(output, "one replica via n1 -> n2 SendAsync (InProcessNetwork): Read", i => n1.SendAsync("n2", new ReadRequest(epoch, TableName, [keys[i]]), CancellationToken.None));
        await TimeAsync(output, "one replica via n1 -> n2 SendAsync: Prepare + Accept", async i =>
        {
            var ballot = n1.Clock.Next();
            await n1.SendAsync("n2", new PrepareRequest(epoch, TableName, keys[i], ballot), CancellationToken.None);
            await n1.SendAsync("n2", new AcceptRequest(epoch, TableName, keys[i], ballot, new CellState(items[i], ballot)), CancellationToken.None);
        });
        await TimeAsync(output, "cluster GetItemAsync (R = 2 of 3)", i => n1.Store.GetItemAsync(new GetItemRequest(TableName, keys[i])).AsTask());
        await TimeAsync(output, "cluster PutItemAsync (prepare 2 of 3, accept 2 of 3)", i => n1.Store.PutItemAsync(new PutItemRequest(TableName, items[i])).AsTask());

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var db in databases.Append(local))
        {
            await db.DisposeAsync();
        }
    }

    private static string DataShapeBody(Random random) => KvDb.Benchmarks.Core.DataShape.Body(random);

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static async Task TimeAsync(TextWriter output, string name, Func<int, Task> op)
    {
        // Three rounds of 10,000 operations after a warm-up; the fastest round is reported (the VM is shared).
        const int Warmup = 2_000;
        const int Count = 10_000;
        for (var i = 0; i < Warmup; i++)
        {
            await op(i % ItemCount);
        }

        var best = double.MaxValue;
        var rounds = new List<string>();
        long allocated = 0;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Count; i++)
            {
                await op((Warmup + (round * Count) + i) % ItemCount);
            }

            var us = watch.Elapsed.TotalMicroseconds / Count;
            allocated = (GC.GetTotalAllocatedBytes(precise: true) - before) / Count; // includes background work (heartbeats): small
            rounds.Add(us.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
            best = Math.Min(best, us);
        }

        output.WriteLine($"| {name} | {best:F1} | {string.Join(", ", rounds)} | {allocated:N0} |");
        output.Flush();
    }
}
