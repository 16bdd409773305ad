namespace Jumpstart.Guestd.Configuration;

/// <summary>The names of the engine's steps, as they appear in timings, logs and failure reports.</summary>
public static class StepNames
{
    public const string ReadDisc = "read-disc";
    public const string Validate = "validate";
    public const string RngReseed = "rng-reseed";
    public const string Clock = "clock";
    public const string MachineId = "machine-id";
    public const string Network = "network";
    public const string Dns = "dns";
    public const string Hostname = "hostname";

    /// <summary>A warm-up's look for systemd-hostnamed on the system bus (a clone asks it in <see cref="Hostname"/>).</summary>
    public const string Hostnamed = "hostnamed";

    /// <summary>A warm-up's binding of guestd's libc calls without calling them.</summary>
    public const string Prelink = "prelink";
    public const string SshHostKeys = "ssh-host-keys";
    public const string Self = "self";
    public const string Register = "register";
    public const string WaitRole = "wait-role";
    public const string ApplyRole = "apply-role";
    public const string Report = "report";
    public const string WarmUp = "warm-up";
    public const string ZeroFreeMemory = "zero-free-memory";

    /// <summary>guestd's console line saying it saw a new disc (the serial port under QEMU).</summary>
    public const string DiscMarker = "disc-marker";

    /// <summary>Announcing the applied identity (the console line) before <c>self</c> and the CMS.</summary>
    public const string IdentityMarker = "identity-marker";

    /// <summary>Writing the instance marker (the instance-id applied, the links) to the state directory.</summary>
    public const string SaveState = "save-state";

    /// <summary>Closing the connection to the CMS.</summary>
    public const string Disconnect = "disconnect";

    /// <summary>What the service's timings hold beyond the named steps (logging, status, the code between steps).</summary>
    public const string Other = "other";
}
