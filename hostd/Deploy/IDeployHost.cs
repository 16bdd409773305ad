namespace Jumpstart.Hostd.Deploy;

/// <summary>
/// The host operations a deploy needs. The CLI's implementation calls hostd's JSON-RPC API on the
/// control socket (<see cref="HostdDeployHost"/>); the runner does not care how they are carried.
/// </summary>
public interface IDeployHost
{
    /// <summary>Boots the template described by <paramref name="specFile"/>, warms it up and suspends it into a new state bundle; returns the bundle's path.</summary>
    Task<string> CreateBundleAsync(string specFile, string memoryFormat, Action<string> progress, CancellationToken cancellationToken);

    /// <summary>Resumes one clone per entry of <paramref name="clones"/> from <paramref name="bundle"/>; returns their timelines (without the CMS times).</summary>
    Task<IReadOnlyList<CloneTimeline>> CloneAsync(string bundle, DeployClones clones, Action<string> progress, CancellationToken cancellationToken);

    /// <summary>Boots one VM per entry from scratch with its metadata disc already inserted (the cold-boot baseline).</summary>
    Task<IReadOnlyList<CloneTimeline>> ColdBootAsync(string specFile, DeployClones clones, Action<string> progress, CancellationToken cancellationToken);
}
