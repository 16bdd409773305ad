using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Server;

/// <summary>The block server's connection caps in-process: who is evicted before Hello, who is refused after, and the caps under a small descriptor budget.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class ConnectionSlotsTests
{
    [Fact]
    public void HelloSlots_PastASourcesCap_EvictThatSourcesOldest()
    {
        var slots = new HelloSlots(capacity: 10, perSource: 2);
        using var sockets = new Sockets();
        var first = slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.1")).Slot;
        var other = slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.2")).Slot;
        slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.1"));

        var (_, evicted) = slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.1"));

        Assert.Same(first, evicted);
        Assert.True(first.Evicted);
        Assert.False(other.Evicted);
    }

    [Fact]
    public void HelloSlots_PastTheTotalCap_EvictTheOldestOfAll()
    {
        var slots = new HelloSlots(capacity: 3, perSource: 3);
        using var sockets = new Sockets();
        var oldest = slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.1")).Slot;
        slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.2"));
        slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.2"));

        Assert.Same(oldest, slots.Enter(sockets.New(), IPAddress.Parse("10.0.0.3")).Evicted);
    }

    [Fact]
    public void HelloSlots_LeftSlots_AreFreeAgain()
    {
        var slots = new HelloSlots(capacity: 2, perSource: 2);
        using var sockets = new Sockets();
        var a = slots.Enter(sockets.New(), IPAddress.Loopback).Slot;
        var b = slots.Enter(sockets.New(), IPAddress.Loopback).Slot;
        slots.Leave(a);
        slots.Leave(a);

        Assert.Null(slots.Enter(sockets.New(), IPAddress.Loopback).Evicted);
        Assert.Same(b, slots.Enter(sockets.New(), IPAddress.Loopback).Evicted);
    }

    [Fact]
    public void HelloSlots_CountAnIpv6Slash64AsOneSource_AndAMappedIpv4AsItsAddress()
    {
        var slots = new HelloSlots(capacity: 10, perSource: 1);
        using var sockets = new Sockets();
        var first = slots.Enter(sockets.New(), IPAddress.Parse("2001:db8:1:2::1")).Slot;
        Assert.Same(first, slots.Enter(sockets.New(), IPAddress.Parse("2001:db8:1:2:ffff::9")).Evicted);
        Assert.Null(slots.Enter(sockets.New(), IPAddress.Parse("2001:db8:1:3::1")).Evicted);

        var v4 = slots.Enter(sockets.New(), IPAddress.Parse("192.0.2.7")).Slot;
        Assert.Same(v4, slots.Enter(sockets.New(), IPAddress.Parse("::ffff:192.0.2.7")).Evicted);
    }

    [Fact]
    public void PeerSlots_RefuseBeyondAPeersCapAndTheTotal_AndFreeOnLeave()
    {
        var slots = new PeerSlots(capacity: 3, perPeer: 2);
        Assert.Null(slots.TryEnter("a"));
        Assert.Null(slots.TryEnter("a"));
        Assert.Contains("peer a", slots.TryEnter("a"), StringComparison.Ordinal);
        Assert.Null(slots.TryEnter("b"));
        Assert.Contains("at most 3", slots.TryEnter("c"), StringComparison.Ordinal);

        slots.Leave("a");
        Assert.Null(slots.TryEnter("c"));
    }

    [Fact]
    public void ConnectionCaps_UnderALowerListenerCap_AreLoweredInProportionAndNeverToZero()
    {
        var options = new BlockServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Directory = "/nonexistent", Peers = PeerTokens.Parse("token-0123456789abcdef") };
        Assert.Equal(256 + 64, ConnectionCaps.Wanted(options));

        var roomy = ConnectionCaps.Split(options, new ConnectionLimiter(ConnectionCaps.Wanted(options), new ConnectionBudget(1 << 20)).Cap);
        Assert.False(roomy.Lowered);
        Assert.Equal(new ConnectionCaps(256, 64, 64, 8), roomy);

        // The process's descriptor budget holds 128 connections, 16 of them kept for administrative listeners: the
        // listener's cap of 112, split in the configured proportion.
        var limiter = new ConnectionLimiter(ConnectionCaps.Wanted(options), new ConnectionBudget(128));
        Assert.Equal(128 - ConnectionBudget.MaxAdministrativeReserve, limiter.Cap);
        var tight = ConnectionCaps.Split(options, limiter.Cap);
        Assert.True(tight.Lowered);
        Assert.Equal(limiter.Cap, tight.Authenticated + tight.Unauthenticated);
        Assert.Equal(limiter.Cap * 64 / (256 + 64), tight.Unauthenticated);
        Assert.Equal(tight.Authenticated * 64 / 256, tight.PerPeer);
        Assert.Equal(8, tight.PerSource);

        var starved = ConnectionCaps.Split(options, 0);
        Assert.Equal(new ConnectionCaps(1, 1, 1, 1) { Lowered = true }, starved);
    }

    /// <summary>Unconnected sockets to stand for accepted connections; disposed together.</summary>
    private sealed class Sockets : IDisposable
    {
        private readonly List<Socket> _all = [];

        public Socket New()
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _all.Add(socket);
            return socket;
        }

        public void Dispose()
        {
            foreach (var socket in _all)
            {
                socket.Dispose();
            }
        }
    }
}
