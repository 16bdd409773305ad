using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// <c>cluster remove</c> between real hostd processes: the removed host's certificate is refused everywhere, in the TLS
/// handshake, by the manager and by the other member, as <c>openssl s_client</c> and <c>openssl verify -crl_check</c>
/// see it; the removed host knows it, and a restart changes none of it.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ClusterRevocationTests(JoinedClusterFixture fixture) : IClassFixture<JoinedClusterFixture>
{
    private ClusterTestBed Bed => fixture.Bed;

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task RemovedHost_IsRefusedEverywhere_AndTheOthersStayUp()
    {
        var (manager, member, removed) = (Bed.Manager, Bed.Nodes[1], Bed.Nodes[2]);
        var ca = Path.Combine(manager.ClusterDirectory, "ca.crt");
        var removedCert = Path.Combine(removed.ClusterDirectory, "host.crt");
        var removedKey = Path.Combine(removed.ClusterDirectory, "host.key");
        var memberCert = Path.Combine(member.ClusterDirectory, "host.crt");
        var memberKey = Path.Combine(member.ClusterDirectory, "host.key");

        // Before: both the manager and the member accept host-c's certificate.
        await AssertAcceptedAsync(removed, manager, removedCert, removedKey);
        await AssertAcceptedAsync(removed, member, removedCert, removedKey);

        // The push goes to the hosts connected at that moment: wait until both members' links are up (a loaded machine
        // may be between a heartbeat timeout and the reconnect).
        foreach (var node in new[] { member, removed })
        {
            await Poll.UntilAsync(async _ => (await node.CliJsonAsync("cluster", "status")).GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(60), $"{node.Name} connected to the manager");
        }

        var result = await manager.CliJsonAsync("cluster", "remove", removed.Name);

        Assert.Equal(removed.Name, result.GetProperty("name").GetString());
        Assert.Equal(2, result.GetProperty("notified").GetInt32());
        var crlNumber = result.GetProperty("crlNumber").GetInt64();
        Assert.Equal("removed", (await Bed.HostsAsync())[removed.Name].GetProperty("state").GetString());

        // The push reached the member and the removed host itself.
        await Poll.UntilAsync(async _ => (await member.CliJsonAsync("cluster", "status")).GetProperty("crlNumber").GetInt64() == crlNumber, TimeSpan.FromSeconds(20), "the member holding the new revocation list");
        var removedStatus = await Poll.ForAsync(_ => removed.CliJsonAsync("cluster", "status"), s => s.GetProperty("revoked").GetBoolean(), TimeSpan.FromSeconds(20), "host-c knowing it was removed", s => s.GetRawText());
        Assert.False(removedStatus.GetProperty("connected").GetBoolean());

        // The member's crl.pem, as openssl reads it: signed by the CA, and it revokes host-c's certificate.
        var memberCrl = Path.Combine(member.ClusterDirectory, "crl.pem");
        var crlCheck = await Openssl.RunAsync("crl", "-in", memberCrl, "-CAfile", ca, "-noout", "-text");
        Assert.True(crlCheck.Succeeded, crlCheck.StandardError);
        Assert.Contains("verify OK", crlCheck.StandardError + crlCheck.StandardOutput, StringComparison.Ordinal);
        var verify = await Openssl.RunAsync("verify", "-crl_check", "-CAfile", ca, "-CRLfile", memberCrl, removedCert);
        Assert.False(verify.Succeeded);
        Assert.Contains("certificate revoked", verify.StandardOutput + verify.StandardError, StringComparison.Ordinal);
        var stillGood = await Openssl.RunAsync("verify", "-crl_check", "-CAfile", ca, "-CRLfile", memberCrl, memberCert);
        Assert.True(stillGood.Succeeded, stillGood.StandardOutput + stillGood.StandardError);

        // Refused in the handshake by the manager and by the member; the member's certificate still works.
        await AssertRefusedAsync(removed, manager, removedCert, removedKey);
        await AssertRefusedAsync(removed, member, removedCert, removedKey);
        await AssertAcceptedAsync(member, manager, memberCert, memberKey);

        // host-c restarted stays out; the others stay up.
        await removed.StopHostdAsync();
        await removed.StartHostdAsync();
        var afterRestart = await removed.CliJsonAsync("cluster", "status");
        Assert.True(afterRestart.GetProperty("revoked").GetBoolean());
        await Bed.WaitForStateAsync(member, "up", ClusterTestBed.UpBound);
        Assert.Equal("removed", (await Bed.HostsAsync())[removed.Name].GetProperty("state").GetString());
        Assert.False((await removed.CliJsonAsync("cluster", "status")).GetProperty("connected").GetBoolean());
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Remove_OfNoSuchHost_OfTheManager_OrOnAMember_IsRefusedWithItsExitCode()
    {
        var unknown = await Bed.Manager.CliAsync("cluster", "remove", "host-z");
        Assert.Equal(ExitCodes.NoInput, unknown.ExitCode);

        var self = await Bed.Manager.CliAsync("cluster", "remove", "host-a");
        Assert.Equal(ExitCodes.Usage, self.ExitCode);
        Assert.Contains("manager", self.StandardError, StringComparison.Ordinal);

        var onMember = await Bed.Nodes[1].CliAsync("cluster", "remove", "host-c");
        Assert.Equal(ExitCodes.Unavailable, onMember.ExitCode);
        Assert.Contains("run this there", onMember.StandardError, StringComparison.Ordinal);
    }

    /// <summary>An openssl client in <paramref name="from"/>'s namespace with this certificate gets the ping line from <paramref name="to"/>.</summary>
    private static async Task AssertAcceptedAsync(ClusterNode from, ClusterNode to, string certificate, string key)
    {
        var ping = await Openssl.ConnectAsync(from.ExecPrefix, to.Endpoint, "jumpstart-ping/1", CaOf(to), certificate, key);
        Assert.True(ping.Succeeded, $"{from.Name} -> {to.Name}: exit {ping.ExitCode}: {ping.StandardError}");
        Assert.Contains(Openssl.PingLine(to.Name, from.Name), ping.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The same client is cut in the handshake: no ping line, a failed exit.</summary>
    private static async Task AssertRefusedAsync(ClusterNode from, ClusterNode to, string certificate, string key)
    {
        var ping = await Openssl.ConnectAsync(from.ExecPrefix, to.Endpoint, "jumpstart-ping/1", CaOf(to), certificate, key);
        Assert.False(ping.Succeeded, $"{from.Name} -> {to.Name} was served: {ping.StandardOutput}");
        Assert.DoesNotContain("sees", ping.StandardOutput, StringComparison.Ordinal);
    }

    private static string CaOf(ClusterNode node) => Path.Combine(node.ClusterDirectory, "ca.crt");
}
