using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Daemon;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Metadata;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>Service mode's polling: the "devices" here are image files standing in for /dev/sr0.</summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class DiscWatcherTests : IDisposable
{
    private readonly TempDirectory _temp = new("guestd-watch");
    private readonly RecordingNetworkConfigurator _network = new(new NetworkLink("ens3", "52:54:00:aa:00:01", IsLoopback: false));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Poll_AppliesANewDiscOnce_AndANewInstanceIdAgain()
    {
        var device = _temp.Combine("sr0");
        var watcher = Watcher(device, _temp.Combine("sr1-absent"));

        Assert.Null(await watcher.PollOnceAsync(CancellationToken.None));
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24"), device);
        var first = await watcher.PollOnceAsync(CancellationToken.None);
        var idle = await watcher.PollOnceAsync(CancellationToken.None);
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-2", "node2", "10.0.0.6/24"), device);
        var second = await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal("i-1", first?.InstanceId);
        Assert.Null(idle);
        Assert.Equal("i-2", second?.InstanceId);
        Assert.Equal("node2\n", await File.ReadAllTextAsync(_temp.Combine("root", "etc", "hostname")));
    }

    [Fact]
    public async Task Poll_ConfiguredMarker_AccountsForEveryMillisecond_InItsSteps()
    {
        var device = _temp.Combine("sr0");
        var console = _temp.Combine("console");
        await File.WriteAllTextAsync(console, string.Empty);
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24"), device);
        var watcher = Watcher([device], console);

        var result = await watcher.PollOnceAsync(CancellationToken.None);

        var configured = ConsoleMarker.Last(await File.ReadAllTextAsync(console), ConsoleMarkers.Configured);
        var steps = configured["steps"].Split(',').Select(s => s.Split(':')).ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([StepNames.ReadDisc, StepNames.DiscMarker, StepNames.Validate], steps.Keys.Take(3));
        Assert.Contains(StepNames.SaveState, steps.Keys);
        Assert.Equal(StepNames.Other, steps.Keys.Last());
        var total = long.Parse(configured["total-ms"], System.Globalization.CultureInfo.InvariantCulture);

        // Each step is cut to whole milliseconds, so the sum may fall short of the total by less than one per step.
        Assert.InRange(total - steps.Values.Sum(), 0, steps.Count);
        Assert.Equal(result!.Total.TotalMilliseconds, total, tolerance: 1.0);
        Assert.True(long.Parse(configured["jit-methods"], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Contains(ConsoleMarker.Last(await File.ReadAllTextAsync(console), ConsoleMarkers.Disc).Fields, f => f.Key == "instance" && f.Value == "i-1");
    }

    [Fact]
    public async Task Poll_ForeignOrBrokenDisc_IsIgnoredWithoutChangingAnything()
    {
        var device = _temp.Combine("sr0");
        await File.WriteAllBytesAsync(device, new byte[64 * 1024]);
        var watcher = Watcher(device);

        Assert.Null(await watcher.PollOnceAsync(CancellationToken.None));
        Assert.Empty(_network.Commands);
    }

    [Fact]
    public async Task Poll_FailedDisc_IsNotRetriedUntilTheDiscChanges()
    {
        var device = _temp.Combine("sr0");
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24") with { SelfScript = "exit 9" }, device);
        var watcher = Watcher(device);

        Assert.Null(await watcher.PollOnceAsync(CancellationToken.None));
        var commands = _network.Commands.Count;
        Assert.Null(await watcher.PollOnceAsync(CancellationToken.None));

        Assert.True(commands > 0);
        Assert.Equal(commands, _network.Commands.Count);
    }

    [Fact]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    public async Task Poll_MalformedDisc_IsRejectedOnTheConsole_AndTheNextDiscIsApplied()
    {
        var device = _temp.Combine("sr0");
        var console = _temp.Combine("console");
        await File.WriteAllTextAsync(console, string.Empty);
        await File.WriteAllBytesAsync(device, HostileMetadata.Discs.Single(d => d.Name == "configdrive-links-numbers").Image());
        var watcher = Watcher([device], console);

        var rejected = await watcher.PollOnceAsync(CancellationToken.None);
        var marker = await File.ReadAllTextAsync(console);
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-next", "next", "10.0.0.7/24"), device);
        var applied = await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Null(rejected);
        Assert.StartsWith($"{ConsoleMarkers.Prefix} {ConsoleMarkers.Rejected} device={device} reason=openstack/latest/network_data.json:_a_single_value", marker, StringComparison.Ordinal);
        Assert.Equal("i-next", applied?.InstanceId);
    }

    private DiscWatcher Watcher(params string[] devices) => Watcher(devices, consoleDevice: null);

    private DiscWatcher Watcher(string[] devices, string? consoleDevice)
    {
        var settings = new GuestdSettings { Devices = devices, StateDirectory = _temp.Combine("state"), Root = _temp.Combine("root"), ConsoleDevice = consoleDevice };
        var engine = new ConfigurationEngine(settings.ToEngineOptions(), _network, new RecordingKernelHostname(), NullLoggerFactory.Instance);
        return new DiscWatcher(settings, engine, NullLogger<DiscWatcher>.Instance, markers: new ConsoleMarkers(settings, NullLogger<ConsoleMarkers>.Instance));
    }
}
