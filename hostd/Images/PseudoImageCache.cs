using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// The files of a pseudo image's cache directory: <c>data</c>, a sparse file as large as the image, and
/// <c>present</c>, a one-page header followed by a bitmap with one bit per extent. Which extents may be served is
/// kept in memory; a single committer makes them durable in the background.
/// </summary>
/// <remarks>
/// Crash safety rests on one order, kept by the committer: an extent's data is written with <c>pwrite(2)</c>,
/// then <c>fdatasync(2)</c> on <c>data</c>, and only then is its bit set in the on-disk bitmap, whose page is
/// written with <c>pwrite(2)</c> and followed by <c>fdatasync(2)</c> on <c>present</c>. Bits only ever go from 0
/// to 1 and every bit in any page written is backed by data already synced, so a torn page write (some sectors
/// new, some old) can only lose bits, never set one whose data is missing: after a crash the cache may refetch
/// a little but never serves a block it does not hold. The header is written once, at creation, through a
/// temporary file renamed into place after <c>fsync(2)</c>, so a half-created cache has no <c>present</c> file.
/// </remarks>
internal sealed class PseudoImageCache : IAsyncDisposable
{
    public const string DataFileName = "data";
    public const string PresentFileName = "present";
    private const int PageSize = 4096;
    private const ulong Magic = 0x4A5350534555_4431; // "JSPSEUD1"
    private const uint Version = 1;
    private const int MagicOffset = 0;
    private const int VersionOffset = 8;
    private const int ExtentSizeOffset = 12;
    private const int ImageSizeOffset = 16;
    private const int IdentityLengthOffset = 24;
    private const int IdentityOffset = 26;
    private const int MaxIdentityBytes = 1024;
    private const int MaxCommitBatch = 256;

    private readonly SafeFileHandle _data;
    private readonly SafeFileHandle _present;
    private readonly long[] _readable;
    private readonly byte[] _durable;
    private readonly Channel<(long Extent, TaskCompletionSource? Barrier)> _commits = Channel.CreateUnbounded<(long, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _committer;
    private long _presentCount;

    private PseudoImageCache(SafeFileHandle data, SafeFileHandle present, long size, int extentSize, byte[] durable)
    {
        _data = data;
        _present = present;
        Size = size;
        ExtentSize = extentSize;
        ExtentCount = (size + extentSize - 1) / extentSize;
        _durable = durable;
        _readable = new long[(ExtentCount + 63) / 64];
        for (long i = 0; i < ExtentCount; i++)
        {
            if ((durable[i >> 3] & (1 << (int)(i & 7))) != 0)
            {
                _readable[i >> 6] |= 1L << (int)(i & 63);
                _presentCount++;
            }
        }

        _committer = Task.Run(CommitLoopAsync);
    }

    public long Size { get; }

    public int ExtentSize { get; }

    public long ExtentCount { get; }

    public long PresentCount => Interlocked.Read(ref _presentCount);

    public SafeFileHandle Data => _data;

    /// <summary>Opens the cache in <paramref name="directory"/>, creating it when empty.</summary>
    /// <exception cref="PseudoImageCacheException">The cache there belongs to another image or is damaged; nothing was changed.</exception>
    public static PseudoImageCache Open(string directory, string identity, long size, int extentSize)
    {
        var identityBytes = Encoding.UTF8.GetBytes(identity);
        if (identityBytes.Length > MaxIdentityBytes)
        {
            throw new ArgumentException($"identity longer than {MaxIdentityBytes} bytes", nameof(identity));
        }

        Directory.CreateDirectory(directory);
        var dataPath = Path.Combine(directory, DataFileName);
        var presentPath = Path.Combine(directory, PresentFileName);
        var extents = (size + extentSize - 1) / extentSize;
        var bitmapBytes = RoundUp((extents + 7) / 8, PageSize);
        if (!File.Exists(presentPath))
        {
            Create(directory, dataPath, presentPath, identityBytes, size, extentSize, bitmapBytes);
        }

        var present = File.OpenHandle(presentPath, FileMode.Open, FileAccess.ReadWrite);
        try
        {
            var page = new byte[PageSize + bitmapBytes];
            if (RandomAccess.GetLength(present) != page.Length || RandomAccess.Read(present, page, 0) != page.Length)
            {
                throw new PseudoImageCacheException($"{presentPath}: {RandomAccess.GetLength(present)} bytes, expected {page.Length} for this image (another image's cache, or damaged)");
            }

            Validate(presentPath, page, identity, size, extentSize);
            if (!File.Exists(dataPath) || new FileInfo(dataPath).Length != size)
            {
                throw new PseudoImageCacheException($"{dataPath}: missing or not {size} bytes long (damaged cache)");
            }

            var data = File.OpenHandle(dataPath, FileMode.Open, FileAccess.ReadWrite);
            return new PseudoImageCache(data, present, size, extentSize, page[PageSize..]);
        }
        catch
        {
            present.Dispose();
            throw;
        }
    }

    public bool IsPresent(long extent) => (Volatile.Read(ref _readable[extent >> 6]) & (1L << (int)(extent & 63))) != 0;

    /// <summary>Marks an extent readable (its data was written) and queues it to become durable.</summary>
    public void MarkPresent(long extent)
    {
        var bit = 1L << (int)(extent & 63);
        if ((Interlocked.Or(ref _readable[extent >> 6], bit) & bit) == 0)
        {
            Interlocked.Increment(ref _presentCount);
            _commits.Writer.TryWrite((extent, null));
        }
    }

    /// <summary>Completes when every extent marked so far is durable.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _commits.Writer.TryWrite((-1, barrier)) ? barrier.Task.WaitAsync(cancellationToken) : _committer.WaitAsync(cancellationToken);
    }

