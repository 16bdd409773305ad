namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>Where one combination of a stored file lives and how to check it (the fog's block map).</summary>
/// <param name="Stripe">The stripe number.</param>
/// <param name="Slot">Which combination of the layout (its mask says which blocks it XORs).</param>
/// <param name="Server">The block server holding it.</param>
/// <param name="ObjectId">Its random name on that server.</param>
/// <param name="Nonce">The random number of its integrity check.</param>
/// <param name="Mac">HMAC-SHA256 of the combination under the file's MAC key.</param>
public sealed record StoredCombination(long Stripe, int Slot, string Server, string ObjectId, byte[] Nonce, byte[] Mac);
