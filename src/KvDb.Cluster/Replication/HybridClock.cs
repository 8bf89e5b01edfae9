namespace KvDb.Cluster.Replication;

/// <summary>
/// A hybrid logical clock: ballots follow physical time when it moves forward and a logical counter otherwise,
/// and never go backwards, even when the node sees ballots from nodes whose clocks run ahead.
/// </summary>
internal sealed class HybridClock(Func<long> physicalMilliseconds)
{
    private readonly Lock _lock = new();
    private long _physical;
    private int _logical;

    /// <summary>The unique number of this node in ballots (set from the configuration).</summary>
    public int NodeNumber { get; set; }

    /// <summary>A new ballot above every ballot issued or observed so far.</summary>
    public Ballot Next()
    {
        lock (_lock)
        {
            var now = physicalMilliseconds();
            if (now > _physical)
            {
                _physical = now;
                _logical = 0;
            }
            else
            {
                _logical++;
            }

            return new Ballot(_physical, _logical, NodeNumber);
        }
    }

    /// <summary>Moves the clock past a ballot seen from another node.</summary>
    public void Observe(Ballot seen)
    {
        lock (_lock)
        {
            if (seen.Physical > _physical || (seen.Physical == _physical && seen.Logical > _logical))
            {
                _physical = seen.Physical;
                _logical = seen.Logical;
            }
        }
    }
}
