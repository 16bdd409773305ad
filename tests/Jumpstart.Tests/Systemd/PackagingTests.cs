using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>The shipped unit files pass systemd's own checker, and the shipped configs start the daemon.</summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class PackagingTests
{
    private const string SystemdAnalyze = "systemd-analyze";

    [ToolTheory(SystemdAnalyze)]
    [InlineData("jumpstart-hostd")]
    [InlineData("jumpstart-guestd")]
    public async Task UnitFile_PassesSystemdAnalyzeVerifyWithoutWarnings(string unit)
    {
        using var dir = new TempDirectory("units");
        var shipped = await File.ReadAllTextAsync(BuiltPrograms.RepositoryFile($"packaging/systemd/{unit}.service"));
        var installedPath = $"/usr/bin/{unit}";
        Assert.Contains($"ExecStart={installedPath}\n", shipped, StringComparison.Ordinal);
        Assert.Contains("Type=notify\n", shipped, StringComparison.Ordinal);
        Assert.Contains("NotifyAccess=main\n", shipped, StringComparison.Ordinal);
        Assert.Contains("WatchdogSec=", shipped, StringComparison.Ordinal);

        // verify insists that ExecStart exists; the package is not installed here, so point it at
        // an executable that is (everything else in the unit is checked as shipped).
        var copy = Path.Combine(dir.Path, $"{unit}.service");
        await File.WriteAllTextAsync(copy, shipped.Replace($"ExecStart={installedPath}\n", "ExecStart=/bin/true\n", StringComparison.Ordinal));
        var result = await Requirements.RunToolAsync(SystemdAnalyze, ["verify", "--man=no", copy]);

        // verify exits 0 even for unknown keys or bad values ("..., ignoring"); they show on stderr.
        Assert.Equal(string.Empty, result.StandardError.Trim());
    }

    [Fact]
    public async Task PackagedHostdConfig_StartsTheDaemon()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var config = await File.ReadAllTextAsync(BuiltPrograms.RepositoryFile("packaging/config/hostd.json"));
        await using var daemon = HostdUnderTest.Start(dir, config, listener);

        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);

        Assert.Equal(ExitCodes.Ok, (await daemon.StopAsync()).ExitCode);
    }
}
