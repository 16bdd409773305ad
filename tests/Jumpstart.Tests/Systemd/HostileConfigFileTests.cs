using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Hosting;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// Issue 13 §5: a daemon's configuration file is read through the same bounded reader: a device, a FIFO, a
/// directory or a file over <see cref="JumpstartDaemon.MaxConfigFileBytes"/> stops the real hostd at once with a
/// configuration error (78) that names the problem, instead of reading without end or waiting for a writer.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileConfigFileTests
{
    [Theory]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task Hostd_WithANonRegularOrOversizeConfigFile_ExitsWithAConfigErrorThatSaysWhy(string kind)
    {
        using var dir = new TempDirectory("hostile-config");
        var config = HostileFiles.Make(dir, kind, JumpstartDaemon.MaxConfigFileBytes, ".json");
        await using var daemon = HostdUnderTest.StartWrapped(
            BuiltPrograms.Hostd, ["--config", config, "--runtime-dir", dir.Combine("run"), "--state-dir", dir.Combine("state")], new Dictionary<string, string?>());

        var result = await daemon.WaitForExitAsync();

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains($"configuration file: {config} {HostileFiles.Refusal(kind, JumpstartDaemon.MaxConfigFileBytes)}", result.StandardError, StringComparison.Ordinal);
    }
}
