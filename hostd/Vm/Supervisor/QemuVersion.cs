using System.Text.RegularExpressions;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>The installed QEMU's version (<c>qemu-system-x86_64 --version</c>), recorded in bundles.</summary>
public static partial class QemuVersion
{
    private static string? s_cached;

    public static async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (s_cached is { } cached)
        {
            return cached;
        }

        var result = await ProcessRunner.RunAsync(QemuCommandLine.Binary, ["--version"], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken);
        var match = Version().Match(result.StandardOutput);
        s_cached = match.Success ? match.Groups[1].Value : "unknown";
        return s_cached;
    }

    [GeneratedRegex(@"version (\d+\.\d+\.\d+)")]
    private static partial Regex Version();
}
