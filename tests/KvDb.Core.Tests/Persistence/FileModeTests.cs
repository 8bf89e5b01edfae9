using KvDb.Expressions;

namespace KvDb.Core.Tests.Persistence;

public sealed class FileModeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly KeyAttribute s_pk = new("pk", ScalarType.String);
    private static readonly KeyAttribute s_sk = new("sk", ScalarType.Number);

    [Theory]
    [InlineData(Durability.Fsync)]
    [InlineData(Durability.OsBuffered)]
    [InlineData(Durability.None)]
    public async Task Writes_SurviveReopen_InEveryDurabilityMode(Durability durability)
    {
        await using (var db = KvDatabase.Open(_dir.Path, new KvDbOptions { Durability = durability }))
        {
            var t = await db.CreateTableAsync("t", s_pk, s_sk);
            for (var i = 0; i < 50; i++)
            {
                await t.PutAsync(Item.Create().Set("pk", $"p{i % 5}").Set("sk", i).Set("v", i * 10).Build());
            }

            await t.DeleteAsync("p0", 0);
            await t.UpdateAsync(new ItemKey("p1", 1), Update.Add("v", 5));
            await t.BatchWriteAsync([Item.Create().Set("pk", "batch").Set("sk", 1).Build(), Item.Create().Set("pk", "batch").Set("sk", 2).Build()]);
        }

        await using (var db = KvDatabase.Open(_dir.Path, new KvDbOptions { Durability = durability }))
        {
            var t = db.Table("t");
            Assert.Equal(51, (await t.DescribeAsync()).ItemCount);
            Assert.Null(await t.GetAsync("p0", 0));
            Assert.Equal(15, (await t.GetAsync("p1", 1))!["v"].AsNumber().ToInt64());
            Assert.Equal(2, await t.Query("batch").CountAsync());
            Assert.Equal(new[] { "5", "10", "15", "20", "25", "30", "35", "40", "45" }, (await t.Query("p0").ToListAsync()).Select(i => i["sk"].AsNumber().ToString()));
            Assert.NotNull(db.RecoveryReport);
            Assert.Null(db.RecoveryReport.TornTail);
            Assert.Equal(0, db.RecoveryReport.BytesDiscarded);
        }
    }

    [Fact]
    public async Task Checkpoint_ThenMoreWrites_RecoversSnapshotPlusLog()
    {
        long checkpointSequence;
        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = await db.CreateTableAsync("t", s_pk, s_sk);
            for (var i = 0; i < 20; i++)
            {
                await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", i).Build());
            }

            checkpointSequence = await db.CheckpointAsync();
            for (var i = 20; i < 30; i++)
            {
                await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", i).Build());
            }

            await t.DeleteAsync("a", 0);
            Assert.Single(Directory.GetFiles(_dir.Path, "snapshot-*.snap"));
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            Assert.Equal(29, await db.Table("t").Query("a").CountAsync());
            Assert.Equal(checkpointSequence, db.RecoveryReport!.SnapshotSequence);
            Assert.Equal(11, db.RecoveryReport.RecordsReplayed);
        }
    }

    [Fact]
    public async Task Checkpoint_DropsOldLogSegments_BeyondRetention()
    {
        await using var db = KvDatabase.Open(_dir.Path, new KvDbOptions { ChangeFeedLogRetentionBytes = 0 });
        var t = await db.CreateTableAsync("t", s_pk, s_sk);
        await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 1).Build());
        await db.CheckpointAsync();
        Assert.Single(Directory.GetFiles(_dir.Path, "wal-*.log"));
        await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 2).Build());
        await db.CheckpointAsync();
        Assert.Single(Directory.GetFiles(_dir.Path, "wal-*.log"));
        Assert.Single(Directory.GetFiles(_dir.Path, "snapshot-*.snap"));
    }

    [Fact]
    public async Task AutomaticCheckpoint_TriggersBySize()
    {
        await using (var db = KvDatabase.Open(_dir.Path, new KvDbOptions { CheckpointLogBytes = 20_000, Durability = Durability.None }))
        {
            var t = await db.CreateTableAsync("t", s_pk, s_sk);
            for (var i = 0; i < 400; i++)
            {
                await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", i).Set("pad", new string('x', 100)).Build());
            }

            for (var wait = 0; wait < 100 && Directory.GetFiles(_dir.Path, "snapshot-*.snap").Length == 0; wait++)
            {
                await Task.Delay(20);
            }

            Assert.NotEmpty(Directory.GetFiles(_dir.Path, "snapshot-*.snap"));
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            Assert.Equal(400, await db.Table("t").Query("a").CountAsync());
            Assert.True(db.RecoveryReport!.SnapshotSequence > 0);
        }
    }

    [Fact]
    public async Task Catalog_CreateDropRecreate_SurvivesReopen()
    {
        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = await db.CreateTableAsync("t", s_pk, s_sk);
            await t.PutAsync(Item.Create().Set("pk", "old").Set("sk", 1).Build());
            await db.DeleteTableAsync("t");
            var t2 = await db.CreateTableAsync("t", new KeyAttribute("id", ScalarType.Number));
            await t2.PutAsync(Item.Create().Set("id", 7).Build());
            await db.CreateTableAsync("other", s_pk);
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            Assert.Equal(["other", "t"], await db.ListTablesAsync());
            var d = await db.Table("t").DescribeAsync();
            Assert.Equal("id", d.Schema.PartitionKey.Name);
            Assert.Equal(1, d.ItemCount);
            Assert.NotNull(await db.Table("t").GetAsync(7));
        }
    }

    [Fact]
    public async Task GroupCommit_ConcurrentFsyncWriters_AllSurvive()
    {
        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = await db.CreateTableAsync("t", s_pk, s_sk);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 50; i++)
                {
                    await t.PutAsync(Item.Create().Set("pk", $"w{w}").Set("sk", i).Build());
                }
            })));
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            Assert.Equal(400, (await db.Table("t").DescribeAsync()).ItemCount);
        }
    }

    [Fact]
    public async Task Open_WhileOpen_ThrowsDatabaseInUse()
    {
        await using var db = KvDatabase.Open(_dir.Path);
        var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(_dir.Path));
        Assert.Equal(KvErrorCode.DatabaseInUse, e.Code);
        Assert.Contains("LOCK", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeletedIndex_StaysDeletedAfterReopen(bool checkpointAfterDelete)
    {
        var schema = new TableSchema("t", s_pk, s_sk)
        {
            Indexes = [IndexSchema.Global("byOwner", new KeyAttribute("owner", ScalarType.String)), IndexSchema.Global("byColour", new KeyAttribute("colour", ScalarType.String))],
        };
        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = await db.CreateTableAsync(schema);
            await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 1).Set("owner", "ann").Set("colour", "red").Build());
            await db.DeleteIndexAsync("t", "byOwner");
            await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 2).Set("owner", "ann").Set("colour", "red").Build());
            if (checkpointAfterDelete)
            {
                await db.CheckpointAsync();
            }
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = db.Table("t");
            var d = await t.DescribeAsync();
            Assert.Equal(["byColour"], d.Schema.Indexes.Select(i => i.Name));
            Assert.Equal(2, await t.QueryIndex("byColour", "red").CountAsync());
            await Assert.ThrowsAsync<KvDbException>(async () => await t.QueryIndex("byOwner", "ann").CountAsync());
        }
    }

    [Fact]
    public async Task SecondaryIndex_AndTtlDefinition_SurviveReopen()
    {
        var schema = new TableSchema("t", s_pk, s_sk)
        {
            Indexes = [IndexSchema.Global("byOwner", new KeyAttribute("owner", ScalarType.String))],
            TimeToLiveAttribute = "expires",
        };
        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = await db.CreateTableAsync(schema);
            await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 1).Set("owner", "ann").Build());
            await db.CheckpointAsync();
            await t.PutAsync(Item.Create().Set("pk", "a").Set("sk", 2).Set("owner", "ann").Build());
            await db.CreateIndexAsync("t", IndexSchema.Local("bySize", schema, new KeyAttribute("size", ScalarType.Number)));
        }

        await using (var db = KvDatabase.Open(_dir.Path))
        {
            var t = db.Table("t");
            Assert.Equal(2, await t.QueryIndex("byOwner", "ann").CountAsync());
            var d = await t.DescribeAsync();
            Assert.Equal(["byOwner", "bySize"], d.Schema.Indexes.Select(i => i.Name));
            Assert.Equal("expires", d.Schema.TimeToLiveAttribute);
        }
    }
}
