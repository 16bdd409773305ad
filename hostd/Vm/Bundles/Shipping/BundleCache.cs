using System.Collections.Concurrent;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// The bundles this host received, by content address: {Root}/ID holds manifest.json and the parts, ID being the
/// SHA-256 of manifest.json. A transfer stages into {Root}/.staging-ID and is renamed to ID only when complete and
/// verified. The cache keeps under <see cref="LimitBytes"/> by evicting the least recently used bundles that
/// <see cref="_inUse"/> says no VM uses (a bundle's directory time is its last use).
/// </summary>
public sealed class BundleCache
{
    /// <summary>Folder under the state directory (/var/lib/jumpstart).</summary>
    public const string Folder = "bundle-cache";

    /// <summary>Default size limit of the cache.</summary>
    public const long DefaultLimitBytes = 64L << 30;

    private const string StagingPrefix = ".staging-";

    private readonly Func<string, bool> _inUse;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <param name="root">The cache directory (created if missing).</param>
    /// <param name="limitBytes">Size limit of the bundles held.</param>
    /// <param name="inUse">True for a bundle id some VM uses: never evicted.</param>
    public BundleCache(string root, long limitBytes, Func<string, bool> inUse)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        Root = root;
        LimitBytes = limitBytes;
        _inUse = inUse;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    public long LimitBytes { get; }

    public static bool IsId(string id) => id is { Length: 64 } && id.All(char.IsAsciiHexDigitLower);

    public string PathOf(string id) => Path.Combine(Root, IsId(id) ? id : throw new ArgumentException($"'{id}' is not a bundle id", nameof(id)));

    internal string StagingOf(string id) => Path.Combine(Root, StagingPrefix + id);

    /// <summary>True when the bundle is here (complete: renamed in only after verification); marks it used now.</summary>
    public bool Contains(string id)
    {
        var path = PathOf(id);
        if (!Directory.Exists(path))
        {
            return false;
        }

        Touch(id);
        return true;
    }

    /// <summary>Marks a bundle used now (LRU order).</summary>
    public void Touch(string id) => Directory.SetLastWriteTimeUtc(PathOf(id), DateTime.UtcNow);

    /// <summary>The ids held, least recently used first.</summary>
    public IReadOnlyList<string> List()
        => [.. new DirectoryInfo(Root).EnumerateDirectories()
            .Where(d => IsId(d.Name))
            .OrderBy(d => d.LastWriteTimeUtc)
            .Select(d => d.Name)];

    public long SizeOf(string id) => new DirectoryInfo(PathOf(id)).EnumerateFiles().Sum(f => f.Length);

    public long UsedBytes => List().Sum(SizeOf);

    /// <summary>Evicts least recently used bundles no VM uses until <paramref name="incomingBytes"/> more fit under the limit.</summary>
    /// <returns>The ids evicted.</returns>
    /// <exception cref="ShippingException">Even after evicting every unused bundle there is not room.</exception>
    public IReadOnlyList<string> MakeRoom(long incomingBytes)
    {
        if (incomingBytes > LimitBytes)
        {
            throw new ShippingException(ShippingProblem.NoSpace, $"a bundle of {incomingBytes} bytes exceeds the cache limit of {LimitBytes} bytes");
        }

        var held = List().Select(id => (Id: id, Size: SizeOf(id))).ToList();
        var used = held.Sum(b => b.Size);
        var evicted = new List<string>();
        foreach (var (id, size) in held)
        {
            if (used + incomingBytes <= LimitBytes)
            {
                break;
            }

            if (!_inUse(id))
            {
                Directory.Delete(PathOf(id), recursive: true);
                used -= size;
                evicted.Add(id);
            }
        }

        return used + incomingBytes <= LimitBytes
            ? evicted
            : throw new ShippingException(ShippingProblem.NoSpace, $"the cache holds {used} bytes of bundles in use; {incomingBytes} more exceed its limit of {LimitBytes} bytes");
    }

    /// <summary>One transfer per bundle id at a time on this host.</summary>
    internal async Task<IDisposable> LockAsync(string id, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
