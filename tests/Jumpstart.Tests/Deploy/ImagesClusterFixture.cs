using Jumpstart.Tests.Cluster;

namespace Jumpstart.Tests.Deploy;

/// <summary>Three joined hosts whose image services also listen on TCP (port <see cref="NbdPort"/>), so peers can read their images.</summary>
public sealed class ImagesClusterFixture : ClusterFixture
{
    public const int NbdPort = 10809;

    protected override int JoinedHosts => 2;

    protected override void Prepare(ClusterNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.Section("Images", new Dictionary<string, object> { ["Listen"] = $"{node.Address}:{NbdPort}" });
    }
}
