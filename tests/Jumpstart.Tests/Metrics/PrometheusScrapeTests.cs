using System.Globalization;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Metrics;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Metrics;

/// <summary>
/// The real jumpstart-hostd with metrics on (loopback, a free port) scraped by a real Prometheus; what hostd
/// measured is read back through Prometheus's HTTP query API.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metrics)]
[Collection(MetricsCollection.Name)]
public sealed class PrometheusScrapeTests
{
    private const int ReadLength = 64 * 1024;

    [ToolFact("prometheus")]
    public async Task Prometheus_ScrapingHostd_ReadsBackItsVmsByState_AndTheBytesAnNbdClientRead()
    {
        using var dir = new TempDirectory("metrics-prometheus");
        var target = $"127.0.0.1:{NbdPeerServer.FreePort()}";
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var hostd = HostdUnderTest.Start(
            dir, $$"""{ "Hostd": { "NodeName": "hv-metrics" }, "Metrics": { "Enabled": true, "Address": "{{target}}" } }""", listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);

        var image = dir.Combine("base.raw");
        await File.WriteAllBytesAsync(image, new byte[4 * 1024 * 1024]);
        var added = await CliAsync("image", "add", "base", "--file", image, "--socket", dir.Combine("run", "hostd.sock"));
        Assert.True(added.Code == ExitCodes.Ok, added.Error);
        await using (var client = await NbdClient.ConnectAsync(NbdUri.ForUnix(dir.Combine("run", "nbd.sock"), "base")))
        {
            await client.ReadAsync(0, new byte[ReadLength], CancellationToken.None);
        }

        await using var prometheus = await PrometheusUnderTest.StartAsync(dir, target);
        var up = await prometheus.WaitForAsync($"up{{job=\"{PrometheusUnderTest.Job}\"}}", r => r.Count == 1 && r[0].Value == 1);
        var vms = await prometheus.WaitForAsync(HostdObservedMetrics.VmsName, r => r.Count == 3);
        var read = await prometheus.WaitForAsync($"{HostdObservedMetrics.NbdReadBytesName}{{image=\"base\"}}", r => r.Count == 1);

        Assert.Equal(target, up[0].Labels["instance"]);
        Assert.Equal(["alive", "dead", "stopped"], vms.Select(v => v.Labels[HostdObservedMetrics.StateLabel]).Order(StringComparer.Ordinal));
        Assert.All(vms, v => Assert.Equal(0, v.Value));
        Assert.Equal(ReadLength, read[0].Value);
        Assert.Equal(ExitCodes.Ok, (await hostd.StopAsync()).ExitCode);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
