using System.Buffers;
using System.Globalization;

namespace KvDb.Wal;

/// <summary>
/// The write-ahead log: numbered segment files <c>wal-{firstSequence:D20}.log</c>, each starting with an
/// 8-byte magic, followed by framed records (<see cref="WalRecord"/>).
/// </summary>
/// <remarks>
/// Group commit: appenders serialise their record into the pending batch under <see cref="_lock"/> and get
/// the batch back. Whoever then waits for durability and finds no flush running becomes the leader: it swaps
/// the pending batch out, writes it with one call and (in <see cref="Durability.Fsync"/> mode) one fsync, then
/// completes every waiter of that batch. Writers that arrived during the flush pile into the next batch, which
/// the leader flushes next, so N concurrent writers cost about one fsync per flush interval, not N.
/// An I/O failure is sticky: the log refuses further appends, because what reached the disk is unknown.
/// </remarks>
internal sealed class WriteAheadLog : IDisposable
{
    public static readonly byte[] Magic = "KVDBWAL1"u8.ToArray();
    private const int BackgroundFlushMilliseconds = 100;
    private const int InlineFlushBytes = 1 << 20;

    private readonly string _directory;
    private readonly Durability _durability;
    private readonly object _lock = new();
    private readonly Timer? _backgroundFlush;
    private FileStream _file;
    private Batch _pending = new();
    private bool _flushing;
    private long _nextSequence;
    private Exception? _failure;
    private bool _disposed;

    public WriteAheadLog(string directory, Durability durability, long nextSequence)
    {
        _directory = directory;
        _durability = durability;
        _nextSequence = nextSequence;
        _file = CreateSegment(nextSequence);
        if (durability == Durability.None)
        {
            _backgroundFlush = new Timer(_ => FlushInBackground(), null, BackgroundFlushMilliseconds, BackgroundFlushMilliseconds);
        }
    }

