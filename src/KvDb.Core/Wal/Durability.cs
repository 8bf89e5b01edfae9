namespace KvDb;

/// <summary>When a write is acknowledged relative to the write-ahead log reaching storage.</summary>
public enum Durability
{
    /// <summary>
    /// Writes are logged to an in-process buffer that is written out in the background (at least every
    /// 100 ms); a process crash may lose the last writes. The fastest mode.
    /// </summary>
    None = 0,

    /// <summary>Each write is handed to the operating system before it is acknowledged: it survives a process crash, not a power loss.</summary>
    OsBuffered = 1,

    /// <summary>Each write is flushed to stable storage (fsync) before it is acknowledged; concurrent writers share one flush. The default in file mode.</summary>
    Fsync = 2,
}
