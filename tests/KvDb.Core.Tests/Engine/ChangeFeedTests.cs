using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

public sealed class ChangeFeedTests
{
    private static async Task<List<ChangeRecord>> Take(KvDatabase db, long from, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var list = new List<ChangeRecord>();
        await foreach (var c in db.Changes(from, timeout.Token))
        {
            list.Add(c);
            if (list.Count == count)
            {
                break;
            }
        }

        return list;
    }

    [Fact]
    public async Task Changes_DeliverEveryChangeInCommitOrder_WithImages()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number));
        await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 1).Set("v", 1).Build());
        await t.UpdateAsync(new ItemKey("a", 1), Update.Set("v", 2));
        await t.DeleteAsync("a", 1);
        var changes = await Take(db, 1, 3);
        Assert.Equal([ChangeType.Insert, ChangeType.Modify, ChangeType.Remove], changes.Select(c => c.Type));
        Assert.All(changes, c => Assert.Equal("t", c.TableName));
        Assert.All(changes, c => Assert.Equal(new ItemKey("a", 1), c.Key));
        Assert.Null(changes[0].OldImage);
        Assert.Equal(1, changes[0].NewImage!["v"].AsNumber().ToInt64());
        Assert.Equal(1, changes[1].OldImage!["v"].AsNumber().ToInt64());
        Assert.Equal(2, changes[1].NewImage!["v"].AsNumber().ToInt64());
        Assert.Null(changes[2].NewImage);
        Assert.True(changes[0].Sequence < changes[1].Sequence && changes[1].Sequence < changes[2].Sequence);

        // Resuming from a sequence starts exactly there.
        var resumed = await Take(db, changes[1].Sequence, 2);
        Assert.Equal(changes.Skip(1).Select(c => c.Sequence), resumed.Select(c => c.Sequence));
    }

    [Fact]
    public async Task Changes_WaitForNewChanges()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
        var reader = Take(db, 1, 2);
        await Task.Delay(50);
        Assert.False(reader.IsCompleted);
        await t.PutAsync(Item.Create().Set("id", "x").Build());
        await t.PutAsync(Item.Create().Set("id", "y").Build());
        var got = await reader;
        Assert.Equal(["x", "y"], got.Select(c => c.Key.PartitionKey.AsString()));
    }

    [Fact]
    public async Task Changes_ConcurrentWriters_SequencesAreGapFreeAndOrdered()
    {
        await using var db = KvDatabase.OpenInMemory();
        var t = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
        var start = db.LastSequence + 1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await t.PutAsync(Item.Create().Set("id", $"{w}-{i}").Build());
            }
        })));
        var changes = await Take(db, start, 400);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => start + i), changes.Select(c => c.Sequence));
    }

    [Fact]
    public async Task Changes_ResumeAfterRestart_FromTheLog()
    {
        using var dir = new TempDirectory();
        long second;
        await using (var db = KvDatabase.Open(dir.Path))
        {
            var t = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
            await t.PutAsync(Item.Create().Set("id", "a").Build());
            await t.PutAsync(Item.Create().Set("id", "b").Build());
            second = db.LastSequence;
            await t.DeleteAsync("a");
        }

        await using (var db = KvDatabase.Open(dir.Path))
        {
            var changes = await Take(db, second, 2);
            Assert.Equal([ChangeType.Insert, ChangeType.Remove], changes.Select(c => c.Type));
            Assert.Equal(["b", "a"], changes.Select(c => c.Key.PartitionKey.AsString()));
        }
    }

    [Fact]
    public async Task Changes_TooOld_ThrowsTruncated()
    {
        await using var db = KvDatabase.OpenInMemory(new KvDbOptions { ChangeFeedRetention = 2 });
        var t = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.String));
        for (var i = 0; i < 5; i++)
        {
            await t.PutAsync(Item.Create().Set("id", $"k{i}").Build());
        }

        var e = await Assert.ThrowsAsync<KvDbException>(async () => await Take(db, 1, 1));
        Assert.Equal(KvErrorCode.ChangeFeedTruncated, e.Code);
        Assert.Equal(2, (await Take(db, db.LastSequence - 1, 2)).Count);
    }
}
