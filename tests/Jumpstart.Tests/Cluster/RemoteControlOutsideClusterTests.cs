using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// <c>--host</c> where the cluster does not reach: from a host in no cluster (host-c), and to a host that never joined,
/// with host-a the manager and host-b a member.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class RemoteControlOutsideClusterTests(PartlyJoinedClusterFixture fixture) : IClassFixture<PartlyJoinedClusterFixture>
{
    private ClusterTestBed Bed => fixture.Bed;

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task HostOption_OnAHostInNoCluster_ExitsUnavailableAndSaysSo()
    {
        var result = await Bed.Nodes[2].CliAsync("--host", "host-b", "vm", "list");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("this host is in no cluster", result.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task HostOption_NamingAHostThatNeverJoined_IsNotFound()
    {
        var result = await Bed.Nodes[1].CliAsync("--host", "host-c", "vm", "list");

        Assert.Equal(ExitCodes.NoInput, result.ExitCode);
        Assert.Contains("no member named host-c", result.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task EnvironmentVariable_JumpstartHost_WorksLikeTheOption()
    {
        var result = await Jumpstart.Shared.Processes.ProcessRunner.RunAsync(
            BuiltPrograms.Cli,
            ["status", "--json", "--socket", Bed.Manager.SocketPath],
            new Jumpstart.Shared.Processes.ProcessRunOptions { Timeout = TimeSpan.FromMinutes(1), Environment = new Dictionary<string, string?> { ["JUMPSTART_HOST"] = "host-b" } });

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Contains("\"nodeName\": \"host-b\"", result.StandardOutput, StringComparison.Ordinal);
    }
}
