using System.Text.Json.Nodes;

namespace Jumpstart.Tests.Packaging;

/// <summary>What the lifecycle tests need to know about one of the two daemon packages.</summary>
/// <param name="Name">The package name (jumpstart-host, jumpstart-guest).</param>
/// <param name="Unit">Its service unit.</param>
/// <param name="ConfigFile">Its configuration file, a conffile.</param>
/// <param name="Payload">The directory its self-contained publish lives in.</param>
/// <param name="StateMarker">A file the test puts into the package's state to see whether remove keeps it.</param>
/// <param name="Deb">Picks the package's .deb among the built ones.</param>
public sealed record DaemonPackage(string Name, string Unit, string ConfigFile, string Payload, string StateMarker, Func<BuiltPackages, string> Deb)
{
    public static readonly DaemonPackage Host = new(
        "jumpstart-host", "jumpstart-hostd.service", "/etc/jumpstart/hostd.json", "/usr/lib/jumpstart/host",
        "/var/lib/jumpstart/operator-note", p => p.HostDeb);

    public static readonly DaemonPackage Guest = new(
        "jumpstart-guest", "jumpstart-guestd.service", "/etc/jumpstart/guestd.json", "/usr/lib/jumpstart/guest",
        "/var/lib/jumpstart/guestd/operator-note", p => p.GuestDeb);

    /// <summary>The shipped configuration with one value changed (a JSON path such as <c>Logging:LogLevel:Default</c>).</summary>
    public static string WithValue(string shipped, string path, JsonNode value)
    {
        var root = JsonNode.Parse(shipped)!.AsObject();
        var keys = path.Split(':');
        var node = root;
        foreach (var key in keys[..^1])
        {
            node = (node[key] ??= new JsonObject()).AsObject();
        }

        node[keys[^1]] = value;
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
