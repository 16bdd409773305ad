using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>
/// AES-256-GCM (NIST SP 800-38D) of the chunks a multicast carries. The key is generated per transfer and travels only
/// over the authenticated streams; the 96-bit nonce is the chunk index (unique per chunk under a per-transfer key, so
/// no nonce is ever reused with a key), and the associated data binds each chunk to its bundle id and index.
/// A sealed chunk is its ciphertext followed by the 16-byte tag. The spool file uftp carries holds the sealed chunks
/// of a bitmap in index order, back to back.
/// </summary>
internal sealed class ChunkCipher(byte[] key, string bundleId) : IDisposable
{
    public const int KeyBytes = 32;

    public const int TagBytes = 16;

    /// <summary>The one file of a multicast session, on the source and in each receiver's spool.</summary>
    public const string SpoolFileName = "chunks.enc";

    private const int NonceBytes = 12;

    private readonly AesGcm _aes = new(key, TagBytes);

    private readonly byte[] _bundleId = Encoding.ASCII.GetBytes(bundleId);

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>Encrypts <paramref name="plain"/> into <paramref name="sealedChunk"/> (its length + <see cref="TagBytes"/>).</summary>
    public void Seal(int index, ReadOnlySpan<byte> plain, Span<byte> sealedChunk)
    {
        Span<byte> nonce = stackalloc byte[NonceBytes];
        Span<byte> associated = stackalloc byte[_bundleId.Length + 4];
        Prepare(index, nonce, associated);
        _aes.Encrypt(nonce, plain, sealedChunk[..plain.Length], sealedChunk.Slice(plain.Length, TagBytes), associated);
    }

    /// <summary>Decrypts a sealed chunk into <paramref name="plain"/>; false when the tag does not match (tampered, wrong key, wrong chunk).</summary>
    public bool TryOpen(int index, ReadOnlySpan<byte> sealedChunk, Span<byte> plain)
    {
        Span<byte> nonce = stackalloc byte[NonceBytes];
        Span<byte> associated = stackalloc byte[_bundleId.Length + 4];
        Prepare(index, nonce, associated);
        try
        {
            _aes.Decrypt(nonce, sealedChunk[..^TagBytes], sealedChunk[^TagBytes..], plain, associated);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plain.Clear();
            return false;
        }
    }

    /// <summary>Where each chunk of <paramref name="bitmap"/> lies in the spool file: index order, sealed chunks back to back.</summary>
    public static IEnumerable<(int Index, long Offset, int Length)> Layout(TransferManifest manifest, byte[] bitmap)
    {
        long offset = 0;
        for (var i = 0; i < manifest.ChunkCount; i++)
        {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0)
            {
                var length = manifest.Locate(i).Length + TagBytes;
                yield return (i, offset, length);
                offset += length;
            }
        }
    }

    /// <summary>A spool directory only this user can enter (the ciphertext is no secret, but nobody else's business).</summary>
    public static void CreateSpool(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => _aes.Dispose();

    private void Prepare(int index, Span<byte> nonce, Span<byte> associated)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        _bundleId.CopyTo(associated);
        BinaryPrimitives.WriteInt32BigEndian(associated[_bundleId.Length..], index);
    }
}
