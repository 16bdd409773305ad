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

    /// <summary>Authenticated connections at once (<see cref="BlockServerOptions.MaxConnections"/>); null: its default.</summary>
    public int? MaxConnections { get; set; }

    /// <summary>Authenticated connections of one peer (<see cref="BlockServerOptions.MaxConnectionsPerPeer"/>); null: its default.</summary>
    public int? MaxConnectionsPerPeer { get; set; }

    /// <summary>Connections before Hello (<see cref="BlockServerOptions.MaxUnauthenticated"/>); null: its default.</summary>
    public int? MaxUnauthenticated { get; set; }

    /// <summary>Connections before Hello from one source (<see cref="BlockServerOptions.MaxUnauthenticatedPerSource"/>); null: its default.</summary>
    public int? MaxUnauthenticatedPerSource { get; set; }

    /// <summary>Milliseconds from accept to a complete Hello (<see cref="BlockServerOptions.HelloTimeout"/>); null: its default.</summary>
    public int? HelloTimeoutMs { get; set; }

    /// <summary>Milliseconds an authenticated connection may idle (<see cref="BlockServerOptions.IdleTimeout"/>); null: its default.</summary>
    public int? IdleTimeoutMs { get; set; }

    /// <summary>Milliseconds one request may take (<see cref="BlockServerOptions.RequestTimeout"/>); null: its default.</summary>
    public int? RequestTimeoutMs { get; set; }

    /// <summary>Puts and gets holding a block buffer at once (<see cref="BlockServerOptions.MaxRequestsInFlight"/>); null: its default.</summary>
    public int? MaxRequestsInFlight { get; set; }

    /// <summary>The fog's catalog (keys and block maps) the control socket's <c>store.*</c> methods read.</summary>
    public string Catalog { get; set; } = StoreCatalog.DefaultPath;
}
