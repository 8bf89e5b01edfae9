using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

public sealed class TransactionTests : IAsyncLifetime
{
    private KvDatabase _db = null!;
    private KvTable _accounts = null!;

    public async Task InitializeAsync()
    {
        _db = KvDatabase.OpenInMemory();
        _accounts = await _db.CreateTableAsync("accounts", new KeyAttribute("id", ScalarType.String));
        await _db.CreateTableAsync("log", new KeyAttribute("id", ScalarType.String));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task TransactWrite_AllConditionsHold_AppliesEverything()
    {
        await _accounts.PutAsync(Item.Create().Set("id", "a").Set("balance", 100).Build());
        await _accounts.PutAsync(Item.Create().Set("id", "gone").Build());
        var r = await _db.TransactWriteAsync(
        [
            new TransactUpdate("accounts", new ItemKey("a"), Update.Add("balance", -30), Condition.Path("balance").GreaterThanOrEqual(30)),
            new TransactPut("accounts", Item.Create().Set("id", "b").Set("balance", 30).Build(), Condition.AttributeNotExists("id")),
            new TransactDelete("accounts", new ItemKey("gone")),
            new TransactPut("log", Item.Create().Set("id", "t1").Set("amount", 30).Build()),
        ]);
        Assert.True(r.Succeeded);
        Assert.Empty(r.CancellationReasons);
        Assert.Equal(70, (await _accounts.GetAsync("a"))!["balance"].AsNumber().ToInt64());
        Assert.Equal(30, (await _accounts.GetAsync("b"))!["balance"].AsNumber().ToInt64());
        Assert.Null(await _accounts.GetAsync("gone"));
        Assert.NotNull(await _db.Table("log").GetAsync("t1"));
    }

    [Fact]
    public async Task TransactWrite_OneConditionFails_ChangesNothingAndSaysWhich()
    {
        await _accounts.PutAsync(Item.Create().Set("id", "a").Set("balance", 10).Build());
        var r = await _db.TransactWriteAsync(
        [
            new TransactPut("log", Item.Create().Set("id", "t2").Build()),
            new TransactUpdate("accounts", new ItemKey("a"), Update.Add("balance", -30), Condition.Path("balance").GreaterThanOrEqual(30)),
            new TransactConditionCheck("accounts", new ItemKey("missing"), Condition.AttributeExists("id")),
        ]);
        Assert.False(r.Succeeded);
        Assert.Equal(1, r.FailedActionIndex);
        Assert.Equal(["None", "ConditionalCheckFailed", "ConditionalCheckFailed"], r.CancellationReasons.Select(c => c.Code));
        Assert.Equal(10, r.CancellationReasons[1].Item!["balance"].AsNumber().ToInt64());
        Assert.Null(r.CancellationReasons[2].Item);
        Assert.Equal("The condition of action 1 on table \"accounts\", key (\"a\"), does not hold.", r.CancellationReasons[1].Message);
        Assert.Null(await _db.Table("log").GetAsync("t2"));
        Assert.Equal(10, (await _accounts.GetAsync("a"))!["balance"].AsNumber().ToInt64());
    }

    [Fact]
    public async Task TransactWrite_WithRaisedMaxActions_AppliesManyItemsAtomically()
    {
        var options = new TransactWriteOptions { MaxActions = 5000 };
        var puts = Enumerable.Range(0, 3000).Select(i => (TransactWriteItem)new TransactPut("accounts", Item.Create().Set("id", $"big{i:D4}").Set("balance", i).Build())).ToList();
        var ok = await _db.TransactWriteAsync(puts, options);
        Assert.True(ok.Succeeded);
        Assert.Equal(2999, (await _db.Table("accounts").GetAsync("big2999"))!["balance"].AsNumber().ToInt64());

        // One failing condition among 3000 actions cancels all of them.
        var updates = Enumerable.Range(0, 3000).Select(i => (TransactWriteItem)new TransactUpdate("accounts", new ItemKey($"big{i:D4}"),
            Update.Set("balance", 0), i == 2500 ? Condition.Path("balance").Equal(-1) : null)).ToList();
        var failed = await _db.TransactWriteAsync(updates, options);
        Assert.False(failed.Succeeded);
        Assert.Equal(2500, failed.FailedActionIndex);
        Assert.Equal(1, (await _db.Table("accounts").GetAsync("big0001"))!["balance"].AsNumber().ToInt64());

        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.TransactWriteAsync(puts, new TransactWriteOptions { MaxActions = 2000 }));
        Assert.Equal("A transaction must hold 1 to 2000 actions, not 3000.", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransactWriteOptions { MaxActions = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransactWriteOptions { MaxActions = TransactWriteOptions.Unbounded + 1 });
    }

    [Fact]
    public async Task TransactWrite_InvalidInput_ThrowsBeforeChangingAnything()
    {
        var e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.TransactWriteAsync(
        [
            new TransactPut("accounts", Item.Create().Set("id", "x").Build()),
            new TransactDelete("accounts", new ItemKey("x")),
        ]));
        Assert.Equal(KvErrorCode.InvalidQuery, e.Code);
        Assert.Equal("Transaction action 1 touches the item (\"x\") of table \"accounts\" that an earlier action already touches; each item may appear once.", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.TransactWriteAsync(
            Enumerable.Range(0, 101).Select(i => (TransactWriteItem)new TransactPut("accounts", Item.Create().Set("id", $"k{i}").Build())).ToList()));
        Assert.Equal(KvErrorCode.LimitExceeded, e.Code);
        Assert.Equal("A transaction must hold 1 to 100 actions, not 101.", e.Message);

        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.TransactWriteAsync(
        [
            new TransactPut("accounts", Item.Create().Set("id", "y").Build()),
            new TransactPut("nope", Item.Create().Set("id", "y").Build()),
        ]));
        Assert.Equal(KvErrorCode.TableNotFound, e.Code);
        Assert.Null(await _accounts.GetAsync("x"));
        Assert.Null(await _accounts.GetAsync("y"));

