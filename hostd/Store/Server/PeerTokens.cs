using System.Security.Cryptography;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// The peers a block server serves and their tokens, read from a token file: one peer per line,
/// <c>PEER TOKEN</c> (or only <c>TOKEN</c> for a peer named "default"); '#' starts a comment. Each peer
/// has its own namespace of objects. Tokens are kept as SHA-256 hashes and compared in constant time.
/// </summary>
public sealed class PeerTokens
{
    /// <summary>The peer name used when a line holds only a token.</summary>
    public const string DefaultPeer = "default";

    private const int MaxPeers = 1024;
    private const int MaxPeerNameLength = 64;
    private const long MaxFileLength = 1 << 20;

    private readonly (string Peer, byte[] Hash)[] _peers;

    private PeerTokens((string Peer, byte[] Hash)[] peers)
    {
        _peers = peers;
    }

    public int Count => _peers.Length;

    /// <summary>Reads a token file.</summary>
    /// <exception cref="FormatException">A malformed line (named by number), a short token or a duplicate peer.</exception>
    public static PeerTokens Load(string path)
    {
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, MaxFileLength);
        }
        catch (InputFileException ex)
        {
            throw new FormatException($"not a token file: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static PeerTokens Parse(string text, string source = "token file")
    {
        ArgumentNullException.ThrowIfNull(text);
        var peers = new List<(string, byte[])>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var (peer, token) = fields.Length switch
            {
                1 => (DefaultPeer, fields[0]),
                2 => (fields[0], fields[1]),
                _ => throw new FormatException($"{source} line {lineNumber}: expected 'PEER TOKEN' or 'TOKEN'"),
            };
            if (peer.Length > MaxPeerNameLength || peer.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-_."))
            {
                throw new FormatException($"{source} line {lineNumber}: peer names are 1-{MaxPeerNameLength} of [a-z0-9._-]");
            }

            if (token.Length is < BlockProtocol.MinTokenLength or > BlockProtocol.MaxTokenLength)
            {
                throw new FormatException($"{source} line {lineNumber}: a token is {BlockProtocol.MinTokenLength}-{BlockProtocol.MaxTokenLength} characters");
            }

            if (peers.Any(p => p.Item1 == peer))
            {
                throw new FormatException($"{source} line {lineNumber}: peer '{peer}' appears twice");
            }

            peers.Add((peer, SHA256.HashData(Encoding.UTF8.GetBytes(token))));
            if (peers.Count > MaxPeers)
            {
                throw new FormatException($"{source}: more than {MaxPeers} peers");
            }
        }

        return peers.Count == 0 ? throw new FormatException($"{source} holds no token") : new PeerTokens([.. peers]);
    }

    /// <summary>The peer owning <paramref name="token"/>, or null. Looks at every peer, so the time does not say which matched.</summary>
    public string? Authenticate(ReadOnlySpan<byte> token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(token, hash);
        string? found = null;
        foreach (var (peer, expected) in _peers)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = peer;
            }
        }

        return found;
    }
}
