using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Clones;

/// <summary>The end-to-end harness itself: hostd in its namespace with the CMS on the bridge, and a capture that sees real frames.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class CloneHostTests
{
    [ToolFact("ip", "tcpdump", NeedsRoot = true)]
    public async Task Host_RunsHostdInItsNamespace_WithTheCmsOnTheBridge_AndSurvivesARestart()
    {
        await using var host = await CloneHost.StartAsync();

        var status = await host.CliJsonAsync("status");
        Assert.Equal(CloneHost.CmsEndpoint, status.GetProperty("cmsEndpoint").GetString());
        var firstPid = await host.HostdPidAsync();

        await host.StopHostdAsync();
        Assert.False((await host.CliAsync("status")).Succeeded);
        await host.StartHostdAsync();

        Assert.NotEqual(firstPid, await host.HostdPidAsync());
        Assert.Equal(CloneHost.CmsEndpoint, (await host.CliJsonAsync("status")).GetProperty("cmsEndpoint").GetString());
    }

    [ToolFact("ip", "tcpdump", "ping", NeedsRoot = true)]
    public async Task Capture_OnTheBridge_RecordsTheFramesThatCrossIt()
    {
        await using var network = await CloneNetwork.CreateAsync();
        using var temp = new TempDirectory("capture");
        var bridgeMac = (await network.IpAsync("-br", "link", "show", CloneNetwork.BridgeName)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        await using var capture = await BridgeCapture.StartAsync(network, temp.Combine("bridge.pcap"));

        // Nobody has this address: the bridge broadcasts ARP requests for it, which the capture must see.
        Assert.False(await network.PingOnceAsync(CloneNetwork.CloneAddress(200)));
        var frames = await capture.StopAsync();

        Assert.Contains(frames, f => f.Source == bridgeMac && f.Destination == "ff:ff:ff:ff:ff:ff" && f.Line.Contains("ARP", StringComparison.Ordinal));
    }
}
