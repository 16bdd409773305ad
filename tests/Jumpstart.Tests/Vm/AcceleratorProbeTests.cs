using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>Choosing KVM only when it demonstrably runs a guest.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class AcceleratorProbeTests
{
    [Theory]
    [InlineData("tcg", Accelerator.Tcg)]
    [InlineData("TCG", Accelerator.Tcg)]
    [InlineData("kvm", Accelerator.Kvm)]
    public async Task AConfiguredAccelerator_IsTakenAsIs(string setting, Accelerator expected)
    {
        var (accelerator, reason) = await AcceleratorProbe.DetectAsync(setting, probeKernel: null, "max", CancellationToken.None);

        Assert.Equal(expected, accelerator);
        Assert.Equal("configured", reason);
    }

    [Fact]
    public async Task AnUnknownSetting_IsRefused()
        => await Assert.ThrowsAsync<ArgumentException>(() => AcceleratorProbe.DetectAsync("xen", null, "max", CancellationToken.None));

    [Fact]
    public void TheProbeKernel_IsTheConfiguredOne_ElseTheFirstReadableHostKernel()
    {
        using var directory = new TempDirectory("probe-kernel");
        var present = Path.Combine(directory.Path, "vmlinuz-present");
        File.WriteAllBytes(present, [1, 2, 3]);
        var missing = Path.Combine(directory.Path, "vmlinuz-missing");

        Assert.Equal("/configured", AcceleratorProbe.ChooseProbeKernel("/configured", [present]));
        Assert.Equal(present, AcceleratorProbe.ChooseProbeKernel(null, [missing, present]));
        Assert.Null(AcceleratorProbe.ChooseProbeKernel(null, [missing, directory.Path]));
        Assert.Contains("/boot/vmlinuz-6.1.0-9-amd64", AcceleratorProbe.HostKernels("6.1.0-9-amd64"));
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task Auto_ChoosesKvmOnlyWhenAKvmProbeVmRuns()
    {
        var (accelerator, reason) = await AcceleratorProbe.DetectAsync(VmOptions.AutoAccelerator, probeKernel: null, "max", CancellationToken.None);

        if (accelerator == Accelerator.Kvm)
        {
            Assert.Contains("reached", reason, StringComparison.Ordinal);
        }
        else
        {
            // Here (nested PVM) the probe kernel hangs (SeaBIOS alone would finish POST), there is no host kernel to probe
            // with, or /dev/kvm is missing: either way a reason is given.
            Assert.False(string.IsNullOrWhiteSpace(reason));
            Assert.DoesNotContain("reached", reason, StringComparison.Ordinal);
        }
    }
}
