using Jumpstart.Tests.Guestd;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// The cluster tests' network: a "switch" namespace holding a bridge; every host namespace hangs off it by a veth pair.
/// The bridge has an address too (<see cref="Address"/>), so a test can run a client (an attacker, a capture) on the
/// wire between the hosts.
/// </summary>
public sealed class ClusterSwitch : IAsyncDisposable
{
    public const string BridgeName = "br0";

    /// <summary>The subnet's first three octets; the switch is .1, host i is .(10 + i).</summary>
    public const string SubnetPrefix = "10.77.0";

    public const int PrefixLength = 24;

    private readonly NetworkNamespace _namespace;

    private ClusterSwitch(NetworkNamespace ns)
    {
        _namespace = ns;
    }

    public string Namespace => _namespace.Name;

    /// <summary>The bridge's own address.</summary>
    public static string Address => SubnetPrefix + ".1";

    /// <summary>Host <paramref name="index"/>'s address.</summary>
    public static string HostAddress(int index) => $"{SubnetPrefix}.{10 + index}";

    public static async Task<ClusterSwitch> CreateAsync()
    {
        var ns = await NetworkNamespace.CreateAsync("csw");
        try
        {
            await ns.IpAsync("link", "add", BridgeName, "type", "bridge");
            await ns.IpAsync("link", "set", BridgeName, "type", "bridge", "forward_delay", "0", "stp_state", "0");
            await ns.IpAsync("address", "add", $"{Address}/{PrefixLength}", "dev", BridgeName);
            await ns.IpAsync("link", "set", BridgeName, "up");
            return new ClusterSwitch(ns);
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Plugs <paramref name="host"/> in: a veth pair created straight into both namespaces (no name ever lives in the
    /// root namespace), <c>eth0</c> with <paramref name="address"/> on the host's side, <c>portN</c> on the bridge.
    /// </summary>
    internal async Task PlugAsync(NetworkNamespace host, int port, string address, IReadOnlyList<string>? bridgedAddresses = null)
    {
        var portName = $"port{port}";
        await Support.Requirements.RunToolAsync("ip", ["link", "add", "eth0", "netns", host.Name, "type", "veth", "peer", "name", portName, "netns", Namespace]);
        await _namespace.IpAsync("link", "set", portName, "master", BridgeName, "up");
        var device = "eth0";
        if (bridgedAddresses is not null)
        {
            // A host whose VMs share the cluster's L2 segment: its bridge holds the uplink and the host's addresses, as a
            // real host's bridge holds its NIC.
            device = HostBridgeName;
            await host.IpAsync("link", "add", device, "type", "bridge");
            await host.IpAsync("link", "set", device, "type", "bridge", "forward_delay", "0", "stp_state", "0");
            await host.IpAsync("link", "set", "eth0", "master", device);
            foreach (var extra in bridgedAddresses)
            {
                await host.IpAsync("address", "add", extra, "dev", device);
            }

            await host.IpAsync("link", "set", device, "up");
        }

        await host.IpAsync("address", "add", $"{address}/{PrefixLength}", "dev", device);
        await host.IpAsync("link", "set", "eth0", "up");
    }

    /// <summary>The bridge of a host whose VMs join the switch's segment (<see cref="PlugAsync"/> with bridged addresses).</summary>
    public const string HostBridgeName = "jsbr0";

    /// <summary>The argv prefix that runs a program in the switch namespace.</summary>
    public IReadOnlyList<string> ExecPrefix => ["netns", "exec", Namespace];

    public ValueTask DisposeAsync() => _namespace.DisposeAsync();
}
