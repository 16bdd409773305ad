using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jumpstart.Hostd.Cluster.Identity;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// The CMS bearer tokens of a cluster deployment's instances, derived instead of drawn: HMAC-SHA256, under a secret
/// derived from the cluster CA's key (every manager holds it, members do not), of the deployment id, its creation time
/// and the instance id. A new leader that resumes a deployment on the shared (etcd) CMS so finds the tokens the previous
/// leader put on the waiting list and on the clones' discs: an instance it starts again registers as the same entry.
/// A token is as long as a drawn one (<see cref="Vm.Clones.ClonePlanner.TokenBytes"/> bytes, hex) and reveals nothing of
/// another instance's.
/// </summary>
internal sealed class InstanceTokens
{
    /// <summary>The HKDF purpose the secret is derived for.</summary>
    public const string Purpose = "jumpstart cluster deployment instance tokens v1";

    private readonly byte[] _key;

    public InstanceTokens(CertificateAuthority ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        _key = ca.DeriveSecret(Purpose);
    }

    /// <summary>The tokens of deployment <paramref name="deploymentId"/> created at <paramref name="createdAt"/> (to the millisecond, as stores keep it), by instance id.</summary>
    public Func<string, string> Of(string deploymentId, DateTimeOffset createdAt)
    {
        var scope = string.Create(CultureInfo.InvariantCulture, $"{deploymentId}\n{createdAt.ToUnixTimeMilliseconds()}\n");
        return instance =>
        {
            var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(scope + instance));
            return Convert.ToHexStringLower(mac.AsSpan(0, Vm.Clones.ClonePlanner.TokenBytes));
        };
    }
}
