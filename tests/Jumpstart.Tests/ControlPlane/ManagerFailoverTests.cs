using System.Diagnostics;
using System.Text.Json;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// Two managers on one etcd (issue 20): real hostd in namespaces (host-a the first manager, host-b made a manager by
/// <c>cluster add-manager</c>, host-c a member, host-d joining later) and a real three-member etcd in the switch's namespace, reached by
/// every host over the switch. The leader is killed (SIGKILL): the other leads within 10 s, the member's heartbeats,
/// the CLI's remote calls and a join given both managers fail over, and the dead manager's lease expiry marks it down (the leader's watch). Then the
/// new leader is cut off (its link down): it steps down, the other side elects, and never do both lead.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class ManagerFailoverTests(ITestOutputHelper output)
{
    /// <summary>The managers' lease TTL here (the default is 5 s).</summary>
    private static readonly TimeSpan s_leaseTtl = TimeSpan.FromSeconds(3);

    [ToolFact("ip", "etcd", NeedsRoot = true)]
    public async Task TwoManagers_TheLeaderKilledOrCutOff_TheOtherLeads_HostsFailOver_AndLeasesMarkTheDeadDown()
    {
        await using var bed = await ClusterTestBed.StartAsync(hosts: 4);
        using var etcd = await Leadership.StartEtcdAsync(bed, s_leaseTtl);
        var (a, b, c, d) = (bed.Nodes[0], bed.Nodes[1], bed.Nodes[2], bed.Nodes[3]);

        await bed.InitAsync("--store", etcd.Store);
        await Leadership.WaitLeadingAsync(a, true, TimeSpan.FromSeconds(15));
        await bed.JoinAsync(b);
        await bed.JoinAsync(c);
        await bed.WaitForStateAsync(b, "up", ClusterTestBed.UpBound);

        // A second manager: the CA key goes to host-b over mutual TLS; it reaches etcd with its TLS files and follows.
        var added = await a.CliJsonAsync("cluster", "add-manager", "host-b");
        Assert.Equal(["host-a", "host-b"], added.GetProperty("managers").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order());
        await Leadership.WaitFollowingAsync(b, TimeSpan.FromSeconds(30));
        Assert.True(File.Exists(Path.Combine(b.ClusterDirectory, "ca.key")), "the new manager holds the CA key");
        Assert.Equal("manager", (await bed.HostsAsync())["host-b"].GetProperty("role").GetString());

        // The member learns of both managers (its cluster.json, for its next start too).
        await Poll.UntilAsync(
            _ => Task.FromResult(File.ReadAllText(Path.Combine(c.ClusterDirectory, "cluster.json")).Contains("host-b", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15),
            "host-c's cluster.json lists host-b as a manager",
            TimeSpan.FromMilliseconds(200));
        await bed.WaitForStateAsync(c, "up", ClusterTestBed.UpBound);

        // 1. The leader dies.
        var clock = Stopwatch.StartNew();
        await a.KillHostdAsync();
        await Leadership.WaitLeadingAsync(b, true, TimeSpan.FromSeconds(10));
        var takeOver = clock.Elapsed;
        output.WriteLine($"leader host-a killed -> host-b leads after {takeOver.TotalSeconds:0.0} s (lease TTL {s_leaseTtl.TotalSeconds:0} s)");
        Assert.True(takeOver < TimeSpan.FromSeconds(10), $"host-b took {takeOver} to lead");

        // Its lease expired: the new leader's watch marks it down; the member's heartbeats now reach host-b.
        await Poll.ForAsync(
            async _ => await b.CliJsonAsync("cluster", "hosts"),
            hosts => State(hosts, "host-a") == "down",
            ClusterTestBed.DownBound,
            "host-b marking the dead host-a down",
            hosts => hosts.ToString());
        output.WriteLine($"host-a down at host-b after {clock.Elapsed.TotalSeconds:0.0} s (down after {ClusterTestBed.HeartbeatInterval.TotalSeconds * ClusterTestBed.MissedHeartbeats:0} s)");
        var hostsAfter = await b.CliJsonAsync("cluster", "hosts");
        Assert.Equal("up", State(hostsAfter, "host-c"));
        var member = await c.CliJsonAsync("cluster", "status");
        Assert.True(member.GetProperty("connected").GetBoolean(), member.ToString());

        // The CLI on the member: a relayed call goes through the manager that answers.
        var relayed = await c.CliAsync("--host", "host-c", "cluster", "status", "--json");
        Assert.True(relayed.Succeeded, $"a relayed call from host-c with host-a dead: exit {relayed.ExitCode}: {relayed.StandardError}");

        // A join given every manager goes to the one that answers.
        var token = (await b.CliJsonAsync("cluster", "token", "create")).GetProperty("token").GetString()!;
        var joined = await d.CliJsonAsync("cluster", "join", $"{a.Endpoint},{b.Endpoint}", "--token", token, "--ca-hash", bed.CaHash!);
        Assert.Equal("host-b", joined.GetProperty("managerName").GetString());
        await Poll.ForAsync(
            async _ => await b.CliJsonAsync("cluster", "hosts"),
            hosts => State(hosts, "host-d") == "up",
            ClusterTestBed.UpBound,
            "host-d, joined through host-b, up",
            hosts => hosts.ToString());

        // host-a comes back: it follows.
        await a.StartHostdAsync();
        await Leadership.WaitLeadingAsync(a, false, TimeSpan.FromSeconds(30));
        await bed.WaitForStateAsync(a, "up", ClusterTestBed.UpBound);

        // 2. The leader is cut off from everything (its link down): it steps down, the other side elects, never both.
        var samples = new List<(TimeSpan At, bool A, bool B)>();
        clock.Restart();
        await b.RunAsync("ip", ["link", "set", "eth0", "down"]);
        TimeSpan? stepDown = null, elected = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && (stepDown is null || elected is null))
        {
            // Both asked at once: asked one after the other, each answer is of another moment (a CLI start apart).
            var (bAsked, aAsked) = (Leadership.LeadsAsync(b), Leadership.LeadsAsync(a));
            var (bLeads, aLeads) = (await bAsked, await aAsked);
            samples.Add((clock.Elapsed, aLeads, bLeads));
            stepDown ??= bLeads ? null : clock.Elapsed;
            elected ??= aLeads ? clock.Elapsed : null;
            await Task.Delay(100);
        }

        output.WriteLine($"host-b cut off -> stepped down after {stepDown?.TotalSeconds:0.0} s; host-a leads after {elected?.TotalSeconds:0.0} s");
        Assert.NotNull(stepDown);
        Assert.NotNull(elected);
        Assert.DoesNotContain(samples, s => s.A && s.B);
        Assert.True(stepDown < elected, $"host-b stepped down at {stepDown}, host-a led at {elected}");

        // The link back: host-b follows, host-a keeps leading.
        await b.RunAsync("ip", ["link", "set", "eth0", "up"]);
        await Leadership.WaitLeadingAsync(b, false, TimeSpan.FromSeconds(20));
        Assert.True(await Leadership.LeadsAsync(a), "host-a still leads once host-b is back");
    }

    private static string? State(JsonElement hosts, string name)
        => hosts.EnumerateArray().FirstOrDefault(h => h.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } host ? host.GetProperty("state").GetString() : null;
}
