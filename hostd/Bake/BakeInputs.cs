using System.Security.Cryptography;
using System.Text;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Everything a bake depends on, and its content hash (the cache key): the baker's fixed parts (base packages, hook,
/// kernel command line), the recipe (size, packages, each file's destination, mode and SHA-256, each command), the
/// guest package's SHA-256, the apt sources, the archive's state (this machine's Release files) and
/// SOURCE_DATE_EPOCH. The same inputs give the same key, so a second bake is a cache hit.
/// </summary>
public sealed record BakeInputs
{
    /// <summary>Bumped when the bake's output changes for the same inputs.</summary>
    public const string BakerVersion = "jumpstart-bake-3";

    /// <summary>
    /// The base system beside minbase: systemd as init, D-Bus (hostnamed), a kernel, GRUB, guestd's recommendation. The
    /// kernel is Debian's cloud flavour (the one its own cloud images use): virtio, ata_piix/sr_mod for the metadata
    /// CDROM of a pc machine and ext4 built in, 103 MiB of modules instead of the generic kernel's 391 MiB; measured on
    /// the minimal recipe it cut the bake and the image by about a third.
    /// </summary>
    public static readonly string[] BasePackages = ["systemd", "systemd-sysv", "udev", "dbus", "linux-image-cloud-amd64", "grub-pc-bin", "iputils-arping"];

    private const string ListsDirectory = "/var/lib/apt/lists";

    public required string Key { get; init; }

    public required long SourceDateEpoch { get; init; }

    /// <summary>The apt source files given to mmdebstrap.</summary>
    public required IReadOnlyList<string> SourceFiles { get; init; }

    /// <summary>The root file system's UUID, derived from the key.</summary>
    public required Guid RootUuid { get; init; }

    /// <summary>The kernel command line (direct boot and grub.cfg alike).</summary>
    public string Append => $"root=UUID={RootUuid} ro console=ttyS0,115200 panic=-1";

    /// <summary>Hashes the inputs of <paramref name="recipe"/> under <paramref name="options"/>.</summary>
    public static async Task<BakeInputs> ComputeAsync(BakeRecipe recipe, BakeOptions options, CancellationToken cancellationToken)
    {
        var sources = options.Sources.Count > 0 ? options.Sources.Select(Path.GetFullPath).ToArray() : DefaultSources();
        if (sources.Length == 0)
        {
            throw BakeException.StepFailed("this machine has no apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/*.sources): give --sources FILE");
        }

        foreach (var source in sources.Where(s => !File.Exists(s)))
        {
            throw BakeException.NoInput($"no apt source file {source}");
        }

        if (!File.Exists(options.GuestPackage))
        {
            throw BakeException.NoInput($"no guest package {options.GuestPackage} (packaging/build-packages makes jumpstart-guest_*.deb)");
        }

        var releases = Directory.Exists(ListsDirectory)
            ? Directory.GetFiles(ListsDirectory, "*Release").Order(StringComparer.Ordinal).ToArray()
            : [];
        var epoch = options.SourceDateEpoch ?? EpochFromEnvironment() ?? ArchiveEpoch(releases);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData([0]);
        }

        Add(BakerVersion);
        Add(BakeOptions.Suite);
        Add(string.Join(',', BasePackages));
        Add(BakeHookScript.Text);
        Add(BakeHookScript.GrubModules);
        Add(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(recipe.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(string.Join(',', recipe.Packages));
        foreach (var file in recipe.Files)
        {
            Add(file.Destination);
            Add(((int)file.Mode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add(await FileSha256Async(file.Source, cancellationToken));
        }

        foreach (var command in recipe.Commands)
        {
            Add(string.Join('\0', command));
        }

        Add(await FileSha256Async(options.GuestPackage, cancellationToken));
        foreach (var file in sources.Concat(releases))
        {
            Add(file);
            Add(await FileSha256Async(file, cancellationToken));
        }

        var digest = hash.GetHashAndReset();
        var uuid = SHA256.HashData([.. digest, .. "root-uuid"u8])[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x40); // RFC 9562 §5.4: version 4 layout (the bits are a hash, not random)
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
        return new BakeInputs
        {
            Key = Convert.ToHexStringLower(digest)[..16],
            SourceDateEpoch = epoch,
            SourceFiles = sources,
            RootUuid = new Guid(uuid, bigEndian: true),
        };
    }

    private static string[] DefaultSources()
    {
        const string Directory = "/etc/apt/sources.list.d";
        var deb822 = System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory, "*.sources").Order(StringComparer.Ordinal).ToArray() : [];
        if (deb822.Length > 0)
        {
            return deb822;
        }

        string[] lists = System.IO.Directory.Exists(Directory) ? [.. System.IO.Directory.GetFiles(Directory, "*.list").Order(StringComparer.Ordinal)] : [];
        return [.. new[] { "/etc/apt/sources.list" }.Where(File.Exists).Concat(lists)];
    }

    private static long? EpochFromEnvironment()
        => long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var epoch) && epoch >= 0 ? epoch : null;

    // apt keeps a Release file's Last-Modified as its mtime: the archive's date, the same on every machine using it.
    private static long ArchiveEpoch(string[] releases)
        => releases.Length == 0 ? 0 : releases.Max(r => new DateTimeOffset(File.GetLastWriteTimeUtc(r)).ToUnixTimeSeconds());

    private static async Task<string> FileSha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
