using Mono.Unix.Native;

namespace Jumpstart.Shared.Metadata;

/// <summary>Write-fsync-rename, so a reader sees the old file or the complete new one, never a torn one.</summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            SyncDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Makes the rename itself durable (the directory entry lives in the directory).</summary>
    private static void SyncDirectory(string directory)
    {
        var fd = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
        {
            return;
        }

        try
        {
            Syscall.fsync(fd);
        }
        finally
        {
            Syscall.close(fd);
        }
    }
}