    /// <summary>The sequence number the next record will get.</summary>
    public long NextSequence
    {
        get
        {
            lock (_lock)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>The path of the segment being written.</summary>
    public string CurrentSegment => _file.Name;

    public static string SegmentName(long firstSequence) =>
        "wal-" + firstSequence.ToString("D20", CultureInfo.InvariantCulture) + ".log";

    /// <summary>Segment files in the directory, ordered by first sequence.</summary>
    public static List<(long FirstSequence, string Path)> ListSegments(string directory)
    {
        var list = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "wal-*.log"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                list.Add((first, path));
            }
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    private FileStream CreateSegment(long firstSequence)
    {
        var path = Path.Combine(_directory, SegmentName(firstSequence));
        // bufferSize 0: every Write goes straight to the OS, so OsBuffered means what it says.
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.None);
        file.Write(Magic);
        file.Flush(true);
        FileSystem.SyncDirectory(_directory);
        return file;
    }

    // ------------------------------------------------------------------ appending

    /// <summary>Appends one record occupying <paramref name="sequenceCount"/> sequence numbers; returns its first sequence.</summary>
    public long Append(WalRecordType type, int sequenceCount, Action<ArrayBufferWriter<byte>> body, out Batch batch)
    {
        var flushInline = false;
        long sequence;
        lock (_lock)
        {
            ThrowIfFailed();
            sequence = _nextSequence;
            WalRecord.WriteFramed(_pending.Buffer, type, sequence, body);
            _nextSequence += sequenceCount;
            _pending.LastSequence = _nextSequence - 1;
            batch = _pending;
            flushInline = _durability == Durability.None && _pending.Buffer.WrittenCount >= InlineFlushBytes && !_flushing;
        }

        if (flushInline)
        {
            FlushPending(false);
        }

        return sequence;
    }

    /// <summary>Waits until the batch is as durable as the configured <see cref="Durability"/> requires.</summary>
    public ValueTask WaitAsync(Batch batch) =>
        _durability == Durability.None ? ValueTask.CompletedTask : WaitCoreAsync(batch);

    private async ValueTask WaitCoreAsync(Batch batch)
    {
        while (true)
        {
            bool leader;
            lock (_lock)
            {
                if (batch.IsDone)
                {
                    batch.ThrowIfFailed();
                    return;
                }

                leader = !_flushing;
                if (leader)
                {
                    _flushing = true;
                }
            }

            if (!leader)
            {
                await batch.Task.ConfigureAwait(false);
                return;
            }

            FlushLoop(_durability == Durability.Fsync);
            batch.ThrowIfFailed();
            if (batch.IsDone)
            {
                return;
            }
        }
    }

    // The leader flushes batches until none is pending, so no follower is left waiting without a leader.
    private void FlushLoop(bool fsync)
    {
        while (true)
        {
            Batch toFlush;
            lock (_lock)
            {
                if (_pending.Buffer.WrittenCount == 0)
                {
                    _flushing = false;
                    return;
                }

                toFlush = _pending;
                _pending = new Batch();
            }

            try
            {
                _file.Write(toFlush.Buffer.WrittenSpan);
                _file.Flush(fsync);
                toFlush.Complete(null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                var failure = new KvDbException(KvErrorCode.StorageIo, $"Writing the log file {_file.Name} failed: {e.Message}", e);
                lock (_lock)
                {
                    _failure = failure;
                    _flushing = false;
                    _pending.Complete(failure);
                }

                toFlush.Complete(failure);
                return;
            }
        }
    }

    /// <summary>Writes whatever is pending (fsync optional); used by the background timer, checkpoints and close.</summary>
    public void FlushPending(bool fsync)
    {
        lock (_lock)
        {
            if (_flushing || _failure is not null || _disposed)
            {
                return;
            }

            _flushing = true;
        }

        FlushLoop(fsync);
        if (fsync)
        {
            lock (_lock)
            {
                if (_failure is null && !_disposed)
                {
                    _file.Flush(true);
                }
            }
        }
    }

    private void FlushInBackground()
    {
        try
        {
            FlushPending(false);
        }
        catch (Exception) when (_failure is not null || _disposed)
        {
            // Recorded as the sticky failure; the next append reports it.
        }
    }

    /// <summary>
    /// Starts a new segment at the next sequence number, after making everything before it durable; returns the
    /// sequence number of the last record in the closed segments. The caller guarantees no append is in flight.
    /// </summary>
    public long Rotate()
    {
        // Wait out a flush in progress (a background one may be running), then flush the rest ourselves.
        SpinWait spin = default;
        while (true)
        {
            lock (_lock)
            {
                ThrowIfFailed();
                if (!_flushing)
                {
                    _flushing = true;
                    break;
                }
            }

            spin.SpinOnce();
        }

        FlushLoop(true);
        lock (_lock)
        {
            ThrowIfFailed();
            _file.Flush(true);
            _file.Dispose();
            _file = CreateSegment(_nextSequence);
            return _nextSequence - 1;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new KvDbException(KvErrorCode.StorageIo, "The log failed earlier and accepts no more writes; reopen the database. " + _failure.Message, _failure);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    public void Dispose()
    {
        _backgroundFlush?.Dispose();
        try
        {
            FlushPending(true);
        }
        catch (KvDbException)
        {
            // The failure was reported to the writers it concerned.
        }

        lock (_lock)
        {
            _disposed = true;
            _file.Dispose();
        }
    }

    /// <summary>Records appended together and made durable together.</summary>
    internal sealed class Batch
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ArrayBufferWriter<byte> Buffer { get; } = new(4096);

        public long LastSequence { get; set; }

        public bool IsDone => _done.Task.IsCompleted;

        public Task Task => _done.Task;

        public void Complete(Exception? failure)
        {
            if (failure is null)
            {
                _done.TrySetResult();
            }
            else
            {
                _done.TrySetException(failure);
            }
        }

        public void ThrowIfFailed()
        {
            if (_done.Task.IsFaulted)
            {
                _done.Task.GetAwaiter().GetResult();
            }
        }
    }
}

/// <summary>File-system helpers for durable renames.</summary>
internal static partial class FileSystem
{
    /// <summary>
    /// Makes a directory's entries (new files, renames) durable. On Linux an fsync of the directory is the only
    /// way and .NET has no API for it, so the directory is opened read-only through libc and fsynced.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // Windows makes directory metadata durable with the file flush.
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return; // Some file systems refuse to open directories; nothing more can be done from here.
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new KvDbException(KvErrorCode.StorageIo,
                    $"fsync of the directory {directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Writes a file atomically: temporary file, fsync, rename over the target, fsync the directory.</summary>
    public static void WriteAtomically(string path, Action<FileStream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            write(file);
            file.Flush(true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(directory);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
