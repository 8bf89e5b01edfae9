using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace KvDb.Cluster.Tests.Checking;

public sealed class LinearizabilityCheckerProperties(ITestOutputHelper output)
{
    /// <summary>Any schedule, from one client running sequentially to six running concurrently.</summary>
    private static readonly Gen<(int Seed, SimulationOptions Options)> s_runs = Runs(0.0, 0.05, 0.2);

    /// <summary>Schedules with sequential stretches, where a result can be provably wrong.</summary>
    private static readonly Gen<(int Seed, SimulationOptions Options)> s_pausingRuns = Runs(0.05, 0.2, 0.5);

    [Fact]
    public void Check_HistoryOfASequentialRegister_IsLinearizable() =>
        Prop.ForAll(s_runs.ToArbitrary(), run =>
        {
            var result = LinearizabilityChecker.Check(RegisterSimulation.Run(run.Seed, run.Options));
            Assert.True(result.IsLinearizable, $"seed {run.Seed}, {run.Options}: {result.Explanation}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

    [Fact]
    public void Check_HistoryWithAProvablyWrongResult_IsRejectedAtThatOperation()
    {
        var mutated = 0;
        Prop.ForAll(s_pausingRuns.ToArbitrary(), run =>
        {
            var history = RegisterSimulation.Run(run.Seed, run.Options);
            if (HistoryMutation.TryBreak(history, new Random(run.Seed), out var broken, out var victim))
            {
                mutated++;
                var result = LinearizabilityChecker.Check(broken);
                var context = $"seed {run.Seed}, {run.Options}, mutated #{victim.Id}: {victim}\n{result.Explanation}";
                Assert.True(result.Outcome == LinearizabilityOutcome.NotLinearizable, context);
                Assert.Equal(victim.Key, result.Key);
                Assert.Equal([victim.Id], result.Blocked.Select(o => o.Id));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

        output.WriteLine($"{mutated} of 300 runs mutated");

        // Most runs must offer a mutation, or the property would pass vacuously.
        Assert.True(mutated >= 150, $"only {mutated} of 300 runs were mutated");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void Check_2000OperationsWithConcurrency8_TakesUnderFiveSeconds(double openRate)
    {
        var history = RegisterSimulation.Run(42, new SimulationOptions(Clients: 8, Operations: 2000, Keys: 1, OpenRate: openRate));

        var watch = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history);
        watch.Stop();

        output.WriteLine($"linearizable, open rate {openRate}: {watch.ElapsedMilliseconds} ms, {result.Steps} steps");
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Check_2000OperationsWithConcurrency8AndOneWrongResult_IsRejectedUnderFiveSeconds()
    {
        var history = RegisterSimulation.Run(43, new SimulationOptions(Clients: 8, Operations: 2000, Keys: 1, OpenRate: 0, PauseRate: 0.01));
        var random = new Random(43);
        Assert.True(HistoryMutation.TryBreak(history, random, out var broken, out var victim));

        var watch = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(broken);
        watch.Stop();

        output.WriteLine($"violation at #{victim.Id} of {history.Operations.Count}: {watch.ElapsedMilliseconds} ms, {result.Steps} steps");
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal([victim.Id], result.Blocked.Select(o => o.Id));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    private static Gen<(int Seed, SimulationOptions Options)> Runs(params double[] pauseRates) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from clients in Gen.Choose(1, 6)
        from operations in Gen.Choose(1, 150)
        from keys in Gen.Choose(1, 3)
        from openRate in Gen.Elements(0.0, 0.05, 0.2)
        from pauseRate in Gen.Elements(pauseRates)
        select (seed, new SimulationOptions(clients, operations, keys, openRate, pauseRate));
}
