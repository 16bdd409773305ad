using System.Text.Json;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Tests.Support;

/// <summary>
/// The test guest (packaging/guest/build-test-guest): Debian's kernel and an initramfs with
/// jumpstart-guestd. Built once per test run (the script caches by content hash, so this is a
/// second after the first build).
/// </summary>
public sealed record TestGuest(string Directory, string Kernel, string Initrd, string CommandLine)
{
    /// <summary>A cold build publishes guestd and downloads the kernel package.</summary>
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(10);

    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static TestGuest? s_built;

    /// <summary>Builds (or finds in the cache) the test guest.</summary>
    public static async Task<TestGuest> BuildAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            if (s_built is not null)
            {
                return s_built;
            }

            var script = BuiltPrograms.RepositoryFile("packaging/guest/build-test-guest");
            var result = await ProcessRunner.RunAsync(script, ["--quiet"], new ProcessRunOptions { Timeout = s_buildTimeout });
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"build-test-guest failed ({result.ExitCode}): {result.StandardError}");
            }

            var directory = result.StandardOutput.Trim();
            using var facts = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, "guest.json")));
            var root = facts.RootElement;
            s_built = new TestGuest(
                directory,
                Path.Combine(directory, root.GetProperty("kernel").GetString()!),
                Path.Combine(directory, root.GetProperty("initrd").GetString()!),
                root.GetProperty("cmdline").GetString()!);
            return s_built;
        }
        finally
        {
            s_gate.Release();
        }
    }
}
