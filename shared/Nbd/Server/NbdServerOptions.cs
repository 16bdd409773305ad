namespace Jumpstart.Shared.Nbd.Server;

/// <summary>Tunables of an <see cref="NbdServer"/>; the defaults suit a host serving its VMs.</summary>
public sealed record NbdServerOptions
{
    /// <summary>Default bound on requests one connection may have in flight.</summary>
    public const int DefaultMaxInFlightRequests = 64;

    /// <summary>Requests one connection runs at once; the server stops reading that socket while this many are
    /// in flight, so a client cannot make it buffer without bound.</summary>
    public int MaxInFlightRequests { get; init; } = DefaultMaxInFlightRequests;

    /// <summary>How long a client may take to finish option haggling before it is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections accepted at once; further ones are closed immediately.</summary>
    public int MaxConnections { get; init; } = 4096;
}
