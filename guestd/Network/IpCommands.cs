using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// The iproute2 argument vectors for each operation. Every value is one argv element rendered from a
/// typed value (or a name <see cref="NetworkValues"/> accepted), so no metadata can add an argument,
/// an option or a shell word. See ip-link(8), ip-address(8), ip-route(8).
/// </summary>
public static class IpCommands
{
    public static IReadOnlyList<string> ListLinks() => ["-j", "link", "show"];

    public static IReadOnlyList<string> LinkDown(string link) => ["link", "set", "dev", CheckedName(link), "down"];

    public static IReadOnlyList<string> LinkUp(string link) => ["link", "set", "dev", CheckedName(link), "up"];

    public static IReadOnlyList<string> SetMac(string link, string mac)
        => ["link", "set", "dev", CheckedName(link), "address", CheckedMac(mac)];

    public static IReadOnlyList<string> SetMtu(string link, int mtu)
        => ["link", "set", "dev", CheckedName(link), "mtu", mtu.ToString(CultureInfo.InvariantCulture)];

    public static IReadOnlyList<string> Rename(string link, string newName)
        => ["link", "set", "dev", CheckedName(link), "name", CheckedName(newName)];

    public static IReadOnlyList<string> FlushAddresses(string link) => ["address", "flush", "dev", CheckedName(link)];

    /// <summary>Every route through the link, both families, every table (<c>table all</c> is what makes <c>ip</c> flush IPv6 too).</summary>
    public static IReadOnlyList<string> FlushRoutes(string link) => ["route", "flush", "dev", CheckedName(link), "table", "all"];

    public static IReadOnlyList<string> FlushNeighbours(string link) => ["neigh", "flush", "dev", CheckedName(link)];

    /// <summary>
    /// arping(8) in unsolicited mode, one packet: <c>arping -U -c 1 -I LINK ADDRESS</c>. The same flags
    /// work for busybox's and iputils' arping.
    /// </summary>
    public static IReadOnlyList<string> GratuitousArp(string link, IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetwork
            ? ["-U", "-c", "1", "-I", CheckedName(link), address.ToString()]
            : throw new ArgumentException("gratuitous ARP is IPv4 only", nameof(address));

    public static IReadOnlyList<string> AddAddress(string link, IpPrefix address)
        => [Family(address.Address), "address", "add", address.ToString(), "dev", CheckedName(link)];

    public static IReadOnlyList<string> ReplaceDefaultRoute(string link, IPAddress gateway)
        => [Family(gateway), "route", "replace", "default", "via", gateway.ToString(), "dev", CheckedName(link)];

    public static IReadOnlyList<string> ReplaceRoute(string link, RoutePlan route)
    {
        List<string> argv = [Family(route.Destination.Address), "route", "replace", route.Destination.ToString()];
        if (route.Gateway is { } gateway)
        {
            argv.AddRange(["via", gateway.ToString()]);
        }

        argv.AddRange(["dev", CheckedName(link)]);
        if (route.Metric is { } metric)
        {
            argv.AddRange(["metric", metric.ToString(CultureInfo.InvariantCulture)]);
        }

        return argv;
    }

    /// <summary>
    /// One line of an <c>ip -batch</c> script for <paramref name="argv"/>. Batch lines take no global
    /// options, so a leading <c>-4</c>/<c>-6</c> is dropped: every such command names an address or
    /// prefix from which <c>ip</c> infers the family.
    /// </summary>
    /// <exception cref="ArgumentException">An element holds white space (it would split into two words); validated values never do.</exception>
    public static string BatchLine(IReadOnlyList<string> argv)
    {
        var words = argv.Count > 0 && argv[0] is "-4" or "-6" ? argv.Skip(1) : argv;
        foreach (var word in words)
        {
            if (word.Length == 0 || word.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"'{word}' cannot be one word of an ip batch line", nameof(argv));
            }
        }

        return string.Join(' ', words);
    }

    private static string Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";

    // Defence in depth: the validator already checked these, but a name that reaches argv unchecked is a bug.
    private static string CheckedName(string name)
        => NetworkValues.IsInterfaceName(name) ? name : throw new ArgumentException($"unsafe interface name '{name}'", nameof(name));

    private static string CheckedMac(string mac)
        => NetworkValues.IsUnicastMac(mac) ? mac.ToLowerInvariant() : throw new ArgumentException($"bad MAC '{mac}'", nameof(mac));
}
