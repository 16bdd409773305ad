using System.Text.Json;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Classification;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Issue 13 §5: <c>jumpstart flows model /dev/zero</c> grew hostd from 54 MB to 4.3 GB, where it stayed, and answered
/// -32603. hostd now refuses every file that is not a regular model file of at most the limit without reading it,
/// answers the traffic area's DataError (exit 65), keeps its model and its memory, and serves the next call. A
/// capture file given to <c>flows extract</c> is refused the same way.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileTrafficFileTests(ITestOutputHelper output)
{
    /// <summary>hostd may grow this much while refusing the files (it grew 4.2 GB before).</summary>
    private const long HostdGrowthDuringBound = 100L << 20;

    /// <summary>hostd's memory after the attack: back near its start.</summary>
    private const long HostdGrowthAfterBound = 64L << 20;

    [Fact]
    public async Task FlowsModel_OfANonRegularOrOversizeFile_IsRefusedByHostdInBoundedMemory_AndHostdKeepsServing()
    {
        using var dir = new TempDirectory("hostile-model-path");
        var good = await OnlineLabellingTests.TrainAsync(dir, "dns", "web", "good.model");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var config = $$"""
            { "Hostd": { "NodeName": "hv-hostile" }, "Traffic": { "Enabled": true, "CaptureVmTaps": false, "ModelPath": "{{good}}" } }
            """;
        await using var daemon = HostdUnderTest.Start(dir, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var socket = dir.Combine("run", "hostd.sock");
        var pid = await daemon.PidAsync();
        Assert.Equal(good, await ActiveModelAsync(socket));
        var before = ProcessMemory.RssBytes(pid);

        var runs = new List<(string Kind, string Path, CliRun Run)>();
        var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
        {
            foreach (var kind in HostileFiles.All)
            {
                var path = HostileFiles.Make(dir, kind, ClassificationLimits.MaxModelFileBytes, ".model");
                runs.Add((kind, path, await HostileFiles.RunCliAsync("flows", "model", path, "--socket", socket)));

                // A legitimate client is served between two attacks, and the model in use stayed.
                Assert.Equal(good, await ActiveModelAsync(socket));
            }
        });
        var after = ProcessMemory.RssBytes(pid);
        output.WriteLine($"hostd RSS: {before >> 20} MB before, {peak >> 20} MB at most during, {after >> 20} MB after");

        Assert.Equal(5, runs.Count);
        foreach (var (kind, path, run) in runs)
        {
            output.WriteLine($"{kind}: {run}");
            run.AssertRefused($"{path} {HostileFiles.Refusal(kind, ClassificationLimits.MaxModelFileBytes)}");
            Assert.Contains($"(code {HostErrorCodes.DataError})", run.StandardError, StringComparison.Ordinal);
            Assert.Contains($"the active model stays: {good}", run.StandardError, StringComparison.Ordinal);
        }

        Assert.False(daemon.Exited.IsCompleted, "hostd exited during the attack");
        Assert.True(peak - before < HostdGrowthDuringBound, $"hostd grew from {before >> 20} MB to {peak >> 20} MB while refusing the files");
        Assert.True(after - before < HostdGrowthAfterBound, $"hostd stayed at {after >> 20} MB after the attack (it started at {before >> 20} MB)");

        // And the next legitimate request is served as before.
        var reload = await RunInProcessAsync("flows", "model", good, "--socket", socket);
        Assert.True(reload.Code == ExitCodes.Ok, reload.Output);
    }

    [Theory]
    [MemberData(nameof(HostileFiles.NonRegularKinds), MemberType = typeof(HostileFiles))]
    public async Task FlowsExtract_OfACharacterDeviceFifoOrDirectory_ExitsDataErrorInBoundedMemory(string kind)
    {
        using var dir = new TempDirectory("hostile-capture");
        var path = HostileFiles.Make(dir, kind, 0, ".pcap");

        var run = await HostileFiles.RunCliAsync("flows", "extract", path);

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind)}");
        Assert.Contains("bad capture file", run.StandardError, StringComparison.Ordinal);
    }

    private static async Task<string?> ActiveModelAsync(string socket)
    {
        var (code, output) = await RunInProcessAsync("flows", "status", "--socket", socket, "--json");
        Assert.True(code == ExitCodes.Ok, output);
        using var status = JsonDocument.Parse(output);
        return status.RootElement.GetProperty("model").GetString();
    }

    private static async Task<(int Code, string Output)> RunInProcessAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, code == ExitCodes.Ok ? output.ToString() : error.ToString());
    }
}
