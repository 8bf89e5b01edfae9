using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// One recorded operation: a client invoked <see cref="Op"/> on <see cref="Key"/> at <see cref="InvokeTime"/> and,
/// unless it is open, saw <see cref="Result"/> at <see cref="CompleteTime"/>. An open operation (timeout, unknown
/// outcome) may have taken effect at any point after its invocation, or never.
/// </summary>
/// <param name="Id">The id returned by <see cref="HistoryRecorder.Invoke"/>, unique in the history.</param>
/// <param name="ClientId">The client (process, thread) that issued the operation.</param>
/// <param name="Key">The register the operation acts on; registers are independent.</param>
/// <param name="Op">The operation.</param>
/// <param name="InvokeTime">When the client sent it (virtual milliseconds or a logical counter).</param>
/// <param name="Result">What the client saw, or null when open.</param>
/// <param name="CompleteTime">When the client saw <see cref="Result"/>, or null when open.</param>
internal sealed record HistoryOperation(
    int Id, int ClientId, string Key, RegisterOp Op, long InvokeTime, RegisterResult? Result, long? CompleteTime)
{
    /// <summary>True when the client never saw an outcome.</summary>
    public bool IsOpen => Result is null;

    /// <summary>Renders the operation as <c>#id client c [invoke, complete] Op -> result</c>.</summary>
    public override string ToString()
    {
        var complete = CompleteTime is { } time ? time.ToString(CultureInfo.InvariantCulture) : "open";
        var result = Result is { } r ? r.ToString() : "?";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"#{Id} client {ClientId} [{InvokeTime}, {complete}] {Key}: {Op} -> {result}");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the operation is well formed.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Key);
        if (Result is null != CompleteTime is null)
        {
            throw new ArgumentException($"Operation #{Id}: a result needs a completion time and vice versa.");
        }

        if (CompleteTime < InvokeTime)
        {
            throw new ArgumentException($"Operation #{Id} completes at {CompleteTime}, before its invocation at {InvokeTime}.");
        }

        if (Result is { } result && !result.Fits(Op.Kind))
        {
            throw new ArgumentException($"Operation #{Id}: '{result}' is not a result of {Op.Kind}.");
        }
    }
}
