namespace KvDb.Core.Tests.Engine;

/// <summary>
/// <c>KvEngine.WithWritesPausedAsync</c> (used by SQL's materialized-join upkeep to derive rows from one state of the
/// tables): writers wait while the body runs, writers already in flight are applied and published first, a write
/// from the body fails instead of waiting for itself, and checkpoints and pauses take turns.
/// </summary>
public sealed class WritePauseTests
{
    private static async Task<KvTable> CreateTable(KvDatabase db) => await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.Number));

    [Fact]
    public async Task WritersWait_WhileTheBodyRuns_ThenProceed()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateTable(db);
        await t.PutAsync(Item.Create().Set("id", 1).Set("v", "before").Build());
        var inBody = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pause = db.LocalEngine!.WithWritesPausedAsync(async () =>
        {
            var sequence = db.LastSequence;
            inBody.SetResult();
            await release.Task;
            // Nothing was written meanwhile: the writer below is still waiting.
            Assert.Equal(sequence, db.LastSequence);
            return (await t.GetAsync(1))!["v"].AsString();
        }).AsTask();
        await inBody.Task;
        var write = t.PutAsync(Item.Create().Set("id", 1).Set("v", "after").Build()).AsTask();
        await Task.Delay(100);
        Assert.False(write.IsCompleted);
        release.SetResult();
        Assert.Equal("before", await pause);
        await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("after", (await t.GetAsync(1))!["v"].AsString());
    }

    [Fact]
    public async Task AWriteFromTheBody_FailsInsteadOfWaitingForItself_AndTheDatabaseStaysUsable()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await CreateTable(db);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => db.LocalEngine!.WithWritesPausedAsync(async () =>
        {
            await t.PutAsync(Item.Create().Set("id", 1).Build());
            return 0;
        }).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("paused", ex.Message, StringComparison.Ordinal);
        await t.PutAsync(Item.Create().Set("id", 2).Build()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(await t.GetAsync(1));
        Assert.NotNull(await t.GetAsync(2));
    }

    [Fact]
    public async Task ManyWritersAndPauses_EveryPauseSeesEveryPublishedChange_NoneIsLostOrStuck()
    {
        using var dir = new TempDirectory();
        await using var db = KvDatabase.Open(dir.Path, new KvDbOptions { Durability = Durability.None, CheckpointLogBytes = 64 << 10 });
        var t = await CreateTable(db);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await t.PutAsync(Item.Create().Set("id", (w * 1000) + i).Set("pad", new string('x', 200)).Build(), cancellationToken: stop.Token);
            }
        })).ToList();
        var pauses = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                // Inside a pause the item count and the last sequence stay put: every write up to it is applied.
                await db.LocalEngine!.WithWritesPausedAsync(async () =>
                {
                    var (count, sequence) = ((await db.Store.DescribeTableAsync("t"))!.ItemCount, db.LastSequence);
                    await Task.Yield();
                    Assert.Equal(count, (await db.Store.DescribeTableAsync("t"))!.ItemCount);
                    Assert.Equal(sequence, db.LastSequence);
                    return 0;
                }, stop.Token);
            }
        });
        var checkpoints = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await db.CheckpointAsync(stop.Token);
            }
        });
        await Task.WhenAll([.. writers, pauses, checkpoints]).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1200, (await db.Store.DescribeTableAsync("t"))!.ItemCount);
    }
}
