namespace Jumpstart.Tests.Support;

/// <summary>
/// Values of the <c>Capability</c> trait, so one capability runs alone:
/// <c>dotnet test --filter Capability=JsonRpc</c>.
/// </summary>
public static class Capabilities
{
    public const string Trait = "Capability";
    public const string JsonRpc = "JsonRpc";
    public const string Iso9660 = "Iso9660";
    public const string Metadata = "Metadata";
    public const string Cms = "Cms";
    public const string GuestConfig = "GuestConfig";
    public const string Systemd = "Systemd";
    public const string Cli = "Cli";
    public const string Clone = "Clone";
    public const string Nbd = "Nbd";
    public const string Store = "Store";
    public const string Flows = "Flows";
    public const string Classifier = "Classifier";
    public const string Logging = "Logging";
    public const string Sqlite = "Sqlite";
    public const string DBus = "DBus";
    public const string Metrics = "Metrics";
    public const string Manual = "Manual";
    public const string Cluster = "Cluster";
    public const string Deploy = "Deploy";
    public const string Packaging = "Packaging";
    public const string GuestImage = "GuestImage";

    /// <summary>Several managers on etcd, one leader (issue 20): tests start real etcd members.</summary>
    public const string ControlPlane = "ControlPlane";

    /// <summary>An attack on a real server or CLI process (issue 13); each such test also carries its area's trait.</summary>
    public const string Hostile = "Hostile";
}
