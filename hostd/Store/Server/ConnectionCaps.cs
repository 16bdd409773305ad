using Jumpstart.Shared.Sockets;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// How a block server splits its connection cap between the two kinds of connection: the configured caps, or, when
/// the process's descriptor budget lowered the listener's cap (<see cref="ConnectionLimiter.Cap"/>)
/// below <see cref="BlockServerOptions.MaxConnections"/> + <see cref="BlockServerOptions.MaxUnauthenticated"/>, both
/// lowered in the configured proportion, and the per-peer cap with the authenticated one. Strangers are then evicted (<see cref="HelloSlots"/>) before they can fill
/// the listener's cap and keep the peers out.
/// </summary>
internal readonly record struct ConnectionCaps(int Authenticated, int PerPeer, int Unauthenticated, int PerSource)
{
    /// <summary>Whether <see cref="Split"/> had to lower the configured caps.</summary>
    public bool Lowered { get; init; }

    /// <summary>The connections a block server with <paramref name="options"/> wants to hold: both kinds together.</summary>
    public static int Wanted(BlockServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (int)Math.Min(int.MaxValue, (long)options.MaxConnections + options.MaxUnauthenticated);
    }

    /// <summary>The caps when the listener may hold <paramref name="cap"/> connections in all.</summary>
    public static ConnectionCaps Split(BlockServerOptions options, int cap)
    {
        var wanted = Wanted(options);
        if (wanted <= cap)
        {
            return new ConnectionCaps(options.MaxConnections, options.MaxConnectionsPerPeer, options.MaxUnauthenticated, options.MaxUnauthenticatedPerSource);
        }

        var available = Math.Max(2L, cap);
        var unauthenticated = (int)Math.Clamp(available * options.MaxUnauthenticated / wanted, 1, options.MaxUnauthenticated);
        var authenticated = (int)Math.Max(1, available - unauthenticated);
        // The per-peer cap shrinks with the total, so one peer still cannot take every slot.
        var perPeer = (int)Math.Clamp((long)authenticated * options.MaxConnectionsPerPeer / options.MaxConnections, 1, Math.Min(options.MaxConnectionsPerPeer, authenticated));
        return new ConnectionCaps(
            authenticated,
            perPeer,
            unauthenticated,
            Math.Min(options.MaxUnauthenticatedPerSource, unauthenticated))
        { Lowered = true };
    }
}
