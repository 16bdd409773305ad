namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Where a sending leg reads chunks: a complete bundle, or a transfer still arriving (a chain's hop).</summary>
public interface IChunkSource
{
    /// <summary>Reads chunk <paramref name="index"/> into <paramref name="buffer"/> (its exact length), waiting until it is verified.</summary>
    /// <exception cref="ShippingException">The chunk will never be available (the transfer bringing it failed).</exception>
    Task ReadAsync(int index, Memory<byte> buffer, CancellationToken cancellationToken);
}
