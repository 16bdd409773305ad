using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Cli;

/// <summary><c>jumpstart status</c> against the real jumpstart-hostd over its control socket.</summary>
[Trait(Capabilities.Trait, Capabilities.Cli)]
public sealed class HostdStatusTests
{
    [Fact]
    public async Task Status_AgainstRunningHostd_ReportsNodeAndCmsEndpoint()
    {
        using var dir = new TempDirectory("status");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var config = $$"""
            {
              "Hostd": { "NodeName": "hv-status" },
              "Cms": {
                "Enabled": true,
                "Listen": "127.0.0.1:0",
                "DatabasePath": "{{dir.Combine("cms", "cms.db")}}",
                "AdminTokenFile": "{{dir.Combine("cms", "admin.token")}}"
              }
            }
            """;
        await using var daemon = HostdUnderTest.Start(dir, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);

        var (code, output, error) = await RunAsync("status", "--socket", dir.Combine("run", "hostd.sock"), "--json");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("\"nodeName\": \"hv-status\"", output, StringComparison.Ordinal);
        Assert.Matches("\"cmsEndpoint\": \"127\\.0\\.0\\.1:[1-9][0-9]*\"", output);
    }

    [Fact]
    public async Task Status_WithoutHostd_ExitsUnavailableAndSaysWhatToCheck()
    {
        using var dir = new TempDirectory("status");

        var (code, _, error) = await RunAsync("status", "--socket", dir.Combine("missing.sock"));

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("is jumpstart-hostd running?", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
