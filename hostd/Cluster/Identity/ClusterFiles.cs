using System.Text.Json;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// The cluster directory (/var/lib/jumpstart/cluster): the CA certificate and, on the manager, its key; this host's key
/// and certificate; the revocation list; <c>cluster.json</c>; the manager's database. Keys and the database are
/// mode 0600 and the directory 0700: root (hostd's user) only.
/// </summary>
public sealed class ClusterFiles(string directory)
{
    /// <summary>Owner read/write only.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Certificates and the revocation list: anyone may read them.</summary>
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Directory { get; } = directory;

    public string CaCertificate => Path.Combine(Directory, "ca.crt");

    public string CaKey => Path.Combine(Directory, "ca.key");

    public string HostCertificate => Path.Combine(Directory, "host.crt");

    public string HostKey => Path.Combine(Directory, "host.key");

    public string Crl => Path.Combine(Directory, "crl.pem");

    public string Membership => Path.Combine(Directory, "cluster.json");

    public string Database => Path.Combine(Directory, "manager.db");

    /// <summary>Creates the directory (0700) if it is missing.</summary>
    public void Prepare()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, DirectoryMode);
        }
    }

    /// <summary>This host's membership, or null when it is in no cluster.</summary>
    /// <exception cref="ClusterStoreException">cluster.json is unreadable.</exception>
    public ClusterMembership? ReadMembership()
    {
        if (!File.Exists(Membership))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterMembership>(File.ReadAllText(Membership), s_json)
                ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new ClusterStoreException($"{Membership} is damaged ({ex.Message}); move the cluster directory away to leave the cluster", ex);
        }
    }

    /// <summary>Writes cluster.json atomically: the commit point of init and join.</summary>
    public void WriteMembership(ClusterMembership membership)
        => AtomicFile.WriteAllText(Membership, JsonSerializer.Serialize(membership, s_json), PublicMode);

    /// <summary>Writes a key atomically with mode 0600.</summary>
    public static void WritePrivate(string path, string pem) => AtomicFile.WriteAllText(path, pem, PrivateMode);

    /// <summary>Writes a certificate or revocation list atomically with mode 0644.</summary>
    public static void WritePublic(string path, string pem) => AtomicFile.WriteAllText(path, pem, PublicMode);
}
