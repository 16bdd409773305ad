using Jumpstart.Shared.Processes;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Decides between KVM and TCG. /dev/kvm existing is not enough: under nested PVM stock kernels
/// hang and <c>-cpu host</c> aborts on MSR 0x10a. So KVM is chosen only when a probe VM under KVM
/// boots a real kernel far enough to complain that it has no root file system, within a bound. The
/// kernel is <c>Vm:ProbeKernel</c>, else the host's own (<see cref="HostKernels"/>). The firmware
/// alone proves nothing: under nested PVM SeaBIOS finishes POST while every Linux kernel hangs, so
/// without a kernel to probe with the choice is TCG.
/// </summary>
public static class AcceleratorProbe
{
    /// <summary>The setting that asks for a probe (<c>Vm:Accelerator</c>).</summary>
    public const string Auto = "auto";

    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);

    private const string KernelMarker = "VFS:";
    private const string ProbeMemory = "128M";

    /// <summary>Where a host keeps its own kernel (Debian: /boot/vmlinuz-RELEASE, and the /vmlinuz link).</summary>
    public static IReadOnlyList<string> HostKernels(string release) => [$"/boot/vmlinuz-{release}", "/vmlinuz", "/boot/vmlinuz"];

    /// <summary>The kernel to probe with: the configured one, else the first readable of <paramref name="candidates"/>; null
    /// when there is none.</summary>
    public static string? ChooseProbeKernel(string? configured, IEnumerable<string> candidates)
        => !string.IsNullOrEmpty(configured)
            ? configured
            : candidates.FirstOrDefault(path => Syscall.access(path, AccessModes.R_OK) == 0 && File.Exists(path));

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

        var kernel = ChooseProbeKernel(probeKernel, HostKernels(KernelRelease()));
        if (kernel is null)
        {
            return (Accelerator.Tcg, "no kernel to probe KVM with (Vm:ProbeKernel, /boot/vmlinuz-*): the firmware alone "
                + "does not show that KVM boots Linux; set Vm:Accelerator to kvm to use it anyway");
        }

        var arguments = KernelArguments(kernel, cpuModel);
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
                        if (line.Text.Contains(KernelMarker, StringComparison.Ordinal))
                        {
                            found = true;
                            seen.Cancel();
                        }
                    },
                },
                seen.Token);
            return (Accelerator.Tcg, result.TimedOut
                ? $"a KVM probe VM ({kernel}) did not reach '{KernelMarker}' within {ProbeTimeout.TotalSeconds} s"
                : $"a KVM probe VM failed: {FirstLine(result.StandardError)}");
        }
        catch (OperationCanceledException) when (found && !cancellationToken.IsCancellationRequested)
        {
            return (Accelerator.Kvm, $"a KVM probe VM ({kernel}) reached '{KernelMarker}'");
        }
        catch (ProcessStartException ex)
        {
            return (Accelerator.Tcg, ex.Message);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static List<string> Common(string cpuModel) =>
        ["-nodefaults", "-no-user-config", "-display", "none", "-accel", "kvm", "-cpu", cpuModel, "-m", ProbeMemory, "-no-reboot"];

    private static string KernelRelease() => Syscall.uname(out var names) == 0 ? names.release : "";

    private static List<string> KernelArguments(string kernel, string cpuModel)
        => [.. Common(cpuModel), "-serial", "stdio", "-kernel", kernel, "-append", "console=ttyS0 panic=-1 root=/dev/jumpstart-probe"];
}
