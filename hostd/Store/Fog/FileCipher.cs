using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// AES-256-GCM over a file in chunks, so a file of any size streams: chunk i becomes block i = its
/// ciphertext followed by its 16-byte tag, and a block is exactly <see cref="BlockSize"/> long (the last
/// one is padded with random bytes). Each chunk has its own nonce (a per-file random prefix and the chunk
/// number) and authenticates the file id, its number and whether it is the last, so chunks can be neither
/// reordered, swapped between files, nor dropped from the end.
/// </summary>
/// <remarks>NIST SP 800-38D: 96-bit nonces, never reused under one key (the key is per file).</remarks>
public sealed class FileCipher
{
    /// <summary>GCM tag length.</summary>
    public const int TagLength = StoreLimits.CipherTagLength;

    private const int NonceLength = 12;
    private const int AadLength = 16 + sizeof(long) + 1;

    private readonly byte[] _key;
    private readonly byte[] _fileId;
    private readonly uint _noncePrefix;

    public FileCipher(byte[] key, byte[] fileId, uint noncePrefix, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fileId);
        if (key.Length != StoreLimits.FileKeyLength || fileId.Length != 16)
        {
            throw new ArgumentException("a file key is 32 bytes and a file id 16");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, StoreLimits.MinBlockSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, StoreLimits.MaxBlockSize);
        _key = key;
        _fileId = fileId;
        _noncePrefix = noncePrefix;
        BlockSize = blockSize;
    }

    /// <summary>Length of every block.</summary>
    public int BlockSize { get; }

    /// <summary>Plaintext bytes per chunk (a block minus the tag).</summary>
    public int ChunkSize => BlockSize - TagLength;

    /// <summary>Blocks a file of <paramref name="length"/> bytes encrypts to (at least one, so the end is authenticated).</summary>
    public long BlockCount(long length) => Math.Max(1, (length + ChunkSize - 1) / ChunkSize);

    /// <summary>Encrypts chunk <paramref name="index"/> into <paramref name="block"/> (ciphertext, tag, random padding).</summary>
    public void Encrypt(long index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> block)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AadLength];
        using var gcm = Prepare(index, final, plaintext.Length, block.Length, nonce, aad);
        gcm.Encrypt(nonce, plaintext, block[..plaintext.Length], block.Slice(plaintext.Length, TagLength), aad);
        RandomNumberGenerator.Fill(block[(plaintext.Length + TagLength)..]);
    }

    /// <summary>Decrypts block <paramref name="index"/> holding <paramref name="plaintext"/>.Length bytes of data.</summary>
    /// <exception cref="StoreIntegrityException">The block is not what was encrypted.</exception>
    public void Decrypt(long index, bool final, ReadOnlySpan<byte> block, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AadLength];
        using var gcm = Prepare(index, final, plaintext.Length, block.Length, nonce, aad);
        try
        {
            gcm.Decrypt(nonce, block[..plaintext.Length], block.Slice(plaintext.Length, TagLength), plaintext, aad);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new StoreIntegrityException($"block {index} failed AES-GCM authentication after rebuilding", ex);
        }
    }

    private AesGcm Prepare(long index, bool final, int plaintextLength, int blockLength, Span<byte> nonce, Span<byte> aad)
    {
        if (plaintextLength > ChunkSize || blockLength != BlockSize)
        {
            throw new ArgumentException("chunk or block of the wrong size");
        }

        BinaryPrimitives.WriteUInt32BigEndian(nonce, _noncePrefix);
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        _fileId.CopyTo(aad);
        BinaryPrimitives.WriteInt64BigEndian(aad[16..], index);
        aad[^1] = final ? (byte)1 : (byte)0;
        return new AesGcm(_key, TagLength);
    }
}
