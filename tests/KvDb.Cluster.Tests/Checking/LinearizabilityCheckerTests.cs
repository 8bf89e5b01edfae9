namespace KvDb.Cluster.Tests.Checking;

public sealed class LinearizabilityCheckerTests
{
    private readonly HistoryRecorder _recorder = new();

    [Fact]
    public void Check_SequentialHistoryOfEveryOperation_IsLinearizable()
    {
        Done(1, RegisterOp.Read, 0, 1, RegisterResult.Read(null));
        Done(1, RegisterOp.Write("a"), 2, 3, RegisterResult.Ok);
        Done(2, RegisterOp.Read, 4, 5, RegisterResult.Read("a"));
        Done(2, RegisterOp.CompareAndSet("a", "b"), 6, 7, RegisterResult.Succeeded);
        Done(1, RegisterOp.CompareAndSet("a", "c"), 8, 9, RegisterResult.Failed);
        Done(1, RegisterOp.PutIfAbsent("d"), 10, 11, RegisterResult.Failed);
        Done(2, RegisterOp.Add(1), 12, 13, RegisterResult.Failed);
        Done(2, RegisterOp.Delete, 14, 15, RegisterResult.Ok);
        Done(1, RegisterOp.Add(5), 16, 17, RegisterResult.Added(5));
        Done(1, RegisterOp.Add(-7), 18, 19, RegisterResult.Added(-2));
        Done(2, RegisterOp.CompareAndSet("-2", null), 20, 21, RegisterResult.Succeeded);
        Done(2, RegisterOp.PutIfAbsent("e"), 22, 23, RegisterResult.Succeeded);
        Done(1, RegisterOp.Read, 24, 25, RegisterResult.Read("e"));

        AssertLinearizable();
    }

    [Fact]
    public void Check_EmptyHistory_IsLinearizable() => AssertLinearizable();

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    public void Check_OverlappingWrites_MayBeReadInEitherOrder(string last)
    {
        Done(1, RegisterOp.Write("a"), 0, 10, RegisterResult.Ok);
        Done(2, RegisterOp.Write("b"), 1, 11, RegisterResult.Ok);
        Done(3, RegisterOp.Read, 2, 9, RegisterResult.Read(last == "a" ? "b" : "a"));
        Done(3, RegisterOp.Read, 12, 13, RegisterResult.Read(last));
        Done(1, RegisterOp.Read, 14, 15, RegisterResult.Read(last));

        AssertLinearizable();
    }

