using FsCheck;
using FsCheck.Fluent;
using KvDb.Expressions;

namespace KvDb.Core.Tests.Engine;

/// <summary>
/// Random operation sequences against the engine and against a model (a dictionary of sorted dictionaries)
/// must agree exactly: every read, every conditional outcome, every query page, order and resume key.
/// </summary>
public sealed class EngineModelProperties
{
    private static readonly string[] s_pks = ["a", "ab", "abc", "b", "ba", "c"];
    private static readonly string[] s_sks = ["", "m", "m1", "m10", "m2", "ma", "n", "z"];

    public abstract record Op;
    public sealed record Put(string Pk, string Sk, int V) : Op;
    public sealed record PutIfAbsent(string Pk, string Sk, int V) : Op;
    public sealed record Delete(string Pk, string Sk) : Op;
    public sealed record DeleteIfEquals(string Pk, string Sk, int V) : Op;
    public sealed record Increment(string Pk, string Sk, int By) : Op;
    public sealed record Get(string Pk, string Sk) : Op;
    public sealed record QueryOp(string Pk, KeyOperator Operator, string V1, string V2, bool Descending, int PageSize) : Op;
    public sealed record PrefixQueryOp(string PkPrefix, bool Descending, int PageSize) : Op;

    private static Gen<string> Pk => Gen.Elements(s_pks);

    private static Gen<string> Sk => Gen.Elements(s_sks.Where(s => s.Length > 0).ToArray());

    private static Gen<Op> OpGen =>
        Gen.OneOf(
            from pk in Pk from sk in Sk from v in Gen.Choose(0, 5) select (Op)new Put(pk, sk, v),
            from pk in Pk from sk in Sk from v in Gen.Choose(0, 5) select (Op)new PutIfAbsent(pk, sk, v),
            from pk in Pk from sk in Sk select (Op)new Delete(pk, sk),
            from pk in Pk from sk in Sk from v in Gen.Choose(0, 5) select (Op)new DeleteIfEquals(pk, sk, v),
            from pk in Pk from sk in Sk from delta in Gen.Choose(-3, 3) select (Op)new Increment(pk, sk, delta),
            from pk in Pk from sk in Sk select (Op)new Get(pk, sk),
            from pk in Pk
            from op in Gen.Elements(Enum.GetValues<KeyOperator>())
            from v1 in Sk
            from v2 in Sk
            from desc in Gen.Elements(true, false)
            from page in Gen.Choose(1, 4)
            select (Op)new QueryOp(pk, op, v1, v2, desc, page),
            from prefix in Gen.Elements("a", "ab", "b", "c", "d")
            from desc in Gen.Elements(true, false)
            from page in Gen.Choose(1, 5)
            select (Op)new PrefixQueryOp(prefix, desc, page));

