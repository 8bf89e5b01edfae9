using System.Diagnostics;
using Xunit.Abstractions;

namespace KvDb.Cluster.Tests.Checking;

public sealed class ScratchPerf(ITestOutputHelper output)
{
    [Fact]
    public void Explore()
    {
        var total = Stopwatch.StartNew();
        foreach (var open in new[] { 0.0, 0.01, 0.02, 0.05 })
        foreach (var clients in new[] { 8, 10, 16 })
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var h = RegisterSimulation.Run(seed, new SimulationOptions(clients, 2000, 1, open, 0.003));
            var w = Stopwatch.StartNew();
            var r = LinearizabilityChecker.Check(h);
            var line = $"open {open} clients {clients} seed {seed}: {r.Outcome} {w.ElapsedMilliseconds} ms {r.Steps / 1000}k";
            if (HistoryMutation.TryBreak(h, new Random(seed), out var b, out var v))
            {
                w.Restart();
                r = LinearizabilityChecker.Check(b!);
                line += $" | broken {r.Outcome} {w.ElapsedMilliseconds} ms {r.Steps / 1000}k";
            }

            var rnd = new Random(seed);
            var reads = h.Operations.Where(o => !o.IsOpen && o.Op.Kind == RegisterOpKind.Read).ToArray();
            var victim = reads[rnd.Next(reads.Length)];
            var changed = victim with { Result = RegisterResult.Read(victim.Result!.Value.Value == "a" ? "b" : "a") };
            w.Restart();
            r = LinearizabilityChecker.Check(new History(h.Operations.Select(o => o.Id == victim.Id ? changed : o)));
            line += $" | random {r.Outcome} {w.ElapsedMilliseconds} ms {r.Steps / 1000}k";
            output.WriteLine(line);
        }

        output.WriteLine($"total {total.ElapsedMilliseconds} ms");
    }
}