    [Fact]
    public void Check_OverlappingWritesReadInBothOrdersAfterwards_IsNotLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 10, RegisterResult.Ok);
        Done(2, RegisterOp.Write("b"), 1, 11, RegisterResult.Ok);
        Done(3, RegisterOp.Read, 12, 13, RegisterResult.Read("b"));
        var flipBack = Done(3, RegisterOp.Read, 14, 15, RegisterResult.Read("a"));

        AssertViolation(flipBack);
    }

    [Fact]
    public void Check_TimedOutWriteThatLaterBecomesVisible_IsLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        Open(2, RegisterOp.Write("b"), 2);
        Done(3, RegisterOp.Read, 3, 4, RegisterResult.Read("a"));
        Done(3, RegisterOp.Read, 100, 101, RegisterResult.Read("b"));
        Done(1, RegisterOp.Read, 102, 103, RegisterResult.Read("b"));

        AssertLinearizable();
    }

    [Fact]
    public void Check_TimedOutWriteNeverVisible_IsLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        Open(2, RegisterOp.Write("b"), 2);
        Open(2, RegisterOp.CompareAndSet("a", "c"), 5);
        Open(2, RegisterOp.Read, 6);
        Done(3, RegisterOp.Read, 3, 4, RegisterResult.Read("a"));
        Done(3, RegisterOp.Read, 100, 101, RegisterResult.Read("a"));

        AssertLinearizable();
    }

    [Fact]
    public void Check_TimedOutWriteSeenThenUnseen_IsNotLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        Open(2, RegisterOp.Write("b"), 2);
        Done(3, RegisterOp.Read, 3, 4, RegisterResult.Read("b"));
        var unseen = Done(3, RegisterOp.Read, 5, 6, RegisterResult.Read("a"));

        AssertViolation(unseen);
    }

    [Fact]
    public void Check_TimedOutWriteSeenBeforeItsInvocation_IsNotLinearizable()
    {
        var early = Done(1, RegisterOp.Read, 0, 1, RegisterResult.Read("b"));
        Open(2, RegisterOp.Write("b"), 2);

        AssertViolation(early);
    }

    [Fact]
    public void Check_StaleReadAfterCompletedWrite_IsNotLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        Done(1, RegisterOp.Write("b"), 2, 3, RegisterResult.Ok);
        var stale = Done(2, RegisterOp.Read, 4, 5, RegisterResult.Read("a"));

        AssertViolation(stale);
    }

    [Fact]
    public void Check_StaleRead_ExplainsKeyPrefixAndBlockedOperation()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        Done(1, RegisterOp.Write("b"), 2, 3, RegisterResult.Ok);
        Done(2, RegisterOp.Read, 4, 5, RegisterResult.Read("a"));
        Done(3, RegisterOp.Read, 6, 7, RegisterResult.Read("b"));

        var result = LinearizabilityChecker.Check(_recorder.ToHistory());

        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal("k", result.Key);
        Assert.Equal([0, 1], result.LongestPrefix.Select(o => o.Id));
        Assert.Equal(
            """
            Key 'k' is not linearizable: at most 2 of its 4 operations (4 completed) linearize.
            Longest linearizable prefix:
              #0 client 1 [0, 1] k: Write('a') -> ok
              #1 client 1 [2, 3] k: Write('b') -> ok
            The register then holds 'b', and no operation can come next:
              #2 client 2 [4, 5] k: Read -> 'a'   (the register reads 'b')
            """,
            result.Explanation);
    }

    [Fact]
    public void Check_TwoSuccessfulPutIfAbsent_IsNotLinearizable()
    {
        var first = Done(1, RegisterOp.PutIfAbsent("a"), 0, 5, RegisterResult.Succeeded);
        var second = Done(2, RegisterOp.PutIfAbsent("b"), 1, 6, RegisterResult.Succeeded);

        var result = AssertViolation(second);
        Assert.Equal([first], result.LongestPrefix.Select(o => o.Id));
    }

    [Fact]
    public void Check_TwoPutIfAbsentOneFailing_IsLinearizable()
    {
        Done(1, RegisterOp.PutIfAbsent("a"), 0, 5, RegisterResult.Failed);
        Done(2, RegisterOp.PutIfAbsent("b"), 1, 6, RegisterResult.Succeeded);
        Done(2, RegisterOp.Read, 7, 8, RegisterResult.Read("b"));

        AssertLinearizable();
    }

    [Fact]
    public void Check_TwoCompareAndSetFromTheSameExpectedValueBothSucceeding_IsNotLinearizable()
    {
        Done(1, RegisterOp.Write("x"), 0, 1, RegisterResult.Ok);
        Done(2, RegisterOp.CompareAndSet("x", "a"), 2, 5, RegisterResult.Succeeded);
        Done(3, RegisterOp.CompareAndSet("x", "b"), 3, 6, RegisterResult.Succeeded);

        AssertNotLinearizable();
    }

    [Fact]
    public void Check_CompareAndSetChain_IsLinearizable()
    {
        Done(1, RegisterOp.Write("x"), 0, 1, RegisterResult.Ok);
        Done(2, RegisterOp.CompareAndSet("x", "a"), 2, 5, RegisterResult.Succeeded);
        Done(3, RegisterOp.CompareAndSet("a", "b"), 3, 6, RegisterResult.Succeeded);
        Done(1, RegisterOp.CompareAndSet("x", "c"), 4, 7, RegisterResult.Failed);

        AssertLinearizable();
    }

    [Fact]
    public void Check_ReadOfValueNeverWritten_IsNotLinearizableAndSaysSo()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok);
        var phantom = Done(2, RegisterOp.Read, 0, 3, RegisterResult.Read("z"));

        var result = AssertViolation(phantom);
        Assert.Contains("'z' is never written", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReadYourWriteViolation_IsNotLinearizable()
    {
        Done(1, RegisterOp.Write("a"), 0, 2, RegisterResult.Ok);
        Done(2, RegisterOp.Read, 1, 6, RegisterResult.Read("a"));
        var own = Done(1, RegisterOp.Read, 3, 4, RegisterResult.Read(null));

        AssertViolation(own);
    }

    [Fact]
    public void Check_AddResults_MustFormAChain()
    {
        Done(1, RegisterOp.Add(1), 0, 1, RegisterResult.Added(1));
        Done(2, RegisterOp.Add(1), 2, 5, RegisterResult.Added(3));
        Done(3, RegisterOp.Add(1), 3, 6, RegisterResult.Added(2));
        Done(3, RegisterOp.Read, 7, 8, RegisterResult.Read("3"));

        AssertLinearizable();
        Done(1, RegisterOp.Add(1), 9, 10, RegisterResult.Added(3));
        AssertNotLinearizable();
    }

    [Fact]
    public void Check_TouchingTimes_CountAsConcurrent()
    {
        Done(1, RegisterOp.Write("a"), 0, 5, RegisterResult.Ok);
        Done(2, RegisterOp.Read, 5, 6, RegisterResult.Read(null));
        AssertLinearizable();

        Done(2, RegisterOp.Read, 7, 8, RegisterResult.Read(null));
        AssertNotLinearizable();
    }

    [Fact]
    public void Check_KeysAreIndependent_ReportsTheFailingKey()
    {
        Done(1, RegisterOp.Write("a"), 0, 1, RegisterResult.Ok, "k1");
        Done(2, RegisterOp.Read, 2, 3, RegisterResult.Read(null), "k2");
        Done(2, RegisterOp.Read, 4, 5, RegisterResult.Read("a"), "k1");
        AssertLinearizable();

        Done(3, RegisterOp.Write("b"), 6, 7, RegisterResult.Ok, "k2");
        Done(3, RegisterOp.Read, 8, 9, RegisterResult.Read("b"), "k1");
        var result = AssertNotLinearizable();
        Assert.Equal("k1", result.Key);
        Assert.StartsWith("Key 'k1' is not linearizable", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BudgetExceeded_IsUnknownNotAVerdict()
    {
        var history = RegisterSimulation.Run(7, new SimulationOptions(Clients: 4, Operations: 200, Keys: 1, OpenRate: 0));
        var bad = history.Operations.Append(new HistoryOperation(-1, 9, "k0", RegisterOp.Read, 1_000_000, RegisterResult.Read("never"), 1_000_001));

        foreach (var h in new[] { history, new History(bad) })
        {
            var limited = LinearizabilityChecker.Check(h, maxStepsPerKey: 50);
            Assert.Equal(LinearizabilityOutcome.Unknown, limited.Outcome);
            Assert.False(limited.IsLinearizable);
            Assert.Equal("k0", limited.Key);
            Assert.InRange(limited.Steps, 50, 100);
        }

        Assert.Equal(LinearizabilityOutcome.Linearizable, LinearizabilityChecker.Check(history).Outcome);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, LinearizabilityChecker.Check(new History(bad)).Outcome);
    }

    private int Done(int client, RegisterOp op, long invoke, long complete, RegisterResult result, string key = "k")
    {
        var id = _recorder.Invoke(client, key, op, invoke);
        _recorder.Complete(id, result, complete);
        return id;
    }

    private int Open(int client, RegisterOp op, long invoke) => _recorder.Invoke(client, "k", op, invoke);

    private void AssertLinearizable()
    {
        var result = LinearizabilityChecker.Check(_recorder.ToHistory());
        Assert.True(result.IsLinearizable, result.Explanation);
    }

    private LinearizabilityResult AssertNotLinearizable()
    {
        var result = LinearizabilityChecker.Check(_recorder.ToHistory());
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        return result;
    }

    private LinearizabilityResult AssertViolation(int blockedId)
    {
        var result = AssertNotLinearizable();
        Assert.Contains(blockedId, result.Blocked.Select(o => o.Id));
        Assert.Contains($"#{blockedId} ", result.Explanation, StringComparison.Ordinal);
        return result;
    }
}
