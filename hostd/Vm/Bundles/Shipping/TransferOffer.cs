namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>The offer frame's JSON: the manifest and, for a chain, the hops the receiver forwards to (first is its next hop).</summary>
public sealed record TransferOffer
{
    public required TransferManifest Manifest { get; init; }

    public IReadOnlyList<string> Route { get; init; } = [];
}
