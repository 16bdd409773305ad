using System.Diagnostics;
using System.Globalization;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// The real jumpstart-hostd executable against a notify socket the test binds, as systemd would:
/// start-up, watchdog, reload on SIGHUP, graceful stop on SIGTERM, journal output, bad configuration.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class HostdDaemonTests
{
    private static readonly TimeSpan s_step = HostdUnderTest.StepTimeout;

    [Fact]
    public async Task Start_WithNotifySocketPath_SendsStatusAndReadyThenStopsCleanlyOnSigterm()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("alpha"), listener);

        var status = await listener.WaitForReadyStatusAsync(s_step);
        Assert.Contains("node alpha", status, StringComparison.Ordinal);
        Assert.Contains(dir.Combine("run", "hostd.sock"), status, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("run", "hostd.sock")));
        Assert.True(Directory.Exists(dir.Combine("state")));

        await daemon.SignalAsync(Signum.SIGTERM);
        await listener.WaitForAsync(SystemdNotifyMessage.StoppingKey, "1", s_step);
        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.False(File.Exists(dir.Combine("run", "hostd.sock")), "the daemon removes the control socket it created");
    }

    [Fact]
    public async Task Start_WithAbstractNotifySocket_SendsReady()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.Abstract();
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("abstract"), listener);

        var status = await listener.WaitForReadyStatusAsync(s_step);

        Assert.Contains("node abstract", status, StringComparison.Ordinal);
        await daemon.SignalAsync(Signum.SIGINT);
        Assert.Equal(ExitCodes.Ok, (await daemon.WaitForExitAsync()).ExitCode);
    }

    [Fact]
    public async Task Watchdog_WithWatchdogUsec_PingsAboutTwicePerInterval()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        const int WatchdogMs = 1000;
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("dog"), listener, (SystemdEnvironment.WatchdogUsecVariable, (WatchdogMs * 1000).ToString(CultureInfo.InvariantCulture)));
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);

        // Count pings in a window of 4 intervals: about 8 expected at half the interval. The bounds
        // are loose on purpose (a loaded machine delays timers); what matters is "several, not a flood".
        var window = TimeSpan.FromMilliseconds(4 * WatchdogMs);
        var start = Stopwatch.GetTimestamp();
        var pings = 0;
        while (Stopwatch.GetElapsedTime(start) < window)
        {
            try
            {
                await listener.WaitForAsync(SystemdNotifyMessage.WatchdogKey, "1", window - Stopwatch.GetElapsedTime(start));
                pings++;
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        Assert.InRange(pings, 4, 16);
    }

    [Fact]
    public async Task Watchdog_ForAnotherPid_IsNotPinged()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("other"), listener, (SystemdEnvironment.WatchdogUsecVariable, "200000"), (SystemdEnvironment.WatchdogPidVariable, "1"));
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await daemon.SignalAsync(Signum.SIGTERM);
        await daemon.WaitForExitAsync();

        Assert.DoesNotContain(listener.History, m => m.Get(SystemdNotifyMessage.WatchdogKey) is not null);
    }

    [Fact]
    public async Task Sighup_AfterConfigChange_SendsReloadingThenReadyAndShowsTheNewValue()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("before"), listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);

        await File.WriteAllTextAsync(HostdUnderTest.ConfigPath(dir), HostdUnderTest.Config("after"));
        var beforeSignal = SystemdNotifications.MonotonicMicroseconds();
        await daemon.SignalAsync(Signum.SIGHUP);

        var reloading = await listener.WaitForAsync(SystemdNotifyMessage.ReloadingKey, "1", s_step);
        var monotonic = long.Parse(reloading.Get(SystemdNotifyMessage.MonotonicUsecKey)!, CultureInfo.InvariantCulture);
        Assert.InRange(monotonic, beforeSignal, SystemdNotifications.MonotonicMicroseconds());
        var ready = await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);
        Assert.Contains("node after", ready.Get(SystemdNotifyMessage.StatusKey), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, (await daemon.StopAsync()).ExitCode);
    }

    [Fact]
    public async Task Sighup_WithBrokenConfig_KeepsRunningWithThePreviousConfiguration()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("steady"), listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);

        var ready = await ReloadAsync(daemon, listener, dir, """{ "Hostd": { "NodeName": "half-writ""");
        Assert.Contains("reload failed", ready.Get(SystemdNotifyMessage.StatusKey), StringComparison.Ordinal);

        // Valid JSON with an invalid value is rejected the same way; then a good file applies.
        ready = await ReloadAsync(daemon, listener, dir, """{ "Hostd": { "NodeName": "bad-mode", "ControlSocketMode": "9999" } }""");
        Assert.Contains("ControlSocketMode '9999' is not an octal mode", ready.Get(SystemdNotifyMessage.StatusKey), StringComparison.Ordinal);

        ready = await ReloadAsync(daemon, listener, dir, HostdUnderTest.Config("fixed"));
        Assert.StartsWith("node fixed", ready.Get(SystemdNotifyMessage.StatusKey), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, (await daemon.StopAsync()).ExitCode);
    }

    /// <summary>Writes a new config, sends SIGHUP, and returns the READY=1 that must follow RELOADING=1.</summary>
    private static async Task<NotifyMessage> ReloadAsync(HostdUnderTest daemon, NotifyListener listener, TempDirectory dir, string configJson)
    {
        await File.WriteAllTextAsync(HostdUnderTest.ConfigPath(dir), configJson);
        await daemon.SignalAsync(Signum.SIGHUP);
        await listener.WaitForAsync(SystemdNotifyMessage.ReloadingKey, "1", s_step);
        return await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);
    }

    [Fact]
    public async Task Logging_WithJournalStream_PrefixesEveryLineWithItsPriority()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("journal"), listener, (SystemdEnvironment.JournalStreamVariable, "8:12345"));
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);
        var result = await daemon.StopAsync();

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Matches("^<[2-7]>", line));
        Assert.Contains(lines, line => line.StartsWith("<6>", StringComparison.Ordinal) && line.Contains("started: node journal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logging_InATerminal_UsesReadableLinesWithoutPriorityPrefixes()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("plain"), listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);
        var result = await daemon.StopAsync();

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.Contains(" info: ", StringComparison.Ordinal) && line.Contains("started: node plain", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith('<'));
    }

    [Theory]
    [InlineData("""{ "Hostd": { "NodeName": "broken" """, "is not valid JSON")]
    [InlineData("""[ 1, 2 ]""", "is not valid JSON")]
    [InlineData("""{ "Hostd": { "ControlSocketMode": "rw-rw----" } }""", "ControlSocketMode")]
    [InlineData("""{ "Hostd": { "NodeName": "" } }""", "NodeName")]
    public async Task Start_WithBadConfig_ExitsWithConfigErrorAndSaysWhy(string configJson, string expectedMessage)
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, configJson, listener);

        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains(expectedMessage, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(listener.History, m => m.Has(SystemdNotifyMessage.ReadyKey, "1"));
        var failed = await listener.WaitForAsync(m => m.Get(SystemdNotifyMessage.StatusKey)?.StartsWith("failed:", StringComparison.Ordinal) == true, s_step, "STATUS=failed");
        Assert.Contains(expectedMessage, failed.Get(SystemdNotifyMessage.StatusKey), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithMissingExplicitConfig_ExitsWithConfigError()
    {
        using var dir = new TempDirectory("systemd");
        var missing = dir.Combine("nope.json");
        await using var daemon = HostdUnderTest.StartWrapped(BuiltPrograms.Hostd, ["--config", missing, "--runtime-dir", dir.Combine("run"), "--state-dir", dir.Combine("state")], new Dictionary<string, string?>());

        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains($"configuration file {missing} does not exist", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhileAnotherHostdServesTheSocket_ExitsUnavailableAndLeavesTheSocket()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var first = HostdUnderTest.Start(dir, HostdUnderTest.Config("first"), listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_step);

        await using var second = HostdUnderTest.StartWrapped(BuiltPrograms.Hostd, HostdUnderTest.DefaultArguments(dir), new Dictionary<string, string?>());
        var result = await second.WaitForExitAsync();

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("already serving", result.StandardError, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("run", "hostd.sock")), "the running daemon's socket must survive");
        Assert.Equal(ExitCodes.Ok, (await first.StopAsync()).ExitCode);
    }

    [Fact]
    public async Task CommandLine_UnknownOption_ExitsWithUsageError()
    {
        await using var daemon = HostdUnderTest.StartWrapped(BuiltPrograms.Hostd, ["--no-such-option"], new Dictionary<string, string?>());

        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--no-such-option", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandLine_Version_PrintsTheVersionAndExitsZero()
    {
        await using var daemon = HostdUnderTest.StartWrapped(BuiltPrograms.Hostd, ["--version"], new Dictionary<string, string?>());

        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.StandardOutput);
    }
}
