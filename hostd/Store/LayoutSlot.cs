namespace Jumpstart.Hostd.Store;

/// <summary>
/// One combination of a stripe: the data blocks it XORs together (bit i = block i of the stripe) and
/// the server it goes to, as an offset that rotates with the stripe number.
/// </summary>
/// <param name="ServerOffset">The combination of stripe s goes to server (ServerOffset + s) mod S.</param>
/// <param name="Mask">Bit i set: data block i of the stripe is XORed into this combination (2 or 3 bits set).</param>
public readonly record struct LayoutSlot(int ServerOffset, int Mask)
{
    /// <summary>How many blocks this combination XORs (2 or 3).</summary>
    public int Weight => System.Numerics.BitOperations.PopCount((uint)Mask);

    /// <summary>The server index this combination of stripe <paramref name="stripe"/> lives on, out of <paramref name="servers"/>.</summary>
    public int ServerOf(long stripe, int servers) => (int)((ServerOffset + stripe) % servers);
}
