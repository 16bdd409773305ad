namespace Jumpstart.Tests.Support;

/// <summary>How <see cref="GuestVm.Start"/> boots the test guest.</summary>
public sealed record GuestVmOptions
{
    /// <summary>The test guest's initramfs and guestd fit in 384 MiB (packaging/guest/build-test-guest says why not 256).</summary>
    public int MemoryMiB { get; init; } = 384;

    /// <summary>A metadata ISO for the IDE CDROM, or null for an empty drive.</summary>
    public string? Disc { get; init; }

    /// <summary>A tap device that already exists (in <see cref="NetworkNamespace"/>), or null for QEMU's user-mode network.</summary>
    public string? Tap { get; init; }

    /// <summary>The NIC's (template) MAC.</summary>
    public string Mac { get; init; } = "52:54:00:12:34:56";

    /// <summary>Run QEMU inside this network namespace (where <see cref="Tap"/> lives).</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Start the RTC at this time instead of the host's (to make guestd step the clock).</summary>
    public DateTimeOffset? RtcBase { get; init; }
}
