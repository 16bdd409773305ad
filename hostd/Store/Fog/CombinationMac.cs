using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// The integrity check of one stored combination: HMAC-SHA256, under a key derived from the file key with
/// HKDF (RFC 5869), over the file id, stripe, slot, the combination's own random number and its bytes.
/// The random number and the tag stay in the fog's catalog; block servers never see either key.
/// </summary>
public static class CombinationMac
{
    private const int HeaderLength = 16 + sizeof(long) + sizeof(int) + StoreLimits.CombinationNonceLength + sizeof(int);
    private static readonly byte[] s_info = Encoding.ASCII.GetBytes("jumpstart store combination mac v1");

    /// <summary>The MAC key of a file (HKDF-SHA256 of the file key).</summary>
    public static byte[] DeriveKey(byte[] fileKey) => HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, StoreLimits.MacLength, salt: null, info: s_info);

    /// <summary>Computes the tag of a combination into <paramref name="tag"/> (32 bytes).</summary>
    public static void Compute(byte[] macKey, ReadOnlySpan<byte> fileId, long stripe, int slot, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        fileId.CopyTo(header);
        BinaryPrimitives.WriteInt64BigEndian(header[16..], stripe);
        BinaryPrimitives.WriteInt32BigEndian(header[24..], slot);
        nonce.CopyTo(header[28..]);
        BinaryPrimitives.WriteInt32BigEndian(header[(28 + StoreLimits.CombinationNonceLength)..], data.Length);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, macKey);
        hmac.AppendData(header);
        hmac.AppendData(data);
        hmac.GetHashAndReset(tag);
    }

    /// <summary>True when <paramref name="data"/> is the combination the tag was made for (constant-time compare).</summary>
    public static bool Verify(byte[] macKey, ReadOnlySpan<byte> fileId, long stripe, int slot, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected)
    {
        Span<byte> tag = stackalloc byte[StoreLimits.MacLength];
        Compute(macKey, fileId, stripe, slot, nonce, data, tag);
        return CryptographicOperations.FixedTimeEquals(tag, expected);
    }
}
