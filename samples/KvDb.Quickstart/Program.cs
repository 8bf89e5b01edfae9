// The quickstart: hash-db's key-value example, run against an embedded KvDb in a local data directory
// (./kvdb-data, or the first argument), printing each step. Run it twice: the second run recovers the first's data.
using KvDb;
using KvDb.Expressions;

var directory = args.Length > 0 ? args[0] : "kvdb-data";
await using var db = KvDatabase.Open(directory);
var report = db.RecoveryReport!;
Console.WriteLine($"KvDb quickstart: opened {Path.GetFullPath(directory)}");
Console.WriteLine($"  recovered: snapshot at sequence {report.SnapshotSequence}, {report.RecordsReplayed} log records replayed, " +
    $"{report.BytesDiscarded} torn bytes discarded, in {report.Elapsed.TotalMilliseconds:F0} ms");
foreach (var name in await db.ListTablesAsync())
{
    var d = (await db.DescribeTableAsync(name))!;
    Console.WriteLine($"  found table {name} with {d.ItemCount} items from an earlier run; recreating it");
    await db.DeleteTableAsync(name);
}

var messages = await db.CreateTableAsync("messages",
    new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
Console.WriteLine("created table messages (pk S, sk S)");

(string Pk, string Sk, string Value)[] rows =
[
    ("people-100", "messages-100", "hello"), ("people-100", "messages-101", "hi"),
    ("people-100", "messages-102", "how are you"), ("people-100", "messages-103", "fine"),
    ("people-100", "messages-104", "and you"), ("people-100", "messages-105", "good"),
    ("people-100", "messages-3500", "later"), ("people-200", "messages-500", "hey"),
    ("machines-10", "messages-3500", "beep"),
    ("people-100-2020-05-01", "friends-2019-05-01", "1, 2"),
    ("people-100-2020-06-01", "friends-2020-06-01", "1, 2, 3"),
];
foreach (var (pk, sk, value) in rows)
{
    await messages.PutAsync(Item.Create().Set("pk", pk).Set("sk", sk).Set("value", value).Build());
}

Console.WriteLine($"put {rows.Length} items");

await Show("query_begins people-100 / messages, ascending",
    messages.Query("people-100").Where(sk => sk.BeginsWith("messages")));
await Show("query_begins people-100 / messages, descending",
    messages.Query("people-100").Where(sk => sk.BeginsWith("messages")).Descending());
await Show("query_pk_sk_begins pk 'people' / sk 'messages', descending",
    messages.QueryPartitions(pk => pk.BeginsWith("people")).Where(sk => sk.BeginsWith("messages")).Descending());
await Show("query_between people-100 messages-101 .. messages-105, descending",
    messages.Query("people-100").Where(sk => sk.Between("messages-101", "messages-105")).Descending());
await Show("both_between pk people-100-2020-05 .. people-100-2020-07, sk friends-2019 .. friends-2020-06-~~, descending",
    messages.QueryPartitions(pk => pk.Between("people-100-2020-05", "people-100-2020-07"))
        .Where(sk => sk.Between("friends-2019", "friends-2020-06-~~")).Descending());

// A conditional write is a result, not an exception.
var again = await messages.PutAsync(
    Item.Create().Set("pk", "people-100").Set("sk", "messages-100").Set("value", "overwrite?").Build(),
    Condition.AttributeNotExists("pk"));
Console.WriteLine($"conditional put on an existing item succeeded: {again.Succeeded}");

// Documents: any JSON object back exactly.
var docs = await db.CreateTableAsync("documents", new KeyAttribute("id", ScalarType.String));
await docs.PutJsonAsync("""{"id":"people/1","name":"Sam Squire","age":32,"score":9.5,"hobbies":[{"name":"God"},{"name":"databases"}],"tags":["a","b"],"address":{"city":"London"},"spouse":null}""");
var doc = await docs.GetAsync("people/1");
Console.WriteLine($"document people/1: {doc!.ToJson()}");

// A transaction: both writes or neither.
var moved = await db.TransactWriteAsync(
[
    new TransactUpdate("messages", new ItemKey("people-100", "messages-100"), Update.Set("value", "edited"), Condition.AttributeExists("pk")),
    new TransactPut("messages", Item.Create().Set("pk", "people-100").Set("sk", "audit-1").Set("value", "edited messages-100").Build()),
]);
Console.WriteLine($"transaction committed: {moved.Succeeded}");

await db.CheckpointAsync();
Console.WriteLine($"checkpoint written at sequence {db.LastSequence}; every write above was fsynced before it was acknowledged");

static async Task Show(string title, KvQuery query)
{
    Console.WriteLine();
    Console.WriteLine(title);
    await foreach (var item in query)
    {
        Console.WriteLine($"  {item["pk"].AsString(),-24} {item["sk"].AsString(),-22} {item["value"].AsString()}");
    }
}
