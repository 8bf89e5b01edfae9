using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// Breaks a linearizable history by changing one result so that no linearization can exist. Changing a result
/// at random is not enough (two concurrent writes may be read in either order), so the victim X must have a
/// predecessor P that every linearization places immediately before it: P returns before X is invoked, and
/// every other operation on the key either returns before P is invoked or is invoked after X returns (open
/// operations never return). If P leaves a known value (a Write, Delete, successful CAS, PutIfAbsent or Add, or
/// any Read), X's result is fixed, and giving it another one is provably wrong.
/// </summary>
internal static class HistoryMutation
{
    /// <summary>Picks a victim at random; false when the history has none.</summary>
    public static bool TryBreak(History history, Random random, [NotNullWhen(true)] out History? broken, [NotNullWhen(true)] out HistoryOperation? victim)
    {
        var candidates = new List<(HistoryOperation Victim, RegisterResult Wrong)>();
        foreach (var group in history.Operations.GroupBy(o => o.Key, StringComparer.Ordinal))
        {
            var ops = group.ToArray();
            foreach (var x in ops.Where(o => !o.IsOpen))
            {
                // Everything invoked by the time X returns, except X, must have returned before P's invocation,
                // so P is the latest invoked of them.
                var before = ops.Where(o => o != x && o.InvokeTime <= x.CompleteTime).ToArray();
                if (before.Length == 0)
                {
                    continue;
                }

                var p = before.MaxBy(o => o.InvokeTime)!;
                var isolated = p.CompleteTime < x.InvokeTime && before.All(o => o == p || o.CompleteTime < p.InvokeTime);
                if (isolated && ValueAfter(p, out var value) && WrongResult(x, value, ops, random) is { } wrong)
                {
                    candidates.Add((x, wrong));
                }
            }
        }

        if (candidates.Count == 0)
        {
            broken = null;
            victim = null;
            return false;
        }

        var (chosen, result) = candidates[random.Next(candidates.Count)];
        victim = chosen with { Result = result };
        var replaced = victim;
        broken = new History(history.Operations.Select(o => o.Id == replaced.Id ? replaced : o));
        return true;
    }

    private static bool ValueAfter(HistoryOperation p, out string? value)
    {
        var result = p.Result!.Value;
        value = p.Op.Kind switch
        {
            RegisterOpKind.Read => result.Value,
            RegisterOpKind.Add => result.Value,
            RegisterOpKind.Delete => null,
            _ => p.Op.Value,
        };
        return p.Op.Kind is RegisterOpKind.Read or RegisterOpKind.Write or RegisterOpKind.Delete || result.Success;
    }

    /// <summary>A result <paramref name="x"/> cannot have when the register holds <paramref name="value"/>, if any.</summary>
    private static RegisterResult? WrongResult(HistoryOperation x, string? value, HistoryOperation[] ops, Random random)
    {
        var result = x.Result!.Value;
        switch (x.Op.Kind)
        {
            case RegisterOpKind.Read:
                // A value written earlier and since overwritten: a stale read.
                var stale = ops
                    .Where(o => o.CompleteTime < x.InvokeTime && o.Op.Kind is RegisterOpKind.Write or RegisterOpKind.PutIfAbsent or RegisterOpKind.CompareAndSet)
                    .Select(o => o.Op.Value)
                    .Where(v => v != value)
                    .Distinct()
                    .ToArray();
                return stale.Length == 0 ? null : RegisterResult.Read(stale[random.Next(stale.Length)]);
            case RegisterOpKind.CompareAndSet or RegisterOpKind.PutIfAbsent:
                return result.Success ? RegisterResult.Failed : RegisterResult.Succeeded;
            case RegisterOpKind.Add:
                return result.Success
                    ? RegisterResult.Added(long.Parse(result.Value!, CultureInfo.InvariantCulture) + 1)
                    : RegisterResult.Added(x.Op.Delta);
            default:
                return null;
        }
    }
}
