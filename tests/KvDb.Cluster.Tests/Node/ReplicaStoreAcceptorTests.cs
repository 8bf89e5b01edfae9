using KvDb.Cluster.Node;
using KvDb.Cluster.Replication;

namespace KvDb.Cluster.Tests.Node;

/// <summary>The acceptor's rules, checked directly on one node's <see cref="ReplicaStore"/> and its local tables.</summary>
public sealed class ReplicaStoreAcceptorTests
{
    private const string Table = ReplicaStore.SystemTable; // created by OpenAsync, with its metadata table

    private static async Task<ReplicaStore> OpenAsync()
    {
        var store = new ReplicaStore(KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero }));
        await store.OpenAsync(CancellationToken.None);
        return store;
    }

    private static Ballot B(long physical) => new(physical, 0, 1);

    private static Item Value(string k, int n) => Item.Create().Set("k", k).Set("n", n).Build();

    private static Task<Item?> MetaAsync(ReplicaStore store, ItemKey key) =>
        store.Local.Store.GetItemAsync(new GetItemRequest("__meta." + Table, CellKeys.MetaKey(key))).AsTask();

    [Fact]
    public async Task PrepareThenAccept_PersistsPromiseMetadataAndValue()
    {
        var store = await OpenAsync();
        var key = new ItemKey("a");
        var prepare = await store.PrepareAsync(Table, key, B(10), 1, CancellationToken.None);
        Assert.Equal(ReplyStatus.Ok, prepare.Status);
        Assert.Equal(Ballot.Zero, prepare.Accepted);
        Assert.Null(prepare.State.Item);

        var promiseOnly = await MetaAsync(store, key);
        Assert.NotNull(promiseOnly); // the promise is durable before the reply
        Assert.Equal(B(10), CellKeys.DecodeBallot(promiseOnly!, CellKeys.Promised));
        Assert.Equal(key, CellKeys.UserKey(promiseOnly!));
        Assert.False(promiseOnly!.ContainsKey(CellKeys.Accepted));

        var (ok, promised) = await store.AcceptAsync(Table, key, B(10), new CellState(Value("a", 1), B(10)), isStore: false, CancellationToken.None);
        Assert.True(ok);
        Assert.Equal(B(10), promised);
        var meta = (await MetaAsync(store, key))!;
        Assert.Equal(B(10), CellKeys.DecodeBallot(meta, CellKeys.Accepted));
        Assert.Equal(B(10), CellKeys.DecodeBallot(meta, CellKeys.Version));
        Assert.True(meta[CellKeys.Exists].AsBool());
        Assert.Equal(Value("a", 1), await store.Local.Store.GetItemAsync(new GetItemRequest(Table, key)));

        var again = await store.PrepareAsync(Table, key, B(20), 1, CancellationToken.None);
        Assert.Equal(ReplyStatus.Ok, again.Status);
        Assert.Equal(B(10), again.Accepted);
        Assert.Equal(Value("a", 1), again.State.Item);
        Assert.Equal(B(10), again.State.Version);
        var after = (await MetaAsync(store, key))!;
        Assert.Equal(B(20), CellKeys.DecodeBallot(after, CellKeys.Promised));
        Assert.Equal(B(10), CellKeys.DecodeBallot(after, CellKeys.Accepted)); // the rest of the cell is kept
    }

    [Fact]
    public async Task LowerBallots_AreRejected_AndDuplicatesAreIdempotent()
    {
        var store = await OpenAsync();
        var key = new ItemKey("b");
        await store.PrepareAsync(Table, key, B(30), 1, CancellationToken.None);
        var low = await store.PrepareAsync(Table, key, B(20), 1, CancellationToken.None);
        Assert.Equal(ReplyStatus.Rejected, low.Status);
        Assert.Equal(B(30), low.Promised);
        Assert.False((await store.AcceptAsync(Table, key, B(25), new CellState(Value("b", 1), B(25)), false, CancellationToken.None)).Ok);
        Assert.Null(await store.Local.Store.GetItemAsync(new GetItemRequest(Table, key)));

        Assert.True((await store.AcceptAsync(Table, key, B(30), new CellState(Value("b", 2), B(30)), false, CancellationToken.None)).Ok);
        Assert.True((await store.AcceptAsync(Table, key, B(30), new CellState(Value("b", 2), B(30)), false, CancellationToken.None)).Ok);

        // A store (hint, stream) applies only newer states; an accept above the promise raises it.
        Assert.False((await store.AcceptAsync(Table, key, B(30), new CellState(Value("b", 3), B(30)), true, CancellationToken.None)).Ok);
        var (ok, promised) = await store.AcceptAsync(Table, key, B(40), new CellState(Value("b", 4), B(40)), true, CancellationToken.None);
        Assert.True(ok);
        Assert.Equal(B(40), promised);
        Assert.Equal(Value("b", 4), await store.Local.Store.GetItemAsync(new GetItemRequest(Table, key)));
    }

    [Fact]
    public async Task TombstonesAndIntents_AreWrittenAndCleared()
    {
        var store = await OpenAsync();
        var key = new ItemKey("c");
        Assert.True((await store.AcceptAsync(Table, key, B(10), new CellState(Value("c", 1), B(10)), false, CancellationToken.None)).Ok);
        var intent = new TxnIntent("txn-1", TxnIntentKind.Put, Value("c", 2), 5);
        Assert.True((await store.AcceptAsync(Table, key, B(20), new CellState(Value("c", 1), B(10), intent), false, CancellationToken.None)).Ok);
        var locked = (await store.ReadAsync(Table, [key], CancellationToken.None))[0];
        Assert.Equal(intent, locked.State.Intent);
        Assert.Equal(B(20), locked.Accepted);
        Assert.Equal(B(10), locked.State.Version);
        Assert.Equal(Value("c", 1), locked.State.Item);

        var prepared = await store.PrepareAsync(Table, key, B(30), 1, CancellationToken.None);
        Assert.Equal(intent, prepared.State.Intent);
        Assert.Equal(intent, CellKeys.DecodeIntent((await MetaAsync(store, key))!)); // a promise keeps the intent

        Assert.True((await store.AcceptAsync(Table, key, B(30), new CellState(null, B(30)), false, CancellationToken.None)).Ok);
        var meta = (await MetaAsync(store, key))!;
        Assert.False(meta[CellKeys.Exists].AsBool());
        Assert.False(meta.ContainsKey(CellKeys.Intent));
        Assert.Null(await store.Local.Store.GetItemAsync(new GetItemRequest(Table, key)));
        var tombstone = (await store.ReadAsync(Table, [key], CancellationToken.None))[0];
        Assert.Null(tombstone.State.Item);
        Assert.Equal(B(30), tombstone.State.Version);
        Assert.Null(tombstone.State.Intent);
    }

    [Fact]
    public async Task SortKeysAndNumberKeys_AreSeparateCells()
    {
        var db = KvDatabase.OpenInMemory(new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        var store = new ReplicaStore(db);
        await store.OpenAsync(CancellationToken.None);
        var schema = new TableSchema("t", new KeyAttribute("pk", ScalarType.Number), new KeyAttribute("sk", ScalarType.String));
        await db.Store.CreateTableAsync(schema);
        await db.Store.CreateTableAsync(new TableSchema("__meta.t", new KeyAttribute(CellKeys.MetaPk, ScalarType.Binary), new KeyAttribute(CellKeys.MetaSk, ScalarType.Binary)));
        for (var i = 0; i < 20; i++)
        {
            var key = new ItemKey(AttributeValue.FromNumber(i % 4), AttributeValue.FromString("s" + i));
            var item = Item.Create().Set("pk", i % 4).Set("sk", "s" + i).Set("v", i).Build();
            Assert.Equal(ReplyStatus.Ok, (await store.PrepareAsync("t", key, B(100 + i), 1, CancellationToken.None)).Status);
            Assert.True((await store.AcceptAsync("t", key, B(100 + i), new CellState(item, B(100 + i)), false, CancellationToken.None)).Ok);
        }

        for (var i = 0; i < 20; i++)
        {
            var key = new ItemKey(AttributeValue.FromNumber(i % 4), AttributeValue.FromString("s" + i));
            var cell = (await store.ReadAsync("t", [key], CancellationToken.None))[0];
            Assert.Equal(B(100 + i), cell.Accepted);
            Assert.Equal(i, (int)cell.State.Item!["v"].AsNumber().ToInt64());
        }
    }
}
