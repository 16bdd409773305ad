namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Why shipping a bundle failed.</summary>
public enum ShippingProblem
{
    /// <summary>The peer sent something the protocol does not allow (a size out of bounds, an unknown frame, a bad name).</summary>
    Protocol,

    /// <summary>The receiver has not enough free space for the bundle.</summary>
    NoSpace,

    /// <summary>The peer went away before the transfer finished; the verified chunks are kept for a resume.</summary>
    PeerLost,

    /// <summary>A chunk kept arriving corrupted, or the finished bundle failed verification.</summary>
    Corrupted,

    /// <summary>A hop further down a chain failed (its report carries the reason).</summary>
    HopFailed,

    /// <summary>The receiver cannot forward along a chain (no connector).</summary>
    Unsupported,
}
