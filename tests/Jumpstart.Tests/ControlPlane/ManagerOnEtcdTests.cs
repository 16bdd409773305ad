using System.Text.Json;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// Real hostd processes in namespaces with the manager on a real three-member etcd (TLS, client certificates, in the
/// manager's namespace): <c>cluster init --store etcd://</c> makes it lead; a host joins through etcd; two members lost
/// make the manager's writes fail with exit 69 and a message about the quorum, one back resumes them; a restarted
/// manager stays on etcd and leads again with nothing lost.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class ManagerOnEtcdTests(ITestOutputHelper output)
{
    [ToolFact("ip", "etcd", NeedsRoot = true)]
    public async Task AManagerOnEtcd_Leads_AdmitsHosts_ReportsALostQuorum_AndResumes()
    {
        await using var bed = await ClusterTestBed.StartAsync(hosts: 2);
        await bed.Manager.RunAsync("ip", ["link", "set", "lo", "up"]);
        using var etcd = new EtcdTestCluster(3, bed.Manager.Namespace);
        var tls = etcd.Tls;
        bed.Manager.Override("EtcdCaFile", tls.CaCertificate);
        bed.Manager.Override("EtcdCertificateFile", tls.ClientCertificate);
        bed.Manager.Override("EtcdKeyFile", tls.ClientKey);
        bed.Manager.Override("LeaderLeaseTtl", "00:00:03");
        await bed.Manager.StopHostdAsync();
        await bed.Manager.StartHostdAsync();

        var init = await bed.InitAsync("--store", etcd.Store);
        Assert.False(string.IsNullOrEmpty(init.GetProperty("caHash").GetString()));
        var status = await Poll.ForAsync(
            async _ => await bed.Manager.CliJsonAsync("cluster", "status"),
            s => s.TryGetProperty("leading", out var leading) && leading.ValueKind == JsonValueKind.True,
            TimeSpan.FromSeconds(15),
            "the manager on etcd leads",
            s => s.ToString());
        Assert.Equal(etcd.Store, status.GetProperty("store").GetString());

        await bed.JoinAsync(bed.Nodes[1]);
        await bed.WaitForStateAsync(bed.Nodes[1], "up", ClusterTestBed.UpBound);

        etcd.Kill(1);
        etcd.Kill(2);
        var refused = await bed.Manager.CliAsync("cluster", "token", "create");
        output.WriteLine($"token create with two of three etcd members down: exit {refused.ExitCode}: {refused.StandardError.Trim()}");
        Assert.Equal(69, refused.ExitCode);
        Assert.Contains("quorum", refused.StandardError, StringComparison.Ordinal);
        Assert.True((await bed.Manager.CliAsync("cluster", "status")).Succeeded, "hostd stays up while etcd has no quorum");

        etcd.Start(1);
        await Poll.UntilAsync(async _ => (await bed.Manager.CliAsync("cluster", "token", "create")).Succeeded, TimeSpan.FromSeconds(40), "token create succeeds once a second etcd member is back", TimeSpan.FromMilliseconds(500));

        await bed.Manager.StopHostdAsync();
        await bed.Manager.StartHostdAsync();
        await Poll.ForAsync(
            async _ => (await bed.Manager.CliAsync("cluster", "status", "--json")) is { Succeeded: true } r ? JsonDocument.Parse(r.StandardOutput).RootElement.Clone() : default,
            s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("leading", out var leading) && leading.ValueKind == JsonValueKind.True,
            TimeSpan.FromSeconds(60),
            "the restarted manager leads again on etcd",
            s => s.ToString());
        var hosts = await bed.HostsAsync();
        Assert.Equal(["host-a", "host-b"], hosts.Keys.Order());
        Assert.True((await bed.Manager.CliJsonAsync("cluster", "token", "list")).GetArrayLength() >= 2, "the tokens made before the restart are still there");
    }
}
