using System.Text;
using Jumpstart.Shared.Iso9660;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// cloud-init NoCloud seed (volume label <c>cidata</c>): <c>meta-data</c> (YAML: instance-id,
/// local-hostname), <c>user-data</c>, optional <c>network-config</c> (v1 or v2).
/// </summary>
internal static class NoCloudDisc
{
    public const string Label = "cidata";

    public static CloneMetadata Read(IsoImage image)
    {
        var metaData = YamlJson.Parse(ReadText(image, "meta-data") ?? throw new MetadataException("NoCloud disc has no meta-data file"), "meta-data");
        var instanceId = JsonFields.String(metaData, "instance-id", "meta-data")
            ?? throw new MetadataException("meta-data has no instance-id");

        // cloud-init falls back to the instance id when no host name is given.
        var hostname = JsonFields.String(metaData, "local-hostname", "meta-data")
            ?? JsonFields.String(metaData, "hostname", "meta-data")
            ?? instanceId;
        var network = ReadText(image, "network-config") is { } networkText ? YamlJson.Parse(networkText, "network-config") : null;
        var (self, userData) = UserDataFile.Interpret(MetadataFiles.ReadOptional(image, "user-data"));
        return new CloneMetadata
        {
            InstanceId = instanceId,
            Hostname = hostname,
            Interfaces = CloudInitNetworkConfig.Parse(network),
            SelfScript = self,
            UserData = userData,
            Source = MetadataSource.NoCloud,
        };
    }

    private static string? ReadText(IsoImage image, string path)
        => MetadataFiles.ReadOptional(image, path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}
