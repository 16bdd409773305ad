using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Guestd.Self;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class ConfigurationEngineTests : IDisposable
{
    private const string TemplateMac = "52:54:00:aa:00:01";
    private readonly TempDirectory _temp = new("guestd-engine");
    private readonly RecordingNetworkConfigurator _network = new(
        new NetworkLink("lo", "00:00:00:00:00:00", IsLoopback: true),
        new NetworkLink("ens3", TemplateMac, IsLoopback: false));

    private readonly RecordingKernelHostname _hostname = new();

    private string Root => _temp.Combine("root");

    private string StateDirectory => _temp.Combine("state");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Apply_FreshInstance_RunsTheIpCommandsInOrder()
    {
        var result = await Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24"), CancellationToken.None);

        Assert.False(result.AlreadyApplied);
        Assert.Equal(
        [
            "link|set|dev|ens3|down",
            "link|set|dev|ens3|address|52:54:00:00:00:05",
            "link|set|dev|ens3|mtu|1400",
            "address|flush|dev|ens3",
            "route|flush|dev|ens3|table|all",
            "neigh|flush|dev|ens3",
            "-4|address|add|10.0.0.5/24|dev|ens3",
            "link|set|dev|ens3|up",
            "-4|route|replace|default|via|10.0.0.1|dev|ens3",
            "arping|-U|-c|1|-I|ens3|10.0.0.5",
        ], _network.Commands);
        Assert.Equal(["node1"], _hostname.Names);
        Assert.Equal([StepNames.Validate, StepNames.MachineId, StepNames.Network, StepNames.Dns, StepNames.Hostname, StepNames.SaveState], result.Steps.Select(s => s.Step));
        Assert.All(result.Steps, s => Assert.True(s.Succeeded));
    }

    [Fact]
    public async Task Apply_WritesHostnameAndResolvConfUnderTheRoot()
    {
        await Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24"), CancellationToken.None);

        Assert.Equal("node1\n", await File.ReadAllTextAsync(Path.Combine(Root, "etc/hostname")));
        var resolv = await File.ReadAllTextAsync(Path.Combine(Root, "etc/resolv.conf"));
        Assert.Contains("nameserver 10.0.0.53\n", resolv, StringComparison.Ordinal);
        Assert.Contains("search cluster.example\n", resolv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_SameInstanceIdAgain_ChangesNothing()
    {
        await Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24"), CancellationToken.None);
        var commandsAfterFirst = _network.Commands.Count;
        File.Delete(Path.Combine(Root, "etc/hostname"));

        var again = await Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24"), CancellationToken.None);

        Assert.True(again.AlreadyApplied);
        Assert.Equal(commandsAfterFirst, _network.Commands.Count);
        Assert.Single(_hostname.Names);
        Assert.False(File.Exists(Path.Combine(Root, "etc/hostname")));
    }

    [Fact]
    public async Task Apply_NewInstanceId_ReconfiguresTheSameLinkAlthoughItsMacChanged()
    {
        await Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24"), CancellationToken.None);
        _network.Commands.Clear();

        var result = await Engine().ApplyAsync(Standalone("i-2", "node2", "10.0.0.6/24"), CancellationToken.None);

        Assert.False(result.AlreadyApplied);
        Assert.Contains("link|set|dev|ens3|address|52:54:00:00:00:06", _network.Commands);
        Assert.Contains("-4|address|add|10.0.0.6/24|dev|ens3", _network.Commands);
        Assert.Equal(["node1", "node2"], _hostname.Names);
        Assert.Equal("node2\n", await File.ReadAllTextAsync(Path.Combine(Root, "etc/hostname")));
        Assert.Equal("i-2", InstanceMarker.Read(StateDirectory)?.InstanceId);
    }

    [Fact]
    public async Task Apply_InjectionInMetadata_FailsBeforeChangingAnything()
    {
        var hostile = Standalone("i-1", "node1", "10.0.0.5/24") is var m
            ? m with { Interfaces = [m.Interfaces[0] with { Addresses = ["10.0.0.5/24", "1.2.3.4/8; reboot"] }] }
            : null!;

        var ex = await Assert.ThrowsAsync<InvalidMetadataException>(() => Engine().ApplyAsync(hostile, CancellationToken.None));

        Assert.Contains("interfaces[0].addresses[1]", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_network.Commands);
        Assert.Empty(_hostname.Names);
        Assert.False(Directory.Exists(Root));
        Assert.Null(InstanceMarker.Read(StateDirectory));
    }

    [Fact]
    public async Task Apply_NoMatchingInterface_FailsAtNetworkAndNamesTheLinks()
    {
        var metadata = Standalone("i-1", "node1", "10.0.0.5/24") is var m
            ? m with { Interfaces = [m.Interfaces[0] with { MatchMac = "52:54:00:ff:ff:ff" }] }
            : null!;

        var ex = await Assert.ThrowsAsync<NetworkConfigurationException>(() => Engine().ApplyAsync(metadata, CancellationToken.None));

        Assert.Equal(StepNames.Network, ex.Step);
        Assert.Contains("ens3", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.Steps[^1].Succeeded);
        Assert.Null(InstanceMarker.Read(StateDirectory));
    }

    [Fact]
    public async Task Apply_SelfScript_RunsWithTheMetadataInItsEnvironment()
    {
        var output = _temp.Combine("self-output");
        var script = $"#!/bin/sh\nprintf '%s %s %s %s' \"$JUMPSTART_INSTANCE_ID\" \"$JUMPSTART_HOSTNAME\" \"$JUMPSTART_ADDRESS\" \"$JUMPSTART_DEPLOYMENT_ID\" > '{output}'\n";

        var result = await Engine().ApplyAsync(Standalone("i-7", "node7", "10.0.0.7/24") with { SelfScript = script, DeploymentId = "dep-9" }, CancellationToken.None);

        Assert.Equal("i-7 node7 10.0.0.7 dep-9", await File.ReadAllTextAsync(output));
        Assert.Contains(result.Steps, s => s.Step == StepNames.Self && s.Succeeded);
    }

    [Fact]
    public async Task Apply_SelfScriptOverItsTimeout_IsKilledAndTheStepFails()
    {
        var engine = Engine(new EngineOptions { Root = Root, StateDirectory = StateDirectory, SelfTimeout = TimeSpan.FromMilliseconds(300) });

        var ex = await Assert.ThrowsAsync<GuestConfigException>(
            () => engine.ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24") with { SelfScript = "sleep 30" }, CancellationToken.None));

        Assert.Equal(StepNames.Self, ex.Step);
        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Steps.Single(s => s.Step == StepNames.Self).Duration < TimeSpan.FromSeconds(20));
        Assert.Null(InstanceMarker.Read(StateDirectory));
    }

    [Fact]
    public async Task Apply_SelfScriptFailing_ReportsItsExitCodeAndStderr()
    {
        var ex = await Assert.ThrowsAsync<GuestConfigException>(
            () => Engine().ApplyAsync(Standalone("i-1", "node1", "10.0.0.5/24") with { SelfScript = "echo broken >&2; exit 3" }, CancellationToken.None));

        Assert.Equal(StepNames.Self, ex.Step);
        Assert.Contains("exit 3: broken", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(StateDirectory, SelfScriptRunner.ScriptFileName)));
    }

    internal static CloneMetadata Standalone(string instanceId, string hostname, string address)
    {
        var lastOctet = address.Split('/')[0].Split('.')[^1];
        return new CloneMetadata
        {
            InstanceId = instanceId,
            Hostname = hostname,
            Interfaces =
            [
                new InterfaceConfig
                {
                    MatchMac = TemplateMac,
                    Mac = $"52:54:00:00:00:{int.Parse(lastOctet, System.Globalization.CultureInfo.InvariantCulture):x2}",
                    Addresses = [address],
                    Gateway = "10.0.0.1",
                    DnsServers = ["10.0.0.53"],
                    DnsSearch = ["cluster.example"],
                    Mtu = 1400,
                },
            ],
        };
    }

    private ConfigurationEngine Engine(EngineOptions? options = null)
        => new(options ?? new EngineOptions { Root = Root, StateDirectory = StateDirectory }, _network, _hostname, NullLoggerFactory.Instance);
}
