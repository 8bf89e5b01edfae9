namespace KvDb.Sql.Tests.Execution;

/// <summary>
/// Queries whose scans read only the attributes they use (<c>ColumnPruningRule</c>): missing attributes, nested
/// paths, '*' and 't.*', joins of every strategy, pending writes of a transaction, correlated subqueries, and the
/// aggregates' integer fast path.
/// </summary>
public sealed class ColumnPruningTests : IAsyncLifetime
{
    private readonly KvDatabase _db = KvDatabase.OpenInMemory();

    public async Task InitializeAsync()
    {
        await _db.ExecAsync("""
            CREATE TABLE docs (id NUMBER, name STRING, address MAP, hobbies LIST, score NUMBER, PRIMARY KEY (id));
            CREATE TABLE tags (id NUMBER, doc NUMBER, tag STRING, PRIMARY KEY (id));
            """);
        // Written through Core so that some items lack attributes entirely (not even NULL).
        var docs = _db.Table("docs");
        await docs.PutAsync(Item.FromJson("""{"id": 1, "name": "ann", "address": {"city": "Oslo", "zip": "0150"}, "hobbies": [{"name": "chess"}, {"name": "go"}], "score": 10}"""));
        await docs.PutAsync(Item.FromJson("""{"id": 2, "name": "bo", "address": {"city": "Bergen"}, "score": 20}"""));
        await docs.PutAsync(Item.FromJson("""{"id": 3, "hobbies": [{"name": "go"}]}"""));
        await docs.PutAsync(Item.FromJson("""{"id": 4, "name": null, "address": {"zip": "5003"}, "score": 20}"""));
        await _db.ExecAsync("INSERT INTO tags (id, doc, tag) VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'x'), (4, 9, 'z'), (5, NULL, 'w')");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task MissingAttributes_ReadAsNull()
    {
        Assert.Equal(["1|ann|10", "2|bo|20", "3|NULL|NULL", "4|NULL|20"], await _db.RowsAsync("SELECT id, name, score FROM docs ORDER BY id"));
        Assert.Equal(["3", "4"], await _db.RowsAsync("SELECT id FROM docs WHERE name IS NULL ORDER BY id"));
        Assert.Equal(["NULL|1", "10|1", "20|2"], await _db.RowsAsync("SELECT score, COUNT(*) FROM docs GROUP BY score ORDER BY score"));
        Assert.Equal(["3|2|10|10"], await _db.RowsAsync("SELECT COUNT(*), COUNT(score), SUM(score) - 20, AVG(score) - 5 FROM docs WHERE id < 4"));
    }

    [Fact]
    public async Task NestedPaths_ReadInsideThePrunedColumn()
    {
        Assert.Equal(["1|Oslo|0150", "2|Bergen|NULL", "3|NULL|NULL", "4|NULL|5003"],
            await _db.RowsAsync("SELECT d.id, d.address.city, d.address.zip FROM docs d ORDER BY d.id"));
        Assert.Equal(["1", "3"], await _db.RowsAsync("SELECT id FROM docs WHERE hobbies[*].name = 'go' ORDER BY id"));
        Assert.Equal(["1|chess"], await _db.RowsAsync("SELECT id, hobbies[0].name FROM docs WHERE hobbies[1].name = 'go'"));
        Assert.Equal(["NULL|2", "Bergen|1", "Oslo|1"], await _db.RowsAsync("SELECT address.city, COUNT(*) FROM docs GROUP BY address.city ORDER BY 1"));
    }

    [Fact]
    public async Task Star_AndQualifiedStar_OverJoins_ReturnDeclaredColumns()
    {
        var all = await _db.Sql("SELECT * FROM tags t JOIN docs d ON t.doc = d.id WHERE t.tag = 'y'").ToListAsync();
        var row = Assert.Single(all);
        Assert.Equal(["id", "doc", "tag", "id", "name", "address", "hobbies", "score"], row.Columns);
        Assert.Equal("2|1|y|1|ann", string.Join("|", row.ToArray().Take(5).Select(SqlTestHelpers.Format)));
        Assert.Equal("Oslo", row.GetAttribute(5)!.AsMap()["city"].AsString());

        Assert.Equal(["1|x|2|bo|{\"M\":{\"city\":{\"S\":\"Bergen\"}}}|NULL|20", "9|z|NULL|NULL|NULL|NULL|NULL"],
            await _db.RowsAsync("SELECT t.doc, t.tag, d.* FROM tags t LEFT JOIN docs d ON t.doc = d.id - 1 WHERE t.id IN (1, 4) ORDER BY t.id"));
    }

    [Fact]
    public async Task Joins_AllStrategies_ReadTheRightSlots()
    {
        // Hash joins (both build sides), LEFT JOIN with NULL extension, a join key inside a document, a residual condition.
        Assert.Equal(["ann|x", "ann|y", "bo|x"], await _db.RowsAsync("SELECT d.name, t.tag FROM docs d JOIN tags t ON t.doc = d.id ORDER BY 1, 2"));
        Assert.Equal(["w|NULL", "x|ann", "x|bo", "y|ann", "z|NULL"], await _db.RowsAsync("SELECT t.tag, d.name FROM tags t LEFT JOIN docs d ON t.doc = d.id ORDER BY 1, 2"));
        Assert.Equal(["x|Bergen"], await _db.RowsAsync("SELECT t.tag, d.address.city FROM tags t JOIN docs d ON t.doc = d.id AND d.score < t.id * 10 WHERE t.tag = 'x' ORDER BY 1"));
        // A small left input against a keyed right table: a lookup join by the right table's key.
        var plan = string.Join("\n", await _db.RowsAsync("EXPLAIN SELECT t.tag, d.name, d.score FROM tags t JOIN docs d ON t.doc = d.id WHERE t.tag = 'x'"));
        Assert.Contains("LookupJoin", plan, StringComparison.Ordinal);
        Assert.Equal(["x|ann|10", "x|bo|20"], await _db.RowsAsync("SELECT t.tag, d.name, d.score FROM tags t JOIN docs d ON t.doc = d.id WHERE t.tag = 'x' ORDER BY 2"));
        Assert.Equal(["w|NULL|NULL", "x|ann|10", "x|bo|20", "y|ann|10", "z|NULL|NULL"],
            await _db.RowsAsync("SELECT t.tag, d.name, d.score FROM tags t LEFT JOIN docs d ON t.doc = d.id ORDER BY 1, 2"));
    }

    [Fact]
    public async Task CorrelatedSubquery_ReadsOuterColumnsNotSelected()
    {
        Assert.Equal(["ann|2", "bo|1"], await _db.RowsAsync("SELECT d.name, (SELECT COUNT(*) FROM tags t WHERE t.doc = d.id) FROM docs d WHERE d.score IS NOT NULL AND d.name IS NOT NULL ORDER BY 1"));
        Assert.Equal(["1", "2"], await _db.RowsAsync("SELECT id FROM docs d WHERE EXISTS (SELECT 1 FROM tags t WHERE t.doc = d.id AND t.tag = 'x') ORDER BY id"));
        Assert.Equal(["x|2"], await _db.RowsAsync("SELECT tag, COUNT(*) FROM tags t WHERE doc IN (SELECT id FROM docs WHERE score IS NOT NULL) GROUP BY tag HAVING COUNT(*) > 1"));
    }

    [Fact]
    public async Task Transaction_PendingWrites_AreReadThroughPrunedScans()
    {
        var session = _db.SqlSession();
        await session.ExecuteAsync("BEGIN");
        await session.ExecuteAsync("INSERT INTO tags (id, doc, tag) VALUES (6, 2, 'y')");
        await session.ExecuteAsync("UPDATE docs SET score = 99 WHERE id = 1");
        await session.ExecuteAsync("DELETE FROM tags WHERE id = 3");
        Assert.Equal(["ann|99|x", "ann|99|y", "bo|20|y"], await RowsAsync(session, "SELECT d.name, d.score, t.tag FROM docs d JOIN tags t ON t.doc = d.id ORDER BY 1, 3"));
        Assert.Equal(["w|1", "x|1", "y|2", "z|1"], await RowsAsync(session, "SELECT tag, COUNT(*) FROM tags GROUP BY tag ORDER BY tag"));
        await session.ExecuteAsync("ROLLBACK");
        Assert.Equal(["ann|10|x", "ann|10|y", "bo|20|x"], await _db.RowsAsync("SELECT d.name, d.score, t.tag FROM docs d JOIN tags t ON t.doc = d.id ORDER BY 1, 3"));
    }

    [Fact]
    public async Task Aggregates_IntegerFastPath_StaysExact()
    {
        await _db.ExecAsync("""
            CREATE TABLE nums (id NUMBER, g STRING, h NUMBER, v NUMBER, PRIMARY KEY (id));
            INSERT INTO nums (id, g, h, v) VALUES
              (1, 'a', 1, 9223372036854775807), (2, 'a', 1, 9223372036854775807), (3, 'a', 2, 1.5),
              (4, 'b', 1, -9223372036854775808), (5, 'b', NULL, -1), (6, NULL, 1, 2), (7, NULL, NULL, NULL),
              (8, 'c', 3, 12345678901234567890123), (9, 'c', 3, 0.25)
            """);
        Assert.Equal(["NULL|2|2|2|2|2", "a|18446744073709551615.5|1.5|9223372036854775807|6148914691236517205.1666666666666666667|3", "b|-9223372036854775809|-9223372036854775808|-1|-4611686018427387904.5|2", "c|12345678901234567890123.25|0.25|12345678901234567890123|6172839450617283945061.625|2"],
            await _db.RowsAsync("SELECT g, SUM(v), MIN(v), MAX(v), AVG(v), COUNT(*) FROM nums GROUP BY g ORDER BY g"));
        // Two keys, NULLs forming their own groups.
        Assert.Equal(["NULL|NULL|0", "NULL|1|1", "a|1|2", "a|2|1", "b|NULL|1", "b|1|1", "c|3|2"],
            await _db.RowsAsync("SELECT g, h, COUNT(v) FROM nums GROUP BY g, h ORDER BY g, h"));
        Assert.Equal(["9"], await _db.RowsAsync("SELECT COUNT(*) FROM nums"));
        Assert.Equal(["NULL|NULL|0"], await _db.RowsAsync("SELECT SUM(v), AVG(v), COUNT(*) FROM nums WHERE id > 100"));
        Assert.Equal(["a|2", "b|2", "c|2"], await _db.RowsAsync("SELECT g, COUNT(DISTINCT v) FROM nums WHERE g IS NOT NULL GROUP BY g ORDER BY g"));
    }

    private static async Task<List<string>> RowsAsync(SqlSession session, string sql)
    {
        var result = await session.ExecuteAsync(sql);
        var rows = new List<string>();
        await foreach (var row in result.Rows)
        {
            rows.Add(SqlTestHelpers.Render(row));
        }

        return rows;
    }
}

/// <summary>Hash join and GROUP BY keys of mixed kinds: SQL '=' on values of one kind, numbers by numeric value.</summary>
public sealed class HashKeyTests
{
    [Fact]
    public async Task JoinAndGroupKeys_OfMixedKinds_MatchLikeSqlEquality()
    {
        await using var db = KvDatabase.OpenInMemory();
        await db.ExecAsync("""
            CREATE TABLE l (id NUMBER, k ANY, PRIMARY KEY (id));
            CREATE TABLE r (id NUMBER, k ANY, PRIMARY KEY (id));
            """);
        var left = db.Table("l");
        var right = db.Table("r");
        var keys = new AttributeValue[] { 1, "1", 1.5m, KvNumber.Parse("1e30"), KvNumber.Parse("-9223372036854775809"), true, AttributeValue.FromBinary([1, 2]) };
        for (var i = 0; i < keys.Length; i++)
        {
            await left.PutAsync(Item.Create().Set("id", i).Set("k", keys[i]).Build());
            // Two right rows per key (a build side with duplicate keys), numbers computed rather than parsed.
            await right.PutAsync(Item.Create().Set("id", 2 * i).Set("k", keys[i]).Build());
            await right.PutAsync(Item.Create().Set("id", (2 * i) + 1).Set("k", keys[i].Kind == AttributeKind.Number ? AttributeValue.FromNumber(keys[i].AsNumber() * 10 / 10) : keys[i]).Build());
        }

        await left.PutAsync(Item.Create().Set("id", 100).Set("k", AttributeValue.Null).Build());
        await right.PutAsync(Item.Create().Set("id", 100).Build());
        var expected = Enumerable.Range(0, keys.Length).SelectMany(i => new[] { $"{i}|{2 * i}", $"{i}|{(2 * i) + 1}" }).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, (await db.RowsAsync("SELECT l.id, r.id FROM l JOIN r ON l.k = r.k")).Order(StringComparer.Ordinal));
        Assert.Equal(expected, (await db.RowsAsync("SELECT l.id, r.id FROM r JOIN l ON r.k = l.k")).Order(StringComparer.Ordinal));
        Assert.Equal(["100|NULL"], await db.RowsAsync("SELECT l.id, r.id FROM l LEFT JOIN r ON l.k = r.k WHERE r.id IS NULL"));
        // Each key is one group of two right rows; NULL and the missing attribute form one group.
        Assert.Equal(Enumerable.Repeat("2", keys.Length).Append("1").ToList(), (await db.RowsAsync("SELECT COUNT(*) FROM r GROUP BY k")).ToList());
    }
}
