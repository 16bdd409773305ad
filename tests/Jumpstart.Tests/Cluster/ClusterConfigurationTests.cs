using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>An unusable <c>Cluster</c> section stops the real jumpstart-hostd at start with exit 78 and says which setting; a damaged cluster directory too.</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ClusterConfigurationTests
{
    [Theory]
    [InlineData("""{ "Cluster": { "Listen": "7443" } }""", "Cluster:Listen")]
    [InlineData("""{ "Cluster": { "MissedHeartbeats": 0 } }""", "Cluster:MissedHeartbeats")]
    [InlineData("""{ "Cluster": { "HeartbeatInterval": "00:00:00" } }""", "Cluster:HeartbeatInterval")]
    [InlineData("""{ "Cluster": { "MaxHandshakes": -1 } }""", "Cluster:MaxHandshakes")]
    [InlineData("""{ "Cluster": { "Directory": "relative/cluster" } }""", "Cluster:Directory")]
    public async Task Start_WithAnUnusableClusterSection_Exits78AndNamesTheSetting(string configJson, string setting)
    {
        using var directory = new TempDirectory("cluster-config");
        await using var hostd = HostdUnderTest.Start(directory, configJson, new Dictionary<string, string?>());

        var result = await hostd.WaitForExitAsync();

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains(setting, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithADamagedClusterDirectory_Exits78AndSaysWhere()
    {
        using var directory = new TempDirectory("cluster-config");
        var cluster = directory.Combine("state", "cluster");
        Directory.CreateDirectory(cluster);
        await File.WriteAllTextAsync(Path.Combine(cluster, "cluster.json"), """{ "role": "member", "name": "host-b", "managerName": "host-a", "manager": "10.0.0.1:7443", "since": "2026-01-01T00:00:00Z" }""");
        await using var hostd = HostdUnderTest.Start(directory, HostdUnderTest.Config("host-b"), new Dictionary<string, string?>());

        var result = await hostd.WaitForExitAsync();

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains(cluster, result.StandardError, StringComparison.Ordinal);
    }
}
