using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Daemon;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Hosting;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>The reload path in-process: what IOptionsMonitor consumers see after good and bad reloads.</summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class ConfigurationReloaderTests
{
    private static IHost BuildHostd(TempDirectory dir, string configJson)
    {
        File.WriteAllText(dir.Combine("hostd.json"), configJson);
        var settings = HostdDaemon.Settings(dir.Combine("hostd.json"), dir.Combine("state"), dir.Combine("run")) with
        {
            Systemd = SystemdEnvironment.None,
        };
        var builder = JumpstartDaemon.CreateBuilder(settings);
        HostdDaemon.Configure(builder);
        return builder.Build();
    }

    [Fact]
    public void Reload_WithChangedFile_IsSeenThroughIOptionsMonitor()
    {
        using var dir = new TempDirectory("reload");
        using var host = BuildHostd(dir, HostdUnderTest.Config("one"));
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HostdOptions>>();
        var reloader = host.Services.GetRequiredService<ConfigurationReloader>();
        var seen = new List<string>();
        using var subscription = monitor.OnChange(o => seen.Add(o.NodeName));
        Assert.Equal("one", monitor.CurrentValue.NodeName);

        File.WriteAllText(dir.Combine("hostd.json"), HostdUnderTest.Config("two"));

        Assert.True(reloader.Reload());
        Assert.Equal("two", monitor.CurrentValue.NodeName);
        Assert.Contains("two", seen);
        Assert.Equal(1, reloader.AppliedCount);
    }

    [Theory]
    [InlineData("""{ "Hostd": { "NodeName": """)]
    [InlineData("""{ "Hostd": { "NodeName": "x", "ControlSocketMode": "8888" } }""")]
    [InlineData("""{ "Hostd": { "NodeName": "" } }""")]
    public void Reload_WithBadFile_KeepsThePreviousValues(string badJson)
    {
        using var dir = new TempDirectory("reload");
        using var host = BuildHostd(dir, """{ "Hostd": { "NodeName": "keep", "ControlSocketMode": "0600" } }""");
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HostdOptions>>();
        var reloader = host.Services.GetRequiredService<ConfigurationReloader>();
        var status = host.Services.GetRequiredService<ServiceStatus>();

        File.WriteAllText(dir.Combine("hostd.json"), badJson);

        Assert.False(reloader.Reload());
        Assert.Equal("keep", monitor.CurrentValue.NodeName);
        Assert.Equal("0600", monitor.CurrentValue.ControlSocketMode);
        Assert.StartsWith("reload failed", status.Current, StringComparison.Ordinal);
        Assert.Equal(0, reloader.AppliedCount);
    }

    [Fact]
    public void Reload_WhenTheFileWasDeleted_KeepsThePreviousValues()
    {
        using var dir = new TempDirectory("reload");
        using var host = BuildHostd(dir, HostdUnderTest.Config("stays"));
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HostdOptions>>();
        var reloader = host.Services.GetRequiredService<ConfigurationReloader>();

        File.Delete(dir.Combine("hostd.json"));

        Assert.False(reloader.Reload());
        Assert.Equal("stays", monitor.CurrentValue.NodeName);
    }

    [Fact]
    public void CommandLineOverrides_WinOverTheFileAndSurviveAReload()
    {
        using var dir = new TempDirectory("reload");
        using var host = BuildHostd(dir, """{ "Hostd": { "StateDirectory": "/somewhere/else" } }""");
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HostdOptions>>();

        Assert.Equal(dir.Combine("state"), monitor.CurrentValue.StateDirectory);
        Assert.True(host.Services.GetRequiredService<ConfigurationReloader>().Reload());
        Assert.Equal(dir.Combine("state"), monitor.CurrentValue.StateDirectory);
    }

    [Fact]
    public void CreateBuilder_WithInvalidJson_ThrowsConfigurationErrorNamingTheFile()
    {
        using var dir = new TempDirectory("reload");

        var ex = Assert.Throws<DaemonConfigurationException>(() => BuildHostd(dir, "{ nope"));

        Assert.Equal(ExitCodes.Config, ex.ExitCode);
        Assert.Contains(dir.Combine("hostd.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveConfigPath_PrefersCommandLineThenEnvironmentThenDefault()
    {
        var environment = new Dictionary<string, string?> { ["JUMPSTART_HOSTD_CONFIG"] = "/tmp/from-env.json" };
        var settings = new DaemonSettings { Name = "hostd", GetEnvironmentVariable = environment.GetValueOrDefault };

        Assert.Equal(("/tmp/from-cli.json", true), JumpstartDaemon.ResolveConfigPath(settings with { ConfigPath = "/tmp/from-cli.json" }));
        Assert.Equal(("/tmp/from-env.json", true), JumpstartDaemon.ResolveConfigPath(settings));
        Assert.Equal(("/etc/jumpstart/hostd.json", false), JumpstartDaemon.ResolveConfigPath(settings with { GetEnvironmentVariable = _ => null }));
    }
}
