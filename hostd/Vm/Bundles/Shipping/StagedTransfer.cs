using System.Security.Cryptography;
using System.Text.Json;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// A bundle arriving into {cache}/.staging-ID: chunks are written at their offsets once their hash matched, and
/// recorded in the file <c>verified</c> (one byte per chunk), so an interrupted transfer resumes with the chunks it
/// has (each re-hashed on resume: the record only saves the network, never the check). The directory is renamed to
/// ID only after <see cref="BundleVerifier"/> accepted the whole bundle. Each part's SHA-256 is computed while the
/// chunks arrive (in file order, from the chunk in memory, or read back when chunks came out of order), so publishing
/// checks the manifest's part hashes without reading the bundle a second time: with seven receivers of a 1 GiB bundle
/// on one machine that second read was seven GiB of hashing at the same moment, several seconds of a chain's tail.
/// </summary>
internal sealed class StagedTransfer : IChunkSource, IDisposable
{
    private const string VerifiedFile = "verified";

    private const string OfferFile = "transfer.json";

    private readonly BundleCache _cache;

    private readonly TransferManifest _manifest;

    private readonly bool[] _verified;

    private readonly FileStream _record;

    private readonly ChunkFiles _files;

    private readonly PartHashes _hashes;

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Exception? _failure;

    private StagedTransfer(BundleCache cache, TransferManifest manifest, string directory, bool[] verified)
    {
        _cache = cache;
        _manifest = manifest;
        Directory = directory;
        _verified = verified;
        _files = new ChunkFiles(directory, manifest, writable: true);
        _hashes = new PartHashes(manifest, _files, IsVerified);
        _record = new FileStream(Path.Combine(directory, VerifiedFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1);
    }

    public string Directory { get; }

    public bool IsVerified(int index) => Volatile.Read(ref _verified[index]);

    public long VerifiedBytes => Enumerable.Range(0, _verified.Length).Where(IsVerified).Sum(i => (long)_manifest.Locate(i).Length);

    public bool IsComplete => Enumerable.Range(0, _verified.Length).All(IsVerified);

    /// <summary>Opens the staging directory of the offered bundle, resuming from the chunks a previous transfer verified.</summary>
    public static async Task<StagedTransfer> OpenAsync(BundleCache cache, TransferManifest manifest, CancellationToken cancellationToken)
    {
        var directory = cache.StagingOf(manifest.BundleId);
        var verified = new bool[manifest.ChunkCount];
        var offerPath = Path.Combine(directory, OfferFile);
        if (System.IO.Directory.Exists(directory) && !await IsSameTransferAsync(offerPath, manifest, cancellationToken))
        {
            // Same bundle id but another chunk size: the chunks do not line up, start again.
            System.IO.Directory.Delete(directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(directory);
        if (!File.Exists(offerPath))
        {
            await File.WriteAllBytesAsync(offerPath, JsonSerializer.SerializeToUtf8Bytes(manifest, ShippingJson.Options), cancellationToken);
        }

        var staged = new StagedTransfer(cache, manifest, directory, verified);
        try
        {
            await staged.ResumeAsync(cancellationToken);
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    public async Task ReadAsync(int index, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!IsVerified(index))
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (_failure is { } failure)
            {
                throw new ShippingException(ShippingProblem.HopFailed, $"chunk {index} will not arrive: {failure.Message}", failure);
            }

            if (!IsVerified(index))
            {
                await changed.WaitAsync(cancellationToken);
            }
        }

        await _files.ReadAsync(index, buffer, cancellationToken);
    }

    /// <summary>Checks a chunk against its hash and, when it matches, writes and records it.</summary>
    /// <returns>False when the hash differs (ask again).</returns>
    public async Task<bool> AcceptAsync(int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (Convert.ToHexStringLower(SHA256.HashData(data.Span)) != _manifest.HashOf(index))
        {
            return false;
        }

        if (!IsVerified(index))
        {
            await _files.WriteAsync(index, data, cancellationToken);
            await RecordAsync(index, cancellationToken);
            await _hashes.AdvanceAsync(index, data, cancellationToken);
        }

        return true;
    }

    /// <summary>Writes manifest.json, verifies the whole bundle and renames it into the cache.</summary>
    /// <exception cref="ShippingException">The bundle failed verification (the staging directory is removed).</exception>
    public async Task<string> PublishAsync(CancellationToken cancellationToken)
    {
        var partHashes = await _hashes.FinishAsync(cancellationToken);
        _files.Finish();
        _files.Dispose();
        await _record.DisposeAsync();
        File.Delete(Path.Combine(Directory, VerifiedFile));
        File.Delete(Path.Combine(Directory, OfferFile));
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(Directory, BundleManifest.FileName), _manifest.ManifestJson, cancellationToken);
            await BundleVerifier.VerifyAsync(Directory, partHashes, cancellationToken);
        }
        catch (IOException ex) when (ChunkFiles.IsNoSpace(ex))
        {
            throw new ShippingException(ShippingProblem.NoSpace, $"the disk is full: writing the manifest of bundle {_manifest.BundleId}", ex);
        }
        catch (BundleException ex)
        {
            throw new ShippingException(ShippingProblem.Corrupted, $"bundle {_manifest.BundleId} failed verification after transfer: {ex.Message}", ex);
        }

        var final = _cache.PathOf(_manifest.BundleId);
        System.IO.Directory.Move(Directory, final);
        return final;
    }

    /// <summary>Wakes forwarding readers with the failure, so a chain's next leg ends.</summary>
    public void Fail(Exception failure)
    {
        _failure = failure;
        Signal();
    }

    /// <summary>Removes the staging directory (a full disk or a corrupted bundle: nothing partial stays).</summary>
    public void Discard()
    {
        Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    public void Dispose()
    {
        _files.Dispose();
        _record.Dispose();
        _hashes.Dispose();
    }

    private static async Task<bool> IsSameTransferAsync(string offerPath, TransferManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            var previous = JsonSerializer.Deserialize<TransferManifest>(await File.ReadAllBytesAsync(offerPath, cancellationToken), ShippingJson.Options);
            return previous is not null && previous.BundleId == manifest.BundleId && previous.ChunkBytes == manifest.ChunkBytes;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return false;
        }
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        var marks = new byte[_verified.Length];
        _record.Position = 0;
        var read = await _record.ReadAtLeastAsync(marks, marks.Length, throwOnEndOfStream: false, cancellationToken);
        var buffer = new byte[_manifest.ChunkBytes];
        for (var i = 0; i < read; i++)
        {
            if (marks[i] != 1)
            {
                continue;
            }

            var length = _manifest.Locate(i).Length;
            try
            {
                await _files.ReadAsync(i, buffer.AsMemory(0, length), cancellationToken);
                _verified[i] = Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length))) == _manifest.HashOf(i);
            }
            catch (ShippingException)
            {
                _verified[i] = false;
            }
        }

        _record.SetLength(0);
        _record.Write([.. _verified.Select(v => v ? (byte)1 : (byte)0)]);
        await _record.FlushAsync(cancellationToken);
    }

    private async Task RecordAsync(int index, CancellationToken cancellationToken)
    {
        await RandomAccess.WriteAsync(_record.SafeFileHandle, new byte[] { 1 }, index, cancellationToken);
        Volatile.Write(ref _verified[index], true);
        Signal();
    }

    private void Signal()
    {
        var previous = Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}
