namespace KvDb.Cluster.Transport;

/// <summary>A peer rejected a node-to-node request as unauthenticated (wrong cluster secret, unsigned, or a clock too far off).</summary>
public sealed class ClusterAuthenticationException : Exception
{
    /// <summary>Creates the exception (serialization-friendly constructor set).</summary>
    public ClusterAuthenticationException() : base("The peer rejected the request as unauthenticated.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterAuthenticationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterAuthenticationException(string message, Exception inner) : base(message, inner)
    {
    }
}
