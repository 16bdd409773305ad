using Jumpstart.Guestd.Memory;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// The pluggable clone-uniqueness steps that touch the kernel (RNG, clock) or run tools (SSH keys).
/// A null member skips that step, which is what unit tests outside a VM want; the service wires the
/// real ones (<see cref="Real"/>).
/// </summary>
public sealed record CloneIdentity
{
    public IKernelRandom? Random { get; init; }

    public IWallClock? Clock { get; init; }

    public SshHostKeys? SshKeys { get; init; }

    /// <summary>
    /// Zeroes the machine's free memory at the end of a warm-up disc that asks for it (not an identity step,
    /// but it touches the whole machine like the RNG and the clock, so it is wired and skipped the same way).
    /// </summary>
    public FreeMemoryZeroer? FreeMemory { get; init; }

    /// <summary>Writes a new etc/machine-id under the engine's root (a file operation, safe in tests).</summary>
    public bool WriteMachineId { get; init; } = true;

    /// <summary>No kernel-touching step: only the machine-id file.</summary>
    public static CloneIdentity None { get; } = new();

    /// <summary>
    /// The steps for a configuration root: all of <see cref="Real"/> for "/", but for another root
    /// (<c>apply --root</c>, tests) only what is scoped to that root: the RNG and the clock belong to
    /// the whole machine, and a chroot-style run must not step the host's clock.
    /// </summary>
    public static CloneIdentity For(string root)
        => Path.GetFullPath(root) == "/" ? Real : new CloneIdentity { SshKeys = new SshHostKeys() };

    /// <summary>The real kernel interfaces of a guest.</summary>
    public static CloneIdentity Real { get; } = new()
    {
        Random = new KernelRandom(),
        Clock = new LinuxWallClock(),
        SshKeys = new SshHostKeys(),
        FreeMemory = new FreeMemoryZeroer(),
    };
}
