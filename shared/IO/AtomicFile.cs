using System.Text;
using Mono.Unix.Native;

namespace Jumpstart.Shared.IO;

/// <summary>
/// Writes a file so that a crash leaves either the old or the new content, never a mix: write a
/// temporary file beside it, fsync, set the mode, rename over the target, fsync the directory.
/// </summary>
public static class AtomicFile
{
    /// <summary>Default mode: owner read/write, everyone else read.</summary>
    public const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void WriteAllText(string path, string content, UnixFileMode mode = DefaultMode)
        => WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = DefaultMode)
    {
        var bytes = content.ToArray();
        Write(path, stream => stream.Write(bytes), mode);
    }

    /// <summary>Streams the new content through <paramref name="write"/>; the target changes only if it returns.</summary>
    public static void Write(string path, Action<Stream> write, UnixFileMode mode = DefaultMode)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new ArgumentException($"'{path}' has no directory", nameof(path));
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);

                // Set the mode on the handle before the rename, so the file never appears with looser
                // permissions than asked (the create mode is also masked by the umask).
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, mode);
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        SyncDirectory(directory);
    }

    /// <summary>fsync a directory, making a rename or create in it durable (best effort).</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
        {
            return;
        }

        try
        {
            // Makes the rename itself durable; a failure here cannot undo the write, so it is not fatal.
            _ = Syscall.fsync(fd);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }
}
