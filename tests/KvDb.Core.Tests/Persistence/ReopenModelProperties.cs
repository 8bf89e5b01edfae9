using FsCheck;
using FsCheck.Fluent;
using KvDb.Expressions;

namespace KvDb.Core.Tests.Persistence;

/// <summary>Random operations with checkpoints and reopenings in between must leave exactly the model's state.</summary>
public sealed class ReopenModelProperties
{
    public abstract record Op;
    public sealed record Put(string Pk, int Sk, int V) : Op;
    public sealed record Delete(string Pk, int Sk) : Op;
    public sealed record Increment(string Pk, int Sk) : Op;
    public sealed record Transfer(string From, string To, int Sk) : Op;
    public sealed record Batch(string Pk, int Count) : Op;
    public sealed record Checkpoint : Op;
    public sealed record Reopen : Op;

    private static Gen<string> Pk => Gen.Elements("a", "b", "c");

    private static Gen<int> Sk => Gen.Choose(0, 5);

    private static Gen<Op> OpGen =>
        Gen.Frequency(
            (5, from pk in Pk from sk in Sk from v in Gen.Choose(0, 9) select (Op)new Put(pk, sk, v)),
            (2, from pk in Pk from sk in Sk select (Op)new Delete(pk, sk)),
            (2, from pk in Pk from sk in Sk select (Op)new Increment(pk, sk)),
            (2, from a in Pk from b in Pk from sk in Sk select (Op)new Transfer(a, b, sk)),
            (1, from pk in Pk from n in Gen.Choose(1, 4) select (Op)new Batch(pk, n)),
            (1, Gen.Constant((Op)new Checkpoint())),
            (2, Gen.Constant((Op)new Reopen())));

    [Fact]
    public void FileMode_WithCheckpointsAndReopens_MatchesModel() =>
        Prop.ForAll(Gen.ListOf(OpGen).Select(l => l.ToArray()).ToArbitrary(), ops => Run(ops).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true));

    private static async Task Run(Op[] ops)
    {
        using var dir = new TempDirectory();
        var options = new KvDbOptions { Durability = Durability.OsBuffered, ChangeFeedLogRetentionBytes = 0 };
        var model = new SortedDictionary<(string, int), long>();
        var db = KvDatabase.Open(dir.Path, options);
        try
        {
            var t = await db.CreateTableAsync(new TableSchema("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.Number))
            {
                Indexes = [IndexSchema.Global("byV", new KeyAttribute("v", ScalarType.Number), new KeyAttribute("pk", ScalarType.String))],
            });
            foreach (var op in ops)
            {
                switch (op)
                {
                    case Put p:
                        await t.PutAsync(Item.Create().Set("pk", p.Pk).Set("sk", p.Sk).Set("v", p.V).Build());
                        model[(p.Pk, p.Sk)] = p.V;
                        break;
                    case Delete d:
                        await t.DeleteAsync(d.Pk, d.Sk);
                        model.Remove((d.Pk, d.Sk));
                        break;
                    case Increment inc:
                        await t.UpdateAsync(new ItemKey(inc.Pk, inc.Sk), Update.Add("v", 1));
                        model[(inc.Pk, inc.Sk)] = model.GetValueOrDefault((inc.Pk, inc.Sk)) + 1;
                        break;
                    case Transfer tr when tr.From != tr.To:
                    {
                        // Move one unit from one item to another only if the source has one: all or nothing.
                        var r = await db.TransactWriteAsync(
                        [
                            new TransactUpdate("t", new ItemKey(tr.From, tr.Sk), Update.Add("v", -1), Condition.Path("v").GreaterThanOrEqual(1)),
                            new TransactUpdate("t", new ItemKey(tr.To, tr.Sk), Update.Add("v", 1)),
                        ]);
                        var ok = model.TryGetValue((tr.From, tr.Sk), out var have) && have >= 1;
                        Assert.Equal(ok, r.Succeeded);
                        if (ok)
                        {
                            model[(tr.From, tr.Sk)] = have - 1;
                            model[(tr.To, tr.Sk)] = model.GetValueOrDefault((tr.To, tr.Sk)) + 1;
                        }
                        else
                        {
                            Assert.Equal(0, r.FailedActionIndex);
                        }

                        break;
                    }

                    case Batch b:
                        await t.BatchWriteAsync(Enumerable.Range(100, b.Count).Select(i => Item.Create().Set("pk", b.Pk).Set("sk", i).Set("v", i).Build()));
                        for (var i = 100; i < 100 + b.Count; i++)
                        {
                            model[(b.Pk, i)] = i;
                        }

                        break;
                    case Checkpoint:
                        await db.CheckpointAsync();
                        break;
                    case Reopen:
                        await db.DisposeAsync();
                        db = KvDatabase.Open(dir.Path, options);
                        t = db.Table("t");
                        await AssertMatches(t, model);
                        break;
                }
            }

            await db.DisposeAsync();
            db = KvDatabase.Open(dir.Path, options);
            await AssertMatches(db.Table("t"), model);
        }
        finally
        {
            await db.DisposeAsync();
        }
    }

    private static async Task AssertMatches(KvTable t, SortedDictionary<(string, int), long> model)
    {
        var items = await t.Scan().ToListAsync();
        var actual = items.Select(i => $"{i["pk"].AsString()}/{i["sk"].AsNumber()}={i["v"].AsNumber()}").ToList();
        var expected = model.OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2)
            .Select(kv => $"{kv.Key.Item1}/{kv.Key.Item2}={kv.Value}").ToList();
        Assert.Equal(expected, actual);

        // The index agrees with the table: every item appears under its v.
        var indexed = (await t.ScanIndex("byV").ToListAsync()).Select(i => $"{i["pk"].AsString()}/{i["sk"].AsNumber()}={i["v"].AsNumber()}").Order(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), indexed);
        Assert.Equal(model.Count, (await t.DescribeAsync()).ItemCount);
    }
}
