using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Cli;

/// <summary>The CLI never opens a running hostd's databases: it asks hostd, or refuses a file under hostd's state directory.</summary>
[Trait(Capabilities.Trait, Capabilities.Cli)]
public sealed class HostdOwnedFilesTests
{
    [Fact]
    public async Task StoreAndFlowsCommands_RefuseADatabaseOfTheRunningHostd_AndStoreListAsksHostdInstead()
    {
        using var dir = new TempDirectory("owned");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var hostdsCatalog = dir.Combine("state", "store", "fog.db");
        var config = $$"""{ "Hostd": { "NodeName": "hv-owned" }, "Store": { "Catalog": "{{hostdsCatalog}}" } }""";
        await using var daemon = HostdUnderTest.Start(dir, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var environment = new Dictionary<string, string?> { [HostMethods.SocketEnvironmentVariable] = dir.Combine("run", "hostd.sock") };
        var hostdsFlows = dir.Combine("state", "flows.db");
        if (!File.Exists(hostdsFlows))
        {
            await File.WriteAllBytesAsync(hostdsFlows, []);
        }

        var store = await RunAsync(environment, "store", "list", "--db", hostdsCatalog);
        Assert.Equal(ExitCodes.Usage, store.ExitCode);
        Assert.Contains("belongs to the running hostd", store.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(hostdsCatalog), "the refused command created hostd's catalog");

        var flows = await RunAsync(environment, "flows", "top", "--db", hostdsFlows);
        var asked = await RunAsync(environment, "store", "list", "--json");

        Assert.Equal(ExitCodes.Usage, flows.ExitCode);
        Assert.Contains("belongs to the running hostd", flows.StandardError, StringComparison.Ordinal);
        Assert.True(asked.ExitCode == ExitCodes.Ok, asked.StandardError);
        Assert.Equal("[]", asked.StandardOutput.Trim());
    }

    [Fact]
    public async Task StoreList_WithACatalogOfItsOwn_AndNoHostd_OpensIt()
    {
        using var dir = new TempDirectory("owned");
        var environment = new Dictionary<string, string?> { [HostMethods.SocketEnvironmentVariable] = dir.Combine("no-hostd.sock") };

        var result = await RunAsync(environment, "store", "list", "--db", dir.Combine("mine.db"), "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StandardError);
        Assert.Equal("[]", result.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("/var/lib/jumpstart/store/fog.db", "/var/lib/jumpstart", true)]
    [InlineData("/var/lib/jumpstart", "/var/lib/jumpstart/", true)]
    [InlineData("/var/lib/jumpstart-other/fog.db", "/var/lib/jumpstart", false)]
    [InlineData("/tmp/fog.db", "/var/lib/jumpstart", false)]
    public void IsUnder_MatchesWholePathComponents(string path, string stateDirectory, bool expected)
    {
        Assert.Equal(expected, HostdOwnedFiles.IsUnder(path, stateDirectory));
    }

    private static Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
        => ProcessRunner.RunAsync(BuiltPrograms.Cli, arguments, new ProcessRunOptions { Environment = environment, Timeout = TimeSpan.FromMinutes(1) });
}
