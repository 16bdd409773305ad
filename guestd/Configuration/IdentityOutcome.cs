namespace Jumpstart.Guestd.Configuration;

/// <summary>What the clone-uniqueness steps did, for the result, the logs and the console markers.</summary>
public sealed record IdentityOutcome
{
    /// <summary>Bytes of the disc's seed credited to the kernel RNG (0: no seed on the disc, or the step is not wired).</summary>
    public int SeedBytes { get; init; }

    /// <summary>True when RNDADDENTROPY and RNDRESEEDCRNG both succeeded.</summary>
    public bool RngReseeded { get; init; }

    /// <summary>"rtc", "disc" or "none": what the clock was compared with; null when the step is not wired.</summary>
    public string? ClockSource { get; init; }

    /// <summary>How far the clock was stepped (zero when it was already right).</summary>
    public TimeSpan ClockStep { get; init; }

    /// <summary>True when clock_settime ran.</summary>
    public bool ClockSet { get; init; }

    /// <summary>The new /etc/machine-id, or null when not written.</summary>
    public string? MachineId { get; init; }

    /// <summary>How many SSH host keys were generated; null when no SSH server is installed.</summary>
    public int? SshHostKeys { get; init; }
}
