using System.Globalization;

namespace KvDb.Cluster.Tests.Checking;

/// <summary>What a <see cref="RegisterOp"/> does to its key's register.</summary>
internal enum RegisterOpKind : byte
{
    /// <summary>Returns the current value (or absent); completes with <see cref="RegisterResult.Read(string?)"/>.</summary>
    Read,

    /// <summary>Sets the value; completes with <see cref="RegisterResult.Ok"/>.</summary>
    Write,

    /// <summary>Makes the value absent; completes with <see cref="RegisterResult.Ok"/>.</summary>
    Delete,

    /// <summary>
    /// Sets the value if the current one equals the expected one (null: must be absent); completes with
    /// <see cref="RegisterResult.Succeeded"/> or <see cref="RegisterResult.Failed"/>. A failed CAS is a read of a
    /// value other than the expected one.
    /// </summary>
    CompareAndSet,

    /// <summary>Sets the value if absent; completes with <see cref="RegisterResult.Succeeded"/> or <see cref="RegisterResult.Failed"/>.</summary>
    PutIfAbsent,

    /// <summary>
    /// Adds to an integer value (absent counts as 0); completes with <see cref="RegisterResult.Added(long)"/>
    /// carrying the new value, or <see cref="RegisterResult.Failed"/> when the value is not an integer.
    /// </summary>
    Add,
}

/// <summary>
/// One operation on a single key's register, whose value is a string or absent (null). Create with the static
/// members: <see cref="Read"/>, <see cref="Write(string)"/>, <see cref="Delete"/>,
/// <see cref="CompareAndSet(string?, string?)"/>, <see cref="PutIfAbsent(string)"/>, <see cref="Add(long)"/>.
/// </summary>
internal readonly record struct RegisterOp
{
    private RegisterOp(RegisterOpKind kind, string? value, string? expected, long delta)
    {
        Kind = kind;
        Value = value;
        Expected = expected;
        Delta = delta;
    }

    /// <summary>Reads the value.</summary>
    public static RegisterOp Read => new(RegisterOpKind.Read, null, null, 0);

    /// <summary>Deletes the value.</summary>
    public static RegisterOp Delete => new(RegisterOpKind.Delete, null, null, 0);

    /// <summary>What the operation does.</summary>
    public RegisterOpKind Kind { get; }

    /// <summary>The value written by a Write or PutIfAbsent, or a CAS's new value (null: the CAS deletes).</summary>
    public string? Value { get; }

    /// <summary>The value a CAS expects (null: the key must be absent).</summary>
    public string? Expected { get; }

    /// <summary>The amount an Add adds.</summary>
    public long Delta { get; }

    /// <summary>Sets the value to <paramref name="value"/>.</summary>
    public static RegisterOp Write(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(RegisterOpKind.Write, value, null, 0);
    }

    /// <summary>Sets the value to <paramref name="newValue"/> (null: deletes) if it is <paramref name="expected"/> (null: absent).</summary>
    public static RegisterOp CompareAndSet(string? expected, string? newValue) =>
        new(RegisterOpKind.CompareAndSet, newValue, expected, 0);

    /// <summary>Sets the value to <paramref name="value"/> if the key is absent.</summary>
    public static RegisterOp PutIfAbsent(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(RegisterOpKind.PutIfAbsent, value, null, 0);
    }

    /// <summary>Adds <paramref name="delta"/> to an integer value (absent counts as 0).</summary>
    public static RegisterOp Add(long delta) => new(RegisterOpKind.Add, null, null, delta);

    /// <summary>Renders a register value: quoted, or <c>absent</c>.</summary>
    internal static string Show(string? value) => value is null ? "absent" : "'" + value + "'";

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        RegisterOpKind.Read => "Read",
        RegisterOpKind.Write => $"Write({Show(Value)})",
        RegisterOpKind.Delete => "Delete",
        RegisterOpKind.CompareAndSet => $"CompareAndSet({Show(Expected)} -> {Show(Value)})",
        RegisterOpKind.PutIfAbsent => $"PutIfAbsent({Show(Value)})",
        _ => "Add(" + Delta.ToString(CultureInfo.InvariantCulture) + ")",
    };
}
