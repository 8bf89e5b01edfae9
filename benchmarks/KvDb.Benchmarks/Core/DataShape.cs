using Microsoft.Data.Sqlite;

namespace KvDb.Benchmarks.Core;

/// <summary>
/// The shared data shape: 10,000 partitions x 100 items, pk = "user#00042", sk = "msg#00007", plus one
/// attribute "body" holding a deterministic 77-character string (100 bytes of raw key + value per item: pk 10 + sk 9 + "body" 4 + 77).
/// </summary>
public static class DataShape
{
    public const int Partitions = 10_000;
    public const int ItemsPerPartition = 100;
    public const int ItemCount = Partitions * ItemsPerPartition;
    public const int BodyLength = 77;
    public const int Seed = 20_240_601;
    public const string TableName = "items";
    public const string BodyAttribute = "body";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";

    public static string Pk(int partition) => $"user#{partition:D5}";

    public static string Sk(int sort) => $"msg#{sort:D5}";

    /// <summary>A 77-character ASCII string drawn from <paramref name="random"/>.</summary>
    public static string Body(Random random) =>
        string.Create(BodyLength, random, static (span, rng) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[rng.Next(Alphabet.Length)];
            }
        });

    /// <summary>The dictionary key used by the ConcurrentDictionary peers.</summary>
    public static string CdKey(string pk, string sk) => string.Concat(pk, "\u0000", sk);

    public static Item MakeItem(string pk, string sk, string body) =>
        Item.Create().Set("pk", pk).Set("sk", sk).Set(BodyAttribute, body).Build();

    /// <summary>Creates a fresh in-memory database with a (pk S, sk S) table.</summary>
    public static (KvDatabase Db, KvTable Table) CreateKvDb(bool withSortKey = true)
    {
        var db = KvDatabase.OpenInMemory();
        var table = db.CreateTableAsync(
                TableName,
                new KeyAttribute("pk", ScalarType.String),
                withSortKey ? new KeyAttribute("sk", ScalarType.String) : null)
            .AsTask().GetAwaiter().GetResult();
        return (db, table);
    }

    /// <summary>
    /// Loads items into <paramref name="table"/> with <see cref="KvTable.BatchWriteAsync"/> in chunks of 10,000.
    /// <paramref name="make"/> builds item number i (0-based); items are dropped after each chunk.
    /// </summary>
    public static void LoadKvDb(KvTable table, int count, Func<int, Item> make)
    {
        const int Chunk = 10_000;
        var buffer = new List<Item>(Chunk);
        for (var i = 0; i < count; i++)
        {
            buffer.Add(make(i));
            if (buffer.Count == Chunk || i == count - 1)
            {
                table.BatchWriteAsync(buffer).AsTask().GetAwaiter().GetResult();
                buffer.Clear();
            }
        }
    }

    /// <summary>Opens an in-memory SQLite database with the <c>items</c> table (WITHOUT ROWID, primary key (pk, sk)).</summary>
    public static SqliteConnection CreateSqlite()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE items(pk TEXT NOT NULL, sk TEXT NOT NULL, body TEXT, PRIMARY KEY (pk, sk)) WITHOUT ROWID";
        create.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Bulk loads rows in one transaction with a prepared insert.</summary>
    public static void LoadSqlite(SqliteConnection connection, int count, Func<int, (string Pk, string Sk, string Body)> make)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO items(pk, sk, body) VALUES ($pk, $sk, $body)";
        var pk = insert.Parameters.Add("$pk", SqliteType.Text);
        var sk = insert.Parameters.Add("$sk", SqliteType.Text);
        var body = insert.Parameters.Add("$body", SqliteType.Text);
        insert.Prepare();
        for (var i = 0; i < count; i++)
        {
            var row = make(i);
            pk.Value = row.Pk;
            sk.Value = row.Sk;
            body.Value = row.Body;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
