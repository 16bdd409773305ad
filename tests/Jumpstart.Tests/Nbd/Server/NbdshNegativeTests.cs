using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>Option-phase and transmission negatives driven by libnbd's Python binding (Debian python3-libnbd).</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdshNegativeTests
{
    private const string Python = "/usr/bin/python3";

    [ToolFact(Python, "nbdsh")]
    public async Task Libnbd_NegativeOptionsAndRequestsGetTheSpecifiedErrorsAndTheConnectionGoesOn()
    {
        await using var server = NbdTestServer.Start();
        var script = Path.Combine(AppContext.BaseDirectory, "Nbd", "Scripts", "option_negatives.py");
        var result = await Requirements.RunToolAsync(Python, [
            script, server.SocketPath, NbdTestServer.ExportName, TestImage.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TestImage.PatternStart.ToString(System.Globalization.CultureInfo.InvariantCulture), TestImage.PatternByte.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);

        string[] checks =
        [
            "unknown-export-then-go", "starttls-unsupported-then-plain", "opt-list", "opt-info", "list-meta-context",
            "block-status", "write-readonly-eperm", "read-past-end-einval",
        ];
        var passed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(checks.Select(c => "PASS " + c), passed);
        var statistics = server.Exports.StatisticsOf(NbdTestServer.ExportName)!;
        Assert.True(statistics.Errors >= 2, $"EPERM and EINVAL must count as errors, saw {statistics.Errors}");
    }
}
