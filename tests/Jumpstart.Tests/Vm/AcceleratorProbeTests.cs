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
            // Here (nested PVM) the probe VM aborts on MSR 0x10a, or /dev/kvm is missing: either way a reason is given.
            Assert.False(string.IsNullOrWhiteSpace(reason));
            Assert.DoesNotContain("reached", reason, StringComparison.Ordinal);
        }
    }
}