    [Fact]
    public void Engine_AfterAnyOperations_MatchesDictionaryModel() =>
        Prop.ForAll(Gen.ListOf(OpGen).Select(l => l.ToArray()).ToArbitrary(), ops => Agrees(ops).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));

    private static async Task Agrees(Op[] ops)
    {
        await using var db = KvDatabase.OpenInMemory();
        var table = await db.CreateTableAsync("t", new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String));
        var model = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);

        foreach (var op in ops)
        {
            switch (op)
            {
                case Put p:
                    await table.PutAsync(ItemOf(p.Pk, p.Sk, p.V));
                    Partition(model, p.Pk)[p.Sk] = p.V;
                    break;
                case PutIfAbsent p:
                {
                    var r = await table.PutAsync(ItemOf(p.Pk, p.Sk, p.V), Condition.AttributeNotExists("pk"));
                    var exists = TryGet(model, p.Pk, p.Sk, out _);
                    Assert.Equal(!exists, r.Succeeded);
                    if (!exists)
                    {
                        Partition(model, p.Pk)[p.Sk] = p.V;
                    }

                    break;
                }

                case Delete d:
                {
                    var r = await table.DeleteAsync(new ItemKey(d.Pk, d.Sk), returnValues: ReturnValues.AllOld);
                    var existed = TryGet(model, d.Pk, d.Sk, out var old);
                    Assert.Equal(existed, r.Attributes is not null);
                    if (existed)
                    {
                        Assert.Equal(old, r.Attributes!["v"].AsNumber().ToInt64());
                        Remove(model, d.Pk, d.Sk);
                    }

                    break;
                }

                case DeleteIfEquals d:
                {
                    var r = await table.DeleteAsync(new ItemKey(d.Pk, d.Sk), Condition.Path("v").Equal(d.V));
                    var matches = TryGet(model, d.Pk, d.Sk, out var old) && old == d.V;
                    Assert.Equal(matches, r.Succeeded);
                    if (matches)
                    {
                        Remove(model, d.Pk, d.Sk);
                    }

                    break;
                }

                case Increment inc:
                {
                    var r = await table.UpdateAsync(new ItemKey(inc.Pk, inc.Sk), Update.Add("v", inc.By), returnValues: ReturnValues.UpdatedNew);
                    TryGet(model, inc.Pk, inc.Sk, out var old);
                    Partition(model, inc.Pk)[inc.Sk] = old + inc.By;
                    Assert.Equal(old + inc.By, r.Attributes!["v"].AsNumber().ToInt64());
                    break;
                }

                case Get g:
                {
                    var item = await table.GetAsync(g.Pk, g.Sk);
                    var exists = TryGet(model, g.Pk, g.Sk, out var v);
                    Assert.Equal(exists, item is not null);
                    if (exists)
                    {
                        Assert.Equal(v, item!["v"].AsNumber().ToInt64());
                    }

                    break;
                }

                case QueryOp q:
                    await CheckQuery(table, model, q);
                    break;
                case PrefixQueryOp q:
                    await CheckPrefixQuery(table, model, q);
                    break;
            }
        }
    }

    private static async Task CheckQuery(KvTable table, SortedDictionary<string, SortedDictionary<string, int>> model, QueryOp q)
    {
        var (lo, hi) = string.CompareOrdinal(q.V1, q.V2) <= 0 ? (q.V1, q.V2) : (q.V2, q.V1);
        var condition = q.Operator switch
        {
            KeyOperator.Equal => KeyCondition.Equal(q.V1),
            KeyOperator.LessThan => KeyCondition.LessThan(q.V1),
            KeyOperator.LessThanOrEqual => KeyCondition.LessThanOrEqual(q.V1),
            KeyOperator.GreaterThan => KeyCondition.GreaterThan(q.V1),
            KeyOperator.GreaterThanOrEqual => KeyCondition.GreaterThanOrEqual(q.V1),
            KeyOperator.Between => KeyCondition.Between(lo, hi),
            _ => KeyCondition.BeginsWith(q.V1),
        };
        Func<string, bool> matches = q.Operator switch
        {
            KeyOperator.Equal => s => s == q.V1,
            KeyOperator.LessThan => s => string.CompareOrdinal(s, q.V1) < 0,
            KeyOperator.LessThanOrEqual => s => string.CompareOrdinal(s, q.V1) <= 0,
            KeyOperator.GreaterThan => s => string.CompareOrdinal(s, q.V1) > 0,
            KeyOperator.GreaterThanOrEqual => s => string.CompareOrdinal(s, q.V1) >= 0,
            KeyOperator.Between => s => string.CompareOrdinal(s, lo) >= 0 && string.CompareOrdinal(s, hi) <= 0,
            _ => s => s.StartsWith(q.V1, StringComparison.Ordinal),
        };
        var expected = model.TryGetValue(q.Pk, out var part)
            ? part.Where(kv => matches(kv.Key)).Select(kv => $"{q.Pk}/{kv.Key}={kv.Value}").ToList()
            : [];
        if (q.Descending)
        {
            expected.Reverse();
        }

        var request = new QueryRequest("t") { PartitionKey = q.Pk, SortKeyCondition = condition, Descending = q.Descending, Limit = q.PageSize };
        Assert.Equal(expected, await DrainPages(table, request));
    }

    private static async Task CheckPrefixQuery(KvTable table, SortedDictionary<string, SortedDictionary<string, int>> model, PrefixQueryOp q)
    {
        var expected = model.Where(p => p.Key.StartsWith(q.PkPrefix, StringComparison.Ordinal))
            .SelectMany(p => p.Value.Select(kv => $"{p.Key}/{kv.Key}={kv.Value}")).ToList();
        if (q.Descending)
        {
            expected.Reverse();
        }

        var request = new QueryRequest("t") { PartitionKeyCondition = KeyCondition.BeginsWith(q.PkPrefix), Descending = q.Descending, Limit = q.PageSize };
        Assert.Equal(expected, await DrainPages(table, request));
    }

    private static async Task<List<string>> DrainPages(KvTable table, QueryRequest request)
    {
        var all = new List<string>();
        for (var page = 0; page < 100; page++)
        {
            var result = await table.Database.Store.QueryAsync(request);
            Assert.True(result.Items.Count <= request.Limit);
            all.AddRange(result.Items.Select(i => $"{i["pk"].AsString()}/{i["sk"].AsString()}={i["v"].AsNumber().ToInt64()}"));
            if (result.LastEvaluatedKey is null)
            {
                return all;
            }

            // A resume key is only given when more items follow, so a page is never empty before the end.
            Assert.Equal(request.Limit, result.Items.Count);
            request = request with { ExclusiveStartKey = result.LastEvaluatedKey };
        }

        throw new InvalidOperationException("pagination did not terminate");
    }

    private static Item ItemOf(string pk, string sk, int v) => Item.Create().Set("pk", pk).Set("sk", sk).Set("v", v).Build();

    private static SortedDictionary<string, int> Partition(SortedDictionary<string, SortedDictionary<string, int>> model, string pk)
    {
        if (!model.TryGetValue(pk, out var p))
        {
            model[pk] = p = new SortedDictionary<string, int>(StringComparer.Ordinal);
        }

        return p;
    }

    private static bool TryGet(SortedDictionary<string, SortedDictionary<string, int>> model, string pk, string sk, out int v)
    {
        v = 0;
        return model.TryGetValue(pk, out var p) && p.TryGetValue(sk, out v);
    }

    private static void Remove(SortedDictionary<string, SortedDictionary<string, int>> model, string pk, string sk)
    {
        var p = model[pk];
        p.Remove(sk);
        if (p.Count == 0)
        {
            model.Remove(pk);
        }
    }
}
