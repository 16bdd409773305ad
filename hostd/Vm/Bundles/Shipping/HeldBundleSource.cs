namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Chunks of a complete bundle on disk (the source's own, or one a chain hop held already).</summary>
internal sealed class HeldBundleSource(string directory, TransferManifest manifest) : IChunkSource, IDisposable
{
    private readonly ChunkFiles _files = new(directory, manifest, writable: false);

    public Task ReadAsync(int index, Memory<byte> buffer, CancellationToken cancellationToken) => _files.ReadAsync(index, buffer, cancellationToken);

    public void Dispose() => _files.Dispose();
}
