using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>Supervision of real, daemonized QEMU processes.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class VmSupervisorTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    [ToolFact("qemu-system-x86_64")]
    public async Task KillingOneVm_ReportsItDead_AndLeavesTheOtherRunning()
    {
        await using var bed = new VmTestBed();
        var victim = await bed.StartPlainAsync("victim");
        var survivor = await bed.StartPlainAsync("survivor");
        VmHandle? reported = null;
        bed.Supervisor.VmEnded += vm => reported = vm;

        VmProcess.Kill(victim.Pid);
        await victim.Ended.WaitAsync(s_bound);

        Assert.Equal(VmState.Dead, victim.State);
        Assert.Equal("QEMU exited", victim.EndReason);
        Assert.Same(victim, reported);
        Assert.Equal(VmState.Alive, survivor.State);
        Assert.Equal("running", (await survivor.Qmp.QueryStatusAsync()).Status);
        Assert.Contains(bed.Supervisor.List(), v => v.Name == "victim" && v.State == VmState.Dead);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task ANewSupervisor_RediscoversRunningVms_WithoutRestartingThem()
    {
        await using var bed = new VmTestBed();
        var first = await bed.StartPlainAsync("keep-a");
        var second = await bed.StartPlainAsync("keep-b");
        await second.Qmp.StopAsync();

        var supervisor = await bed.RestartSupervisorAsync();
        Assert.True(VmProcess.IsAlive(first.Pid, "keep-a"), "detaching must not stop the VM");
        var adopted = await supervisor.RediscoverAsync(CancellationToken.None);

        Assert.Equal(2, adopted);
        var a = supervisor.Get("keep-a");
        var b = supervisor.Get("keep-b");
        Assert.Equal(first.Pid, a.Pid);
        Assert.Equal(second.Pid, b.Pid);
        Assert.Equal(VmState.Alive, a.State);
        Assert.Equal("running", (await a.Qmp.QueryStatusAsync()).Status);
        Assert.Equal("paused", (await b.Qmp.QueryStatusAsync()).Status);
        Assert.Equal(VmRoles.Clone, b.Launch.Role);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task AVmThatDiedWhileNoSupervisorRan_IsListedDead_NotStarted()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("gone");
        var supervisor = await bed.RestartSupervisorAsync();
        VmProcess.Kill(vm.Pid);
        Assert.True(await VmProcess.WaitForExitAsync(vm.Pid, "gone", s_bound, CancellationToken.None));

        var adopted = await supervisor.RediscoverAsync(CancellationToken.None);

        Assert.Equal(0, adopted);
        var listed = supervisor.Get("gone");
        Assert.Equal(VmState.Dead, listed.State);
        Assert.NotNull(listed.EndReason);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task Stop_QuitsQemu_AndForgetsTheVm()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("stop-me");

        await bed.Supervisor.StopAsync("stop-me", removeFiles: true, CancellationToken.None);

        Assert.False(VmProcess.IsAlive(vm.Pid, "stop-me"));
        Assert.Equal(VmState.Stopped, vm.State);
        Assert.Throws<VmNotFoundException>(() => bed.Supervisor.Get("stop-me"));
        Assert.False(Directory.Exists(vm.Paths.StateDirectory));
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task ASpecQemuRejects_FailsTheStart_WithQemusReason()
    {
        await using var bed = new VmTestBed();
        var launch = new VmLaunch { Name = "bad-machine", Spec = new VmSpec { MachineType = "no-such-machine", MemoryMiB = VmTestBed.SmallMemoryMiB } };

        var error = await Assert.ThrowsAsync<VmStartException>(() => bed.Supervisor.StartAsync(launch, CancellationToken.None));

        Assert.Contains("machine type", error.Message, StringComparison.Ordinal);
        Assert.Empty(bed.Supervisor.List());
    }
}
