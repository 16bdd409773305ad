using Jumpstart.Shared.IO;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>An <see cref="IBlockSource"/> over a local raw image file (positional reads, many in flight).</summary>
public sealed class FileBlockSource : IBlockSource
{
    private readonly SafeFileHandle _handle;

    private FileBlockSource(string path, SafeFileHandle handle, long size)
    {
        Name = "file://" + path;
        _handle = handle;
        Size = size;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public long Size { get; }

    /// <summary>Opens <paramref name="path"/> read-only; its size is fixed at open.</summary>
    /// <exception cref="InputFileException">Not a regular file or block device (a directory, <c>/dev/zero</c>, a FIFO).</exception>
    public static FileBlockSource Open(string path)
    {
        var full = Path.GetFullPath(path);
        var handle = BoundedFile.OpenHandle(full, FileKinds.Regular | FileKinds.BlockDevice);
        return new FileBlockSource(full, handle, RandomAccess.GetLength(handle));
    }

    /// <inheritdoc/>
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset > Size - destination.Length)
        {
            throw new NbdErrorException(NbdError.Inval, $"read of {destination.Length} bytes at {offset} is outside {Name} (size {Size})");
        }

        while (!destination.IsEmpty)
        {
            var read = await RandomAccess.ReadAsync(_handle, destination, offset, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"{Name} ended at {offset} (it shrank while open)");
            }

            offset += read;
            destination = destination[read..];
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
