namespace KvDb.Core.Tests.Engine;

public sealed class TtlTests
{
    [Fact]
    public async Task ExpiredItems_DisappearAtOnce_AndAreSweptIntoTheFeedAsExpiry()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000_000));
        await using var db = KvDatabase.OpenInMemory(new KvDbOptions { TimeProvider = clock, TtlSweepInterval = TimeSpan.Zero });
        var t = await db.CreateTableAsync(new TableSchema("sessions", new KeyAttribute("id", ScalarType.String)) { TimeToLiveAttribute = "expires" });
        await t.PutAsync(Item.Create().Set("id", "short").Set("expires", 1_000_010).Build());
        await t.PutAsync(Item.Create().Set("id", "long").Set("expires", 2_000_000).Build());
        await t.PutAsync(Item.Create().Set("id", "forever").Build());
        await t.PutAsync(Item.Create().Set("id", "text").Set("expires", "not a number").Build());
        var start = db.LastSequence + 1;

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await t.GetAsync("short"));
        Assert.False(t.TryGet(new ItemKey("short"), out _));
        Assert.Equal(["forever", "long", "text"], (await t.Scan().ToListAsync()).Select(i => i["id"].AsString()));

        // Conditions treat the expired item as absent.
        var r = await t.PutAsync(Item.Create().Set("id", "short").Set("expires", 1_000_100).Build(), KvDb.Expressions.Condition.AttributeNotExists("id"));
        Assert.True(r.Succeeded);
        clock.Advance(TimeSpan.FromSeconds(100));

        Assert.Equal(1, await db.SweepExpiredAsync());
        Assert.Equal(3, (await t.DescribeAsync()).ItemCount);
        await foreach (var change in db.Changes(start))
        {
            if (change.Type == ChangeType.Expire)
            {
                Assert.Equal("short", change.Key.PartitionKey.AsString());
                Assert.Equal(1_000_100, change.OldImage!["expires"].AsNumber().ToInt64());
                break;
            }
        }
    }
}
