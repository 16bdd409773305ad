using Jumpstart.Shared.Processes;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Decides between KVM and TCG. /dev/kvm existing is not enough: under nested PVM stock kernels
/// hang and <c>-cpu host</c> aborts on MSR 0x10a. So KVM is chosen only when a probe VM under KVM
/// reaches a marker on its console within a bound: with a probe kernel (<c>Vm:ProbeKernel</c>), the
/// kernel's complaint that it has no root file system (early boot finished); without one, SeaBIOS
/// finishing POST ("No bootable device") on its debug console.
/// </summary>
public static class AcceleratorProbe
{
    /// <summary>The setting that asks for a probe (<c>Vm:Accelerator</c>).</summary>
    public const string Auto = "auto";

    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);

    private const string KernelMarker = "VFS:";
    private const string FirmwareMarker = "No bootable device";
    private const string ProbeMemory = "128M";

    /// <summary>The accelerator to use and why.</summary>
    /// <exception cref="ArgumentException"><paramref name="setting"/> is not auto, kvm or tcg.</exception>
    public static async Task<(Accelerator Accelerator, string Reason)> DetectAsync(string setting, string? probeKernel, string cpuModel, CancellationToken cancellationToken)
    {
        switch (setting.ToLowerInvariant())
        {
            case "tcg":
                return (Accelerator.Tcg, "configured");
            case "kvm":
                return (Accelerator.Kvm, "configured");
            case Auto:
                break;
            default:
                throw new ArgumentException($"Vm:Accelerator '{setting}' is not auto, kvm or tcg");
        }

        if (Syscall.access("/dev/kvm", AccessModes.R_OK | AccessModes.W_OK) != 0)
        {
            return (Accelerator.Tcg, "/dev/kvm is not usable");
        }

        var (arguments, marker) = probeKernel is null
            ? (FirmwareArguments(cpuModel), FirmwareMarker)
            : (KernelArguments(probeKernel, cpuModel), KernelMarker);
        using var seen = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var found = false;
        try
        {
            var result = await ProcessRunner.RunAsync(
                QemuCommandLine.Binary,
                arguments,
                new ProcessRunOptions
                {
                    Timeout = ProbeTimeout,
                    OnLine = line =>
                    {
                        if (line.Text.Contains(marker, StringComparison.Ordinal))
                        {
                            found = true;
                            seen.Cancel();
                        }
                    },
                },
                seen.Token);
            return (Accelerator.Tcg, result.TimedOut
                ? $"a KVM probe VM did not reach '{marker}' within {ProbeTimeout.TotalSeconds} s"
                : $"a KVM probe VM failed: {FirstLine(result.StandardError)}");
        }
        catch (OperationCanceledException) when (found && !cancellationToken.IsCancellationRequested)
        {
            return (Accelerator.Kvm, $"a KVM probe VM reached '{marker}'");
        }
        catch (ProcessStartException ex)
        {
            return (Accelerator.Tcg, ex.Message);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static List<string> Common(string cpuModel) =>
        ["-nodefaults", "-no-user-config", "-display", "none", "-accel", "kvm", "-cpu", cpuModel, "-m", ProbeMemory, "-no-reboot"];

    private static List<string> FirmwareArguments(string cpuModel)
        => [.. Common(cpuModel), "-chardev", "stdio,id=probe", "-device", "isa-debugcon,iobase=0x402,chardev=probe"];

    private static List<string> KernelArguments(string kernel, string cpuModel)
        => [.. Common(cpuModel), "-serial", "stdio", "-kernel", kernel, "-append", "console=ttyS0 panic=-1 root=/dev/jumpstart-probe"];
}
