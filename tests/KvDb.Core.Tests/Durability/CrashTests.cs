using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

// Not "KvDb.Core.Tests.Durability": a namespace of that name would hide the KvDb.Durability enum from every other
// file under KvDb.Core.Tests.* that writes Durability.Fsync. "~Durability" test filters still select these tests.
namespace KvDb.Core.Tests.DurabilityTests;

/// <summary>
/// Kills a writing process (tests/KvDb.Core.CrashHost) with SIGKILL at random moments, round after round in the same
/// data directory, and checks after each kill that recovery kept every acknowledged write, applied each in-flight commit
/// whole or not at all, and left table, index and item count consistent. Rounds: 12, or <c>KVDB_CRASH_ROUNDS</c>;
/// seed: random, or <c>KVDB_CRASH_SEED</c> (printed in every failure).
/// </summary>
[Trait("Category", "Crash")]
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const string HostName = "KvDb.Core.CrashHost";
    private const string TableName = "t";
    private const string IndexName = "byOwner";
    private const int WriterThreads = 4;
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task KilledWriterProcess_KeepsEveryAcknowledgedWrite_AndRecoversConsistently()
    {
        var rounds = EnvironmentInt("KVDB_CRASH_ROUNDS") ?? 12;
        var seed = EnvironmentInt("KVDB_CRASH_SEED") ?? Random.Shared.Next();
        var random = new Random(seed);
        var host = LocateHost();
        var inUseRound = random.Next(rounds);
        var model = new Dictionary<(string Pk, int Sk), State>();
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        var round = 0;
        try
        {
            for (; round < rounds; round++)
            {
                var runMilliseconds = random.Next(50, 401);
                var lines = await RunAndKillAsync(host, random.Next(), (round + 1) * 1_000_000_000L, runMilliseconds, round == inUseRound);
                await VerifyAsync(lines, model, stats);
            }
        }
        catch (Exception e)
        {
            Assert.Fail($"Crash test failed in round {round} of {rounds} (seed {seed}; rerun with KVDB_CRASH_SEED={seed} KVDB_CRASH_ROUNDS={rounds}): {e}");
        }

        output.WriteLine($"seed {seed}: {rounds} rounds in {clock.ElapsedMilliseconds} ms; {stats.Acks} acknowledged item writes, {stats.InFlightApplied} in-flight commits applied, " +
            $"{stats.InFlightLost} lost, {stats.Checkpoints} checkpoints, {stats.TornTails} torn tails, {stats.RecordsReplayed} records replayed; {model.Count(kv => !kv.Value.Deleted)} items at the end");
        Assert.True(stats.Acks > 0, $"the host acknowledged no write in {rounds} rounds (seed {seed})");
    }

    // ------------------------------------------------------------------ one round

    private async Task<List<string>> RunAndKillAsync(string host, int hostSeed, long versionBase, int runMilliseconds, bool checkInUse)
    {
        var start = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in new[] { host, _dir.Path, hostSeed.ToString(CultureInfo.InvariantCulture), WriterThreads.ToString(CultureInfo.InvariantCulture), versionBase.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var lines = new List<string>();
        var stderr = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdoutClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderrClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stdoutClosed.TrySetResult();
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data == "READY")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stderrClosed.TrySetResult();
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };

        Assert.True(process.Start(), "the host did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(ready.Task, exited, Task.Delay(s_readyTimeout));
            if (first != ready.Task)
            {
                throw new InvalidOperationException($"the host did not print READY ({(first == exited ? "it exited with code " + process.ExitCode : "timeout")}); stderr: {Stderr()}");
            }

            if (checkInUse)
            {
                // The host holds the lock: opening the directory from here must fail, and must not disturb the host.
                var e = Assert.Throws<KvDbException>(() => KvDatabase.Open(_dir.Path).Dispose());
                Assert.Equal(KvErrorCode.DatabaseInUse, e.Code);
            }

            await Task.Delay(runMilliseconds);
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the host died before it was killed (exit code {process.ExitCode}); stderr: {Stderr()}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // SIGKILL on Linux: no finally blocks, no flushes, no lock release by the host
            }

            await process.WaitForExitAsync();
            // The pipe keeps what the host wrote before it died; wait until it is drained.
            await Task.WhenAny(Task.WhenAll(stdoutClosed.Task, stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(10)));
        }

        if (Stderr().Length > 0)
        {
            throw new InvalidOperationException("the host wrote to stderr: " + Stderr());
        }

        lock (lines)
        {
            return [.. lines];
        }

        string Stderr()
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    // ------------------------------------------------------------------ checking

    /// <summary>The state of an item: deleted (or never written), or present with its version, owner and n.</summary>
    private sealed record State(bool Deleted, long Version, string? Owner, int? N)
    {
        public static readonly State Absent = new(true, 0, null, null);

        public bool SameContent(State other) =>
            Deleted ? other.Deleted : !other.Deleted && Version == other.Version && Owner == other.Owner && N == other.N;

        public override string ToString() => Deleted ? $"absent (v={Version})" : $"v={Version} owner={Owner ?? "-"} n={N?.ToString(CultureInfo.InvariantCulture) ?? "-"}";
    }

    private sealed class Stats
    {
        public long Acks;
        public long InFlightApplied;
        public long InFlightLost;
        public long Checkpoints;
        public long TornTails;
        public long RecordsReplayed;
    }

    private async Task VerifyAsync(List<string> lines, Dictionary<(string Pk, int Sk), State> model, Stats stats)
    {
        // 1. Replay the host's protocol: ACK lines move the expected state forward; TRY lines say what may be in flight.
        var tries = new Dictionary<(string, int), Dictionary<long, State>>();
        var groups = new Dictionary<long, List<(string Pk, int Sk)>>();
        var acked = new HashSet<long>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line is "READY" or "CKPT")
            {
                stats.Checkpoints += line == "CKPT" ? 1 : 0;
                continue;
            }

            if (!TryParse(line, out var kind, out var key, out var state))
            {
                // Only the very last line can be cut short (the host was killed while writing it); it then acknowledges nothing.
                Assert.True(i == lines.Count - 1, $"unparsable host output line {i}: \"{line}\"");
                continue;
            }

            if (kind == "TRY")
            {
                if (!tries.TryGetValue(key, out var byVersion))
                {
                    tries[key] = byVersion = [];
                }

                byVersion[state.Version] = state;
                if (!groups.TryGetValue(state.Version, out var group))
                {
                    groups[state.Version] = group = [];
                }

                group.Add(key);
                continue;
            }

            var previous = model.GetValueOrDefault(key, State.Absent);
            Assert.True(state.Version > previous.Version, $"{Describe(key)}: ACK v={state.Version} after v={previous.Version}");
            Assert.True(tries.TryGetValue(key, out var tried) && tried.TryGetValue(state.Version, out var t) && t.SameContent(state), $"{Describe(key)}: ACK without TRY: {line}");
            model[key] = state;
            acked.Add(state.Version);
            stats.Acks++;
        }

        // 2. Recover in process and compare.
        await using var db = KvDatabase.Open(_dir.Path, new KvDbOptions { TtlSweepInterval = TimeSpan.Zero });
        var report = db.RecoveryReport!;
        stats.TornTails += report.TornTail is null ? 0 : 1;
        stats.RecordsReplayed += report.RecordsReplayed;
        var table = db.Table(TableName);
        var scanned = await table.Scan().ToListAsync();
        var stored = new Dictionary<(string, int), State>();
        foreach (var item in scanned)
        {
            var key = KeyOf(item);
            Assert.True(stored.TryAdd(key, StateOf(item)), $"{Describe(key)} appears twice in a scan");
        }

        var applied = new Dictionary<(string, int), long>();
        foreach (var key in model.Keys.Union(tries.Keys).Union(stored.Keys).ToList())
        {
            var expected = model.GetValueOrDefault(key, State.Absent);
            var actual = stored.GetValueOrDefault(key, State.Absent);
            if (expected.SameContent(actual))
            {
                continue;
            }

            // Anything else must be exactly a write that was in flight (tried, not acknowledged) and newer than the last acknowledged one.
            var candidates = tries.GetValueOrDefault(key)?.Values.Where(t => t.Version > expected.Version && t.Deleted == actual.Deleted && (actual.Deleted || t.SameContent(actual))).ToList() ?? [];
            Assert.True(candidates.Count > 0,
                $"{Describe(key)}: recovered {actual}, but the last acknowledged state is {expected} and no newer in-flight write matches " +
                $"(tried: {string.Join(", ", tries.GetValueOrDefault(key)?.Values.Select(t => t.ToString()) ?? [])}; report {report})");
            applied[key] = candidates.Max(c => c.Version);
        }

        // 3. Atomicity of in-flight commits: each unacknowledged commit shows up on all of its items or on none.
        foreach (var (version, keys) in groups)
        {
            if (acked.Contains(version))
            {
                continue;
            }

            var outcomes = new List<(string Key, bool Applied)>();
            foreach (var key in keys)
            {
                var tried = tries[key][version];
                var actual = stored.GetValueOrDefault(key, State.Absent);
                var before = model.GetValueOrDefault(key, State.Absent);
                if (!tried.Deleted)
                {
                    outcomes.Add((Describe(key), !actual.Deleted && actual.Version == version));
                }
                else if (!before.Deleted)
                {
                    outcomes.Add((Describe(key), actual.Deleted)); // a delete is visible only where the item existed
                }
            }

            if (outcomes.Count == 0)
            {
                continue;
            }

            Assert.True(outcomes.All(o => o.Applied) || outcomes.All(o => !o.Applied),
                $"commit v={version} was applied in part: {string.Join(", ", outcomes.Select(o => $"{o.Key} {(o.Applied ? "applied" : "not applied")}"))}");
            if (outcomes[0].Applied)
            {
                stats.InFlightApplied++;
            }
            else
            {
                stats.InFlightLost++;
            }
        }

        // 4. Consistency: item count and the global index agree with a table scan.
        Assert.Equal(scanned.Count, (await table.DescribeAsync()).ItemCount);
        var owned = stored.Where(kv => kv.Value.Owner is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        var indexed = await table.ScanIndex(IndexName).ToListAsync();
        var fromIndex = new Dictionary<(string, int), State>();
        foreach (var item in indexed)
        {
            var key = KeyOf(item);
            Assert.True(fromIndex.TryAdd(key, StateOf(item)), $"{Describe(key)} appears twice in the index");
        }

        AssertSameStates(owned, fromIndex, "index scan");
        foreach (var owner in owned.Values.Select(s => s.Owner!).Distinct().Append("nobody"))
        {
            var page = await table.QueryIndex(IndexName, owner).ToListAsync();
            var expectedKeys = owned.Where(kv => kv.Value.Owner == owner).ToDictionary(kv => kv.Key, kv => kv.Value);
            AssertSameStates(expectedKeys, page.ToDictionary(KeyOf, StateOf), $"index query for {owner}");
            var ns = page.Select(i => i["n"].AsNumber()).ToList();
            Assert.True(ns.SequenceEqual(ns.Order()), $"index query for {owner} is not sorted by n");
        }

        // 5. What is stored now is durable: it is the baseline of the next round.
        model.Clear();
        foreach (var (key, state) in stored)
        {
            model[key] = state;
        }

        foreach (var (key, version) in applied)
        {
            if (!stored.ContainsKey(key))
            {
                model[key] = State.Absent with { Version = version };
            }
        }
    }

    private static void AssertSameStates(Dictionary<(string, int), State> expected, Dictionary<(string, int), State> actual, string what)
    {
        var missing = expected.Keys.Except(actual.Keys).Select(Describe).ToList();
        var extra = actual.Keys.Except(expected.Keys).Select(Describe).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"{what}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", extra)}]");
        foreach (var (key, state) in expected)
        {
            Assert.True(state.SameContent(actual[key]), $"{what}: {Describe(key)} is {actual[key]} but the table has {state}");
        }
    }

    private static (string Pk, int Sk) KeyOf(Item item) => (item["pk"].AsString(), (int)item["sk"].AsNumber().ToInt64());

    private static State StateOf(Item item) =>
        new(false, item["v"].AsNumber().ToInt64(), item.Get("owner")?.AsString(), item.Get("n") is { } n ? (int)n.AsNumber().ToInt64() : null);

    private static string Describe((string Pk, int Sk) key) => $"({key.Pk}, {key.Sk})";

    // "TRY|ACK put pk sk v=V owner=O|- n=N|-" or "TRY|ACK del pk sk v=V"
    private static bool TryParse(string line, out string kind, out (string, int) key, out State state)
    {
        kind = "";
        key = default;
        state = State.Absent;
        var parts = line.Split(' ');
        if (parts.Length < 5 || parts[0] is not ("TRY" or "ACK") || parts[1] is not ("put" or "del") ||
            !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var sk) ||
            !parts[4].StartsWith("v=", StringComparison.Ordinal) || !long.TryParse(parts[4].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        kind = parts[0];
        key = (parts[2], sk);
        if (parts[1] == "del")
        {
            state = new State(true, version, null, null);
            return parts.Length == 5;
        }

        if (parts.Length != 7 || !parts[5].StartsWith("owner=", StringComparison.Ordinal) || !parts[6].StartsWith("n=", StringComparison.Ordinal))
        {
            return false;
        }

        var owner = parts[5][6..];
        var nText = parts[6][2..];
        int? n = nText == "-" ? null : int.TryParse(nText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
        if (n == -1 || (owner == "-") != (n is null))
        {
            return false;
        }

        state = new State(false, version, owner == "-" ? null : owner, n);
        return true;
    }

    // ------------------------------------------------------------------ the host

    /// <summary>The dotnet executable running the tests (the SDK exports it as DOTNET_HOST_PATH), else the one on the PATH.</summary>
    private static string DotnetPath()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// The host's dll: built by the test project's reference, found in tests/KvDb.Core.CrashHost/bin/&lt;Configuration&gt;/net10.0,
    /// preferring the configuration this test assembly was built with (Debug or Release).
    /// </summary>
    private static string LocateHost()
    {
#if DEBUG
        string[] configurations = ["Debug", "Release"];
#else
        string[] configurations = ["Release", "Debug"];
#endif
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name; // bin/<Configuration>/<framework>/
        var copied = Path.Combine(AppContext.BaseDirectory, HostName + ".dll");
        var searched = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var project = Path.Combine(dir.FullName, HostName);
            if (!File.Exists(Path.Combine(project, HostName + ".csproj")))
            {
                continue;
            }

            foreach (var configuration in configurations)
            {
                var candidate = Path.Combine(project, "bin", configuration, framework, HostName + ".dll");
                searched.Add(candidate);
                if (File.Exists(candidate) && File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
                {
                    return candidate;
                }
            }

            break;
        }

        if (File.Exists(copied) && File.Exists(Path.ChangeExtension(copied, ".runtimeconfig.json")))
        {
            return copied;
        }

        throw new FileNotFoundException($"{HostName}.dll was not found (searched {string.Join(", ", searched.Append(copied))}); build tests/{HostName} first.");
    }
}
