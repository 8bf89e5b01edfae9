using System.Globalization;
using System.Text;
using KvDb.Expressions;

namespace KvDb.Core.CrashHost;

/// <summary>
/// The process the crash test kills. Usage: <c>KvDb.Core.CrashHost &lt;dataDir&gt; &lt;seed&gt; &lt;writerThreads&gt; [versionBase]</c>.
/// </summary>
/// <remarks>
/// Opens <c>dataDir</c> with <see cref="KvDb.Durability.Fsync"/> (creating table <c>t</c>: pk S, sk N, global index
/// <c>byOwner</c> on (owner S, n N) if absent), prints <c>READY</c>, then writes forever from several writer tasks.
/// Protocol on stdout, one line per event, each line flushed before the next is written:
/// <list type="bullet">
/// <item><c>TRY put|del pk sk v=V [owner=O|- n=N|-]</c> before a commit is started (one line per item it writes).</item>
/// <item><c>ACK put|del pk sk v=V [owner=O|- n=N|-]</c> after the awaited call returned: the acknowledged final state
/// of each item the commit wrote (for transactions and batches, printed only after the whole commit returned).</item>
/// <item><c>CKPT</c> after a checkpoint returned; <c>READY</c> once the database is open.</item>
/// </list>
/// Every item written by one commit gets the same version, and versions only grow (starting above
/// <c>versionBase</c>), so a version identifies the commit that wrote it. Each writer task owns a disjoint set of
/// partitions, so writes to one item never race and the last acknowledged write of an item is its final state.
/// Any failure prints <c>ERR</c> to stderr and exits with code 3.
/// </remarks>
public static class Program
{
    public const string TableName = "t";
    public const string IndexName = "byOwner";
    public const int Partitions = 20;
    public const int SortKeys = 50;
    private const int CheckpointEvery = 200;

