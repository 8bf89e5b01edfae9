using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// The sequential specification of one key's register, over interned values: state 0 is absent, every other
/// state is an index into the value table. Operations are compiled once so a search step compares ints only.
/// </summary>
internal sealed class RegisterModel
{
    /// <summary>The initial state: absent.</summary>
    public const int Absent = 0;

    private readonly List<string?> _values = [null];
    private readonly List<long?> _numbers = [0];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<(int State, long Delta), int> _sums = [];

    /// <summary>The value of a state.</summary>
    public string? ValueOf(int state) => _values[state];

    /// <summary>The state holding <paramref name="value"/>, added on first use.</summary>
    public int Intern(string? value)
    {
        if (value is null)
        {
            return Absent;
        }

        if (!_ids.TryGetValue(value, out var id))
        {
            id = _values.Count;
            _values.Add(value);
            _numbers.Add(long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null);
            _ids.Add(value, id);
        }

        return id;
    }

    /// <summary>Compiles an operation: its arguments and recorded result become states.</summary>
    public CompiledOp Compile(HistoryOperation operation)
    {
        var op = operation.Op;
        var result = operation.Result;
        return new CompiledOp(
            op.Kind,
            result is null,
            Intern(op.Kind == RegisterOpKind.CompareAndSet ? op.Expected : null),
            Intern(op.Value),
            op.Delta,
            result?.Success ?? false,
            result is { } r && (op.Kind == RegisterOpKind.Read || op.Kind == RegisterOpKind.Add) ? Intern(r.Value) : Absent);
    }

    /// <summary>
    /// Applies <paramref name="op"/> in <paramref name="state"/>: true when the model's result matches the recorded
    /// one (an open operation matches anything but is refused when it would change nothing, since "never took
    /// effect" already covers that case).
    /// </summary>
    public bool TryStep(int state, in CompiledOp op, out int next)
    {
        bool success;
        switch (op.Kind)
        {
            case RegisterOpKind.Read:
                next = state;
                return !op.IsOpen && state == op.ResultState;
            case RegisterOpKind.Write:
                next = op.Value;
                return !op.IsOpen || next != state;
            case RegisterOpKind.Delete:
                next = Absent;
                return !op.IsOpen || next != state;
            case RegisterOpKind.CompareAndSet:
                success = state == op.Expected;
                next = success ? op.Value : state;
                break;
            case RegisterOpKind.PutIfAbsent:
                success = state == Absent;
                next = success ? op.Value : state;
                break;
            default:
                success = _numbers[state] is not null;
                next = success ? Sum(state, op.Delta) : state;
                if (!op.IsOpen && success && next != op.ResultState)
                {
                    return false;
                }

                break;
        }

        return op.IsOpen ? next != state : success == op.Success;
    }

    /// <summary>Describes what the model returns for <paramref name="op"/> in <paramref name="state"/>.</summary>
    public string Describe(int state, in CompiledOp op) => op.Kind switch
    {
        RegisterOpKind.Read => "reads " + RegisterOp.Show(ValueOf(state)),
        RegisterOpKind.Write or RegisterOpKind.Delete => "ok",
        RegisterOpKind.CompareAndSet => (state == op.Expected ? "succeeds" : "fails") + " on " + RegisterOp.Show(ValueOf(state)),
        RegisterOpKind.PutIfAbsent => (state == Absent ? "succeeds" : "fails") + " on " + RegisterOp.Show(ValueOf(state)),
        _ when _numbers[state] is null => "fails on non-integer " + RegisterOp.Show(ValueOf(state)),
        _ => "returns " + ValueOf(Sum(state, op.Delta)),
    };

    private int Sum(int state, long delta)
    {
        if (!_sums.TryGetValue((state, delta), out var next))
        {
            var sum = unchecked(_numbers[state]!.Value + delta);
            next = Intern(sum.ToString(CultureInfo.InvariantCulture));
            _sums.Add((state, delta), next);
        }

        return next;
    }
}

/// <summary>An operation with its arguments and recorded result interned as <see cref="RegisterModel"/> states.</summary>
internal readonly record struct CompiledOp(
    RegisterOpKind Kind, bool IsOpen, int Expected, int Value, long Delta, bool Success, int ResultState);
