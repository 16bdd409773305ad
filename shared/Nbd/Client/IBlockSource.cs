using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>
/// A read-only source of image bytes a pseudo image or a copy fetches from: an NBD connection to a
/// peer's export, a local file. Must allow many reads in flight at once.
/// </summary>
public interface IBlockSource : IAsyncDisposable
{
    /// <summary>Where the bytes come from, for logs and statistics (e.g. <c>nbd://10.0.0.2:10809/base</c>).</summary>
    string Name { get; }

    /// <summary>Size of the image in bytes.</summary>
    long Size { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>; throws on failure
    /// (<see cref="NbdErrorException"/> for an error reply, <see cref="IOException"/> for a lost connection).</summary>
    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);
}
