using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Mono.Unix;
using Mono.Unix.Native;

namespace Jumpstart.Shared.IO;

/// <summary>
/// The one way Jumpstart opens a file someone else named (an operator's argument, a client's request, a peer's
/// bundle, a configuration or state file): the opened file's own kind is checked (a directory, <c>/dev/zero</c>, a
/// FIFO or a socket is refused where a regular file is expected) and at most the caller's named limit is read.
/// </summary>
/// <remarks>
/// The limit is enforced on the bytes read, not on the size the file reports: a character device and a /proc file
/// report 0, and a regular file may grow while it is read. A regular file whose size at open already exceeds the
/// limit is refused unread. The path's kind is checked before it is opened (opening a FIFO waits for a writer,
/// opening some devices has effects) and the opened file's kind again after (the path may have been replaced in
/// between). Missing files raise <see cref="FileNotFoundException"/> (exit 66), unreadable ones
/// <see cref="UnauthorizedAccessException"/>; the rest is <see cref="InputFileException"/> (exit 65).
/// </remarks>
public static class BoundedFile
{
    /// <summary>The limit for a sysfs attribute: it holds at most one page (and reports that as its size).</summary>
    public const int MaxSysfsAttributeBytes = 4096;

    /// <summary>
    /// Opens <paramref name="path"/> for reading when it is one of the <paramref name="accepted"/> kinds, without a
    /// size limit: for readers that seek and bound every read themselves (disc images, disks).
    /// </summary>
    /// <exception cref="InputFileException">Not an accepted kind.</exception>
    public static FileStream Open(string path, FileKinds accepted, int bufferSize = 4096)
        => new(OpenHandle(path, accepted, writable: false, out _), FileAccess.Read, bufferSize);

    /// <summary>As <see cref="Open"/>, as a handle for <see cref="RandomAccess"/>; <paramref name="writable"/> opens it read-write (a disk image served writable).</summary>
    /// <exception cref="InputFileException">Not an accepted kind.</exception>
    public static SafeFileHandle OpenHandle(string path, FileKinds accepted, bool writable = false) => OpenHandle(path, accepted, writable, out _);

    /// <summary>
    /// Opens a regular file as a forward-only stream that throws <see cref="InputFileException"/> once more than
    /// <paramref name="maxBytes"/> are read from it: for readers that stream a file (CSV, logs, JSON).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The reader's named limit.</param>
    /// <param name="bufferSize">The file stream's buffer (0: none; each read goes to the file).</param>
    /// <exception cref="InputFileException">Not a regular file, or larger than <paramref name="maxBytes"/> already.</exception>
    public static Stream OpenRead(string path, long maxBytes, int bufferSize = 0) => OpenBounded(path, maxBytes, bufferSize);

