using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Tests.Store;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// A received bundle is published with the part hashes computed while its chunks arrived: the verifier then compares
/// those with the manifest and checks each part's size on disk instead of reading the bundle again.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class KnownHashesTests
{
    [Fact]
    public async Task AKnownHashThatDiffersFromTheManifest_IsAChecksumMismatch()
    {
        using var directory = new TempDirectory("known-hashes");
        var bundle = await HandMadeBundle.WriteAsync(new BundleStore(directory.Path), "template", 64 << 10);

        var error = await Assert.ThrowsAsync<BundleException>(() => BundleVerifier.VerifyAsync(bundle, Known(BundleFiles.State, new string('0', 64)), CancellationToken.None));

        Assert.Equal(BundleProblem.ChecksumMismatch, error.Problem);
        Assert.Contains(BundleFiles.State, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKnownHashOfAPartTruncatedOnDisk_IsASizeMismatch()
    {
        using var directory = new TempDirectory("known-hashes");
        var bundle = await HandMadeBundle.WriteAsync(new BundleStore(directory.Path), "template", 64 << 10);
        var manifest = BundleVerifier.ReadUnverified(bundle).Manifest;
        var state = manifest.Parts.Single(p => p.File == BundleFiles.State);
        File.SetAttributes(Path.Combine(bundle, state.File), FileAttributes.Normal);
        await using (var file = File.OpenWrite(Path.Combine(bundle, state.File)))
        {
            file.SetLength(state.Size - 1);
        }

        var error = await Assert.ThrowsAsync<BundleException>(() => BundleVerifier.VerifyAsync(bundle, Known(state.File, state.Sha256), CancellationToken.None));

        Assert.Equal(BundleProblem.SizeMismatch, error.Problem);
    }

    [Fact]
    public async Task PartsWithoutAKnownHash_AreStillRead()
    {
        using var directory = new TempDirectory("known-hashes");
        var bundle = await HandMadeBundle.WriteAsync(new BundleStore(directory.Path), "template", 64 << 10);
        var manifest = BundleVerifier.ReadUnverified(bundle).Manifest;
        var state = manifest.Parts.Single(p => p.File == BundleFiles.State);
        var spec = manifest.Parts.Single(p => p.File == BundleFiles.Spec);
        var path = Path.Combine(bundle, state.File);
        File.SetAttributes(path, FileAttributes.Normal);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[100] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);

        // The state's hash is given (and right for what was sent): accepted without reading it; the spec's is not: read.
        var verified = await BundleVerifier.VerifyAsync(bundle, Known(state.File, state.Sha256), CancellationToken.None);
        var error = await Assert.ThrowsAsync<BundleException>(() => BundleVerifier.VerifyAsync(bundle, Known(spec.File, spec.Sha256), CancellationToken.None));

        Assert.Equal(manifest.Parts.Count, verified.Manifest.Parts.Count);
        Assert.Equal(BundleProblem.ChecksumMismatch, error.Problem);
        Assert.Contains(state.File, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABundleTooBigForTheAskedChunkSize_TravelsInLargerChunks()
    {
        using var directory = new TempDirectory("known-hashes");
        var bundle = await HandMadeBundle.WriteSparseAsync(new BundleStore(directory.Path), "big", ((long)ShippingLimits.MaxChunks * ShippingLimits.MinChunkBytes) + 1);

        var manifest = await TransferManifest.CreateAsync(bundle, ShippingLimits.MinChunkBytes, CancellationToken.None);

        Assert.Equal(2 * ShippingLimits.MinChunkBytes, manifest.ChunkBytes);
        Assert.True(manifest.ChunkCount <= ShippingLimits.MaxChunks, $"{manifest.ChunkCount} chunks");
        manifest.Validate();
    }

    private static Dictionary<string, string> Known(string file, string sha256) => new(StringComparer.Ordinal) { [file] = sha256 };
}
