using System.ComponentModel;
using System.Runtime.InteropServices;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// A raw image file served as an NBD export: positional reads and writes (pread/pwrite through
/// <see cref="RandomAccess"/>, safe for any number of concurrent requests and clients), durable flushes (fsync),
/// and <c>base:allocation</c> from the file system's own data/hole map (lseek SEEK_DATA / SEEK_HOLE).
/// </summary>
/// <remarks>lseek(2) "Seeking file data and holes" (Linux 3.1+): SEEK_DATA returns the next offset holding data
/// (ENXIO past the last data), SEEK_HOLE the next hole (the end of file counts as one).</remarks>
public sealed class FileExport : INbdExport, IDisposable
{
    /// <summary>The block size clients are told to prefer: the page and file-system block size.</summary>
    public const int DefaultPreferredBlockSize = 4096;

    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int ErrnoNoSuchDeviceOrAddress = 6;

    private readonly SafeFileHandle _handle;

    private FileExport(SafeFileHandle handle, string path, bool readOnly, string description)
    {
        _handle = handle;
        Path = path;
        ReadOnly = readOnly;
        Description = description;
        Size = RandomAccess.GetLength(handle);
    }

    /// <summary>The file served.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public long Size { get; }

    /// <inheritdoc/>
    public bool ReadOnly { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int PreferredBlockSize => DefaultPreferredBlockSize;

    /// <summary>Opens <paramref name="path"/> (read-only unless <paramref name="readOnly"/> is false); the size is
    /// fixed at open. Other processes may keep reading and writing the file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="UnauthorizedAccessException">Not readable (or not writable for a writable export).</exception>
    /// <exception cref="InputFileException">Not a regular file or block device (a directory, <c>/dev/zero</c>, a FIFO).</exception>
    public static FileExport Open(string path, bool readOnly, string description = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = BoundedFile.OpenHandle(path, FileKinds.Regular | FileKinds.BlockDevice, writable: !readOnly);
        return new FileExport(handle, System.IO.Path.GetFullPath(path), readOnly, description);
    }

    /// <summary>Reads synchronously (pread on the calling thread): for a page-cached image that takes microseconds, far
    /// less than the thread-pool hop an asynchronous file read costs on Linux, where file I/O is not truly asynchronous.</summary>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TryRead(offset, destination.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Always reads (pread); a file's data is always at hand.</summary>
    /// <exception cref="NbdErrorException">The file ends before the range (it was truncated under the export).</exception>
    public bool TryRead(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(_handle, destination, offset);
            if (n == 0)
            {
                // The file shrank under the export (someone truncated it): the bytes the client asked for are gone.
                throw new NbdErrorException(NbdError.Io, $"'{Path}' ends before offset {offset}");
            }

            offset += n;
            destination = destination[n..];
        }

        return true;
    }

    /// <summary>The image file itself: large reads go out with sendfile(2).</summary>
    public SafeFileHandle? FileFor(long offset, long length) => _handle;

    /// <inheritdoc/>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        if (ReadOnly)
        {
            throw new NbdErrorException(NbdError.Perm, "the export is read-only");
        }

        await RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);
        if (forceUnitAccess)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!ReadOnly)
        {
            RandomAccess.FlushToDisk(_handle);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A local file is as close as data gets; nothing to fetch.</summary>
    public ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var end = Math.Min(Size, offset + length);
        var extents = new List<NbdExtent>();
        var success = false;
        _handle.DangerousAddRef(ref success);
        try
        {
            var fd = (int)_handle.DangerousGetHandle();
            var position = offset;
            while (position < end && extents.Count < NbdLimits.MaxExtentsPerReply)
            {
                var data = Seek(fd, position, SeekData);
                if (data < 0 || data >= end)
                {
                    // No more data before the end of the range (or ENXIO: none up to the end of the file).
                    extents.Add(new NbdExtent(end - position, NbdExtentFlags.Hole | NbdExtentFlags.Zero));
                    break;
                }

                if (data > position)
                {
                    extents.Add(new NbdExtent(data - position, NbdExtentFlags.Hole | NbdExtentFlags.Zero));
                    position = data;
                    continue;
                }

                var hole = Math.Min(Seek(fd, position, SeekHole), end);
                extents.Add(new NbdExtent(hole - position, NbdExtentFlags.Data));
                position = hole;
            }
        }
        finally
        {
            if (success)
            {
                _handle.DangerousRelease();
            }
        }

        return ValueTask.FromResult<IReadOnlyList<NbdExtent>>(extents);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>lseek with SEEK_DATA/SEEK_HOLE; -1 for ENXIO (no data after the offset).</summary>
    private long Seek(int fd, long offset, int whence)
    {
        var result = LSeek(fd, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ErrnoNoSuchDeviceOrAddress ? -1 : throw new NbdErrorException(NbdError.Io, $"lseek on '{Path}' failed", new Win32Exception(errno));
    }

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static extern long LSeek(int fd, long offset, int whence);
}
