using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>A small tmpfs the test mounts (as root), so a disk really fills and statvfs really reports its free space.</summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static async Task<Tmpfs> MountAsync(string path, long bytes)
    {
        Directory.CreateDirectory(path);
        await Requirements.RunToolAsync("mount", ["-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path]);
        return new Tmpfs(path);
    }

    /// <summary>Writes a file until the file system is full.</summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    public void Empty() => File.Delete(System.IO.Path.Combine(Path, "filler"));

    public async ValueTask DisposeAsync() => await Requirements.RunToolAsync("umount", ["-l", Path]);
}