        // An update that fails while applying (type error) also leaves everything unchanged.
        await _accounts.PutAsync(Item.Create().Set("id", "s").Set("balance", "text").Build());
        e = await Assert.ThrowsAsync<KvDbException>(async () => await _db.TransactWriteAsync(
        [
            new TransactPut("accounts", Item.Create().Set("id", "z").Build()),
            new TransactUpdate("accounts", new ItemKey("s"), Update.Add("balance", 1)),
        ]));
        Assert.Equal(KvErrorCode.InvalidUpdate, e.Code);
        Assert.Null(await _accounts.GetAsync("z"));
    }

    [Fact]
    public async Task ConcurrentTransfers_KeepTheTotalConstant()
    {
        const int Accounts = 10;
        const int Initial = 1000;
        for (var i = 0; i < Accounts; i++)
        {
            await _accounts.PutAsync(Item.Create().Set("id", $"acct{i}").Set("balance", Initial).Build());
        }

        using var stop = new CancellationTokenSource();
        var auditFailures = 0;
        var auditor = Task.Run(async () =>
        {
            // Transactional reads see one consistent state: the total never wavers.
            while (!stop.IsCancellationRequested)
            {
                var all = await _db.TransactGetAsync(Enumerable.Range(0, Accounts).Select(i => new TransactGetItem("accounts", new ItemKey($"acct{i}"))).ToList());
                var total = all.Sum(a => a!["balance"].AsNumber().ToInt64());
                if (total != Accounts * Initial)
                {
                    Interlocked.Increment(ref auditFailures);
                }
            }
        });

        var committed = 0;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var rnd = new Random(w);
            for (var n = 0; n < 300; n++)
            {
                var from = rnd.Next(Accounts);
                var to = (from + 1 + rnd.Next(Accounts - 1)) % Accounts;
                var amount = rnd.Next(1, 300);
                var r = await _db.TransactWriteAsync(
                [
                    new TransactUpdate("accounts", new ItemKey($"acct{from}"), Update.Add("balance", -amount), Condition.Path("balance").GreaterThanOrEqual(amount)),
                    new TransactUpdate("accounts", new ItemKey($"acct{to}"), Update.Add("balance", amount)),
                ]);
                if (r.Succeeded)
                {
                    Interlocked.Increment(ref committed);
                }
            }
        })));
        stop.Cancel();
        await auditor;

        var balances = await _accounts.Scan().ToListAsync();
        Assert.Equal(Accounts * Initial, balances.Sum(a => a["balance"].AsNumber().ToInt64()));
        Assert.All(balances, a => Assert.True(a["balance"].AsNumber().ToInt64() >= 0));
        Assert.Equal(0, auditFailures);
        Assert.True(committed > 100);
    }

    [Fact]
    public async Task TransactGet_ReturnsNullForAbsentAndProjects()
    {
        await _accounts.PutAsync(Item.Create().Set("id", "a").Set("balance", 1).Set("owner", "ann").Build());
        var r = await _db.TransactGetAsync([new TransactGetItem("accounts", new ItemKey("a"), Projection.Of("owner")), new TransactGetItem("accounts", new ItemKey("b"))]);
        Assert.Equal("""{"owner":"ann"}""", r[0]!.ToJson());
        Assert.Null(r[1]);
    }
}
