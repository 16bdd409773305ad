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
    public const string SshHostKeys = "ssh-host-keys";
    public const string Self = "self";
    public const string Register = "register";
    public const string WaitRole = "wait-role";
    public const string ApplyRole = "apply-role";
    public const string Report = "report";
    public const string WarmUp = "warm-up";
    public const string ZeroFreeMemory = "zero-free-memory";
}
