using System.Security.Cryptography;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// The SHA-256 of every part of a staged bundle, fed in file order as verified chunks arrive: the chunk just accepted
/// from memory, any verified chunks after it (they came earlier, out of order, or from an interrupted transfer) read back
/// from the staging files. Callers are serialised by a lock (a multicast's opener and the stream's receiver may overlap).
/// </summary>
internal sealed class PartHashes(TransferManifest manifest, ChunkFiles files, Func<int, bool> isVerified) : IDisposable
{
    private readonly IncrementalHash[] _hashes = [.. manifest.Files.Select(_ => IncrementalHash.CreateHash(HashAlgorithmName.SHA256))];

    private readonly long[] _hashedBytes = new long[manifest.Files.Count];

    private readonly int[] _firstChunk = FirstChunks(manifest);

    private readonly SemaphoreSlim _lock = new(1, 1);

    private byte[]? _readBack;

    /// <summary>Feeds the hash of chunk <paramref name="index"/>'s file as far as the verified chunks reach.</summary>
    public async Task AdvanceAsync(int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var file = Array.FindLastIndex(_firstChunk, first => first <= index);
            await AdvanceFileAsync(file, index, data, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The SHA-256 (lowercase hex) of every part whose chunks are all verified, by part name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> FinishAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var file = 0; file < manifest.Files.Count; file++)
            {
                await AdvanceFileAsync(file, -1, default, cancellationToken);
                if (_hashedBytes[file] == manifest.Files[file].Size)
                {
                    result[manifest.Files[file].Name] = Convert.ToHexStringLower(_hashes[file].GetCurrentHash());
                }
            }

            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        foreach (var hash in _hashes)
        {
            hash.Dispose();
        }

        _lock.Dispose();
    }

    private static int[] FirstChunks(TransferManifest manifest)
    {
        var first = new int[manifest.Files.Count];
        for (var i = 1; i < first.Length; i++)
        {
            first[i] = first[i - 1] + manifest.Files[i - 1].Chunks.Count;
        }

        return first;
    }

    private async Task AdvanceFileAsync(int file, int inMemory, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var size = manifest.Files[file].Size;
        while (_hashedBytes[file] < size)
        {
            var next = _firstChunk[file] + (int)(_hashedBytes[file] / manifest.ChunkBytes);
            var length = manifest.Locate(next).Length;
            if (next == inMemory)
            {
                _hashes[file].AppendData(data.Span);
            }
            else if (isVerified(next))
            {
                _readBack ??= new byte[manifest.ChunkBytes];
                await files.ReadAsync(next, _readBack.AsMemory(0, length), cancellationToken);
                _hashes[file].AppendData(_readBack.AsSpan(0, length));
            }
            else
            {
                return;
            }

            _hashedBytes[file] += length;
        }
    }
}
