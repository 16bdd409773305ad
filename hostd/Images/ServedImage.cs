using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Hostd.Images;

/// <summary>An image of the catalog as the service holds it: opened (and exported) or with the reason it is not.</summary>
internal sealed class ServedImage
{
    public required ImageEntry Entry { get; set; }

    /// <summary>What the NBD server exports; null when the image could not be opened.</summary>
    public INbdExport? Export { get; init; }

    /// <summary>Set for pseudo images.</summary>
    public PseudoImage? Pseudo { get; init; }

    /// <summary>Set for pseudo images: where misses go.</summary>
    public ReplicaSet? Replicas { get; init; }

    public string? Problem { get; init; }

    /// <summary>Releases files and connections.</summary>
    public async ValueTask CloseAsync()
    {
        if (Pseudo is not null)
        {
            await Pseudo.DisposeAsync();
        }

        if (Replicas is not null)
        {
            await Replicas.DisposeAsync();
        }

        if (Export is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
