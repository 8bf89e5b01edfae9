namespace KvDb.Cluster.Tests.Checking;

public sealed class HistoryRecorderTests
{
    [Fact]
    public void InvokeAndComplete_FromManyThreads_RecordsEveryOperationOnce()
    {
        var recorder = new HistoryRecorder();
        Parallel.For(0, 2000, i =>
        {
            var id = recorder.Invoke(i % 8, "k", RegisterOp.Write("v" + i), i);
            if (i % 3 != 0)
            {
                recorder.Complete(id, RegisterResult.Ok, i + 1);
            }
        });

        var operations = recorder.ToHistory().Operations;
        Assert.Equal(2000, operations.Count);
        Assert.Equal(Enumerable.Range(0, 2000), operations.Select(o => o.Id).Order());
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => "v" + i).Order(StringComparer.Ordinal), operations.Select(o => o.Op.Value!).Order(StringComparer.Ordinal));
        Assert.All(operations, o => Assert.Equal(o.InvokeTime % 3 == 0, o.IsOpen));
    }

    [Fact]
    public void Complete_UnknownId_Throws()
    {
        var recorder = new HistoryRecorder();
        recorder.Invoke(1, "k", RegisterOp.Read, 0);
        Assert.Throws<ArgumentException>(() => recorder.Complete(1, RegisterResult.Read(null), 1));
        Assert.Throws<ArgumentException>(() => recorder.Complete(-1, RegisterResult.Read(null), 1));
    }

    [Fact]
    public void Complete_Twice_Throws()
    {
        var recorder = new HistoryRecorder();
        var id = recorder.Invoke(1, "k", RegisterOp.Read, 0);
        recorder.Complete(id, RegisterResult.Read(null), 1);
        Assert.Throws<InvalidOperationException>(() => recorder.Complete(id, RegisterResult.Read(null), 2));
    }

    [Fact]
    public void Complete_BeforeInvocation_Throws()
    {
        var recorder = new HistoryRecorder();
        var id = recorder.Invoke(1, "k", RegisterOp.Read, 10);
        Assert.Throws<ArgumentException>(() => recorder.Complete(id, RegisterResult.Read(null), 9));
        Assert.True(recorder.ToHistory().Operations[0].IsOpen);
    }

    [Theory]
    [InlineData(nameof(RegisterOpKind.Read))]
    [InlineData(nameof(RegisterOpKind.Write))]
    [InlineData(nameof(RegisterOpKind.CompareAndSet))]
    [InlineData(nameof(RegisterOpKind.Add))]
    public void Complete_ResultOfAnotherKind_Throws(string kindName)
    {
        var kind = Enum.Parse<RegisterOpKind>(kindName);
        RegisterOp op = kind switch
        {
            RegisterOpKind.Read => RegisterOp.Read,
            RegisterOpKind.Write => RegisterOp.Write("a"),
            RegisterOpKind.CompareAndSet => RegisterOp.CompareAndSet(null, "a"),
            _ => RegisterOp.Add(1),
        };
        RegisterResult wrong = kind switch
        {
            RegisterOpKind.Read => RegisterResult.Ok,
            RegisterOpKind.Write => RegisterResult.Read("a"),
            RegisterOpKind.CompareAndSet => RegisterResult.Ok,
            _ => RegisterResult.Read("1"),
        };
        var recorder = new HistoryRecorder();
        var id = recorder.Invoke(1, "k", op, 0);
        Assert.Throws<ArgumentException>(() => recorder.Complete(id, wrong, 1));
    }

    [Fact]
    public void Operation_ToString_ShowsClientTimesOpAndResult()
    {
        var recorder = new HistoryRecorder();
        var id = recorder.Invoke(3, "k", RegisterOp.CompareAndSet(null, "b"), 5);
        recorder.Complete(id, RegisterResult.Failed, 9);
        recorder.Invoke(4, "k", RegisterOp.Write("c"), 7);
        Assert.Equal(
            "#0 client 3 [5, 9] k: CompareAndSet(absent -> 'b') -> failed\n#1 client 4 [7, open] k: Write('c') -> ?",
            recorder.ToHistory().ToString());
    }
}
