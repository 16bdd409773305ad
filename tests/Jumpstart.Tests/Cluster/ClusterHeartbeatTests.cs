using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// Heartbeats, capacity and the manager's state across failures, with three real hostd processes (host-a the
/// manager, host-b and host-c members): a host killed with SIGKILL is marked down within the heartbeat bound and up
/// when it returns; a manager killed and restarted loses nothing.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ClusterHeartbeatTests(JoinedClusterFixture fixture, ITestOutputHelper output) : IClassFixture<JoinedClusterFixture>
{
    private ClusterTestBed Bed => fixture.Bed;

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Hosts_ShowsEveryHostUpWithItsCapacity_OnTheManagerAndThroughAMember()
    {
        var hosts = await Bed.HostsAsync();

        Assert.Equal(["host-a", "host-b", "host-c"], hosts.Keys.Order(StringComparer.Ordinal));
        foreach (var node in Bed.Nodes)
        {
            var host = hosts[node.Name];
            Assert.Equal("up", host.GetProperty("state").GetString());
            Assert.Equal(node.Index == 0 ? "manager" : "member", host.GetProperty("role").GetString());
            Assert.Equal(node.Endpoint, host.GetProperty("endpoint").GetString());
            var capacity = host.GetProperty("capacity");
            Assert.Equal(Environment.ProcessorCount, capacity.GetProperty("cores").GetInt32());
            Assert.True(capacity.GetProperty("memoryTotalBytes").GetInt64() > 0);
            Assert.InRange(capacity.GetProperty("memoryAvailableBytes").GetInt64(), 1, capacity.GetProperty("memoryTotalBytes").GetInt64());
            Assert.True(capacity.GetProperty("freeSpaceBytes").GetInt64() > 0);
            Assert.Equal(0, capacity.GetProperty("runningVms").GetInt32());
            Assert.Equal(JsonValueKind.Array, capacity.GetProperty("bundles").ValueKind);
            Assert.True(DateTimeOffset.UtcNow - host.GetProperty("lastHeartbeatAt").GetDateTimeOffset() < ClusterTestBed.DownBound);
        }

        var table = await Bed.Manager.CliAsync("cluster", "hosts");
        Assert.True(table.Succeeded, table.StandardError);
        Assert.StartsWith("NAME", table.StandardOutput, StringComparison.Ordinal);
        foreach (var node in Bed.Nodes)
        {
            Assert.Contains(node.Name, table.StandardOutput, StringComparison.Ordinal);
        }

        var throughMember = await Bed.Nodes[1].CliJsonAsync("cluster", "hosts");
        Assert.Equal(3, throughMember.GetArrayLength());
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task KilledHost_IsMarkedDownWithinTheHeartbeatBound_AndUpWhenItReturns()
    {
        var victim = Bed.Nodes[2];
        var clock = Stopwatch.StartNew();
        await victim.KillHostdAsync();

        await Bed.WaitForStateAsync(victim, "down", ClusterTestBed.DownBound);
        var down = clock.Elapsed;
        var hosts = await Bed.HostsAsync();
        Assert.Equal("up", hosts["host-a"].GetProperty("state").GetString());
        Assert.Equal("up", hosts["host-b"].GetProperty("state").GetString());

        clock.Restart();
        await victim.StartHostdAsync();
        await Bed.WaitForStateAsync(victim, "up", TimeSpan.FromSeconds(60));
        var up = clock.Elapsed;
        var status = await victim.CliJsonAsync("cluster", "status");
        Assert.Equal("member", status.GetProperty("role").GetString());
        Assert.True(status.GetProperty("connected").GetBoolean());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"down {down.TotalSeconds:0.0} s after SIGKILL (bound {ClusterTestBed.DownBound.TotalSeconds:0} s: {ClusterTestBed.MissedHeartbeats} x {ClusterTestBed.HeartbeatInterval.TotalSeconds:0} s + sweep + slack); up {up.TotalSeconds:0.0} s after the restart began"));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Manager_KilledAndRestarted_LosesNothing()
    {
        var manager = Bed.Manager;
        var token = (await manager.CliJsonAsync("cluster", "token", "create", "--ttl", "2h", "--uses", "3")).GetProperty("id").GetString()!;
        var hostsBefore = await Bed.HostsAsync();
        var tokensBefore = (await manager.CliJsonAsync("cluster", "token", "list")).GetRawText();
        var statusBefore = await manager.CliJsonAsync("cluster", "status");

        await manager.KillHostdAsync();
        await manager.StartHostdAsync();

        var statusAfter = await manager.CliJsonAsync("cluster", "status");
        Assert.Equal("manager", statusAfter.GetProperty("role").GetString());
        Assert.Equal(statusBefore.GetProperty("caHash").GetString(), statusAfter.GetProperty("caHash").GetString());
        Assert.Equal(statusBefore.GetProperty("serial").GetString(), statusAfter.GetProperty("serial").GetString());
        Assert.Equal(tokensBefore, (await manager.CliJsonAsync("cluster", "token", "list")).GetRawText());
        Assert.Contains(token, tokensBefore, StringComparison.Ordinal);
        var hostsAfter = await Bed.HostsAsync();
        Assert.Equal(hostsBefore.Keys.Order(StringComparer.Ordinal), hostsAfter.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, before) in hostsBefore)
        {
            Assert.Equal(before.GetProperty("serial").GetString(), hostsAfter[name].GetProperty("serial").GetString());
            Assert.Equal(before.GetProperty("endpoint").GetString(), hostsAfter[name].GetProperty("endpoint").GetString());
            Assert.Equal(before.GetProperty("joinedAt").GetDateTimeOffset(), hostsAfter[name].GetProperty("joinedAt").GetDateTimeOffset());
        }

        // The members reconnect by themselves and are up again; their heartbeats carry on after the restart.
        var restarted = DateTimeOffset.UtcNow;
        foreach (var node in Bed.Nodes.Skip(1))
        {
            await Poll.UntilAsync(
                async _ => (await Bed.HostsAsync())[node.Name] is var host && host.GetProperty("state").GetString() == "up" && host.GetProperty("lastHeartbeatAt").GetDateTimeOffset() > restarted,
                TimeSpan.FromSeconds(60),
                $"{node.Name} heartbeating to the restarted manager",
                TimeSpan.FromMilliseconds(200));
        }
    }
}
