namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>The stages of the breakdown, as in the paper's Fig. 2 (state distribution, resume, configuration) plus the CMS.</summary>
public static class DeployStages
{
    /// <summary>A cluster deployment: request -> the manager asks the clone's host to resume it (bundle there, image ready, CMS told).</summary>
    public const string StateDistribution = "state distribution";

    /// <summary>Request (in a cluster: the host's clone request) -> bundle verified and the clone's disks made.</summary>
    public const string BundleVerifyCopy = "bundle verify/copy";

    /// <summary>Disks ready -> QEMU spawned, memory state loaded, disc inserted, running.</summary>
    public const string Resume = "resume";

    /// <summary>Running -> guestd applied the identity and registered with the CMS.</summary>
    public const string GuestConfiguration = "guest configuration";

    /// <summary>Registered -> role applied and reported ready.</summary>
    public const string CmsRole = "CMS role";

    /// <summary>Request -> ready, per clone.</summary>
    public const string Total = "total";

    /// <summary>The stages of one host's deployment in the order they happen.</summary>
    public static IReadOnlyList<string> All { get; } = [BundleVerifyCopy, Resume, GuestConfiguration, CmsRole, Total];

    /// <summary>The stages of a cluster deployment in the order they happen.</summary>
    public static IReadOnlyList<string> Cluster { get; } = [StateDistribution, BundleVerifyCopy, Resume, GuestConfiguration, CmsRole, Total];
}
