namespace KvDb.Engine;

/// <summary>
/// Writer locks striped by (table, partition key): writes to one partition are serialised (so a conditional
/// write evaluates and applies atomically), writes to different partitions run in parallel. Semaphores, not
/// monitors, because a writer holds its stripe across the asynchronous wait for its log flush.
/// Readers never take these locks.
/// </summary>
internal sealed class StripedLocks
{
    private const int StripeCount = 4096; // a power of two

    /// <summary>How many stripes there are (stripe numbers run from 0 to Count - 1).</summary>
    public const int Count = StripeCount;
    private readonly SemaphoreSlim[] _stripes = new SemaphoreSlim[StripeCount];

    public StripedLocks()
    {
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    public static int StripeOf(int tableId, int partitionHash) =>
        (int)((uint)(partitionHash ^ (tableId * -1640531535)) & (StripeCount - 1));

    /// <summary>The distinct stripes of <paramref name="count"/> writes, <paramref name="stripeOf"/>(i) each, in ascending order (the global lock order).</summary>
    public static int[] Ordered(int count, Func<int, int> stripeOf)
    {
        if (count <= 16)
        {
            // Few writes: sort their stripes and drop repeats (no 4,096-entry mark array).
            var few = new int[count];
            for (var i = 0; i < count; i++)
            {
                few[i] = stripeOf(i);
            }

            Array.Sort(few);
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                if (kept == 0 || few[i] != few[kept - 1])
                {
                    few[kept++] = few[i];
                }
            }

            return kept == count ? few : few[..kept];
        }

        var marked = new bool[StripeCount];
        var distinct = 0;
        for (var i = 0; i < count; i++)
        {
            ref var mark = ref marked[stripeOf(i)];
            if (!mark)
            {
                mark = true;
                distinct++;
            }
        }

        var stripes = new int[distinct];
        for (int s = 0, n = 0; n < distinct; s++)
        {
            if (marked[s])
            {
                stripes[n++] = s;
            }
        }

        return stripes;
    }

    public SemaphoreSlim this[int stripe] => _stripes[stripe];
}
