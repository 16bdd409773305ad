using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// A block server's objects on disk: <c>DIR/peers/PEER/ab/abcdef...</c>. A put writes a temporary file in
/// <c>DIR/peers/PEER/tmp/</c>, fsyncs it, renames it into place and fsyncs the directory, so a crash leaves
/// either the old object or the new one, and never a partial object under a served name. Temporary files
/// left by a crash are removed when the repository opens.
/// </summary>
public sealed class BlockRepository
{
    private const string PeersDirectory = "peers";
    private const string TempDirectory = "tmp";
    private const int FanOutLength = 2;

    private readonly string _root;

    public BlockRepository(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _root = Path.Combine(Path.GetFullPath(directory), PeersDirectory);
        Directory.CreateDirectory(_root);
        foreach (var peer in Directory.EnumerateDirectories(_root))
        {
            var temp = Path.Combine(peer, TempDirectory);
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>Stores <paramref name="data"/> as object <paramref name="id"/> of <paramref name="peer"/> durably.</summary>
    public async Task PutAsync(string peer, string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var target = ObjectPath(peer, id);
        var directory = Path.GetDirectoryName(target)!;
        var tempDirectory = Path.Combine(_root, peer, TempDirectory);
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(tempDirectory);
        var temp = Path.Combine(tempDirectory, $"{id}.{Guid.NewGuid():N}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous, PreallocationSize = data.Length };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(data, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        AtomicFile.SyncDirectory(directory);
    }

    /// <summary>Reads object <paramref name="id"/> into <paramref name="buffer"/>; returns its length, or -1 when absent.</summary>
    public async Task<int> ReadAsync(string peer, string id, byte[] buffer, CancellationToken cancellationToken)
    {
        var path = ObjectPath(peer, id);
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            if (stream.Length > Math.Min(buffer.Length, StoreLimits.MaxBlockSize))
            {
                throw new IOException($"object {id} is larger than {StoreLimits.MaxBlockSize} bytes");
            }

            var length = (int)stream.Length;
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            return length;
        }
        catch (FileNotFoundException)
        {
            return -1;
        }
        catch (DirectoryNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Removes object <paramref name="id"/> of <paramref name="peer"/>; an absent object (or directory) is already removed.</summary>
    public void Delete(string peer, string id)
    {
        try
        {
            File.Delete(ObjectPath(peer, id));
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever stored under its fan-out directory (or an operator removed it): nothing to delete.
        }
    }

    /// <summary>How many objects a peer has and their total size.</summary>
    public (long Count, long Bytes) Stats(string peer)
    {
        var directory = Path.Combine(_root, peer);
        if (!Directory.Exists(directory))
        {
            return (0, 0);
        }

        long count = 0, bytes = 0;
        foreach (var fan in Directory.EnumerateDirectories(directory))
        {
            if (Path.GetFileName(fan) == TempDirectory)
            {
                continue;
            }

            foreach (var file in new DirectoryInfo(fan).EnumerateFiles())
            {
                count++;
                bytes += file.Length;
            }
        }

        return (count, bytes);
    }

    /// <summary>Where object <paramref name="id"/> of <paramref name="peer"/> lives (for tests and operators).</summary>
    public string ObjectPath(string peer, string id)
        => Path.Combine(_root, peer, id[..Math.Min(FanOutLength, id.Length)], id);
}
