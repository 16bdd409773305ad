using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// Changes Linux networking over rtnetlink from guestd itself (rtnetlink(7)), with the messages
/// iproute2 sends for the same <see cref="IpCommands"/>: no process is started (under TCG each
/// <c>ip</c> start costs about 0.25 s of emulated CPU). Each change is made at once, so
/// <see cref="CommitAsync"/> does nothing. Works in guestd's network namespace or the named one
/// (<c>/run/netns/NAME</c>, as <c>ip -n</c>). Errors quote the equivalent <c>ip</c> command. The gratuitous ARP
/// is guestd's own too (<see cref="ArpAnnouncement"/>, not arping).
/// </summary>
/// <param name="networkNamespace">A named network namespace, or null for guestd's own.</param>
public sealed class NetlinkConfigurator(string? networkNamespace = null) : INetworkConfigurator
{
    // <linux/if_link.h>, <linux/if_addr.h>, <linux/rtnetlink.h>, <linux/neighbour.h>, <linux/if.h>, <linux/if_arp.h>.
    private const ushort IflaAddress = 1;
    private const ushort IflaIfName = 3;
    private const ushort IflaMtu = 4;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const ushort RtaDestination = 1;
    private const ushort RtaOutputInterface = 4;
    private const ushort RtaGateway = 5;
    private const ushort RtaPriority = 6;
    private const uint InterfaceUp = 0x1;
    private const ushort ArpHardwareLoopback = 772;
    private const byte TableMain = 254;
    private const byte ProtocolBoot = 3;
    private const byte ScopeUniverse = 0;
    private const byte ScopeLink = 253;
    private const byte ScopeHost = 254;
    private const byte RouteUnicast = 1;
    private const uint RouteCloned = 0x200;
    private const ushort NeighbourNoArp = 0x40;
    private const ushort NeighbourPermanent = 0x80;

    // errno values a flush meets when the kernel already removed an entry with another one.
    private const int NoEntry = 2;
    private const int NoProcess = 3;
    private const int AddressNotAvailable = 99;

    private const int LinkHeaderBytes = 16;
    private const int AddressHeaderBytes = 8;
    private const int RouteHeaderBytes = 12;
    private const int NeighbourHeaderBytes = 12;
    private const int MacBytes = 6;

    /// <summary>Read-only (<see cref="ReadOnly"/>): every request that would change the kernel's state is built but not sent.</summary>
    private bool _readOnly;

    /// <summary>In read-only mode, a link renamed by a request that was not sent: new name to the kernel's name.</summary>
    private readonly Dictionary<string, string> _unsentRenames = new(StringComparer.Ordinal);

    /// <summary>
    /// The same configurator in read-only mode, for a template's warm-up: it looks links up, dumps addresses, routes and
    /// neighbours, and builds every change message, the ARP announcement included, exactly as for a clone, but sends
    /// no change. So the code a clone runs (the replies' parsing, the flushes' filters, the messages' builders) is
    /// compiled in the template, and the template's network stays as it was.
    /// </summary>
    public NetlinkConfigurator ReadOnly() => new(networkNamespace) { _readOnly = true };

