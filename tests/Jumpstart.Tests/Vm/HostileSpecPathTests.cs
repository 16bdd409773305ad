using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using StreamJsonRpc;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// Issue 13 §5: hostd opens the VM spec file a client names in <c>vm.boot</c> and <c>template.create</c>. A
/// character device, a FIFO, a directory or an oversize file is refused as a bad spec (-32012, exit 65) without
/// being read: hostd's memory stays where it was and it answers the next call.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileSpecPathTests(ITestOutputHelper output)
{
    /// <summary>hostd may grow this much while refusing the files.</summary>
    private const long HostdGrowthBound = 64L << 20;

    /// <summary>Bound on one refused call (a FIFO would hold hostd's open() forever before).</summary>
    private static readonly TimeSpan s_callBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task VmBoot_WithANonRegularOrOversizeSpecFile_IsABadSpec_AndHostdKeepsItsMemoryAndServes()
    {
        using var dir = new TempDirectory("hostile-spec-path");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        await using var daemon = HostdUnderTest.Start(dir, HostdUnderTest.Config("hv-spec"), listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var socket = dir.Combine("run", "hostd.sock");
        var pid = await daemon.PidAsync();
        await using var hostd = await HostdConnection.ConnectAsync(socket, CancellationToken.None);
        var before = ProcessMemory.RssBytes(pid);

        var refusals = new List<RemoteInvocationException>();
        var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
        {
            foreach (var kind in HostileFiles.All)
            {
                var path = HostileFiles.Make(dir, kind, VmSpecJson.MaxBytes, ".json");
                var call = hostd.InvokeAsync<CloneReport>(HostMethods.VmBoot, new BootRequest { SpecFile = path, Plan = new ClonePlanRequest { Count = 1 } });
                var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => call.WaitAsync(s_callBound));
                Assert.Contains($"{path} {HostileFiles.Refusal(kind, VmSpecJson.MaxBytes)}", refused.Message, StringComparison.Ordinal);
                refusals.Add(refused);
            }
        });

        var after = ProcessMemory.RssBytes(pid);
        output.WriteLine($"hostd RSS: {before >> 20} MB before, {peak >> 20} MB at most during, {after >> 20} MB after");
        Assert.All(refusals, r => Assert.Equal(HostErrorCodes.SpecMismatch, r.ErrorCode));
        Assert.False(daemon.Exited.IsCompleted, "hostd exited during the attack");
        Assert.True(peak - before < HostdGrowthBound, $"hostd grew from {before >> 20} MB to {peak >> 20} MB while refusing the files");
        Assert.True(after - before < HostdGrowthBound, $"hostd stayed at {after >> 20} MB after the attack (it started at {before >> 20} MB)");
        var status = await hostd.InvokeAsync<HostStatus>(HostMethods.Status);
        Assert.Equal("hv-spec", status.NodeName);
    }
}
