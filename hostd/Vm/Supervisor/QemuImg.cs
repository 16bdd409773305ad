using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>The qemu-img operations hostd needs, run with argv (qemu-img(1), QEMU 7.2).</summary>
public static class QemuImg
{
    public const string Binary = "qemu-img";

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    /// <summary>A new qcow2 whose backing file is <paramref name="backingFile"/> (format <paramref name="backingFormat"/>: raw or qcow2).</summary>
    /// <exception cref="IOException">qemu-img failed; its message says why.</exception>
    public static async Task CreateOverlayAsync(string path, string backingFile, string backingFormat, CancellationToken cancellationToken)
    {
        if (backingFormat is not ("raw" or "qcow2"))
        {
            throw new ArgumentException($"backing format '{backingFormat}' is not raw or qcow2", nameof(backingFormat));
        }

        // An NBD URI stays a URI: qemu-img and QEMU open it with their NBD client (nbd+unix:// or nbd://).
        var backing = TemplateBaseImage.IsNbdUri(backingFile) ? backingFile : Path.GetFullPath(backingFile);
        await RunAsync(["create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, path], cancellationToken);
    }

    /// <summary>An empty image of <paramref name="bytes"/> (for tests and scratch disks).</summary>
    public static Task CreateAsync(string path, string format, long bytes, CancellationToken cancellationToken)
        => RunAsync(["create", "-q", "-f", format, path, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    private static async Task RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(Binary, arguments, new ProcessRunOptions { Timeout = s_timeout, MaxCapturedChars = 16 * 1024 }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new IOException($"qemu-img {arguments[0]} failed: {(result.TimedOut ? "timed out" : result.StandardError.Trim())}");
        }
    }
}
