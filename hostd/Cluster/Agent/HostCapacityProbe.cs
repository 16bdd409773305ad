using System.Globalization;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Agent;

/// <summary>
/// Reads what a heartbeat reports: cores, memory (/proc/meminfo), running VMs, bundles held (names and ids:
/// <paramref name="holdings"/>, default the bundle names), free space, and the CMS it runs on the cluster's etcd
/// (<paramref name="cms"/>: its endpoint as guests reach it, or null).
/// </summary>
internal sealed class HostCapacityProbe(string stateDirectory, VmHost? vms, Func<IReadOnlyList<string>>? holdings = null, Func<string?>? cms = null)
{
    private const string MemInfo = "/proc/meminfo";
    private const long KiB = 1024;

    public HostCapacity Read()
    {
        var (total, available) = Memory();
        return new HostCapacity
        {
            Cores = Environment.ProcessorCount,
            MemoryTotalBytes = total,
            MemoryAvailableBytes = available,
            RunningVms = vms?.Running?.Supervisor.List().Count ?? 0,
            Bundles = Bundles(),
            FreeSpaceBytes = FreeSpace(),
            Cms = cms?.Invoke(),
        };
    }

    private IReadOnlyList<string> Bundles()
    {
        try
        {
            return [.. (holdings?.Invoke() ?? new BundleStore(stateDirectory).List()).Where(b => b.Length <= HostCapacity.MaxBundleNameLength).Take(HostCapacity.MaxBundles)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    private long FreeSpace()
    {
        try
        {
            return new DriveInfo(stateDirectory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static (long Total, long Available) Memory()
    {
        long total = 0, available = 0;
        try
        {
            foreach (var line in File.ReadLines(MemInfo))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = KiBytes(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = KiBytes(line);
                }
            }
        }
        catch (IOException)
        {
            // No /proc: report nothing rather than fail the heartbeat.
        }

        return (total, available);
    }

    /// <summary>"MemTotal:       16384256 kB" -> bytes.</summary>
    private static long KiBytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value * KiB : 0;
    }
}
