using System.Security.Cryptography;
using System.Text;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Bearer tokens are stored only as SHA-256 digests and compared in constant time, so neither the
/// database nor the timing of a refusal reveals a token.
/// </summary>
internal static class TokenHash
{
    public static byte[] Compute(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Hashing first makes both sides the same length, so the comparison leaks no length either.</summary>
    public static bool Matches(ReadOnlySpan<byte> storedDigest, string presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), digest);
        return CryptographicOperations.FixedTimeEquals(storedDigest, digest);
    }
}
