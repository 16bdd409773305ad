using System.Text.Json;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// The environment variables <c>self</c> and role commands see: the metadata (never the CMS
/// token); role commands also get the assignment's variables as the CMS sent them (JUMPSTART_ROLE,
/// JUMPSTART_MASTER_ADDRESS, the policy's own).
/// </summary>
public static class GuestEnvironment
{
    public const string InstanceId = "JUMPSTART_INSTANCE_ID";
    public const string Hostname = "JUMPSTART_HOSTNAME";
    public const string DeploymentId = "JUMPSTART_DEPLOYMENT_ID";
    public const string Address = "JUMPSTART_ADDRESS";
    public const string Addresses = "JUMPSTART_ADDRESSES";
    public const string Cms = "JUMPSTART_CMS";
    public const string UserData = "JUMPSTART_USER_DATA";
    public const string Source = "JUMPSTART_SOURCE";
    public const string Root = "JUMPSTART_ROOT";
    public const string StateDirectory = "JUMPSTART_STATE_DIR";

    /// <summary>Variables describing the instance.</summary>
    public static Dictionary<string, string?> ForInstance(ValidatedMetadata metadata, string root, string stateDirectory)
    {
        var m = metadata.Metadata;
        var addresses = metadata.AddressesForPeers;
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [InstanceId] = m.InstanceId,
            [Hostname] = m.Hostname,
            [DeploymentId] = m.DeploymentId ?? string.Empty,
            [Address] = addresses.Count > 0 ? addresses[0] : string.Empty,
            [Addresses] = string.Join(' ', addresses),
            [Cms] = m.Cms is { } cms ? $"{cms.Host}:{cms.Port}" : string.Empty,
            [UserData] = m.UserData is { } data ? JsonSerializer.Serialize(data) : string.Empty,
            [Source] = m.Source.ToString(),
            [Root] = root,
            [StateDirectory] = stateDirectory,
        };
    }
}
