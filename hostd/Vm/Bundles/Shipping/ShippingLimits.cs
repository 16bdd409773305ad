namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Bounds of the chunk protocol: every size a peer sends is checked against these before anything is allocated.</summary>
public static class ShippingLimits
{
    /// <summary>
    /// Chunk size a source uses unless told otherwise. 1 MiB rather than 4: a chunk is the unit a chain hop forwards and a
    /// multicast receiver opens, so one lost datagram holds back 1 MiB until uftp's repair pass, not 4 (measured, 1 GiB
    /// to seven hosts: the chain 1.20x the link's ideal instead of 1.18-1.35x with less CPU per hop, the multicast's
    /// tail after uftp 3-4 s instead of 5-8 s).
    /// </summary>
    public const int DefaultChunkBytes = 1 << 20;

    /// <summary>Smallest chunk a receiver accepts (tests use small chunks; fewer than this makes the per-chunk overhead dominate).</summary>
    public const int MinChunkBytes = 4 << 10;

    /// <summary>Largest chunk a receiver accepts; one chunk is held in memory per stream.</summary>
    public const int MaxChunkBytes = 16 << 20;

    /// <summary>Most chunks in one bundle (256 GiB at 4 MiB chunks); bounds the offer and the verified bitmap.</summary>
    public const int MaxChunks = 1 << 16;

    /// <summary>Most files in one bundle (spec, state, RAM and disks).</summary>
    public const int MaxFiles = 64;

    /// <summary>Most hops after the first in a chain.</summary>
    public const int MaxRouteHops = 64;

    /// <summary>Longest offer frame (the transfer manifest as JSON: 64 hex digits and a few bytes per chunk).</summary>
    public const int MaxOfferBytes = 8 << 20;

    /// <summary>Longest error text in a report frame.</summary>
    public const int MaxMessageBytes = 1024;

    /// <summary>Unicast fan-out: streams the source sends on at once, unless told otherwise.</summary>
    public const int DefaultParallelStreams = 4;

    /// <summary>How long a receiver that failed keeps reading (and discarding) until the sender closes, so its failure report is not reset in flight.</summary>
    public static readonly TimeSpan FailureLinger = TimeSpan.FromSeconds(5);

    /// <summary>Times one chunk is sent again after the receiver found it corrupted, before the transfer fails.</summary>
    public const int MaxResendsPerChunk = 8;
}
