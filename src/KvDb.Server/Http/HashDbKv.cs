namespace KvDb.Server.Http;

/// <summary>
/// hash-db's key-value operations over the Core table <c>kv</c> (pk S, sk S, value S), shared by the HTTP API and
/// <c>kvdb demo</c>. Ranges are inclusive; results are ordered by partition key then sort key (UTF-8 byte order),
/// reversed for descending; an unknown partition or an empty range gives no items, never an error.
/// </summary>
internal static class HashDbKv
{
    /// <summary>Creates the <c>kv</c> and <c>documents</c> tables when missing (tolerant of another node creating them first).</summary>
    public static async Task EnsureTablesAsync(KvDatabase db, CancellationToken ct)
    {
        var existing = await db.ListTablesAsync(ct);
        if (!existing.Contains(KvDbApi.KvTable))
        {
            await CreateTolerantAsync(db, KvDbApi.KvTable, new KeyAttribute("pk", ScalarType.String), new KeyAttribute("sk", ScalarType.String), ct);
        }

        if (!existing.Contains(KvDbApi.DocumentTable))
        {
            await CreateTolerantAsync(db, KvDbApi.DocumentTable, new KeyAttribute("collection", ScalarType.String), new KeyAttribute("id", ScalarType.String), ct);
        }
    }

    private static async Task CreateTolerantAsync(KvDatabase db, string name, KeyAttribute pk, KeyAttribute sk, CancellationToken ct)
    {
        try
        {
            await db.CreateTableAsync(name, pk, sk, ct);
        }
        catch (KvDbException e) when (e.Code == KvErrorCode.TableAlreadyExists)
        {
            // Another node of the cluster created it first.
        }
    }

    public static ValueTask<WriteResult> SetAsync(KvDatabase db, string pk, string sk, string value, CancellationToken ct) =>
        db.Table(KvDbApi.KvTable).PutAsync(Item.Create().Set("pk", pk).Set("sk", sk).Set("value", value).Build(), cancellationToken: ct);

    public static async Task<List<Item>> QueryBeginsAsync(KvDatabase db, string pk, string prefix, bool descending, CancellationToken ct)
    {
        var query = db.Table(KvDbApi.KvTable).Query(pk);
        if (prefix.Length > 0)
        {
            query = query.Where(k => k.BeginsWith(prefix));
        }

        return await (descending ? query.Descending() : query).ToListAsync(ct);
    }

    public static async Task<List<Item>> QueryPkSkBeginsAsync(KvDatabase db, string pkPrefix, string skPrefix, bool descending, CancellationToken ct)
    {
        if (pkPrefix.Length == 0)
        {
            // Every partition: a scan, ordered here by (pk, sk) as the partition trie would give it.
            var all = await db.Table(KvDbApi.KvTable).Scan().ToListAsync(ct);
            var selected = all.Where(i => i["sk"].AsString().StartsWith(skPrefix, StringComparison.Ordinal))
                .Order(Comparer<Item>.Create((a, b) =>
                {
                    var c = Utf8Compare(a["pk"].AsString(), b["pk"].AsString());
                    return c != 0 ? c : Utf8Compare(a["sk"].AsString(), b["sk"].AsString());
                }))
                .ToList();
            if (descending)
            {
                selected.Reverse();
            }

            return selected;
        }

        var query = db.Table(KvDbApi.KvTable).QueryPartitions(k => k.BeginsWith(pkPrefix));
        if (skPrefix.Length > 0)
        {
            query = query.Where(k => k.BeginsWith(skPrefix));
        }

        return await (descending ? query.Descending() : query).ToListAsync(ct);
    }

    public static async Task<List<Item>> QueryBetweenAsync(KvDatabase db, string pk, string from, string to, bool descending, CancellationToken ct)
    {
        if (Utf8Compare(from, to) > 0)
        {
            return [];
        }

        var query = db.Table(KvDbApi.KvTable).Query(pk).Where(k => k.Between(from, to));
        return await (descending ? query.Descending() : query).ToListAsync(ct);
    }

    public static async Task<List<Item>> BothBetweenAsync(KvDatabase db, string fromPk, string toPk, string fromSk, string toSk, bool descending, CancellationToken ct)
    {
        if (Utf8Compare(fromPk, toPk) > 0 || Utf8Compare(fromSk, toSk) > 0)
        {
            return [];
        }

        var query = db.Table(KvDbApi.KvTable).QueryPartitions(k => k.Between(fromPk, toPk)).Where(k => k.Between(fromSk, toSk));
        return await (descending ? query.Descending() : query).ToListAsync(ct);
    }

    /// <summary>Compares as KvDb orders strings: by UTF-8 bytes (that is, by code point).</summary>
    public static int Utf8Compare(string a, string b) =>
        System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
}
