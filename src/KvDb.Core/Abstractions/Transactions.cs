using KvDb.Expressions;

namespace KvDb;

/// <summary>One action of a write transaction.</summary>
/// <param name="TableName">The table the action touches.</param>
public abstract record TransactWriteItem(string TableName);

/// <summary>Put an item (optionally under a condition on the current item).</summary>
public sealed record TransactPut(string TableName, Item Item, Condition? Condition = null) : TransactWriteItem(TableName);

/// <summary>Update an item (optionally under a condition).</summary>
public sealed record TransactUpdate(string TableName, ItemKey Key, UpdateExpression Update, Condition? Condition = null) : TransactWriteItem(TableName);

/// <summary>Delete an item (optionally under a condition).</summary>
public sealed record TransactDelete(string TableName, ItemKey Key, Condition? Condition = null) : TransactWriteItem(TableName);

/// <summary>Require a condition on an item without writing it.</summary>
public sealed record TransactConditionCheck(string TableName, ItemKey Key, Condition Condition) : TransactWriteItem(TableName);

/// <summary>Options of a write transaction.</summary>
public sealed record TransactWriteOptions
{
    /// <summary>The largest <see cref="MaxActions"/> a transaction may ask for.</summary>
    public const int Unbounded = 1_000_000;

    /// <summary>DynamoDB's limit of 100 actions.</summary>
    public static TransactWriteOptions Default { get; } = new();

    /// <summary>
    /// The most actions the transaction may hold: 100 by default (DynamoDB's limit). Language layers that make a
    /// statement of many rows atomic raise it, up to <see cref="Unbounded"/>; every item involved is locked until
    /// the transaction commits, so large transactions hold writers of those items back meanwhile.
    /// </summary>
    public int MaxActions
    {
        get;
        init => field = value is >= 1 and <= Unbounded
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxActions must be between 1 and {Unbounded}.");
    } = 100;

    /// <summary>Throws <see cref="KvErrorCode.LimitExceeded"/> unless 1 to <see cref="MaxActions"/> actions are given.</summary>
    internal void CheckCount(int count)
    {
        if (count == 0 || count > MaxActions)
        {
            throw new KvDbException(KvErrorCode.LimitExceeded, $"A transaction must hold 1 to {MaxActions} actions, not {count}.");
        }
    }
}

/// <summary>Why one action of a cancelled transaction failed (<c>None</c> for actions that were fine).</summary>
/// <param name="Code"><c>None</c> or <c>ConditionalCheckFailed</c>.</param>
/// <param name="Message">A description naming the table and key, or null.</param>
/// <param name="Item">The current item of a failed condition (null when absent).</param>
public sealed record TransactionCancellationReason(string Code, string? Message, Item? Item);

/// <summary>
/// The outcome of a write transaction: either every action applied (atomically for readers of the items) or
/// none did, and <see cref="CancellationReasons"/> says, per action in order, which failed and why.
/// </summary>
/// <param name="Succeeded">True when every condition held and every write applied.</param>
/// <param name="CancellationReasons">One entry per action when cancelled; empty on success.</param>
public sealed record TransactWriteResult(bool Succeeded, IReadOnlyList<TransactionCancellationReason> CancellationReasons)
{
    /// <summary>The index of the first failed action, or -1.</summary>
    public int FailedActionIndex
    {
        get
        {
            for (var i = 0; i < CancellationReasons.Count; i++)
            {
                if (CancellationReasons[i].Code != "None")
                {
                    return i;
                }
            }

            return -1;
        }
    }
}

/// <summary>One read of a transactional read.</summary>
/// <param name="TableName">The table.</param>
/// <param name="Key">The item's key.</param>
/// <param name="Projection">Attributes to return, or null for all.</param>
public sealed record TransactGetItem(string TableName, ItemKey Key, Projection? Projection = null);
