using System.Text.Json;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>Managers on etcd in a <see cref="ClusterTestBed"/>: the etcd they share, and which one leads, as <c>jumpstart cluster status</c> on each says.</summary>
internal static class Leadership
{
    /// <summary>
    /// A real three-member etcd in the switch's namespace on <see cref="ClusterSwitch.Address"/>, and every host of
    /// <paramref name="bed"/> restarted to reach it with its TLS files and a leader lease of <paramref name="leaseTtl"/>.
    /// </summary>
    public static async Task<EtcdTestCluster> StartEtcdAsync(ClusterTestBed bed, TimeSpan leaseTtl)
    {
        await Requirements.RunToolAsync("ip", ["-n", bed.Switch.Namespace, "link", "set", "lo", "up"]);
        var etcd = new EtcdTestCluster(3, bed.Switch.Namespace, ClusterSwitch.Address);
        var tls = etcd.Tls;
        await Task.WhenAll(bed.Nodes.Select(async node =>
        {
            node.Override("EtcdCaFile", tls.CaCertificate);
            node.Override("EtcdCertificateFile", tls.ClientCertificate);
            node.Override("EtcdKeyFile", tls.ClientKey);
            node.Override("LeaderLeaseTtl", leaseTtl.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            await node.StopHostdAsync();
            await node.StartHostdAsync();
        }));
        return etcd;
    }

    /// <summary>Whether <paramref name="node"/>'s hostd answers and says it leads.</summary>
    public static async Task<bool> LeadsAsync(ClusterNode node)
    {
        var result = await node.CliAsync("cluster", "status", "--json");
        return result.Succeeded && JsonDocument.Parse(result.StandardOutput).RootElement.TryGetProperty("leading", out var leading) && leading.ValueKind == JsonValueKind.True;
    }

    /// <summary>Waits until <paramref name="node"/> leads (or does not).</summary>
    public static Task WaitLeadingAsync(ClusterNode node, bool leading, TimeSpan within)
        => Poll.UntilAsync(async _ => await LeadsAsync(node) == leading, within, $"{node.Name} {(leading ? "leading" : "following")}", TimeSpan.FromMilliseconds(100));

    /// <summary>Waits until <paramref name="node"/> is a manager that follows (after <c>cluster add-manager</c>).</summary>
    public static Task<JsonElement> WaitFollowingAsync(ClusterNode node, TimeSpan within)
        => Poll.ForAsync(
            async _ => await node.CliJsonAsync("cluster", "status"),
            s => s.GetProperty("role").GetString() == "manager" && s.GetProperty("leading").ValueKind == JsonValueKind.False,
            within,
            $"{node.Name} a following manager",
            s => s.ToString());
}
