using Jumpstart.Hostd.Bake;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// Reads files of a baked image without mounting it: qemu-img converts the qcow2 to a sparse raw file, and e2fsprogs'
/// debugfs opens the ext4 partition at its offset (<c>FILE?offset=N</c>, the unix I/O manager's option).
/// </summary>
public sealed class ImageFiles : IDisposable
{
    private readonly TempDirectory _directory = new("image-files");

    private ImageFiles(string raw) => Raw = raw;

    /// <summary>The whole disk as a raw file (MBR, boot loader, partition).</summary>
    public string Raw { get; }

    private string Partition => $"{Raw}?offset={MbrDisk.PartitionOffsetBytes}";

    public static async Task<ImageFiles> OpenAsync(string qcow2)
    {
        var files = new ImageFiles(Path.Combine(Path.GetTempPath(), $"image-{Guid.NewGuid():N}.raw"));
        var result = await Requirements.RunToolAsync("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", qcow2, files.Raw], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(5) });
        if (!result.Succeeded)
        {
            files.Dispose();
            throw new InvalidOperationException($"qemu-img convert failed: {result.StandardError}");
        }

        return files;
    }

    /// <summary>A file's content, or null when the image has no such file.</summary>
    public async Task<string?> ReadAsync(string path)
    {
        var stat = await DebugfsAsync($"stat {path}");
        if (stat.StandardError.Contains("File not found", StringComparison.Ordinal))
        {
            return null;
        }

        return (await DebugfsAsync($"cat {path}")).StandardOutput;
    }

    /// <summary>The names in a directory (debugfs <c>ls -p</c>: /inode/mode/uid/gid/name/size/).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string directory)
        => [.. (await DebugfsAsync($"ls -p {directory}")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('/'))
            .Where(f => f.Length > 5 && f[5] is not ("." or ".." or ""))
            .Select(f => f[5])];

    public void Dispose()
    {
        File.Delete(Raw);
        _directory.Dispose();
    }

    private Task<ProcessResult> DebugfsAsync(string request)
        => Requirements.RunToolAsync("debugfs", ["-R", request, Partition], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(1) });
}
