using System.Text;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Vm;

namespace Jumpstart.Tests.Support;

/// <summary>
/// Cold-boots the test guest under QEMU (TCG: this machine's KVM cannot run stock kernels) with an
/// optional metadata disc in the IDE CDROM and an optional tap NIC, follows the serial console line
/// by line, and waits for guestd's console markers. The cold-boot baseline of the clone benchmark.
/// A QMP socket lets a test swap discs the way hostd does after a resume.
/// </summary>
public sealed class GuestVm : IAsyncDisposable
{
    /// <summary>Serial lines kept for failure messages; a boot prints a few dozen.</summary>
    private const int MaxKeptLines = 2000;

    /// <summary>What the guest's init prints when jumpstart-guestd exits (packaging/guest/rootfs/start-guestd).</summary>
    private const string GuestdExited = "JUMPSTART-INIT: guestd exited";

    private readonly CancellationTokenSource _kill = new();
    private readonly List<string> _lines = [];
    private readonly List<ConsoleMarker> _markers = [];
    private readonly Lock _gate = new();
    private readonly Task<ProcessResult> _qemu;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The qdev id of the IDE CDROM, for <c>blockdev-change-medium</c>.</summary>
    public const string CdromId = "cd0";

    private readonly string _qmpSocket;

    private GuestVm(IReadOnlyList<string> argv, string? networkNamespace, string qmpSocket)
    {
        _qmpSocket = qmpSocket;
        var (file, arguments) = networkNamespace is null
            ? (Requirements.RequireTool("qemu-system-x86_64"), argv)
            : (Requirements.RequireTool("ip"), (IReadOnlyList<string>)["netns", "exec", networkNamespace, Requirements.RequireTool("qemu-system-x86_64"), .. argv]);
        _qemu = ProcessRunner.RunAsync(file, arguments, new ProcessRunOptions { OnLine = OnLine, MaxCapturedChars = 1 << 16 }, _kill.Token);
        _ = _qemu.ContinueWith(_ => Signal(), TaskScheduler.Default);
    }

    /// <summary>Everything the serial console printed so far.</summary>
    public string SerialLog
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Boots <paramref name="guest"/>; returns once QEMU started (the guest boots in the background).</summary>
    public static GuestVm Start(TestGuest guest, GuestVmOptions options)
    {
        var qmp = Path.Combine(Path.GetTempPath(), $"jsvm-{Guid.NewGuid():N}.qmp");
        List<string> argv =
        [
            "-qmp", $"unix:{qmp},server=on,wait=off",
            "-accel", "tcg", "-cpu", "max", "-m", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-kernel", guest.Kernel, "-initrd", guest.Initrd, "-append", guest.CommandLine,
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nodefaults",
        ];
        if (options.RtcBase is { } rtc)
        {
            argv.AddRange(["-rtc", $"base={rtc:yyyy-MM-ddTHH:mm:ss}"]);
        }

        argv.AddRange(CdromAndNic(options));
        return new GuestVm(argv, options.NetworkNamespace, qmp);
    }

    /// <summary>
    /// Boots a disk image (a baked guest image's qcow2 overlay) as a virtio disk: through its boot loader when
    /// <paramref name="kernel"/> is null, else directly. The CDROM and NIC are as in <see cref="Start"/>.
    /// </summary>
    public static GuestVm StartDisk(string disk, string? kernel, string? initrd, string? append, GuestVmOptions options)
    {
        var qmp = Path.Combine(Path.GetTempPath(), $"jsvm-{Guid.NewGuid():N}.qmp");
        List<string> argv =
        [
            "-qmp", $"unix:{qmp},server=on,wait=off",
            "-accel", "tcg", "-cpu", "max", "-m", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nodefaults",
            "-drive", $"if=none,id=drive-root,format=qcow2,file={disk}", "-device", "virtio-blk-pci,drive=drive-root,bootindex=0",
        ];
        if (kernel is not null)
        {
            argv.AddRange(["-kernel", kernel, "-initrd", initrd!, "-append", append!]);
        }

        argv.AddRange(CdromAndNic(options));
        return new GuestVm(argv, options.NetworkNamespace, qmp);
    }

