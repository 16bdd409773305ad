using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Jumpstart.Hostd.Cms;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// A join token, <c>ID.SECRET</c> (as kubeadm's bootstrap tokens: the id names the token in lists and logs, the secret
/// proves it): 6 and 32 characters of [a-z0-9] from the system's CSPRNG, 165 bits of secret. The manager stores the
/// SHA-256 of the whole token only (<see cref="TokenHash"/>), and compares in constant time.
/// </summary>
public static class JoinToken
{
    public const int IdLength = 6;
    public const int SecretLength = 32;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Length of a well-formed token.</summary>
    public const int Length = IdLength + 1 + SecretLength;

    /// <summary>A new token and its id.</summary>
    public static (string Token, string Id) Create()
    {
        var id = RandomNumberGenerator.GetString(Alphabet, IdLength);
        return ($"{id}.{RandomNumberGenerator.GetString(Alphabet, SecretLength)}", id);
    }

    /// <summary>The id of a well-formed token; false for anything else (which is refused as an unknown token).</summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out string? id)
    {
        id = null;
        if (token is not { Length: Length } || token[IdLength] != '.'
            || !token.AsSpan(0, IdLength).ContainsOnlyAlphabet() || !token.AsSpan(IdLength + 1).ContainsOnlyAlphabet())
        {
            return false;
        }

        id = token[..IdLength];
        return true;
    }

    /// <summary>The digest the manager stores.</summary>
    public static byte[] Digest(string token) => TokenHash.Compute(token);

    /// <summary>Whether <paramref name="token"/> hashes to <paramref name="digest"/> (constant time).</summary>
    public static bool Matches(ReadOnlySpan<byte> digest, string token) => TokenHash.Matches(digest, token);

    private static bool ContainsOnlyAlphabet(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
