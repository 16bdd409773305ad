using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>One connection waiting for its Hello in <see cref="HelloSlots"/>.</summary>
internal sealed class HelloSlot(Socket socket, IPAddress source)
{
    /// <summary>The connection's socket; closing it is how an eviction ends the connection.</summary>
    public Socket Socket { get; } = socket;

    /// <summary>The source it counts against (an IPv4 address or an IPv6 /64).</summary>
    public IPAddress Source { get; } = source;

    /// <summary>Its place in the waiting list; null once it left (guarded by the owner's lock).</summary>
    public LinkedListNode<HelloSlot>? Node { get; set; }

    /// <summary>Whether a newer connection took its place (set under the owner's lock, read after).</summary>
    public bool Evicted { get; set; }
}
