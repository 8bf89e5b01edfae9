using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

/// <summary>Bounded stress: several threads hammer one table; invariants are checked during and after.</summary>
public sealed class ConcurrencyStressTests
{
    [Fact]
    public async Task ConditionalIncrements_FromManyThreads_LoseNoUpdate()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("counters", new KeyAttribute("id", ScalarType.String));
        await t.PutAsync(Item.Create().Set("id", "c").Set("n", 0).Build());
        const int Threads = 8;
        const int PerThread = 300;
        var successes = 0;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // Read-modify-write guarded by a condition on the value read: only one racer can win each step.
                while (true)
                {
                    var current = (await t.GetAsync("c"))!["n"].AsNumber();
                    var r = await t.PutAsync(Item.Create().Set("id", "c").Set("n", current + 1).Build(), Condition.Path("n").Equal(current));
                    if (r.Succeeded)
                    {
                        Interlocked.Increment(ref successes);
                        break;
                    }
                }
            }
        })));
        Assert.Equal(Threads * PerThread, successes);
        Assert.Equal(Threads * PerThread, (await t.GetAsync("c"))!["n"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task ExclusiveConditionalPuts_OnlyOneWins()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("locks", new KeyAttribute("id", ScalarType.String));
        for (var round = 0; round < 50; round++)
        {
            var winners = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
                (await t.PutAsync(Item.Create().Set("id", $"lock{round}").Set("owner", w).Build(), Condition.AttributeNotExists("id"))).Succeeded)));
            Assert.Equal(1, winners.Count(x => x));
        }
    }

    [Fact]
    public async Task QueriesDuringWrites_AreSortedAndWithinRange()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            var rnd = new Random(w);
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                var pk = $"p{rnd.Next(4)}";
                var sk = rnd.Next(1000);
                if (rnd.Next(4) == 0)
                {
                    await t.DeleteAsync(pk, sk);
                }
                else
                {
                    await t.UpdateAsync(new ItemKey(pk, sk), Update.Add("writes", 1));
                }
            }
        })).ToArray();

        var checks = 0;
        while (writers.Any(w => !w.IsCompleted) && checks < 400)
        {
            checks++;
            var items = await t.Query("p1").Where(k => k.Between(100, 600)).Descending().ToListAsync();
            var sks = items.Select(i => i["sk"].AsNumber().ToInt64()).ToList();
            Assert.All(sks, s => Assert.InRange(s, 100, 600));
            Assert.Equal(sks.OrderDescending(), sks);
            Assert.All(items, i => Assert.Equal("p1", i["pk"].AsString()));

            var scan = await t.QueryPartitions(pk => pk.BeginsWith("p")).ToListAsync();
            var keys = scan.Select(i => (i["pk"].AsString(), i["sk"].AsNumber().ToInt64())).ToList();
            Assert.Equal(keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2), keys);
        }

        stop.Cancel();
        await Task.WhenAll(writers);
        var count = await t.Scan().CountAsync();
        Assert.Equal(count, (await t.DescribeAsync()).ItemCount);
    }
}
