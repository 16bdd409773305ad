using System.Text.Json.Serialization;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>A stored waiting-list entry and, once registered, its role and latest report.</summary>
internal sealed record InstanceRecord
{
    public required string DeploymentId { get; init; }

    public required string InstanceId { get; init; }

    public required byte[] TokenDigest { get; init; }

    /// <summary>The waiting list's rank, else the one the instance gave when registering.</summary>
    public int? Rank { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Null until registered; never changes afterwards.</summary>
    public string? Role { get; init; }

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public string Phase { get; init; } = InstancePhase.Waiting;

    public string? Detail { get; init; }

    /// <summary>1 for the first instance to register, 2 for the next, ...; null while waiting.</summary>
    public long? Arrival { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>When the instance first registered (the CMS's clock).</summary>
    public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>When the row last changed: registration, identity, report or heartbeat (the CMS's clock).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>etcd's mod revision of the row (0 in SQLite): a view keeps the newest of two copies.</summary>
    [JsonIgnore]
    public long Revision { get; init; }

    [JsonIgnore]
    public bool IsRegistered => Role is not null;

    /// <summary>The address peers reach this instance at: the first one, without a prefix length.</summary>
    [JsonIgnore]
    public string? PrimaryAddress
        => Addresses.Count == 0 ? null : Addresses[0].Split('/', 2)[0];

    public PeerInfo ToPeerInfo() => new()
    {
        InstanceId = InstanceId,
        Hostname = Hostname,
        Addresses = Addresses,
        Role = Role,
        Phase = Phase,
        Detail = Detail,
        LastHeartbeat = LastHeartbeat,
        RegisteredAt = RegisteredAt,
        UpdatedAt = UpdatedAt,
    };
}
