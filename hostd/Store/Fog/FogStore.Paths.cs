using System.Formats.Tar;
using System.IO.Pipes;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// Puts and gets of paths: a file as it is, a directory (e.g. a state bundle) as a tar stream. The CLI and the
/// control socket share these, so a directory stored by one is restored by the other.
/// </summary>
public sealed partial class FogStore
{
    /// <summary>Stores the file or directory at <paramref name="path"/>; <see cref="PutOptions.Kind"/> follows what it is.</summary>
    /// <param name="path">A file, or a directory stored as a tar stream (it can be larger than the free disk).</param>
    /// <param name="options">How to store it; its kind is set here.</param>
    /// <param name="progress">Plaintext bytes stored so far (for a directory, of the tar stream).</param>
    /// <param name="cancellationToken">Stops the put; nothing is recorded in the catalog.</param>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="InputFileException">Neither a directory nor a regular file, or larger than <see cref="StoreLimits.MaxFileBytes"/>.</exception>
    public async Task<PutResult> PutPathAsync(string path, PutOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path))
        {
            return await PutDirectoryAsync(path, options with { Kind = StoreKinds.Directory }, progress, cancellationToken);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no such file or directory: {path}", path);
        }

        // A device or FIFO would be stored until the servers' disks fill: only a regular file is, and no more than the limit.
        await using var input = BoundedFile.OpenRead(path, StoreLimits.MaxFileBytes, 1 << 20);
        return await PutAsync(input, options with { Kind = StoreKinds.File }, progress, cancellationToken);
    }

    /// <summary>
    /// Gets a stored file into a temporary file beside <paramref name="target"/>, or a stored directory into a
    /// temporary directory beside it, renamed into place only when every byte verified.
    /// </summary>
    /// <param name="name">The stored file.</param>
    /// <param name="target">Where it goes.</param>
    /// <param name="replace">For a directory: replace a non-empty one at <paramref name="target"/> (a file is always replaced).</param>
    /// <param name="progress">Plaintext bytes written so far.</param>
    /// <param name="cancellationToken">Stops the get; <paramref name="target"/> is left as it was.</param>
    /// <exception cref="StoreUsageException">A non-empty directory is in the way and <paramref name="replace"/> is false.</exception>
    public async Task<GetResult> GetToPathAsync(string name, string target, bool replace, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var file = _catalog.GetFile(name).File;
        return file.Kind == StoreKinds.Directory
            ? await GetDirectoryAsync(name, target, replace, progress, cancellationToken)
            : await GetFileAsync(name, target, progress, cancellationToken);
    }

    /// <summary>Streams a directory as a tar archive into a put.</summary>
    private async Task<PutResult> PutDirectoryAsync(string directory, PutOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var writeEnd = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, writeEnd.ClientSafePipeHandle);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tar = Task.Run(async () =>
        {
            try
            {
                await TarFile.CreateFromDirectoryAsync(directory, writeEnd, includeBaseDirectory: false, stop.Token);
            }
            finally
            {
                writeEnd.Dispose();
            }
        }, CancellationToken.None);
        try
        {
            var result = await PutAsync(readEnd, options, progress, cancellationToken);
            await tar;
            return result;
        }
        catch
        {
            await stop.CancelAsync();
            readEnd.Dispose();
            await QuietlyAsync(tar);
            throw;
        }
    }

    private async Task<GetResult> GetFileAsync(string name, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target);
        var temp = Beside(full, "partial");
        try
        {
            GetResult result;
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                result = await GetAsync(name, stream, progress, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<GetResult> GetDirectoryAsync(string name, string target, bool replace, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        if (!replace && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new StoreUsageException($"{target} exists and is not empty");
        }

        var temp = Beside(full, "partial");
        Directory.CreateDirectory(temp);
        try
        {
            using var writeEnd = new AnonymousPipeServerStream(PipeDirection.Out);
            using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, writeEnd.ClientSafePipeHandle);
            var extract = Task.Run(() => TarFile.ExtractToDirectoryAsync(readEnd, temp, overwriteFiles: false, cancellationToken), CancellationToken.None);
            GetResult result;
            try
            {
                result = await GetAsync(name, writeEnd, progress, cancellationToken);
            }
            catch
            {
                // A cut-off tar stream fails the extraction too: the get's failure is the one to report.
                writeEnd.Dispose();
                await QuietlyAsync(extract);
                throw;
            }

            writeEnd.Dispose();
            await extract;
            MoveIntoPlace(temp, full);
            return result;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>Renames <paramref name="temp"/> to <paramref name="full"/>; what was there is moved aside first and deleted after.</summary>
    private static void MoveIntoPlace(string temp, string full)
    {
        if (!Directory.Exists(full))
        {
            Directory.Move(temp, full);
            return;
        }

        var old = Beside(full, "old");
        Directory.Move(full, old);
        try
        {
            Directory.Move(temp, full);
        }
        catch
        {
            Directory.Move(old, full);
            throw;
        }

        Directory.Delete(old, recursive: true);
    }

    private static string Beside(string full, string purpose)
        => Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{purpose}-{Guid.NewGuid():N}");

    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Already failing with the first error.
        }
    }
}
