using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SystemdEnvironmentTests
{
    private const int OurPid = 4321;

    private static SystemdEnvironment Parse(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return SystemdEnvironment.FromVariables(name => map.GetValueOrDefault(name), OurPid);
    }

    [Fact]
    public void FromVariables_Nothing_MeansNoSystemd()
    {
        var environment = Parse();

        Assert.Null(environment.NotifySocket);
        Assert.Null(environment.WatchdogInterval);
        Assert.False(environment.IsUnderSystemd);
        Assert.Empty(environment.ListenFds);
        Assert.Empty(environment.Problems);
    }

    [Theory]
    [InlineData("JOURNAL_STREAM", "8:1234")]
    [InlineData("INVOCATION_ID", "0123456789abcdef0123456789abcdef")]
    public void FromVariables_JournalStreamOrInvocationId_MeansUnderSystemd(string name, string value)
    {
        Assert.True(Parse((name, value)).IsUnderSystemd);
    }

    [Fact]
    public void FromVariables_WatchdogForUs_GivesTheInterval()
    {
        var environment = Parse(("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "4321"));

        Assert.Equal(TimeSpan.FromSeconds(30), environment.WatchdogInterval);
    }

    [Fact]
    public void FromVariables_WatchdogWithoutPid_IsOurs()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), Parse(("WATCHDOG_USEC", "500000")).WatchdogInterval);
    }

    [Fact]
    public void FromVariables_WatchdogForAnotherPid_IsIgnored()
    {
        Assert.Null(Parse(("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "1")).WatchdogInterval);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("99999999999999999999999")]
    public void FromVariables_GarbageWatchdog_IsDisabledAndReported(string value)
    {
        var environment = Parse(("WATCHDOG_USEC", value));

        Assert.Null(environment.WatchdogInterval);
        Assert.Contains(environment.Problems, p => p.Contains("WATCHDOG_USEC", StringComparison.Ordinal));
    }

    [Fact]
    public void FromVariables_ListenFdsWithNames_NumbersThemFromThree()
    {
        var environment = Parse(("LISTEN_PID", "4321"), ("LISTEN_FDS", "2"), ("LISTEN_FDNAMES", "control:metrics"));

        Assert.Equal([new PassedDescriptor(3, "control"), new PassedDescriptor(4, "metrics")], environment.ListenFds);
    }

    [Fact]
    public void FromVariables_ListenFdsWithoutNames_AreUnknown()
    {
        var environment = Parse(("LISTEN_PID", "4321"), ("LISTEN_FDS", "1"));

        Assert.Equal([new PassedDescriptor(3, "unknown")], environment.ListenFds);
    }

    [Fact]
    public void FromVariables_ListenFdsForAnotherPid_TakesNothing()
    {
        Assert.Empty(Parse(("LISTEN_PID", "1"), ("LISTEN_FDS", "2")).ListenFds);
    }

    [Fact]
    public void FromVariables_NameCountMismatch_KeepsTheFdsButNotTheNames()
    {
        var environment = Parse(("LISTEN_PID", "4321"), ("LISTEN_FDS", "2"), ("LISTEN_FDNAMES", "control"));

        Assert.Equal([new PassedDescriptor(3, "unknown"), new PassedDescriptor(4, "unknown")], environment.ListenFds);
        Assert.Contains(environment.Problems, p => p.Contains("LISTEN_FDNAMES", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("100000")]
    [InlineData("-1")]
    [InlineData("two")]
    public void FromVariables_ImplausibleListenFds_TakesNothingAndReports(string count)
    {
        var environment = Parse(("LISTEN_PID", "4321"), ("LISTEN_FDS", count));

        Assert.Empty(environment.ListenFds);
        Assert.Contains(environment.Problems, p => p.Contains("LISTEN_FDS", StringComparison.Ordinal));
    }
}
