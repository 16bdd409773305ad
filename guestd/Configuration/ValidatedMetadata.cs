using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Guestd.Configuration;

/// <summary>A disc's metadata after <see cref="MetadataPlanner"/> accepted it, with the network part typed.</summary>
public sealed record ValidatedMetadata
{
    public required CloneMetadata Metadata { get; init; }

    public required IReadOnlyList<InterfacePlan> Interfaces { get; init; }

    public string InstanceId => Metadata.InstanceId;

    public string Hostname => Metadata.Hostname;

    /// <summary>Every static address in order, without prefix: the first is where peers reach this instance.</summary>
    public IReadOnlyList<string> AddressesForPeers
        => [.. Interfaces.SelectMany(i => i.Addresses).Select(a => a.Address.ToString())];
}
