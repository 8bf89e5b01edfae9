namespace KvDb;

/// <summary>
/// Stable error codes. The numeric values are part of the public contract and never change meaning:
/// 1xxx storage and data model, 2xxx write-ahead log and recovery, 3xxx SQL, 4xxx Cypher, 5xxx cluster.
/// </summary>
public enum KvErrorCode
{
    /// <summary>No error code was assigned.</summary>
    Unknown = 0,

    /// <summary>A number is malformed, out of range (1E-130 .. 9.99E+125) or has more than 38 significant digits.</summary>
    InvalidNumber = 1001,
    /// <summary>An attribute value is invalid (empty set, duplicate set member, wrong type for an operation...).</summary>
    InvalidValue = 1002,
    /// <summary>An item is invalid: a key attribute is missing or has the wrong type, or a limit is exceeded.</summary>
    InvalidItem = 1003,
    /// <summary>An item exceeds the 400 KB size limit.</summary>
    ItemTooLarge = 1004,
    /// <summary>A partition key (2048 bytes) or sort key (1024 bytes) exceeds its size limit.</summary>
    KeyTooLarge = 1005,
    /// <summary>A document is nested deeper than 32 levels.</summary>
    NestingTooDeep = 1006,
    /// <summary>The table does not exist.</summary>
    TableNotFound = 1010,
    /// <summary>A table with that name already exists.</summary>
    TableAlreadyExists = 1011,
    /// <summary>A table definition is invalid (name, key schema).</summary>
    InvalidTableDefinition = 1012,
    /// <summary>A key given to an operation does not match the table's key schema.</summary>
    InvalidKey = 1013,
    /// <summary>A condition, filter, update or projection expression has a syntax error.</summary>
    ExpressionSyntax = 1020,
    /// <summary>An expression is well-formed but invalid (unknown placeholder, unused value, overlapping paths...).</summary>
    InvalidExpression = 1021,
    /// <summary>An update cannot be applied to the item (type mismatch, path into a scalar, ...).</summary>
    InvalidUpdate = 1022,
    /// <summary>A query or scan request is invalid (bad key condition, bad start key, bad segment...).</summary>
    InvalidQuery = 1030,
    /// <summary>A request exceeds a documented limit (batch size, expression size...).</summary>
    LimitExceeded = 1040,
    /// <summary>A condition check failed (thrown only by APIs that promise to throw; most return a result).</summary>
    ConditionFailed = 1050,
    /// <summary>A transaction was rejected; the result says which action failed and why.</summary>
    TransactionCanceled = 1051,
    /// <summary>An item is locked by another transaction that is still in progress; retry later (as DynamoDB's TransactionConflict).</summary>
    TransactionConflict = 1052,
    /// <summary>A JSON document could not be converted to an item or back.</summary>
    InvalidDocument = 1060,
    /// <summary>A typed mapping (C# class to item) is invalid.</summary>
    InvalidMapping = 1070,
    /// <summary>The database has been disposed or is closing.</summary>
    DatabaseClosed = 1090,

    /// <summary>The data directory is in use by another process (its lock file is held).</summary>
    DatabaseInUse = 2001,
    /// <summary>The write-ahead log is corrupt before its end (not a torn tail); the message names the file and offset.</summary>
    WalCorrupt = 2002,
    /// <summary>A snapshot file is corrupt; the message names the file and offset.</summary>
    SnapshotCorrupt = 2003,
    /// <summary>Reading or writing the data directory failed.</summary>
    StorageIo = 2004,
    /// <summary>The requested change-feed position is older than the retained log.</summary>
    ChangeFeedTruncated = 2005,
    /// <summary>The data directory was written by an incompatible format version.</summary>
    UnsupportedFormat = 2006,

    /// <summary>A cluster could not reach a quorum of replicas (too many nodes down or unreachable) or could not settle a configuration change.</summary>
    ClusterUnavailable = 5001,
}
