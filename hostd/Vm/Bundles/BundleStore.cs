using Jumpstart.Hostd.Vm.Supervisor;


namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>
/// The bundles of this host: {StateDirectory}/bundles/NAME. A bundle is written into a hidden
/// staging directory and renamed into place only after its manifest (written last, atomically), so a
/// crash never leaves a half bundle under a real name.
/// </summary>
public sealed class BundleStore(string stateRoot)
{
    public const string Folder = "bundles";

    private const string StagingPrefix = ".staging-";

    public string Root { get; } = Path.Combine(stateRoot, Folder);

    public string PathOf(string name) => Path.Combine(Root, VmNames.Require(name, "bundle name"));

    /// <summary>Names of the complete bundles (those with a manifest), sorted.</summary>
    public IReadOnlyList<string> List()
        => Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root)
                .Where(d => File.Exists(Path.Combine(d, BundleManifest.FileName)))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(VmNames.IsValid)
                .Order(StringComparer.Ordinal)]
            : [];

    /// <summary>The directory of a bundle given by name (in this store) or by absolute path (anywhere, e.g. one received from a peer).</summary>
    /// <exception cref="ArgumentException">Neither a valid name nor an absolute path.</exception>
    public string Resolve(string nameOrPath)
        => Path.IsPathFullyQualified(nameOrPath) ? Path.TrimEndingDirectorySeparator(nameOrPath) : PathOf(nameOrPath);

    /// <exception cref="BundleException">Missing, corrupted or unsupported.</exception>
    public Task<VerifiedBundle> VerifyAsync(string nameOrPath, CancellationToken cancellationToken)
    {
        var path = Resolve(nameOrPath);
        return Directory.Exists(path)
            ? BundleVerifier.VerifyAsync(path, cancellationToken)
            : throw new BundleException(nameOrPath, BundleProblem.NotFound, $"no bundle at {path}");
    }

    /// <summary>Deletes a bundle (clones running from it keep their open files, but new clones cannot start).</summary>
    /// <exception cref="BundleException">No such bundle.</exception>
    public void Remove(string name)
    {
        var path = PathOf(name);
        if (!Directory.Exists(path))
        {
            throw new BundleException(name, BundleProblem.NotFound, "no such bundle");
        }

        Directory.Delete(path, recursive: true);
    }

    /// <summary>A fresh staging directory for bundle <paramref name="name"/>.</summary>
    /// <exception cref="BundleException">A bundle of that name exists.</exception>
    internal string CreateStaging(string name)
    {
        if (Directory.Exists(PathOf(name)))
        {
            throw new BundleException(name, BundleProblem.Exists, "a bundle of that name exists; remove it first");
        }

        var staging = Path.Combine(Root, $"{StagingPrefix}{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>Moves a finished staging directory to its real name.</summary>
    internal string Publish(string staging, string name)
    {
        var final = PathOf(name);
        Directory.Move(staging, final);
        return final;
    }
}