    /// <summary>Reads a whole regular file of at most <paramref name="maxBytes"/>.</summary>
    /// <exception cref="InputFileException">Not a regular file, or larger than <paramref name="maxBytes"/>.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength);
        using var stream = OpenBounded(path, maxBytes);
        var head = new byte[stream.DeclaredLength];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < head.Length)
        {
            return head[..read];
        }

        // Whatever came after the size at open: a file that grew, or one that reports no size (/proc).
        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        return Join(head, rest);
    }

    /// <inheritdoc cref="ReadAllBytes"/>
    public static async Task<byte[]> ReadAllBytesAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength);
        await using var stream = OpenBounded(path, maxBytes);
        var head = new byte[stream.DeclaredLength];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < head.Length)
        {
            return head[..read];
        }

        using var rest = new MemoryStream();
        await stream.CopyToAsync(rest, cancellationToken);
        return Join(head, rest);
    }

    /// <summary>Reads a whole regular text file of at most <paramref name="maxBytes"/> (UTF-8 unless a byte order mark says otherwise).</summary>
    /// <exception cref="InputFileException">Not a regular file, or larger than <paramref name="maxBytes"/>.</exception>
    public static string ReadAllText(string path, long maxBytes)
    {
        using var reader = new StreamReader(OpenBounded(path, maxBytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <inheritdoc cref="ReadAllText"/>
    public static async Task<string> ReadAllTextAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(OpenBounded(path, maxBytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static BoundedReadStream OpenBounded(string path, long maxBytes, int bufferSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var handle = OpenHandle(path, FileKinds.Regular, writable: false, out var size);
        if (size > maxBytes)
        {
            handle.Dispose();
            throw InputFileException.TooLarge(path, maxBytes);
        }

        return new BoundedReadStream(new FileStream(handle, FileAccess.Read, bufferSize), path, maxBytes, size);
    }

    private static byte[] Join(byte[] head, MemoryStream rest)
        => rest.Length == 0 ? head : [.. head, .. rest.GetBuffer().AsSpan(0, (int)rest.Length)];

    private static SafeFileHandle OpenHandle(string path, FileKinds accepted, bool writable, out long size)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Syscall.stat(path, out var named) != 0)
        {
            ThrowOpenFailed(path, Stdlib.GetLastError());
        }

        Require(path, named, accepted);

        // O_NONBLOCK keeps open() from waiting should a file's path have become a FIFO since the stat. A block device
        // is opened as before: for a CD-ROM O_NONBLOCK would skip the driver's medium check (an empty drive must
        // fail here with ENOMEDIUM, and guestd tries again).
        var flags = (writable ? OpenFlags.O_RDWR : OpenFlags.O_RDONLY) | OpenFlags.O_CLOEXEC;
        var nonBlocking = Kind(named) != FilePermissions.S_IFBLK;
        if (nonBlocking)
        {
            flags |= OpenFlags.O_NONBLOCK;
        }

        int fd;
        do
        {
            fd = Syscall.open(path, flags);
        }
        while (fd < 0 && Stdlib.GetLastError() == Errno.EINTR);

        if (fd < 0)
        {
            ThrowOpenFailed(path, Stdlib.GetLastError());
        }

        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        try
        {
            if (Syscall.fstat(fd, out var opened) != 0)
            {
                ThrowOpenFailed(path, Stdlib.GetLastError());
            }

            Require(path, opened, accepted);

            if (nonBlocking)
            {
                ClearNonBlocking(path, fd);
            }

            size = Kind(opened) == FilePermissions.S_IFREG ? opened.st_size : 0;
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads of the kinds accepted block as usual once the file is known to be one of them.</summary>
    private static void ClearNonBlocking(string path, int fd)
    {
        var status = Syscall.fcntl(fd, FcntlCommand.F_GETFL);
        if (status < 0 || Syscall.fcntl(fd, FcntlCommand.F_SETFL, status & ~NativeConvert.FromOpenFlags(OpenFlags.O_NONBLOCK)) < 0)
        {
            ThrowOpenFailed(path, Stdlib.GetLastError());
        }
    }

    private static FilePermissions Kind(Stat stat) => stat.st_mode & FilePermissions.S_IFMT;

    private static void Require(string path, Stat stat, FileKinds accepted)
    {
        var kind = Kind(stat);
        var ok = (kind == FilePermissions.S_IFREG && accepted.HasFlag(FileKinds.Regular))
            || (kind == FilePermissions.S_IFBLK && accepted.HasFlag(FileKinds.BlockDevice));
        if (!ok)
        {
            throw InputFileException.WrongKind(path, Describe(kind), accepted);
        }
    }

    private static string Describe(FilePermissions kind) => kind switch
    {
        FilePermissions.S_IFREG => "a regular file",
        FilePermissions.S_IFDIR => "a directory",
        FilePermissions.S_IFCHR => "a character device",
        FilePermissions.S_IFBLK => "a block device",
        FilePermissions.S_IFIFO => "a FIFO",
        FilePermissions.S_IFSOCK => "a socket",
        _ => "a special file",
    };

    [DoesNotReturn]
    private static void ThrowOpenFailed(string path, Errno errno)
    {
        var reason = UnixMarshal.GetErrorDescription(errno);
        throw errno switch
        {
            Errno.ENOENT => new FileNotFoundException($"{path} does not exist", path),
            Errno.ENOTDIR => new DirectoryNotFoundException($"{path}: a directory in the path does not exist ({reason})"),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"{path}: {reason}"),
            _ => new IOException($"{path}: {reason}"),
        };
    }
}