    // The IDE CDROM (empty or with the disc) and the virtio NIC (user-mode network, or the tap).
    private static List<string> CdromAndNic(GuestVmOptions options)
    {
        List<string> argv = options.Disc is null
            ? ["-drive", "if=none,id=drive-cd0,media=cdrom,readonly=on"]
            : ["-drive", $"if=none,id=drive-cd0,media=cdrom,readonly=on,format=raw,file={options.Disc}"];
        argv.AddRange(["-device", $"ide-cd,drive=drive-cd0,id={CdromId},bus=ide.1,unit=0"]);
        argv.AddRange(options.Tap is null
            ? ["-netdev", "user,id=n0", "-device", $"virtio-net-pci,netdev=n0,mac={options.Mac}"]
            : ["-netdev", $"tap,id=n0,ifname={options.Tap},script=no,downscript=no", "-device", $"virtio-net-pci,netdev=n0,mac={options.Mac}"]);
        return argv;
    }

    /// <summary>Markers seen so far, in order.</summary>
    public IReadOnlyList<ConsoleMarker> Markers
    {
        get
        {
            lock (_gate)
            {
                return [.. _markers];
            }
        }
    }

    /// <summary>Puts <paramref name="iso"/> in the CDROM over QMP, as hostd does after a resume (ejecting what was there).</summary>
    public async Task InsertDiscAsync(string iso)
    {
        await using var qmp = await QmpClient.ConnectAsync(_qmpSocket, timeout: TimeSpan.FromSeconds(30));
        await qmp.ChangeMediumAsync(CdromId, iso);
    }

    /// <summary>Waits for the first marker of <paramref name="eventName"/>; fails with the serial log on timeout, on a <c>failed</c> marker or when QEMU exits.</summary>
    public async Task<ConsoleMarker> WaitForMarkerAsync(string eventName, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_markers.FirstOrDefault(m => m.Event == eventName) is { } found)
                {
                    return found;
                }

                if (eventName != "failed" && _markers.FirstOrDefault(m => m.Event == "failed") is { } failure)
                {
                    throw new InvalidOperationException($"guestd reported a failure: {string.Join(' ', failure.Fields)}\n{string.Join('\n', _lines)}");
                }

                if (_lines.FirstOrDefault(l => l.Contains(GuestdExited, StringComparison.Ordinal)) is { } exited)
                {
                    throw new InvalidOperationException($"guestd died in the guest ({exited}); serial log:\n{string.Join('\n', _lines)}");
                }

                changed = _changed.Task;
            }

            if (_qemu.IsCompleted)
            {
                var result = await _qemu;
                throw new InvalidOperationException($"QEMU exited ({result.ExitCode}) before '{eventName}': {result.StandardError}\n{SerialLog}");
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no '{eventName}' marker within {timeout.TotalSeconds:0} s; serial log:\n{SerialLog}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _kill.CancelAsync();
        try
        {
            await _qemu.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            // Cancelling kills QEMU: that is how a test VM ends.
        }

        _kill.Dispose();
        File.Delete(_qmpSocket);
    }

    private void OnLine(ProcessOutputLine line)
    {
        var text = Clean(line.Text);
        lock (_gate)
        {
            if (_lines.Count < MaxKeptLines)
            {
                _lines.Add(text);
            }

            if (!line.IsError && ConsoleMarker.TryParse(text) is { } marker)
            {
                _markers.Add(marker);
            }
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>The firmware's terminal escapes and carriage returns do not belong in a log or a marker.</summary>
    private static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\u001b')
            {
                // Skip ESC [ ... final byte, or ESC c.
                i++;
                if (i < text.Length && text[i] == '[')
                {
                    while (i + 1 < text.Length && !char.IsAsciiLetter(text[i + 1]))
                    {
                        i++;
                    }

                    i++;
                }

                continue;
            }

            if (c != '\r')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