    public long LengthOf(long extent) => Math.Min(ExtentSize, Size - (extent * ExtentSize));

    public async ValueTask DisposeAsync()
    {
        _commits.Writer.TryComplete();
        await _committer;
        _data.Dispose();
        _present.Dispose();
    }

    private static void Create(string directory, string dataPath, string presentPath, byte[] identity, long size, int extentSize, long bitmapBytes)
    {
        using (var data = File.OpenHandle(dataPath, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(data, size);
            Sync(data, dataPath, datasync: false);
        }

        var header = new byte[PageSize];
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(MagicOffset), Magic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(VersionOffset), Version);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(ExtentSizeOffset), (uint)extentSize);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(ImageSizeOffset), (ulong)size);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(IdentityLengthOffset), (ushort)identity.Length);
        identity.CopyTo(header, IdentityOffset);
        var temporary = presentPath + ".new";
        using (var present = File.OpenHandle(temporary, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(present, PageSize + bitmapBytes);
            RandomAccess.Write(present, header, 0);
            Sync(present, temporary, datasync: false);
        }

        File.Move(temporary, presentPath, overwrite: true);

        // The rename is durable only once the directory is synced (fsync(2): "an explicit fsync() on a file
        // descriptor for the directory is also needed"); .NET cannot open a directory, so through the syscall.
        var dir = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (dir < 0)
        {
            throw new IOException($"cannot open {directory}: {Stdlib.GetLastError()}");
        }

        try
        {
            if (Syscall.fsync(dir) != 0)
            {
                throw new IOException($"fsync of {directory} failed: {Stdlib.GetLastError()}");
            }
        }
        finally
        {
            _ = Syscall.close(dir);
        }
    }

    private static void Validate(string path, byte[] page, string identity, long size, int extentSize)
    {
        if (BinaryPrimitives.ReadUInt64BigEndian(page.AsSpan(MagicOffset)) != Magic)
        {
            throw new PseudoImageCacheException($"{path}: not a Jumpstart pseudo-image cache (bad magic)");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(page.AsSpan(VersionOffset));
        if (version != Version)
        {
            throw new PseudoImageCacheException($"{path}: cache format version {version}, this program reads {Version}");
        }

        var cachedExtent = BinaryPrimitives.ReadUInt32BigEndian(page.AsSpan(ExtentSizeOffset));
        var cachedSize = BinaryPrimitives.ReadUInt64BigEndian(page.AsSpan(ImageSizeOffset));
        var identityLength = BinaryPrimitives.ReadUInt16BigEndian(page.AsSpan(IdentityLengthOffset));
        if (identityLength > MaxIdentityBytes)
        {
            throw new PseudoImageCacheException($"{path}: identity length {identityLength} over the {MaxIdentityBytes}-byte limit (damaged)");
        }

        var cachedIdentity = Encoding.UTF8.GetString(page, IdentityOffset, identityLength);
        if (cachedExtent != extentSize || cachedSize != (ulong)size || cachedIdentity != identity)
        {
            throw new PseudoImageCacheException(
                $"{path}: the cache holds '{cachedIdentity}' ({cachedSize} bytes, {cachedExtent}-byte extents), not '{identity}' ({size} bytes, {extentSize}-byte extents); use another cache directory or remove this one");
        }
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<(long Extent, TaskCompletionSource? Barrier)>();
        var dirtyPages = new SortedSet<long>();
        while (await _commits.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxCommitBatch && _commits.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                // The order that makes the bitmap trustworthy: data durable first, then the bits.
                Sync(_data, DataFileName, datasync: true);
                dirtyPages.Clear();
                foreach (var (extent, _) in batch)
                {
                    if (extent >= 0)
                    {
                        _durable[extent >> 3] |= (byte)(1 << (int)(extent & 7));
                        dirtyPages.Add((extent >> 3) / PageSize);
                    }
                }

                foreach (var page in dirtyPages)
                {
                    var start = (int)(page * PageSize);
                    RandomAccess.Write(_present, _durable.AsSpan(start, Math.Min(PageSize, _durable.Length - start)), PageSize + start);
                }

                if (dirtyPages.Count > 0)
                {
                    Sync(_present, PresentFileName, datasync: true);
                }

                foreach (var (_, barrier) in batch)
                {
                    barrier?.TrySetResult();
                }
            }
            catch (IOException ex)
            {
                foreach (var (_, barrier) in batch)
                {
                    barrier?.TrySetException(ex);
                }
            }
        }
    }

    private static void Sync(SafeFileHandle handle, string what, bool datasync)
    {
        var fd = (int)handle.DangerousGetHandle();
        var result = datasync ? Syscall.fdatasync(fd) : Syscall.fsync(fd);
        if (result != 0)
        {
            throw new IOException($"{(datasync ? "fdatasync" : "fsync")} of {what} failed: {Stdlib.GetLastError()}");
        }
    }

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
}
