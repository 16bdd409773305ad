namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>How a source ships a bundle.</summary>
public sealed record ShipOptions
{
    public int ChunkBytes { get; init; } = ShippingLimits.DefaultChunkBytes;

    /// <summary>Unicast fan-out: streams sent on at once.</summary>
    public int ParallelStreams { get; init; } = ShippingLimits.DefaultParallelStreams;
}
