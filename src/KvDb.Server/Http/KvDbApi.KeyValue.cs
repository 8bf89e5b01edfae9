using System.Text.Json;
using KvDb.Json;
using Microsoft.AspNetCore.Http;

namespace KvDb.Server.Http;

internal sealed partial class KvDbApi
{
    /// <summary>Creates the <c>kv</c> and <c>documents</c> tables when they are missing (once; tolerant of another node racing).</summary>
    private async Task EnsureTablesAsync(CancellationToken ct)
    {
        if (_tablesReady)
        {
            return;
        }

        await _tablesLock.WaitAsync(ct);
        try
        {
            if (_tablesReady)
            {
                return;
            }

            await HashDbKv.EnsureTablesAsync(_db, ct);
            _tablesReady = true;
        }
        finally
        {
            _tablesLock.Release();
        }
    }

    /// <summary><c>POST /set/{pk}/{sk}</c>: stores the body (UTF-8 text) as the value of (pk, sk), replacing any earlier value.</summary>
    private async Task SetAsync(HttpContext context, string pk, string sk, CancellationToken ct)
    {
        RequireKey(pk, "partition key");
        RequireKey(sk, "sort key");
        var value = Utf8(await ReadBodyAsync(context, json: false, ct), "value");
        await EnsureTablesAsync(ct);
        await HashDbKv.SetAsync(_db, pk, sk, value, ct);
        await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("pk", pk);
            w.WriteString("sk", sk);
            w.WriteBoolean("stored", true);
            w.WriteEndObject();
        });
    }

    /// <summary><c>GET /query_begins/{pk}/{prefix}/{order}</c>: the items of one partition whose sort key starts with the prefix.</summary>
    private async Task QueryBeginsAsync(HttpContext context, string pk, string prefix, bool descending, CancellationToken ct)
    {
        RequireKey(pk, "partition key");
        await EnsureTablesAsync(ct);
        await WriteItemListAsync(context, await HashDbKv.QueryBeginsAsync(_db, pk, prefix, descending, ct));
    }

    /// <summary><c>GET /query_pk_sk_begins/{pkPrefix}/{skPrefix}/{order}</c>: items whose partition key starts with pkPrefix and sort key with skPrefix.</summary>
    private async Task QueryPkSkBeginsAsync(HttpContext context, string pkPrefix, string skPrefix, bool descending, CancellationToken ct)
    {
        await EnsureTablesAsync(ct);
        await WriteItemListAsync(context, await HashDbKv.QueryPkSkBeginsAsync(_db, pkPrefix, skPrefix, descending, ct));
    }

    /// <summary><c>GET /query_between/{pk}/{from}/{to}/{order}</c>: the items of one partition with from ≤ sort key ≤ to.</summary>
    private async Task QueryBetweenAsync(HttpContext context, string pk, string from, string to, bool descending, CancellationToken ct)
    {
        RequireKey(pk, "partition key");
        await EnsureTablesAsync(ct);
        await WriteItemListAsync(context, await HashDbKv.QueryBetweenAsync(_db, pk, from, to, descending, ct));
    }

    /// <summary><c>GET /both_between/{fromPk}/{toPk}/{fromSk}/{toSk}/{order}</c>: fromPk ≤ pk ≤ toPk and fromSk ≤ sk ≤ toSk.</summary>
    private async Task BothBetweenAsync(HttpContext context, string fromPk, string toPk, string fromSk, string toSk, bool descending, CancellationToken ct)
    {
        await EnsureTablesAsync(ct);
        await WriteItemListAsync(context, await HashDbKv.BothBetweenAsync(_db, fromPk, toPk, fromSk, toSk, descending, ct));
    }

    /// <summary>Writes <c>{"items": [{"pk", "sk", "value"}, ...], "count": n}</c>.</summary>
    private static async Task WriteItemListAsync(HttpContext context, List<Item> items)
    {
        await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                w.WriteStartObject();
                foreach (var name in (ReadOnlySpan<string>)["pk", "sk", "value"])
                {
                    w.WritePropertyName(name);
                    if (item.TryGetValue(name, out var v))
                    {
                        AttributeValueJson.WriteDocumentValue(w, v);
                    }
                    else
                    {
                        w.WriteNullValue();
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("count", items.Count);
            w.WriteEndObject();
        });
    }

    /// <summary><c>POST /save/{collection}/{id}</c>: stores any JSON document (replacing an earlier one with that id).</summary>
    private async Task SaveDocumentAsync(HttpContext context, string collection, string id, CancellationToken ct)
    {
        RequireKey(collection, "collection");
        RequireKey(id, "document id");
        var body = await ReadBodyAsync(context, json: true, ct);
        if (body.IsEmpty)
        {
            throw new ApiException(ApiError.BadRequest("EmptyBody", "The request body is empty; send the JSON document."));
        }

        AttributeMap document;
        try
        {
            document = AttributeValueJson.ParseDocument(body.Span);
        }
        catch (KvDbException e) when (e.Code is KvErrorCode.InvalidDocument or KvErrorCode.InvalidNumber or KvErrorCode.InvalidValue)
        {
            throw new ApiException(new ApiError(StatusCodes.Status400BadRequest, "InvalidJson", e.Code.ToString(), e.Message));
        }

        await EnsureTablesAsync(ct);
        var item = Item.Create().Set("collection", collection).Set("id", id).Set("doc", AttributeValue.FromMap(document)).Build();
        await _db.Table(DocumentTable).PutAsync(item, cancellationToken: ct);
        await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("collection", collection);
            w.WriteString("id", id);
            w.WriteBoolean("saved", true);
            w.WriteEndObject();
        });
    }

    /// <summary><c>GET /documents/{collection}/{id}</c>: the saved document exactly as it was saved; 404 when there is none.</summary>
    private async Task GetDocumentAsync(HttpContext context, string collection, string id, CancellationToken ct)
    {
        RequireKey(collection, "collection");
        RequireKey(id, "document id");
        await EnsureTablesAsync(ct);
        var item = await _db.Table(DocumentTable).GetAsync(collection, id, ct);
        if (item is null || !item.TryGetValue("doc", out var doc))
        {
            throw new ApiException(ApiError.NotFound("DocumentNotFound", $"There is no document '{id}' in collection '{collection}'."));
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, w => AttributeValueJson.WriteDocumentValue(w, doc));
    }
}
