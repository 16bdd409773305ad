using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>The state store inside jumpstart-hostd (section <c>Store</c> of the hostd configuration): the block server and the fog's catalog.</summary>
public sealed class BlockServiceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Store";

    /// <summary>Whether this host stores combinations for its peers.</summary>
    public bool Enabled { get; set; }

    /// <summary>TCP <c>address:port</c> peers connect to.</summary>
    public string Listen { get; set; } = $"0.0.0.0:{BlockServerOptions.DefaultPort}";

    /// <summary>Where the combinations are kept.</summary>
    public string Directory { get; set; } = "/var/lib/jumpstart/store/blocks";

    /// <summary>The peers allowed in and their tokens (<see cref="PeerTokens"/>).</summary>
    public string TokenFile { get; set; } = "/etc/jumpstart/store-peers";

    /// <summary>The fog's catalog (keys and block maps) the control socket's <c>store.*</c> methods read.</summary>
    public string Catalog { get; set; } = StoreCatalog.DefaultPath;
}
