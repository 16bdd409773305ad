using Jumpstart.Shared.Nbd.Client;

namespace Jumpstart.Hostd.Images;

/// <summary>One replica of an image for a <see cref="ReplicaSet"/>: a name and a way to (re)connect to it, so a
/// lost connection can be replaced.</summary>
/// <param name="Name">For logs and <see cref="ReplicaSet.SwitchTo(string)"/>, e.g. the NBD URI.</param>
/// <param name="ConnectAsync">Opens a new connection to the replica.</param>
public sealed record ReplicaSource(string Name, Func<CancellationToken, Task<IBlockSource>> ConnectAsync)
{
    /// <summary>A replica reached over NBD at <paramref name="uri"/>.</summary>
    public static ReplicaSource ForNbd(NbdUri uri, NbdClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return new ReplicaSource(uri.ToString(), async cancellationToken => await NbdClient.ConnectAsync(uri, options, cancellationToken));
    }
}
