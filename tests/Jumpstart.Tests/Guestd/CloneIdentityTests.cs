using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Daemon;
using Jumpstart.Guestd.Identity;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class CloneIdentityTests : IDisposable
{
    private const string TemplateMac = "52:54:00:aa:00:01";
    private static readonly DateTimeOffset s_templateClock = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_rtc = new(2026, 1, 1, 0, 10, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new("guestd-identity");
    private readonly RecordingNetworkConfigurator _network = new(new NetworkLink("ens3", TemplateMac, IsLoopback: false));
    private readonly RecordingKernelHostname _hostname = new();
    private readonly RecordingRandom _random = new();
    private readonly RecordingClock _clock = new(s_templateClock, s_rtc);

    private string Root => _temp.Combine("root");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Apply_ReseedsSetsTheClockAndWritesAMachineId_BeforeTheNetwork()
    {
        var seed = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();

        var result = await Engine().ApplyAsync(Clone("i-1") with { RandomSeed = Convert.ToBase64String(seed) }, CancellationToken.None);

        Assert.Equal(
            [StepNames.Validate, StepNames.RngReseed, StepNames.Clock, StepNames.MachineId, StepNames.Network, StepNames.Dns, StepNames.Hostname, StepNames.SaveState],
            result.Steps.Select(s => s.Step));
        Assert.Equal(seed, Assert.Single(_random.Seeds));
        Assert.Equal(s_rtc.AddMilliseconds(500), Assert.Single(_clock.SetTo));
        var identity = Assert.IsType<IdentityOutcome>(result.Identity);
        Assert.True(identity.RngReseeded);
        Assert.Equal(64, identity.SeedBytes);
        Assert.True(identity.ClockSet);
        Assert.Equal("rtc", identity.ClockSource);
        Assert.Equal(identity.MachineId, MachineId.Read(Root));
        Assert.Matches("^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$", identity.MachineId);
    }

    [Fact]
    public async Task Apply_TwoInstances_GetDifferentMachineIds()
    {
        var first = await Engine().ApplyAsync(Clone("i-1"), CancellationToken.None);
        var second = await Engine().ApplyAsync(Clone("i-2"), CancellationToken.None);

        Assert.NotEqual(first.Identity!.MachineId, second.Identity!.MachineId);
        Assert.Equal(second.Identity.MachineId + "\n", await File.ReadAllTextAsync(Path.Combine(Root, MachineId.RelativePath)));
    }

    [Fact]
    public async Task Apply_WithoutASeed_LeavesTheRngAloneButStillConfigures()
    {
        var result = await Engine().ApplyAsync(Clone("i-1"), CancellationToken.None);

        Assert.Empty(_random.Seeds);
        Assert.False(result.Identity!.RngReseeded);
        Assert.DoesNotContain(StepNames.RngReseed, result.Steps.Select(s => s.Step));
    }

    [Fact]
    public async Task WarmUp_RunsTheCodePathsButChangesNothing_AndTheNextRealDiscAppliesInFull()
    {
        var engine = Engine();

        var warm = await engine.WarmUpAsync(Clone("warm-1") with { Warmup = true, RandomSeed = Convert.ToBase64String(new byte[16]) }, CancellationToken.None);

        Assert.True(warm.WarmUp);
        Assert.Contains(warm.Steps, s => s.Step == StepNames.Self && s.Succeeded);
        foreach (var step in new[] { StepNames.Network, StepNames.Dns, StepNames.Register, StepNames.WaitRole, StepNames.ApplyRole, StepNames.Report, StepNames.Disconnect, StepNames.SaveState })
        {
            Assert.Contains(warm.Steps, s => s.Step == step && s.Succeeded);
        }

        Assert.False(File.Exists(Path.Combine(Root, Jumpstart.Guestd.Cms.LoopbackCms.RoleFilePath.TrimStart('/'))));
        Assert.False(File.Exists(Path.Combine(Root, "etc/resolv.conf")));
        Assert.Empty(_network.Commands);
        Assert.Empty(_hostname.Names);
        Assert.Empty(_clock.SetTo);
        Assert.Null(MachineId.Read(Root));
        Assert.False(File.Exists(Path.Combine(Root, "etc/hostname")));
        Assert.Null(engine.AppliedInstanceId);
        Assert.False(Directory.Exists(Path.Combine(_temp.Combine("state"), ConfigurationEngine.WarmUpDirectory)));

        var real = await engine.ApplyAsync(Clone("i-1"), CancellationToken.None);

        Assert.False(real.AlreadyApplied);
        Assert.Contains("link|set|dev|ens3|address|52:54:00:00:00:05", _network.Commands);
        Assert.Equal(["node-i-1"], _hostname.Names);
        Assert.Equal("i-1", engine.AppliedInstanceId);
    }

    [Fact]
    public async Task DiscWatcher_WarmUpDisc_IsRunOnceAndNotRecordedAsApplied()
    {
        var disc = _temp.Combine("warm.iso");
        MetadataDisc.WriteFile(Clone("warm-1") with { Warmup = true }, disc);
        var settings = new GuestdSettings { Devices = [disc], StateDirectory = _temp.Combine("state"), Root = Root };
        var engine = new ConfigurationEngine(settings.ToEngineOptions(), _network, _hostname, NullLoggerFactory.Instance, CloneIdentity.None);
        var watcher = new DiscWatcher(settings, engine, NullLogger<DiscWatcher>.Instance);

        var first = await watcher.PollOnceAsync(CancellationToken.None);
        var second = await watcher.PollOnceAsync(CancellationToken.None);

        Assert.True(first?.WarmUp);
        Assert.Null(second);
        Assert.Null(engine.AppliedInstanceId);
        Assert.Empty(_hostname.Names);
    }

    [Theory]
    [InlineData(0, 0, null)]          // already right
    [InlineData(-600, 0, 600_500)]    // restored clone: 10 minutes behind the RTC
    [InlineData(300, 0, -299_500)]    // ahead of the RTC: stepped back to it
    public void ClockDecision_WithAnRtc_StepsToItsMidpointWhenOffByMoreThanASecond(int nowOffsetSeconds, int rtcOffsetSeconds, int? expectedStepMs)
    {
        var rtc = s_rtc.AddSeconds(rtcOffsetSeconds);

        var decision = ClockDecision.Decide(s_rtc.AddSeconds(nowOffsetSeconds), rtc, hostTime: null);

        Assert.Equal("rtc", decision.Source);
        Assert.Equal(expectedStepMs, decision.Target is null ? null : (int)decision.Offset.TotalMilliseconds);
    }

    [Fact]
    public void ClockDecision_WithAnRtcTheDiscProvesBehind_UsesTheDiscAsALowerBoundAndNeverStepsBack()
    {
        var staleRtc = s_rtc.AddYears(-6);

        var first = ClockDecision.Decide(staleRtc, staleRtc, hostTime: s_rtc);
        var afterwards = ClockDecision.Decide(s_rtc.AddSeconds(10), staleRtc, hostTime: s_rtc);

        Assert.Equal(s_rtc, first.Target);
        Assert.Equal("disc", first.Source);
        Assert.Null(afterwards.Target);
    }

    [Fact]
    public void ClockDecision_WithoutAnRtc_TrustsTheDiscOnlyAsALowerBound()
    {
        var behind = ClockDecision.Decide(s_templateClock, rtc: null, hostTime: s_rtc);
        var ahead = ClockDecision.Decide(s_rtc.AddMinutes(5), rtc: null, hostTime: s_rtc);
        var nothing = ClockDecision.Decide(s_rtc, rtc: null, hostTime: null);

        Assert.Equal(s_rtc, behind.Target);
        Assert.Null(ahead.Target);
        Assert.Null(nothing.Target);
        Assert.Equal("none", nothing.Source);
    }

    [Fact]
    public void CloneIdentity_ForAnotherRoot_NeverTouchesTheMachineWideClockOrRng()
    {
        var scoped = CloneIdentity.For(Root);

        Assert.Null(scoped.Clock);
        Assert.Null(scoped.Random);
        Assert.Same(CloneIdentity.Real, CloneIdentity.For("/"));
    }

    [Fact]
    public void CdromProbe_OnAFileOrNothing_SaysSoInsteadOfThrowing()
    {
        var file = _temp.Combine("image.iso");
        File.WriteAllBytes(file, new byte[2048]);

        Assert.Equal(CdromStatus.NotCdrom, CdromProbe.Probe(file, out var changed));
        Assert.False(changed);
        Assert.Equal(CdromStatus.Absent, CdromProbe.Probe(_temp.Combine("no-such-device"), out _));
    }

    [ToolFact("ssh-keygen")]
    public async Task SshHostKeys_WhenAServerIsInstalled_ReplacesTheTemplatesKeys()
    {
        var ssh = Directory.CreateDirectory(Path.Combine(Root, "etc/ssh")).FullName;
        await File.WriteAllTextAsync(Path.Combine(ssh, "sshd_config"), "# test\n");
        await File.WriteAllTextAsync(Path.Combine(ssh, "ssh_host_ed25519_key"), "template key\n");

        var count = await new SshHostKeys().RegenerateAsync(Root, CancellationToken.None);

        Assert.True(count >= 2, $"expected several host keys, got {count}");
        var key = await File.ReadAllTextAsync(Path.Combine(ssh, "ssh_host_ed25519_key"));
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", key, StringComparison.Ordinal);
    }

    [ToolFact("ssh-keygen")]
    public async Task SshHostKeys_WithSshdButNoEtcSsh_CreatesTheFolderAndTheKeys()
    {
        var sbin = Directory.CreateDirectory(Path.Combine(Root, "usr/sbin")).FullName;
        await File.WriteAllTextAsync(Path.Combine(sbin, "sshd"), "");

        var count = await new SshHostKeys().RegenerateAsync(Root, CancellationToken.None);

        Assert.True(count >= 2, $"expected several host keys, got {count}");
        Assert.True(File.Exists(Path.Combine(Root, "etc/ssh/ssh_host_ed25519_key")));
    }

    [Fact]
    public async Task SshHostKeys_WithoutAServer_DoesNothing()
        => Assert.Null(await new SshHostKeys("/nonexistent/ssh-keygen").RegenerateAsync(Root, CancellationToken.None));

    private static CloneMetadata Clone(string instanceId) => new()
    {
        InstanceId = instanceId,
        Hostname = "node-" + instanceId,
        HostTime = s_rtc,
        Interfaces = [new InterfaceConfig { MatchMac = TemplateMac, Mac = "52:54:00:00:00:05", Addresses = ["10.0.0.5/24"] }],
    };

    private ConfigurationEngine Engine() => new(
        new EngineOptions { Root = Root, StateDirectory = _temp.Combine("state") },
        _network,
        _hostname,
        NullLoggerFactory.Instance,
        new CloneIdentity { Random = _random, Clock = _clock });
}
