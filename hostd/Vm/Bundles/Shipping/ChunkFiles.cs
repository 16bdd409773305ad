using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>The open part files of one bundle directory, read and written at chunk offsets.</summary>
internal sealed class ChunkFiles : IDisposable
{
    private const int ENOSPC = 28;

    /// <summary>sync_file_range(2): start write-out of dirty pages in the range, do not wait.</summary>
    private const uint SyncFileRangeWrite = 2;

    private readonly TransferManifest _manifest;

    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);

    public ChunkFiles(string directory, TransferManifest manifest, bool writable)
    {
        _manifest = manifest;
        try
        {
            foreach (var file in manifest.Files)
            {
                // The names were checked by TransferManifest.Validate: plain part names, nothing outside the directory.
                _handles[file.Name] = File.OpenHandle(
                    Path.Combine(directory, file.Name),
                    writable ? FileMode.OpenOrCreate : FileMode.Open,
                    writable ? FileAccess.ReadWrite : FileAccess.Read,
                    FileShare.Read,
                    FileOptions.Asynchronous);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public async Task ReadAsync(int index, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var (file, offset, length) = _manifest.Locate(index);
        if (buffer.Length != length)
        {
            throw new ArgumentException($"chunk {index} is {length} bytes, the buffer {buffer.Length}", nameof(buffer));
        }

        var handle = _handles[file.Name];
        for (var done = 0; done < length;)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[done..], offset + done, cancellationToken);
            done += read > 0 ? read : throw new ShippingException(ShippingProblem.Corrupted, $"{file.Name} is shorter than its chunk {index}");
        }
    }

    /// <exception cref="ShippingException"><see cref="ShippingProblem.NoSpace"/> when the disk is full.</exception>
    public async Task WriteAsync(int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var (file, offset, _) = _manifest.Locate(index);
        try
        {
            var handle = _handles[file.Name];
            await RandomAccess.WriteAsync(handle, data, offset, cancellationToken);

            // Start writing the chunk to disk now, so the fsync of Finish finds little left: left to the kernel, a
            // received gigabyte sat in the page cache and the fsync at the end wrote it while the sender waited. A
            // hint only (its failure changes nothing: Finish still flushes everything).
            _ = SyncFileRange(handle, offset, data.Length, SyncFileRangeWrite);
        }
        catch (IOException ex) when (IsNoSpace(ex))
        {
            throw new ShippingException(ShippingProblem.NoSpace, $"the disk is full: writing {file.Name} of bundle {_manifest.BundleId}", ex);
        }
    }

    /// <summary>Sets every file to its final size, flushes it to disk and closes it.</summary>
    public void Finish()
    {
        foreach (var file in _manifest.Files)
        {
            var handle = _handles[file.Name];
            try
            {
                RandomAccess.SetLength(handle, file.Size);
                _handles.Remove(file.Name);
                using var stream = new FileStream(handle, FileAccess.ReadWrite, 1, isAsync: true);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException ex) when (IsNoSpace(ex))
            {
                throw new ShippingException(ShippingProblem.NoSpace, $"the disk is full: finishing {file.Name} of bundle {_manifest.BundleId}", ex);
            }
        }
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);

    public static bool IsNoSpace(IOException ex) => ex.HResult == ENOSPC || ex.Message.Contains("No space left", StringComparison.Ordinal);

    public void Dispose()
    {
        foreach (var handle in _handles.Values)
        {
            handle.Dispose();
        }

        _handles.Clear();
    }
}
