using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// The connections that have not said Hello yet, oldest first. Entering never fails: past a source's cap that source's
/// oldest connection is evicted (so a flood from one address only churns its own slots), past the total cap the oldest
/// of all. Strangers that connect and wait cannot keep a peer out, since a peer says Hello as soon as it connects: it
/// is evicted only after as many newer connections as the total cap arrive first from sources under their caps. The
/// caller closes the evicted connection's socket, which ends its pending read.
/// </summary>
internal sealed class HelloSlots(int capacity, int perSource)
{
    // An IPv6 source is its /64: one host usually holds a whole /64, so single addresses would not limit it.
    private const int Ipv6PrefixBytes = 8;

    private readonly Lock _lock = new();
    private readonly LinkedList<HelloSlot> _waiting = [];
    private readonly Dictionary<IPAddress, int> _perSource = [];

    /// <summary>Registers <paramref name="socket"/> from <paramref name="remote"/>; returns its slot and the one it evicted, if any.</summary>
    public (HelloSlot Slot, HelloSlot? Evicted) Enter(Socket socket, IPAddress? remote)
    {
        var source = SourceOf(remote);
        lock (_lock)
        {
            HelloSlot? evicted = null;
            if (_perSource.GetValueOrDefault(source) >= perSource)
            {
                evicted = Oldest(source);
            }
            else if (_waiting.Count >= capacity)
            {
                evicted = _waiting.First!.Value;
            }

            if (evicted is not null)
            {
                Remove(evicted);
                evicted.Evicted = true;
            }

            var slot = new HelloSlot(socket, source);
            slot.Node = _waiting.AddLast(slot);
            _perSource[source] = _perSource.GetValueOrDefault(source) + 1;
            return (slot, evicted);
        }
    }

    /// <summary>Frees <paramref name="slot"/> (its Hello is done, failed or it was evicted); idempotent.</summary>
    public void Leave(HelloSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        lock (_lock)
        {
            Remove(slot);
        }
    }

    private static IPAddress SourceOf(IPAddress? remote)
    {
        if (remote is null)
        {
            return IPAddress.None;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            return remote.MapToIPv4();
        }

        if (remote.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return remote;
        }

        var bytes = remote.GetAddressBytes();
        bytes.AsSpan(Ipv6PrefixBytes).Clear();
        return new IPAddress(bytes);
    }

    private HelloSlot Oldest(IPAddress source)
    {
        for (var node = _waiting.First; node is not null; node = node.Next)
        {
            if (node.Value.Source.Equals(source))
            {
                return node.Value;
            }
        }

        throw new InvalidOperationException($"no waiting connection from {source}, yet it is counted");
    }

    private void Remove(HelloSlot slot)
    {
        if (slot.Node is not { } node)
        {
            return;
        }

        _waiting.Remove(node);
        slot.Node = null;
        var left = _perSource[slot.Source] - 1;
        if (left == 0)
        {
            _perSource.Remove(slot.Source);
        }
        else
        {
            _perSource[slot.Source] = left;
        }
    }
}
