using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>
/// What a completed <see cref="RegisterOp"/> returned: <see cref="Ok"/> (Write, Delete), <see cref="Read(string?)"/>
/// (Read), <see cref="Succeeded"/> / <see cref="Failed"/> (CompareAndSet, PutIfAbsent, Add on a non-integer) or
/// <see cref="Added(long)"/> (Add).
/// </summary>
internal readonly record struct RegisterResult
{
    private RegisterResult(Shape shape, string? value, bool success)
    {
        Form = shape;
        Value = value;
        Success = success;
    }

    /// <summary>The shape of a result, checked against the operation kind when the result is recorded.</summary>
    internal enum Shape : byte
    {
        Ok,
        Value,
        Condition,
        Number,
    }

    /// <summary>A Write or Delete took effect.</summary>
    public static RegisterResult Ok => new(Shape.Ok, null, true);

    /// <summary>A CompareAndSet or PutIfAbsent took effect.</summary>
    public static RegisterResult Succeeded => new(Shape.Condition, null, true);

    /// <summary>A CompareAndSet or PutIfAbsent found its condition false, or an Add found a non-integer value.</summary>
    public static RegisterResult Failed => new(Shape.Condition, null, false);

    /// <summary>The value a Read returned, or an Add's new value; null when absent.</summary>
    public string? Value { get; }

    /// <summary>False only for <see cref="Failed"/>.</summary>
    public bool Success { get; }

    internal Shape Form { get; }

    /// <summary>A Read returned <paramref name="value"/> (null: absent).</summary>
    public static RegisterResult Read(string? value) => new(Shape.Value, value, true);

    /// <summary>An Add made the value <paramref name="newValue"/>.</summary>
    public static RegisterResult Added(long newValue) =>
        new(Shape.Number, newValue.ToString(CultureInfo.InvariantCulture), true);

    /// <summary>Whether this result can be the outcome of an operation of kind <paramref name="kind"/>.</summary>
    internal bool Fits(RegisterOpKind kind) => kind switch
    {
        RegisterOpKind.Read => Form == Shape.Value,
        RegisterOpKind.Write or RegisterOpKind.Delete => Form == Shape.Ok,
        RegisterOpKind.CompareAndSet or RegisterOpKind.PutIfAbsent => Form == Shape.Condition,
        _ => Form == Shape.Number || this == Failed,
    };

    /// <inheritdoc/>
    public override string ToString() => Form switch
    {
        Shape.Ok => "ok",
        Shape.Value => RegisterOp.Show(Value),
        Shape.Condition => Success ? "succeeded" : "failed",
        _ => Value!,
    };
}
