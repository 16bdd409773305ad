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

    /// <summary>The bundle cache beside this store: bundles received from other hosts, by content address.</summary>
    public string CacheRoot { get; } = Path.Combine(stateRoot, Shipping.BundleCache.Folder);

    /// <summary>
    /// The directory of a bundle given by absolute path (anywhere), by name (this store's, else the most recently used
    /// bundle of that name in the cache: one another host distributed here) or by id (the cache's).
    /// </summary>
    /// <exception cref="ArgumentException">Neither a valid name, an id nor an absolute path.</exception>
    public string Resolve(string nameOrPath)
    {
        if (Path.IsPathFullyQualified(nameOrPath))
        {
            return Path.TrimEndingDirectorySeparator(nameOrPath);
        }

        if (Shipping.BundleCache.IsId(nameOrPath) && Directory.Exists(Path.Combine(CacheRoot, nameOrPath)))
        {
            return Path.Combine(CacheRoot, nameOrPath);
        }

        var named = PathOf(nameOrPath);
        return Directory.Exists(named) ? named : Cached().Where(c => c.Name == nameOrPath).Select(c => c.Path).LastOrDefault() ?? named;
    }

    /// <summary>The bundles in the cache with the names their manifests give, least recently used first.</summary>
    public IReadOnlyList<(string Id, string Name, string Path)> Cached()
    {
        if (!Directory.Exists(CacheRoot))
        {
            return [];
        }

        var held = new List<(string, string, string)>();
        foreach (var directory in new DirectoryInfo(CacheRoot).EnumerateDirectories().Where(d => Shipping.BundleCache.IsId(d.Name)).OrderBy(d => d.LastWriteTimeUtc))
        {
            try
            {
                var json = Jumpstart.Shared.IO.BoundedFile.ReadAllBytes(Path.Combine(directory.FullName, BundleManifest.FileName), BundleFiles.MaxJsonBytes);
                if (System.Text.Json.JsonSerializer.Deserialize<BundleManifest>(json, BundleJson.Options) is { } manifest)
                {
                    held.Add((directory.Name, manifest.Name, directory.FullName));
                }
            }
            catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException or Jumpstart.Shared.IO.InputFileException)
            {
                // Not a readable bundle: not offered; the cache's own checks deal with it.
            }
        }

        return held;
    }

    /// <exception cref="BundleException">Missing, corrupted or unsupported.</exception>
    public Task<VerifiedBundle> VerifyAsync(string nameOrPath, CancellationToken cancellationToken)
        => VerifyAsync(nameOrPath, reuseVerified: false, cancellationToken);

    /// <summary>As above; <paramref name="reuseVerified"/>: parts hashed before and unchanged since are not hashed again (a clone request).</summary>
    /// <exception cref="BundleException">Missing, corrupted or unsupported.</exception>
    public Task<VerifiedBundle> VerifyAsync(string nameOrPath, bool reuseVerified, CancellationToken cancellationToken)
    {
        var path = Resolve(nameOrPath);
        return Directory.Exists(path)
            ? BundleVerifier.VerifyAsync(path, reuseVerified, cancellationToken)
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
