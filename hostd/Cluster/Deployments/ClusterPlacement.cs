using System.Globalization;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>A host a deployment may use and the memory it can still give VMs.</summary>
/// <param name="Host">Its cluster name.</param>
/// <param name="FreeBytes">Memory for new VMs: what its last heartbeat said was available, less the reserve.</param>
public sealed record PlacementCandidate(string Host, long FreeBytes);

/// <summary>
/// Decides which host runs which instance of a deployment, by memory: every VM costs its spec's memory plus QEMU's own
/// (<see cref="QemuOverheadBytes"/>). <c>spread</c> gives each next instance to the host with the fewest so far (ties:
/// the most memory left), <c>pack</c> fills the host with the most memory first. Instance 1 (the master under
/// master-workers) goes first, so it lands on the roomiest host.
/// </summary>
public static class ClusterPlacement
{
    /// <summary>What a VM costs beyond its guest memory: QEMU's own heap, the TCG translation cache it touches, page tables.</summary>
    public const long QemuOverheadBytes = 64L * 1024 * 1024;

    /// <summary>Bytes one VM of <paramref name="memoryMiB"/> takes on its host.</summary>
    public static long BytesPerVm(int memoryMiB) => (memoryMiB * 1024L * 1024) + QemuOverheadBytes;

    /// <summary>Places <paramref name="numbers"/> (instance numbers) on <paramref name="hosts"/>.</summary>
    /// <returns>Instance number -> host.</returns>
    /// <exception cref="ClusterCapacityException">The hosts cannot hold them all; nothing is placed, and the message says what is missing.</exception>
    public static IReadOnlyDictionary<int, string> Place(IReadOnlyList<PlacementCandidate> hosts, IReadOnlyList<int> numbers, long bytesPerVm, string mode)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(numbers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerVm);
        var room = hosts.ToDictionary(h => h.Host, h => (int)Math.Clamp(h.FreeBytes / bytesPerVm, 0, int.MaxValue), StringComparer.OrdinalIgnoreCase);
        var total = room.Values.Sum(v => (long)v);
        if (total < numbers.Count)
        {
            throw new ClusterCapacityException(Shortfall(hosts, room, numbers.Count, bytesPerVm));
        }

        var given = hosts.ToDictionary(h => h.Host, _ => 0, StringComparer.OrdinalIgnoreCase);
        var order = hosts.OrderByDescending(h => h.FreeBytes).ThenBy(h => h.Host, StringComparer.Ordinal).Select(h => h.Host).ToList();
        var placed = new Dictionary<int, string>();
        foreach (var number in numbers)
        {
            var open = order.Where(h => given[h] < room[h]);
            var host = mode == PlacementModes.Pack
                ? open.First()
                : open.OrderBy(h => given[h]).ThenByDescending(h => room[h] - given[h]).First();
            given[host]++;
            placed[number] = host;
        }

        return placed;
    }

    private static string Shortfall(IReadOnlyList<PlacementCandidate> hosts, Dictionary<string, int> room, int count, long bytesPerVm)
    {
        var total = room.Values.Sum();
        var perHost = hosts.Count == 0
            ? "no host is up"
            : string.Join(", ", hosts.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Host} {room[h.Host]} ({Mib(h.FreeBytes)} MiB free)")));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"the cluster cannot hold {count} VMs of {Mib(bytesPerVm)} MiB each: room for {total} ({perHost}); {count - total} more need {Mib((count - total) * bytesPerVm)} MiB");
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
