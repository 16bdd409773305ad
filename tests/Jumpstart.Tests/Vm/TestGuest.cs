using System.Text.Json;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// The project's test guest (packaging/guest/build-test-guest: Debian kernel, busybox initramfs,
/// jumpstart-guestd), built once per test run (the script caches by content hash).
/// </summary>
public sealed record TestGuest(string Kernel, string Initrd, string CommandLine, int MemoryMiB)
{
    /// <summary>What guestd prints once it watches the CDROM: the template is ready to suspend.</summary>
    public const string WatchingMarker = "for a metadata disc";

    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(20);
    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static TestGuest? s_built;

    public static async Task<TestGuest> GetAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_built is { } built)
            {
                return built;
            }

            var result = await ProcessRunner.RunAsync(
                BuiltPrograms.RepositoryFile("packaging/guest/build-test-guest"), ["--quiet"], new ProcessRunOptions { Timeout = s_buildTimeout });
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"build-test-guest failed ({result.ExitCode}): {result.StandardError}");
            }

            var directory = result.StandardOutput.Trim().Split('\n')[^1];
            using var guest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, "guest.json")));
            var root = guest.RootElement;
            s_built = new TestGuest(
                Path.Combine(directory, root.GetProperty("kernel").GetString()!),
                Path.Combine(directory, root.GetProperty("initrd").GetString()!),
                root.GetProperty("cmdline").GetString()!,
                root.GetProperty("memoryMiB").GetInt32());
            return s_built;
        }
        finally
        {
            s_lock.Release();
        }
    }

    /// <summary>A template spec that boots this guest with the CDROM, a NIC and vmgenid.</summary>
    public VmSpec Spec(string templateMac) => new()
    {
        MemoryMiB = MemoryMiB,
        Kernel = Kernel,
        Initrd = Initrd,
        Append = CommandLine,
        Nic = new VmNicSpec { Mac = templateMac, PciSlot = 3 },
    };
}
