using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// Generates histories that are linearizable by construction: clients run a random concurrent schedule against a
/// plain sequential register per key. Each operation is invoked, later applied atomically (its linearization
/// point), later completed, all at increasing times; with <see cref="SimulationOptions.OpenRate"/> a client gives
/// up before the operation is applied (never takes effect) or after (takes effect, outcome unseen). With
/// <see cref="SimulationOptions.PauseRate"/> the clients drain and run a few operations one at a time.
/// </summary>
internal static class RegisterSimulation
{
    private static readonly string[] s_values = ["a", "b", "c", "1", "2"];

    /// <summary>Runs the schedule chosen by <paramref name="seed"/>.</summary>
    public static History Run(int seed, SimulationOptions options)
    {
        var random = new Random(seed);
        var recorder = new HistoryRecorder();
        var registers = new Dictionary<string, string?>(StringComparer.Ordinal);
        var clients = new Pending?[options.Clients];
        var invoked = 0;
        var busy = 0;
        var sequential = 0;
        var time = 0L;
        while (invoked < options.Operations || busy > 0)
        {
            var c = random.Next(options.Clients);
            time += random.Next(1, 4);
            switch (clients[c])
            {
                case null when invoked < options.Operations && sequential > 0 && busy > 0:
                    break; // Draining before a sequential stretch.
                case null when invoked < options.Operations && sequential == 0 && random.NextDouble() < options.PauseRate:
                    sequential = random.Next(2, 5);
                    break;
                case null when invoked < options.Operations:
                    sequential = Math.Max(0, sequential - 1);
                    var key = "k" + random.Next(options.Keys).ToString(CultureInfo.InvariantCulture);
                    var op = RandomOp(random);
                    clients[c] = new Pending(recorder.Invoke(c, key, op, time), key, op, null);
                    invoked++;
                    busy++;
                    break;
                case null:
                    break;
                case { Result: null } pending:
                    if (random.NextDouble() < options.OpenRate / 2)
                    {
                        clients[c] = null; // Gave up; the operation never takes effect.
                        busy--;
                    }
                    else
                    {
                        clients[c] = pending with { Result = Apply(registers, pending.Key, pending.Op) };
                    }

                    break;
                case { Result: { } result } pending:
                    if (random.NextDouble() >= options.OpenRate / 2)
                    {
                        recorder.Complete(pending.Id, result, time);
                    }

                    clients[c] = null;
                    busy--;
                    break;
            }
        }

        return recorder.ToHistory();
    }

    /// <summary>The sequential register: applies <paramref name="op"/> and returns its result.</summary>
    public static RegisterResult Apply(Dictionary<string, string?> registers, string key, RegisterOp op)
    {
        var current = registers.GetValueOrDefault(key);
        switch (op.Kind)
        {
            case RegisterOpKind.Read:
                return RegisterResult.Read(current);
            case RegisterOpKind.Write:
                registers[key] = op.Value;
                return RegisterResult.Ok;
            case RegisterOpKind.Delete:
                registers[key] = null;
                return RegisterResult.Ok;
            case RegisterOpKind.CompareAndSet when current == op.Expected:
            case RegisterOpKind.PutIfAbsent when current is null:
                registers[key] = op.Value;
                return RegisterResult.Succeeded;
            case RegisterOpKind.CompareAndSet or RegisterOpKind.PutIfAbsent:
                return RegisterResult.Failed;
            default:
                if (current is not null && !long.TryParse(current, CultureInfo.InvariantCulture, out _))
                {
                    return RegisterResult.Failed;
                }

                var sum = (current is null ? 0 : long.Parse(current, CultureInfo.InvariantCulture)) + op.Delta;
                registers[key] = sum.ToString(CultureInfo.InvariantCulture);
                return RegisterResult.Added(sum);
        }
    }

    private static RegisterOp RandomOp(Random random)
    {
        string Value() => s_values[random.Next(s_values.Length)];
        return random.Next(20) switch
        {
            < 7 => RegisterOp.Read,
            < 11 => RegisterOp.Write(Value()),
            < 12 => RegisterOp.Delete,
            < 15 => RegisterOp.CompareAndSet(random.Next(4) == 0 ? null : Value(), random.Next(8) == 0 ? null : Value()),
            < 17 => RegisterOp.PutIfAbsent(Value()),
            _ => RegisterOp.Add(random.Next(1, 3)),
        };
    }

    private sealed record Pending(int Id, string Key, RegisterOp Op, RegisterResult? Result);
}

/// <summary>Shape of a <see cref="RegisterSimulation"/> run.</summary>
/// <param name="Clients">Clients, hence the concurrency.</param>
/// <param name="Operations">Operations invoked in all.</param>
/// <param name="Keys">Keys, each its own register.</param>
/// <param name="OpenRate">Chance that an operation stays open (half before taking effect, half after).</param>
/// <param name="PauseRate">Chance, per invocation, of draining and then running 2-4 operations one at a time.</param>
internal sealed record SimulationOptions(int Clients, int Operations, int Keys, double OpenRate, double PauseRate = 0);
