namespace KvDb;

/// <summary>What happened to an item.</summary>
public enum ChangeType
{
    /// <summary>The item was created.</summary>
    Insert = 1,
    /// <summary>An existing item was replaced or updated.</summary>
    Modify = 2,
    /// <summary>The item was deleted.</summary>
    Remove = 3,
    /// <summary>The item was removed because its time-to-live passed.</summary>
    Expire = 4,
}

/// <summary>One committed change, as the change feed delivers it (in commit order).</summary>
/// <param name="Sequence">The change's sequence number (unique, increasing in commit order).</param>
/// <param name="TableName">The table.</param>
/// <param name="Type">Insert, modify, remove or expire.</param>
/// <param name="Key">The item's key.</param>
/// <param name="OldImage">The item before the change, or null for inserts.</param>
/// <param name="NewImage">The item after the change, or null for removals.</param>
public sealed record ChangeRecord(long Sequence, string TableName, ChangeType Type, ItemKey Key, Item? OldImage, Item? NewImage);