    private static readonly string[] s_owners = ["alice", "bob", "carol", "dave"];
    private static readonly object s_outputLock = new();
    private static readonly Stream s_stdout = Console.OpenStandardOutput();
    private static long s_version;
    private static long s_writes;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length is < 3 or > 4)
        {
            await Console.Error.WriteLineAsync("usage: KvDb.Core.CrashHost <dataDir> <seed> <writerThreads> [versionBase]");
            return 64;
        }

        var directory = args[0];
        var seed = int.Parse(args[1], CultureInfo.InvariantCulture);
        var threads = Math.Clamp(int.Parse(args[2], CultureInfo.InvariantCulture), 1, Partitions);
        s_version = args.Length == 4
            ? long.Parse(args[3], CultureInfo.InvariantCulture)
            : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        try
        {
            var db = KvDatabase.Open(directory, new KvDbOptions
            {
                Durability = KvDb.Durability.Fsync,
                // Small enough that automatic checkpoints and segment deletion happen during a short run too.
                CheckpointLogBytes = 512 * 1024,
                ChangeFeedLogRetentionBytes = 64 * 1024,
                TtlSweepInterval = TimeSpan.Zero,
            });
            if (await db.DescribeTableAsync(TableName) is null)
            {
                await db.CreateTableAsync(new TableSchema(TableName, new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number))
                {
                    Indexes = [IndexSchema.Global(IndexName, new KeyAttribute("owner", ScalarType.String), new KeyAttribute("n", ScalarType.Number))],
                });
            }

            Emit(["READY"]);
            var table = db.Table(TableName);
            var writers = Enumerable.Range(0, threads)
                .Select(w => Task.Run(() => WriteForeverAsync(db, table, new Random(unchecked((seed * 397) + w)), w, threads)))
                .ToArray();
            await Task.WhenAll(writers);
            return 0;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync("ERR " + e);
            return 3;
        }
    }

    /// <summary>The state of one item after a write: deleted, or present with an optional owner and n.</summary>
    private sealed record ItemState(string Pk, int Sk, bool Deleted, long Version, string? Owner, int N)
    {
        public string Describe(string prefix)
        {
            var sb = new StringBuilder(prefix).Append(Deleted ? " del " : " put ").Append(Pk).Append(' ')
                .Append(Sk.ToString(CultureInfo.InvariantCulture)).Append(" v=").Append(Version.ToString(CultureInfo.InvariantCulture));
            if (!Deleted)
            {
                sb.Append(" owner=").Append(Owner ?? "-").Append(" n=").Append(Owner is null ? "-" : N.ToString(CultureInfo.InvariantCulture));
            }

            return sb.ToString();
        }

        public Item ToItem(Random random) => (Owner is null
                ? Item.Create().Set("pk", Pk).Set("sk", Sk).Set("v", Version)
                : Item.Create().Set("pk", Pk).Set("sk", Sk).Set("v", Version).Set("owner", Owner).Set("n", N))
            .Set("pad", new string('x', random.Next(0, 300)))
            .Build();

        public UpdateExpression ToUpdate() => Owner is null
            ? Update.Set("v", Version).Remove("owner", "n")
            : Update.Set("v", Version).Set("owner", Owner).Set("n", N);

        public ItemKey Key => new(Pk, Sk);
    }

    private static async Task WriteForeverAsync(KvDatabase db, KvTable table, Random random, int writer, int writers)
    {
        var partitions = Enumerable.Range(0, Partitions).Where(p => p % writers == writer).Select(p => "p" + p.ToString(CultureInfo.InvariantCulture)).ToArray();
        try
        {
            while (true)
            {
                var version = Interlocked.Increment(ref s_version);
                var op = random.Next(100);
                if (op < 30)
                {
                    var s = NewState(random, partitions, version, deleted: false);
                    Emit([s.Describe("TRY")]);
                    await table.PutAsync(s.ToItem(random));
                    Emit([s.Describe("ACK")]);
                }
                else if (op < 50)
                {
                    var s = NewState(random, partitions, version, deleted: false);
                    Emit([s.Describe("TRY")]);
                    await table.UpdateAsync(s.Key, s.ToUpdate());
                    Emit([s.Describe("ACK")]);
                }
                else if (op < 65)
                {
                    var s = NewState(random, partitions, version, deleted: true);
                    Emit([s.Describe("TRY")]);
                    await table.DeleteAsync(s.Pk, s.Sk);
                    Emit([s.Describe("ACK")]);
                }
                else if (op < 82)
                {
                    var states = DistinctStates(random, partitions, version, 2);
                    Emit(states.Select(s => s.Describe("TRY")));
                    var actions = states.Select<ItemState, TransactWriteItem>(s => s.Deleted
                        ? new TransactDelete(TableName, s.Key)
                        : random.Next(2) == 0 ? new TransactPut(TableName, s.ToItem(random)) : new TransactUpdate(TableName, s.Key, s.ToUpdate())).ToList();
                    var result = await db.TransactWriteAsync(actions);
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException("an unconditional transaction was cancelled: " + string.Join("; ", result.CancellationReasons));
                    }

                    Emit(states.Select(s => s.Describe("ACK")));
                }
                else
                {
                    var states = DistinctStates(random, partitions, version, random.Next(2, 6));
                    Emit(states.Select(s => s.Describe("TRY")));
                    await table.BatchWriteAsync(states.Where(s => !s.Deleted).Select(s => s.ToItem(random)).ToList(), states.Where(s => s.Deleted).Select(s => s.Key).ToList());
                    Emit(states.Select(s => s.Describe("ACK")));
                }

                if (Interlocked.Increment(ref s_writes) % CheckpointEvery == 0)
                {
                    await db.CheckpointAsync();
                    Emit(["CKPT"]);
                }
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("ERR writer " + writer.ToString(CultureInfo.InvariantCulture) + ": " + e);
            Console.Error.Flush();
            Environment.Exit(3);
        }
    }

    private static ItemState NewState(Random random, string[] partitions, long version, bool deleted)
    {
        var pk = partitions[random.Next(partitions.Length)];
        var sk = random.Next(SortKeys);
        var owner = deleted || random.Next(4) == 0 ? null : s_owners[random.Next(s_owners.Length)];
        return new ItemState(pk, sk, deleted, version, owner, owner is null ? 0 : random.Next(1000));
    }

    private static List<ItemState> DistinctStates(Random random, string[] partitions, long version, int count)
    {
        var states = new List<ItemState>();
        while (states.Count < count)
        {
            var s = NewState(random, partitions, version, deleted: random.Next(3) == 0);
            if (!states.Exists(x => x.Pk == s.Pk && x.Sk == s.Sk))
            {
                states.Add(s);
            }
        }

        return states;
    }

    /// <summary>Writes lines to stdout as one flushed block under a lock, so lines of different writers never interleave.</summary>
    private static void Emit(IEnumerable<string> lines)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        lock (s_outputLock)
        {
            s_stdout.Write(bytes);
            s_stdout.Flush();
        }
    }
}
