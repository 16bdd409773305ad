namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Where one receiving host stands, as its report frames say.</summary>
public enum HopState : byte
{
    /// <summary>Chunks are arriving; the report carries the bytes verified so far.</summary>
    Receiving = 1,

    /// <summary>The bundle is verified and in the host's cache.</summary>
    Done = 2,

    /// <summary>The host held the bundle already and received nothing.</summary>
    AlreadyHeld = 3,

    /// <summary>The host failed; the report carries the reason.</summary>
    Failed = 4,
}
