namespace KvDb;

/// <summary>
/// The base of every error KvDb raises for bad input, failed storage or remote faults.
/// Misuse of the API (null arguments, disposed objects) raises BCL exceptions instead.
/// </summary>
public class KvDbException : Exception
{
    /// <summary>Creates an exception with a stable code and a message that names what is wrong and where.</summary>
    public KvDbException(KvErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The stable error code.</summary>
    public KvErrorCode Code { get; }

    /// <summary>True when retrying the same request may succeed (for example a transient I/O or network fault).</summary>
    public virtual bool IsTransient => false;
}

/// <summary>Raised by APIs that throw (rather than return a result) when a condition expression does not hold.</summary>
public sealed class KvConditionFailedException : KvDbException
{
    /// <summary>Creates the exception.</summary>
    public KvConditionFailedException(string message) : base(KvErrorCode.ConditionFailed, message)
    {
    }
}

/// <summary>A syntax error in text (an expression, SQL, Cypher) with its position.</summary>
public class KvParseException : KvDbException
{
    /// <summary>Creates a parse exception.</summary>
    public KvParseException(KvErrorCode code, string message, int line, int column, int offset, int length)
        : base(code, message)
    {
        Line = line;
        Column = column;
        Offset = offset;
        Length = length;
    }

    /// <summary>1-based line of the offending token.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>0-based character offset of the offending token in the source text.</summary>
    public int Offset { get; }

    /// <summary>Length in characters of the offending token (at least 1, except at end of input).</summary>
    public int Length { get; }
}
