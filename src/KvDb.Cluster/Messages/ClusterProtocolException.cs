namespace KvDb.Cluster;

/// <summary>
/// A cluster message or exchange broke the node-to-node protocol: bytes that do not decode (truncated, corrupt,
/// an unknown version or type), or a peer that rejected a request as malformed. The message names what is wrong
/// and, for decoding errors, the byte offset.
/// </summary>
public sealed class ClusterProtocolException : Exception
{
    /// <summary>Creates the exception for a decoding error at <paramref name="offset"/>.</summary>
    /// <param name="reason">What is wrong, e.g. <c>truncated table name</c>.</param>
    /// <param name="offset">The byte offset in the encoded message where the problem was found.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ClusterProtocolException(string reason, int offset, Exception? inner = null)
        : base($"Malformed cluster message: {reason} at byte {offset}.", inner)
    {
        Offset = offset;
    }

    /// <summary>Creates the exception (serialization-friendly constructor set).</summary>
    public ClusterProtocolException() : base("Cluster protocol error.")
    {
    }

    /// <summary>Creates the exception with a message and no byte offset.</summary>
    public ClusterProtocolException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message, an inner exception and no byte offset.</summary>
    public ClusterProtocolException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The byte offset of a decoding error, or -1 when the error is not about a position in a message.</summary>
    public int Offset { get; } = -1;
}
