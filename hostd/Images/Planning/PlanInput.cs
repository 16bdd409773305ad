namespace Jumpstart.Hostd.Images.Planning;

/// <summary>
/// What the planner knows about a deployment: how many VMs on how many hosts, what each VM reads from
/// its base image, and how fast disks, links and the real image server are. Sizes in bytes, rates in
/// bytes per second, times in seconds. <see cref="Validate"/> bounds every field before the model runs.
/// </summary>
public sealed record PlanInput
{
    /// <summary>Most VMs one plan covers (bounds the model's O(N) mean-value analysis).</summary>
    public const int MaxVms = 1_000_000;

    /// <summary>Default request size for <see cref="AccessPattern.Sequential"/> (a guest's typical large read).</summary>
    public const int DefaultSequentialRequest = 128 * 1024;

    /// <summary>Default request size for <see cref="AccessPattern.Random"/> (a page).</summary>
    public const int DefaultRandomRequest = 4 * 1024;

    /// <summary>Default pseudo-image fetch extent (issue 4 §3: aligned, at least 1 MiB).</summary>
    public const int DefaultFetchExtent = 1024 * 1024;

    /// <summary>N: VMs deployed.</summary>
    public required int Vms { get; init; }

    /// <summary>H: hosts the VMs are spread over evenly; defaults to one VM per host.</summary>
    public int? Hosts { get; init; }

    /// <summary>S: base image size.</summary>
    public required long ImageSize { get; init; }

    /// <summary>R: bytes each VM reads from its base image during the run.</summary>
    public required long ReadPerVm { get; init; }

    public AccessPattern Pattern { get; init; } = AccessPattern.Random;

    /// <summary>q: bytes per read request; defaults by <see cref="Pattern"/>.</summary>
    public int? RequestSize { get; init; }

    /// <summary>w: fraction of the image all VMs read together (their union); defaults to R/S (every VM reads the same blocks).</summary>
    public double? WorkingSetFraction { get; init; }

    /// <summary>T: the application's own run time on one VM without any image access delay (0 = pure I/O).</summary>
    public double ComputeSeconds { get; init; }

    /// <summary>D: read (and write) bandwidth of one host's disk, for the access pattern given.</summary>
    public required double DiskBandwidth { get; init; }

    /// <summary>B: bandwidth of one host's network link.</summary>
    public required double NetworkBandwidth { get; init; }

    /// <summary>B_s: bandwidth of the real image server's link; defaults to <see cref="NetworkBandwidth"/>.</summary>
    public double? ServerBandwidth { get; init; }

    /// <summary>L: round-trip latency of one remote request (network and NBD overhead, no queueing).</summary>
    public required double Latency { get; init; }

    /// <summary>L_local: latency of one request served by the VM's own host (unix socket to hostd).</summary>
    public double LocalLatency { get; init; }

    /// <summary>K: most images (copies or pseudo images) to consider; k runs 1..K (capped at H).</summary>
    public required int MaxImages { get; init; }

    /// <summary>e: bytes a pseudo image fetches per miss.</summary>
    public int FetchExtent { get; init; } = DefaultFetchExtent;

    /// <summary>β: share of the real server's bandwidth background copying takes from the running VMs.</summary>
    public double BackgroundShare { get; init; } = 0.5;

    /// <summary>ρ: extra time a multicast transfer spends on announcements and NAK repair, as a fraction.</summary>
    public double MulticastOverhead { get; init; } = 0.1;

    /// <summary>H with its default applied.</summary>
    public int EffectiveHosts => Hosts ?? Vms;

    /// <summary>q with its default applied.</summary>
    public int EffectiveRequestSize => RequestSize ?? (Pattern == AccessPattern.Sequential ? DefaultSequentialRequest : DefaultRandomRequest);

    /// <summary>w with its default applied.</summary>
    public double EffectiveWorkingSet => WorkingSetFraction ?? Math.Min(1.0, (double)ReadPerVm / ImageSize);

    /// <summary>B_s with its default applied.</summary>
    public double EffectiveServerBandwidth => ServerBandwidth ?? NetworkBandwidth;

    /// <summary>Throws <see cref="PlanInputException"/> naming the first field out of range.</summary>
    public void Validate()
    {
        Require(Vms is >= 1 and <= MaxVms, $"VMs must be 1..{MaxVms} (got {Vms})");
        Require(EffectiveHosts >= 1 && EffectiveHosts <= Vms, $"hosts must be 1..VMs ({Vms}) (got {EffectiveHosts})");
        Require(ImageSize is > 0 and <= Quantities.MaxBytes, "image size must be positive and at most 1 EiB");
        Require(ReadPerVm >= 0 && ReadPerVm <= Quantities.MaxBytes, "read per VM must be 0..1 EiB");
        Require(EffectiveRequestSize is > 0 and <= 64 * 1024 * 1024, "request size must be 1 B..64 MiB");
        Require(FetchExtent is > 0 and <= 1024 * 1024 * 1024, "fetch extent must be 1 B..1 GiB");
        Require(EffectiveWorkingSet is >= 0 and <= 1, $"working-set fraction must be 0..1 (got {EffectiveWorkingSet})");
        Require(double.IsFinite(ComputeSeconds) && ComputeSeconds >= 0, "compute time must be >= 0");
        Require(Positive(DiskBandwidth), "disk bandwidth must be positive");
        Require(Positive(NetworkBandwidth), "network bandwidth must be positive");
        Require(Positive(EffectiveServerBandwidth), "server bandwidth must be positive");
        Require(double.IsFinite(Latency) && Latency >= 0, "latency must be >= 0");
        Require(double.IsFinite(LocalLatency) && LocalLatency >= 0, "local latency must be >= 0");
        Require(MaxImages is >= 1 and <= 1024, $"max images must be 1..1024 (got {MaxImages})");
        Require(BackgroundShare is > 0 and < 1, "background share must be between 0 and 1");
        Require(MulticastOverhead is >= 0 and <= 10, "multicast overhead must be 0..10");
    }

    private static bool Positive(double value) => double.IsFinite(value) && value > 0;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new PlanInputException(message);
        }
    }
}
