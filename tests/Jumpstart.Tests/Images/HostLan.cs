using System.Globalization;
using Jumpstart.Tests.Guestd;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Images;

/// <summary>
/// A LAN of "hosts" for distribution tests: one namespace holds a bridge (the switch, multicast snooping
/// off so the group reaches every port), each host is a namespace joined to it by a veth pair with
/// address 10.98.0.(i+1)/24. The machine's own network is never touched; dispose deletes everything.
/// </summary>
internal sealed class HostLan : IAsyncDisposable
{
    private const string Bridge = "br0";
    private readonly NetworkNamespace _switch;
    private readonly List<NetworkNamespace> _hosts = [];

    private HostLan(NetworkNamespace @switch)
    {
        _switch = @switch;
    }

    /// <summary>Host i's interface name inside its namespace.</summary>
    public static string Interface(int index) => string.Create(CultureInfo.InvariantCulture, $"lan{index}");

    public static string Address(int index) => string.Create(CultureInfo.InvariantCulture, $"10.98.0.{index + 1}");

    public IReadOnlyList<NetworkNamespace> Hosts => _hosts;

    /// <summary>The namespace holding the bridge (a capture on the wire between the hosts).</summary>
    public string SwitchNamespace => _switch.Name;

    public static string BridgeName => Bridge;

    /// <summary>argv prefix that runs a program on host i.</summary>
    public IReadOnlyList<string> Exec(int index) => ["ip", "netns", "exec", _hosts[index].Name];

    public static async Task<HostLan> CreateAsync(int hosts)
    {
        var lan = new HostLan(await NetworkNamespace.CreateAsync("sw"));
        try
        {
            await lan._switch.IpAsync("link", "add", Bridge, "type", "bridge");
            await lan._switch.IpAsync("link", "set", Bridge, "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0");
            await lan._switch.IpAsync("link", "set", Bridge, "up");
            for (var i = 0; i < hosts; i++)
            {
                var host = await NetworkNamespace.CreateAsync("h" + i.ToString(CultureInfo.InvariantCulture));
                lan._hosts.Add(host);
                var port = "p" + i.ToString(CultureInfo.InvariantCulture) + host.Name[^4..];
                await Requirements.RunToolAsync("ip", ["link", "add", Interface(i), "netns", host.Name, "type", "veth", "peer", "name", port, "netns", lan._switch.Name]);
                await lan._switch.IpAsync("link", "set", port, "master", Bridge, "up");
                await host.IpAsync("address", "add", Address(i) + "/24", "dev", Interface(i));
                await host.IpAsync("link", "set", Interface(i), "up");
            }

            return lan;
        }
        catch
        {
            await lan.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await _switch.DisposeAsync();
    }
}