    /// <summary>From a dump of RTM_GETLINK: each link's name, MAC and whether it is a loopback.</summary>
    public Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken)
    {
        using var netlink = RtNetlink.Open(networkNamespace);
        var links = new List<NetworkLink>();
        foreach (var body in netlink.Dump(RtNetlink.GetLink, LinkHeader(0, 0, 0)))
        {
            if (body.Length < LinkHeaderBytes)
            {
                continue;
            }

            string? name = null, mac = null;
            foreach (var (type, value) in RtNetlink.Attributes(body, LinkHeaderBytes))
            {
                if (type == IflaIfName)
                {
                    name = Encoding.ASCII.GetString(value).TrimEnd('\0');
                }
                else if (type == IflaAddress && value.Length == MacBytes)
                {
                    mac = string.Join(':', value.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
                }
            }

            if (name is not null)
            {
                links.Add(new NetworkLink(name, mac, BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(2)) == ArpHardwareLoopback));
            }
        }

        return Task.FromResult<IReadOnlyList<NetworkLink>>(links);
    }

    public Task SetLinkDownAsync(string link, CancellationToken cancellationToken)
        => SetLinkAsync(link, IpCommands.LinkDown(link), flags: 0, change: InterfaceUp, _ => { });

    public Task SetLinkUpAsync(string link, CancellationToken cancellationToken)
        => SetLinkAsync(link, IpCommands.LinkUp(link), flags: InterfaceUp, change: InterfaceUp, _ => { });

    public Task SetMacAsync(string link, string mac, CancellationToken cancellationToken)
    {
        var argv = IpCommands.SetMac(link, mac);
        var bytes = Convert.FromHexString(argv[^1].Replace(":", string.Empty, StringComparison.Ordinal));
        return SetLinkAsync(link, argv, 0, 0, m => RtNetlink.AddAttribute(m, IflaAddress, bytes));
    }

    public Task SetMtuAsync(string link, int mtu, CancellationToken cancellationToken)
        => SetLinkAsync(link, IpCommands.SetMtu(link, mtu), 0, 0, m => RtNetlink.AddAttribute(m, IflaMtu, (uint)mtu));

    public async Task RenameAsync(string link, string newName, CancellationToken cancellationToken)
    {
        await SetLinkAsync(link, IpCommands.Rename(link, newName), 0, 0, m => RtNetlink.AddAttribute(m, IflaIfName, newName));
        if (_readOnly)
        {
            _unsentRenames[newName] = KernelName(link);
        }
    }

    /// <summary>As <c>ip address flush dev LINK</c>: every address of the link, each message of the dump sent back as RTM_DELADDR.</summary>
    public Task FlushAddressesAsync(string link, CancellationToken cancellationToken)
    {
        var argv = IpCommands.FlushAddresses(link);
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        foreach (var body in netlink.Dump(RtNetlink.GetAddress, new byte[AddressHeaderBytes]))
        {
            if (body.Length >= AddressHeaderBytes && BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4)) == index)
            {
                Delete(netlink, RtNetlink.DeleteAddress, body, argv);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>As <c>ip route flush dev LINK table all</c>: every route whose output interface is the link, both families, every table.</summary>
    public Task FlushRoutesAsync(string link, CancellationToken cancellationToken)
    {
        var argv = IpCommands.FlushRoutes(link);
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        foreach (var body in netlink.Dump(RtNetlink.GetRoute, new byte[RouteHeaderBytes]))
        {
            if (body.Length < RouteHeaderBytes || (BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8)) & RouteCloned) != 0)
            {
                continue;
            }

            var oif = RtNetlink.Attributes(body, RouteHeaderBytes).FirstOrDefault(a => a.Type == RtaOutputInterface).Value;
            if (oif is { Length: 4 } && BinaryPrimitives.ReadInt32LittleEndian(oif) == index)
            {
                Delete(netlink, RtNetlink.DeleteRoute, body, argv);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>As <c>ip neigh flush dev LINK</c>: the link's entries except permanent, NOARP and state-less ones (ip-neighbour(8)).</summary>
    public Task FlushNeighboursAsync(string link, CancellationToken cancellationToken)
    {
        var argv = IpCommands.FlushNeighbours(link);
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        foreach (var body in netlink.Dump(RtNetlink.GetNeighbour, new byte[NeighbourHeaderBytes]))
        {
            if (body.Length >= NeighbourHeaderBytes
                && BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4)) == index
                && BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(8)) is var state and not 0
                && (state & (NeighbourNoArp | NeighbourPermanent)) == 0)
            {
                Delete(netlink, RtNetlink.DeleteNeighbour, body, argv);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>As <c>ip address add ADDR/LEN dev LINK</c>: IFA_LOCAL and IFA_ADDRESS both the address (no peer), global scope.</summary>
    public Task AddAddressAsync(string link, IpPrefix address, CancellationToken cancellationToken)
    {
        var argv = IpCommands.AddAddress(link, address);
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        var message = new List<byte>
        {
            LinuxFamily(address.Address.AddressFamily), (byte)address.PrefixLength, 0, IPAddress.IsLoopback(address.Address) ? ScopeHost : ScopeUniverse,
        };
        AddInt32(message, index);
        RtNetlink.AddAttribute(message, IfaLocal, address.Address.GetAddressBytes());
        RtNetlink.AddAttribute(message, IfaAddress, address.Address.GetAddressBytes());
        Check(Change(netlink, RtNetlink.NewAddress, RtNetlink.FlagCreate | RtNetlink.FlagExclusive, message.ToArray()), argv);
        return Task.CompletedTask;
    }

    public Task ReplaceDefaultRouteAsync(string link, IPAddress gateway, CancellationToken cancellationToken)
        => ReplaceRouteAsync(IpCommands.ReplaceDefaultRoute(link, gateway), link, Family(gateway), destination: null, gateway, metric: null);

    public Task ReplaceRouteAsync(string link, RoutePlan route, CancellationToken cancellationToken)
        => ReplaceRouteAsync(IpCommands.ReplaceRoute(link, route), link, Family(route.Destination.Address), route.Destination, route.Gateway, route.Metric);

    /// <summary>Every change was made when it was asked for.</summary>
    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One ARP Announcement (RFC 5227) of <paramref name="address"/> from the link's current MAC.</summary>
    public Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken)
    {
        var argv = IpCommands.GratuitousArp(link, address);
        int index;
        byte[]? mac;
        using (var netlink = RtNetlink.Open(networkNamespace))
        {
            (index, mac) = LinkOf(netlink, link, argv);
        }

        mac ??= _readOnly ? new byte[MacBytes] : throw new NetworkConfigurationException($"link {link} has no Ethernet MAC to announce {address} from");
        if (_readOnly)
        {
            _ = ArpAnnouncement.Packet(mac, address.GetAddressBytes());
            return Task.CompletedTask;
        }

        ArpAnnouncement.Send(networkNamespace, index, mac, address);
        return Task.CompletedTask;
    }

    /// <summary>
    /// As <c>ip route replace</c>: the main table, protocol boot, a unicast route of universe scope through a
    /// gateway, else of link scope for IPv4 (iproute2's defaults; IPv6 routes are always universe).
    /// </summary>
    private Task ReplaceRouteAsync(IReadOnlyList<string> argv, string link, AddressFamily family, IpPrefix? destination, IPAddress? gateway, int? metric)
    {
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        var scope = gateway is null && family == AddressFamily.InterNetwork ? ScopeLink : ScopeUniverse;
        var message = new List<byte> { LinuxFamily(family), (byte)(destination?.PrefixLength ?? 0), 0, 0, TableMain, ProtocolBoot, scope, RouteUnicast };
        AddInt32(message, 0);
        if (destination is { } prefix)
        {
            RtNetlink.AddAttribute(message, RtaDestination, prefix.Address.GetAddressBytes());
        }

        if (gateway is not null)
        {
            RtNetlink.AddAttribute(message, RtaGateway, gateway.GetAddressBytes());
        }

        RtNetlink.AddAttribute(message, RtaOutputInterface, (uint)index);
        if (metric is { } priority)
        {
            RtNetlink.AddAttribute(message, RtaPriority, (uint)priority);
        }

        Check(Change(netlink, RtNetlink.NewRoute, RtNetlink.FlagCreate | RtNetlink.FlagReplace, message.ToArray()), argv);
        return Task.CompletedTask;
    }

    /// <summary>As <c>ip link set</c>: RTM_NEWLINK on the link's index with the flags to change and the attributes.</summary>
    private Task SetLinkAsync(string link, IReadOnlyList<string> argv, uint flags, uint change, Action<List<byte>> attributes)
    {
        using var netlink = RtNetlink.Open(networkNamespace);
        var index = IndexOf(netlink, link, argv);
        var message = new List<byte>(LinkHeader(index, flags, change));
        attributes(message);
        Check(Change(netlink, RtNetlink.NewLink, 0, message.ToArray()), argv);
        return Task.CompletedTask;
    }

    private int IndexOf(RtNetlink netlink, string link, IReadOnlyList<string> argv) => LinkOf(netlink, link, argv).Index;

    /// <summary>RTM_GETLINK by IFLA_IFNAME; the reply's <c>ifi_index</c> and IFLA_ADDRESS (when it is a MAC).</summary>
    private (int Index, byte[]? Mac) LinkOf(RtNetlink netlink, string link, IReadOnlyList<string> argv)
    {
        var message = new List<byte>(LinkHeader(0, 0, 0));
        RtNetlink.AddAttribute(message, IflaIfName, KernelName(link));
        var (error, replies) = netlink.Request(RtNetlink.GetLink, 0, message.ToArray());
        Check(error, argv);
        var reply = replies.FirstOrDefault(r => r.Length >= LinkHeaderBytes)
            ?? throw new NetworkConfigurationException($"'ip {string.Join(' ', argv)}' failed: the kernel did not describe link {link}");
        var mac = RtNetlink.Attributes(reply, LinkHeaderBytes).FirstOrDefault(a => a.Type == IflaAddress && a.Value.Length == MacBytes).Value;
        return (BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4)), mac);
    }

    /// <summary>Sends a dumped object back as a delete, as iproute2's flush does; one already gone is not an error.</summary>
    private void Delete(RtNetlink netlink, ushort type, byte[] body, IReadOnlyList<string> argv)
    {
        var error = Change(netlink, type, 0, body);
        if (error is not (NoEntry or NoProcess or AddressNotAvailable))
        {
            Check(error, argv);
        }
    }

    /// <summary>Sends a request that changes the kernel's state and returns its error; in read-only mode, sends nothing and returns 0.</summary>
    private int Change(RtNetlink netlink, ushort type, ushort flags, byte[] message)
        => _readOnly ? 0 : netlink.Request(type, flags, message).Error;

    /// <summary>The name the kernel knows <paramref name="link"/> by (differs only after a rename read-only mode did not send).</summary>
    private string KernelName(string link) => _unsentRenames.GetValueOrDefault(link, link);

    private static void Check(int error, IReadOnlyList<string> argv)
    {
        if (error != 0)
        {
            throw new NetworkConfigurationException($"'ip {string.Join(' ', argv)}' failed: {LibC.Describe(error)}");
        }
    }

    /// <summary><c>struct ifinfomsg { unsigned char ifi_family, pad; unsigned short ifi_type; int ifi_index; unsigned ifi_flags, ifi_change; }</c>.</summary>
    private static byte[] LinkHeader(int index, uint flags, uint change)
    {
        var header = new byte[LinkHeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), change);
        return header;
    }

    private static void AddInt32(List<byte> message, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        message.AddRange(bytes);
    }

    private static AddressFamily Family(IPAddress address) => address.AddressFamily;

    /// <summary>AF_INET 2, AF_INET6 10 (Linux values; .NET's enum numbers AF_INET6 differently).</summary>
    private static byte LinuxFamily(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
}
